/** Billing's part of the Store contract: the setup per site, runs, and finalizing once with the lock date. */
import { describe, expect, it } from 'vitest';
import type { BillingRunRecord } from '../../src/store/billing-store.js';
import type { Store } from '../../src/store/store.js';
import { SITE_A, SITE_B, site } from './store-fixtures.js';

const RUN_1 = '61dfcf20eba4e3564021f3d0';
const RUN_2 = '61dfcf20eba4e3564021f3d1';
const Q1_END = Date.UTC(2026, 2, 31, 22);

function run(id: string, siteId: string, createdAt: number): BillingRunRecord {
  return {
    id, site_id: siteId, from: '2026-01-01', to: '2026-04-01', from_ms: Date.UTC(2025, 11, 31, 23), to_ms: Q1_END,
    status: 'draft', created_at: createdAt, finalized_at: null,
    input: { tariffs: [{ id: 't', valid_from: '2026-01-01' }] }, run: { invoices: [{ participant_id: 'p', total: 12345 }] }, numbers: null, override: null,
  };
}

export function billingContract(get: () => Store): void {
  describe('billing setups and runs', () => {
    it('should store one setup per site, replace it, and keep sites apart', async () => {
      const store = get();
      await store.insertSite(site(SITE_A));
      await store.insertSite(site(SITE_B));
      expect(await store.getBillingSetup(SITE_A)).toBeNull();
      await store.putBillingSetup({ site_id: SITE_A, doc: { tariffs: [{ id: 'a', price: '0.2' }] }, updated_at: 1 });
      await store.putBillingSetup({ site_id: SITE_A, doc: { tariffs: [{ id: 'b' }], owner: { name: 'Ö' } }, updated_at: 2 });
      expect(await store.getBillingSetup(SITE_A)).toEqual({ site_id: SITE_A, doc: { tariffs: [{ id: 'b' }], owner: { name: 'Ö' } }, updated_at: 2 });
      expect(await store.getBillingSetup(SITE_B)).toBeNull();
    });

    it('should store runs whole, list a site\'s newest first, and finalize a draft exactly once, moving the lock date forward', async () => {
      const store = get();
      await store.insertSite(site(SITE_A));
      await store.insertSite(site(SITE_B));
      await store.insertBillingRun(run(RUN_1, SITE_A, 10));
      await store.insertBillingRun(run(RUN_2, SITE_A, 20));
      expect(await store.getBillingRun(RUN_1)).toEqual(run(RUN_1, SITE_A, 10));
      expect(await store.getBillingRun('61dfcf20eba4e3564021f3ff')).toBeNull();
      expect((await store.listBillingRuns(SITE_A)).map((r) => r.id)).toEqual([RUN_2, RUN_1]);
      expect(await store.listBillingRuns(SITE_B)).toEqual([]);
      expect(await store.countFinalizedBillingRuns(SITE_A)).toBe(0);

      const f = { finalized_at: 30, numbers: { p: '2026-001-001' }, run: { invoices: [], frozen: true }, override: { reason: 'owner agreed', participant_ids: ['p'], at: 30 }, lock_date: Q1_END };
      const [a, b] = await Promise.all([store.finalizeBillingRun(RUN_1, f), store.finalizeBillingRun(RUN_1, { ...f, numbers: { p: 'other' } })]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const done = await store.getBillingRun(RUN_1);
      expect(done).toMatchObject({ status: 'finalized', finalized_at: 30, numbers: { p: '2026-001-001' }, run: { frozen: true }, override: { reason: 'owner agreed' } });
      expect((await store.getSite(SITE_A))?.lock_date).toBe(Q1_END);
      expect((await store.getSite(SITE_B))?.lock_date).toBeNull();
      expect(await store.countFinalizedBillingRuns(SITE_A)).toBe(1);

      // a later lock date stays: finalizing an earlier period never moves it back
      await store.updateSite(SITE_A, { lock_date: Q1_END + 1e9 });
      expect(await store.finalizeBillingRun(RUN_2, { ...f, override: null })).toBe(true);
      expect((await store.getSite(SITE_A))?.lock_date).toBe(Q1_END + 1e9);
      expect((await store.getBillingRun(RUN_2))?.override).toBeNull();
    });
  });
}
