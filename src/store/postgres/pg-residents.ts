/** The PostgreSQL side of the portal's records (see resident-store.ts). */
import type { Invite, OperatorAccount, PortalSession, Resident, ResidentPatch, Tenancy, TenancyFilter } from '../resident-store.js';
import { PgPipeline } from './pg-pipeline.js';

const TENANCY = 'SELECT t.id, t.meter_id, t.resident_id, t.from_ts AS "from", t.to_ts AS "to" FROM tenancies t';
const RESIDENT_FIELDS = new Set(['name', 'email', 'language', 'password_hash']);

export class PgResidents extends PgPipeline {
  async insertResident(r: Resident): Promise<void> {
    await this.pool.query('INSERT INTO residents(id, name, email, language, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [r.id, r.name, r.email, r.language, r.password_hash, r.created_at]);
  }

  async updateResident(id: string, patch: ResidentPatch): Promise<void> {
    const keys = Object.keys(patch).filter((k) => patch[k as keyof ResidentPatch] !== undefined);
    const bad = keys.find((k) => !RESIDENT_FIELDS.has(k));
    if (bad !== undefined) throw new Error(`cannot update residents.${bad}`);
    if (keys.length === 0) return;
    await this.pool.query(`UPDATE residents SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...keys.map((k) => patch[k as keyof ResidentPatch])]);
  }

  async getResident(id: string): Promise<Resident | null> {
    return (await this.one<Resident>('SELECT * FROM residents WHERE id = $1', [id])) ?? null;
  }

  async getResidentByEmail(email: string): Promise<Resident | null> {
    return (await this.one<Resident>('SELECT * FROM residents WHERE email = $1', [email])) ?? null;
  }

  async listResidents(): Promise<Resident[]> {
    return (await this.pool.query<Resident>('SELECT * FROM residents ORDER BY name, id')).rows;
  }

  async deleteResident(id: string): Promise<boolean> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('DELETE FROM tenancies WHERE resident_id = $1', [id]);
      await c.query('DELETE FROM invites WHERE resident_id = $1', [id]);
      await c.query("DELETE FROM portal_sessions WHERE kind = 'resident' AND subject_id = $1", [id]);
      const r = await c.query('DELETE FROM residents WHERE id = $1', [id]);
      await c.query('COMMIT');
      return (r.rowCount ?? 0) > 0;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async insertTenancy(t: Tenancy): Promise<void> {
    await this.pool.query('INSERT INTO tenancies(id, meter_id, resident_id, from_ts, to_ts) VALUES ($1, $2, $3, $4, $5)', [t.id, t.meter_id, t.resident_id, t.from, t.to]);
  }

  async updateTenancy(id: string, patch: Partial<Pick<Tenancy, 'from' | 'to'>>): Promise<void> {
    if (patch.from !== undefined) await this.pool.query('UPDATE tenancies SET from_ts = $2 WHERE id = $1', [id, patch.from]);
    if (patch.to !== undefined) await this.pool.query('UPDATE tenancies SET to_ts = $2 WHERE id = $1', [id, patch.to]);
  }

  async deleteTenancy(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM tenancies WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async getTenancy(id: string): Promise<Tenancy | null> {
    return (await this.one<Tenancy>(`${TENANCY} WHERE t.id = $1`, [id])) ?? null;
  }

  async listTenancies(f: TenancyFilter): Promise<Tenancy[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.resident_id !== undefined) (args.push(f.resident_id), where.push(`t.resident_id = $${args.length}`));
    if (f.meter_id !== undefined) (args.push(f.meter_id), where.push(`t.meter_id = $${args.length}`));
    if (f.site_id !== undefined) {
      args.push(f.site_id);
      where.push(`t.meter_id IN (SELECT m.id FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = $${args.length})`);
    }
    const sql = `${TENANCY}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY t.meter_id, t.from_ts`;
    return (await this.pool.query<Tenancy>(sql, args)).rows;
  }

  async insertOperatorAccount(a: OperatorAccount): Promise<void> {
    await this.pool.query('INSERT INTO operator_accounts(id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)', [a.id, a.username, a.password_hash, a.created_at]);
  }

  async updateOperatorPassword(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE operator_accounts SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
  }

  async getOperatorAccount(username: string): Promise<OperatorAccount | null> {
    return (await this.one<OperatorAccount>('SELECT * FROM operator_accounts WHERE username = $1', [username])) ?? null;
  }

  async listOperatorAccounts(): Promise<OperatorAccount[]> {
    return (await this.pool.query<OperatorAccount>('SELECT * FROM operator_accounts ORDER BY username')).rows;
  }

  async insertSession(s: PortalSession): Promise<void> {
    await this.pool.query('INSERT INTO portal_sessions(id_hash, kind, subject_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [s.id_hash, s.kind, s.subject_id, s.csrf, s.created_at, s.expires_at]);
  }

  async getSession(idHash: string): Promise<PortalSession | null> {
    return (await this.one<PortalSession>('SELECT * FROM portal_sessions WHERE id_hash = $1', [idHash])) ?? null;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.pool.query('DELETE FROM portal_sessions WHERE id_hash = $1', [idHash]);
  }

  async insertInvite(i: Invite): Promise<void> {
    await this.pool.query('INSERT INTO invites(token_hash, resident_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)', [i.token_hash, i.resident_id, i.created_at, i.expires_at, i.used_at]);
  }

  async getInvite(tokenHash: string): Promise<Invite | null> {
    return (await this.one<Invite>('SELECT * FROM invites WHERE token_hash = $1', [tokenHash])) ?? null;
  }

  async consumeInvite(tokenHash: string, now: number): Promise<Invite | null> {
    return (await this.one<Invite>('UPDATE invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING *', [tokenHash, now])) ?? null;
  }
}
