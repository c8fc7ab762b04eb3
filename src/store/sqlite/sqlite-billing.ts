/** The SQLite side of billing setups and runs (see billing-store.ts). */
import type { BillingFinalization, BillingRunRecord, StoredBillingSetup } from '../billing-store.js';
import { BILLING_RUN_COLUMNS, billingRunFromRow, billingRunToRow } from '../billing-rows.js';
import { SqliteResidents } from './sqlite-residents.js';

type Row = Record<string, unknown>;

export class SqliteBilling extends SqliteResidents {
  async putBillingSetup(s: StoredBillingSetup): Promise<void> {
    this.stmt('INSERT INTO billing_setups(site_id, doc_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(site_id) DO UPDATE SET doc_json = excluded.doc_json, updated_at = excluded.updated_at')
      .run(s.site_id, JSON.stringify(s.doc), s.updated_at);
  }

  async getBillingSetup(siteId: string): Promise<StoredBillingSetup | null> {
    const r = this.stmt('SELECT * FROM billing_setups WHERE site_id = ?').get(siteId) as Row | undefined;
    return r ? { site_id: String(r.site_id), doc: JSON.parse(String(r.doc_json)), updated_at: Number(r.updated_at) } : null;
  }

  async insertBillingRun(r: BillingRunRecord): Promise<void> {
    this.stmt(`INSERT INTO billing_runs(${BILLING_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...billingRunToRow(r));
  }

  async getBillingRun(id: string): Promise<BillingRunRecord | null> {
    const r = this.stmt('SELECT * FROM billing_runs WHERE id = ?').get(id) as Row | undefined;
    return r ? billingRunFromRow(r) : null;
  }

  async listBillingRuns(siteId: string): Promise<BillingRunRecord[]> {
    return (this.stmt('SELECT * FROM billing_runs WHERE site_id = ? ORDER BY created_at DESC, id DESC').all(siteId) as Row[]).map(billingRunFromRow);
  }

  async countFinalizedBillingRuns(siteId: string): Promise<number> {
    return Number((this.stmt("SELECT count(*) AS n FROM billing_runs WHERE site_id = ? AND status = 'finalized'").get(siteId) as Row).n);
  }

  async finalizeBillingRun(id: string, f: BillingFinalization): Promise<boolean> {
    return this.db.transaction(() => {
      const done = this.stmt("UPDATE billing_runs SET status = 'finalized', finalized_at = ?, numbers_json = ?, run_json = ?, override_json = ? WHERE id = ? AND status = 'draft'")
        .run(f.finalized_at, JSON.stringify(f.numbers), JSON.stringify(f.run), f.override === null ? null : JSON.stringify(f.override), id);
      if (done.changes === 0) return false;
      this.stmt('UPDATE sites SET lock_date = max(coalesce(lock_date, ?), ?), config_version = config_version + 1 WHERE id = (SELECT site_id FROM billing_runs WHERE id = ?)')
        .run(f.lock_date, f.lock_date, id);
      return true;
    })();
  }
}
