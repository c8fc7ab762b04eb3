/**
 * The part of the Store that the portal needs: residents and their
 * tenancies, operator accounts, portal sessions and one-time invites. Secrets
 * (passwords, session ids, invite tokens) are stored hashed only.
 */
import type { Tenancy } from '../core/residents/tenancy.js';

export type { Tenancy };

export interface Resident {
  id: string;
  name: string;
  /** unique, lower case: the resident's login */
  email: string;
  /** preferred language of the portal (de, fr, it, en); null: the browser's */
  language: string | null;
  /** null until the resident set a password through an invite */
  password_hash: string | null;
  created_at: number;
}

export type ResidentPatch = Partial<Pick<Resident, 'name' | 'email' | 'language' | 'password_hash'>>;

export interface OperatorAccount {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
}

/** who a session belongs to: an operator (by account id, or "token" for the operator token) or a resident */
export interface PortalSession {
  id_hash: string;
  kind: 'operator' | 'resident';
  subject_id: string;
  /** the CSRF token every change in this session must carry */
  csrf: string;
  created_at: number;
  expires_at: number;
}

export interface Invite {
  token_hash: string;
  resident_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface TenancyFilter {
  resident_id?: string;
  meter_id?: string;
  site_id?: string;
}

export interface ResidentStore {
  insertResident(r: Resident): Promise<void>;
  updateResident(id: string, patch: ResidentPatch): Promise<void>;
  getResident(id: string): Promise<Resident | null>;
  getResidentByEmail(email: string): Promise<Resident | null>;
  listResidents(): Promise<Resident[]>;
  /** the resident with their tenancies, invites and sessions; false when there was none */
  deleteResident(id: string): Promise<boolean>;

  insertTenancy(t: Tenancy): Promise<void>;
  updateTenancy(id: string, patch: Partial<Pick<Tenancy, 'from' | 'to'>>): Promise<void>;
  deleteTenancy(id: string): Promise<boolean>;
  getTenancy(id: string): Promise<Tenancy | null>;
  /** ordered by meter, then from */
  listTenancies(filter: TenancyFilter): Promise<Tenancy[]>;

  insertOperatorAccount(a: OperatorAccount): Promise<void>;
  updateOperatorPassword(id: string, passwordHash: string): Promise<void>;
  getOperatorAccount(username: string): Promise<OperatorAccount | null>;
  listOperatorAccounts(): Promise<OperatorAccount[]>;

  insertSession(s: PortalSession): Promise<void>;
  getSession(idHash: string): Promise<PortalSession | null>;
  deleteSession(idHash: string): Promise<void>;

  insertInvite(i: Invite): Promise<void>;
  getInvite(tokenHash: string): Promise<Invite | null>;
  /** marks an unused, unexpired invite used and returns it; null when it is unknown, used or expired (one use, even concurrently) */
  consumeInvite(tokenHash: string, now: number): Promise<Invite | null>;
}
