/**
 * The part of the Store that billing needs: one billing setup per site (the
 * operator's document of tariffs, VAT, owner, units and common area, kept as
 * given) and the billing runs with their frozen inputs and outputs. JSON is
 * stored as text in both engines: it is written once and read whole.
 */

export interface StoredBillingSetup {
  site_id: string;
  /** the setup document as the operator gave it (validated before it is stored) */
  doc: Record<string, unknown>;
  updated_at: number;
}

export type BillingRunStatus = 'draft' | 'finalized';

export interface CapOverrideRecord {
  reason: string;
  /** the participants whose cap excess it accepted */
  participant_ids: string[];
  at: number;
}

export interface BillingRunRecord {
  id: string;
  site_id: string;
  /** the period as asked for (local dates of the site) */
  from: string;
  to: string;
  /** the same period as UTC ms */
  from_ms: number;
  to_ms: number;
  status: BillingRunStatus;
  created_at: number;
  finalized_at: number | null;
  /** everything the run was computed from except the 15-minute columns (tariffs, participants, units, tenancies, owner…) */
  input: Record<string, unknown>;
  /** the core's BillingRun, as computed (with any cap override applied at finalizing) */
  run: Record<string, unknown>;
  /** invoice number per participant id, set when finalized */
  numbers: Record<string, string> | null;
  override: CapOverrideRecord | null;
}

export interface BillingFinalization {
  finalized_at: number;
  numbers: Record<string, string>;
  run: Record<string, unknown>;
  override: CapOverrideRecord | null;
  /** the site's lock date becomes at least this (the period end) */
  lock_date: number;
}

export interface BillingStore {
  putBillingSetup(s: StoredBillingSetup): Promise<void>;
  getBillingSetup(siteId: string): Promise<StoredBillingSetup | null>;

  insertBillingRun(r: BillingRunRecord): Promise<void>;
  getBillingRun(id: string): Promise<BillingRunRecord | null>;
  /** newest first */
  listBillingRuns(siteId: string): Promise<BillingRunRecord[]>;
  /** how many runs of the site are finalized (invoice numbers continue from it) */
  countFinalizedBillingRuns(siteId: string): Promise<number>;
  /**
   * Finalizes a draft and moves its site's lock date forward to the period
   * end, in one transaction. False (and nothing changed) when the run is not
   * a draft any more: a run is finalized once, even by concurrent requests.
   */
  finalizeBillingRun(id: string, f: BillingFinalization): Promise<boolean>;
}
