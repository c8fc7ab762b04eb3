/** The PostgreSQL side of billing setups and runs (see billing-store.ts). */
import type { BillingFinalization, BillingRunRecord, StoredBillingSetup } from '../billing-store.js';
import { BILLING_RUN_COLUMNS, billingRunFromRow, billingRunToRow } from '../billing-rows.js';
import { PgResidents } from './pg-residents.js';

export class PgBilling extends PgResidents {
  async putBillingSetup(s: StoredBillingSetup): Promise<void> {
    await this.pool.query(
      'INSERT INTO billing_setups(site_id, doc_json, updated_at) VALUES ($1, $2, $3) ON CONFLICT (site_id) DO UPDATE SET doc_json = excluded.doc_json, updated_at = excluded.updated_at',
      [s.site_id, JSON.stringify(s.doc), s.updated_at],
    );
  }

  async getBillingSetup(siteId: string): Promise<StoredBillingSetup | null> {
    const r = await this.one('SELECT * FROM billing_setups WHERE site_id = $1', [siteId]);
    return r ? { site_id: String(r.site_id), doc: JSON.parse(String(r.doc_json)), updated_at: Number(r.updated_at) } : null;
  }

  async insertBillingRun(r: BillingRunRecord): Promise<void> {
    await this.pool.query(`INSERT INTO billing_runs(${BILLING_RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, billingRunToRow(r));
  }

  async getBillingRun(id: string): Promise<BillingRunRecord | null> {
    const r = await this.one('SELECT * FROM billing_runs WHERE id = $1', [id]);
    return r ? billingRunFromRow(r) : null;
  }

  async listBillingRuns(siteId: string): Promise<BillingRunRecord[]> {
    return (await this.q('SELECT * FROM billing_runs WHERE site_id = $1 ORDER BY created_at DESC, id DESC', [siteId])).map(billingRunFromRow);
  }

  async countFinalizedBillingRuns(siteId: string): Promise<number> {
    const r = await this.one("SELECT count(*) AS n FROM billing_runs WHERE site_id = $1 AND status = 'finalized'", [siteId]);
    return Number(r?.n ?? 0);
  }

  async finalizeBillingRun(id: string, f: BillingFinalization): Promise<boolean> {
    return this.tx(async (c) => {
      const done = await c.query(
        "UPDATE billing_runs SET status = 'finalized', finalized_at = $2, numbers_json = $3, run_json = $4, override_json = $5 WHERE id = $1 AND status = 'draft' RETURNING site_id",
        [id, f.finalized_at, JSON.stringify(f.numbers), JSON.stringify(f.run), f.override === null ? null : JSON.stringify(f.override)],
      );
      if (done.rowCount === 0) return false;
      await c.query('UPDATE sites SET lock_date = GREATEST(COALESCE(lock_date, $2), $2), config_version = config_version + 1 WHERE id = $1', [done.rows[0].site_id, f.lock_date]);
      return true;
    }, true);
  }
}
