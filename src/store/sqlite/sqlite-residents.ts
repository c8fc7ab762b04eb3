/** The SQLite side of the portal's records (see resident-store.ts). */
import type { Invite, OperatorAccount, PortalSession, Resident, ResidentPatch, Tenancy, TenancyFilter } from '../resident-store.js';
import { SqlitePipeline } from './sqlite-pipeline.js';

type Row = Record<string, unknown>;

const TENANCY = 'SELECT t.id, t.meter_id, t.resident_id, t.from_ts AS "from", t.to_ts AS "to" FROM tenancies t';
const RESIDENT_FIELDS = new Set(['name', 'email', 'language', 'password_hash']);

export class SqliteResidents extends SqlitePipeline {
  async insertResident(r: Resident): Promise<void> {
    this.stmt('INSERT INTO residents(id, name, email, language, password_hash, created_at) VALUES (@id, @name, @email, @language, @password_hash, @created_at)').run(r);
  }

  async updateResident(id: string, patch: ResidentPatch): Promise<void> {
    const keys = Object.keys(patch).filter((k) => patch[k as keyof ResidentPatch] !== undefined);
    const bad = keys.find((k) => !RESIDENT_FIELDS.has(k));
    if (bad !== undefined) throw new Error(`cannot update residents.${bad}`);
    if (keys.length === 0) return;
    this.stmt(`UPDATE residents SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...patch, id });
  }

  async getResident(id: string): Promise<Resident | null> {
    return (this.stmt('SELECT * FROM residents WHERE id = ?').get(id) as Resident | undefined) ?? null;
  }

  async getResidentByEmail(email: string): Promise<Resident | null> {
    return (this.stmt('SELECT * FROM residents WHERE email = ?').get(email) as Resident | undefined) ?? null;
  }

  async listResidents(): Promise<Resident[]> {
    return this.stmt('SELECT * FROM residents ORDER BY name, id').all() as Resident[];
  }

  async deleteResident(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.stmt('DELETE FROM tenancies WHERE resident_id = ?').run(id);
      this.stmt('DELETE FROM invites WHERE resident_id = ?').run(id);
      this.stmt("DELETE FROM portal_sessions WHERE kind = 'resident' AND subject_id = ?").run(id);
      return this.stmt('DELETE FROM residents WHERE id = ?').run(id).changes > 0;
    })();
  }

  async insertTenancy(t: Tenancy): Promise<void> {
    this.stmt('INSERT INTO tenancies(id, meter_id, resident_id, from_ts, to_ts) VALUES (?, ?, ?, ?, ?)').run(t.id, t.meter_id, t.resident_id, t.from, t.to);
  }

  async updateTenancy(id: string, patch: Partial<Pick<Tenancy, 'from' | 'to'>>): Promise<void> {
    if (patch.from !== undefined) this.stmt('UPDATE tenancies SET from_ts = ? WHERE id = ?').run(patch.from, id);
    if (patch.to !== undefined) this.stmt('UPDATE tenancies SET to_ts = ? WHERE id = ?').run(patch.to, id);
  }

  async deleteTenancy(id: string): Promise<boolean> {
    return this.stmt('DELETE FROM tenancies WHERE id = ?').run(id).changes > 0;
  }

  async getTenancy(id: string): Promise<Tenancy | null> {
    return (this.stmt(`${TENANCY} WHERE t.id = ?`).get(id) as Tenancy | undefined) ?? null;
  }

  async listTenancies(f: TenancyFilter): Promise<Tenancy[]> {
    const where: string[] = [];
    const args: Row = {};
    if (f.resident_id !== undefined) (where.push('t.resident_id = @resident_id'), (args.resident_id = f.resident_id));
    if (f.meter_id !== undefined) (where.push('t.meter_id = @meter_id'), (args.meter_id = f.meter_id));
    if (f.site_id !== undefined) {
      where.push('t.meter_id IN (SELECT m.id FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = @site_id)');
      args.site_id = f.site_id;
    }
    const sql = `${TENANCY}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY t.meter_id, t.from_ts`;
    return this.stmt(sql).all(args) as Tenancy[];
  }

  async insertOperatorAccount(a: OperatorAccount): Promise<void> {
    this.stmt('INSERT INTO operator_accounts(id, username, password_hash, created_at) VALUES (@id, @username, @password_hash, @created_at)').run(a);
  }

  async updateOperatorPassword(id: string, passwordHash: string): Promise<void> {
    this.stmt('UPDATE operator_accounts SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  async getOperatorAccount(username: string): Promise<OperatorAccount | null> {
    return (this.stmt('SELECT * FROM operator_accounts WHERE username = ?').get(username) as OperatorAccount | undefined) ?? null;
  }

  async listOperatorAccounts(): Promise<OperatorAccount[]> {
    return this.stmt('SELECT * FROM operator_accounts ORDER BY username').all() as OperatorAccount[];
  }

  async insertSession(s: PortalSession): Promise<void> {
    this.stmt('INSERT INTO portal_sessions(id_hash, kind, subject_id, csrf, created_at, expires_at) VALUES (@id_hash, @kind, @subject_id, @csrf, @created_at, @expires_at)').run(s);
  }

  async getSession(idHash: string): Promise<PortalSession | null> {
    return (this.stmt('SELECT * FROM portal_sessions WHERE id_hash = ?').get(idHash) as PortalSession | undefined) ?? null;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.stmt('DELETE FROM portal_sessions WHERE id_hash = ?').run(idHash);
  }

  async insertInvite(i: Invite): Promise<void> {
    this.stmt('INSERT INTO invites(token_hash, resident_id, created_at, expires_at, used_at) VALUES (@token_hash, @resident_id, @created_at, @expires_at, @used_at)').run(i);
  }

  async getInvite(tokenHash: string): Promise<Invite | null> {
    return (this.stmt('SELECT * FROM invites WHERE token_hash = ?').get(tokenHash) as Invite | undefined) ?? null;
  }

  async consumeInvite(tokenHash: string, now: number): Promise<Invite | null> {
    const r = this.stmt('UPDATE invites SET used_at = @now WHERE token_hash = @h AND used_at IS NULL AND expires_at > @now RETURNING *').get({ h: tokenHash, now });
    return (r as Invite | undefined) ?? null;
  }
}
