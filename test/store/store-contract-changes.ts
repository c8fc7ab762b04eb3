/**
 * The `changes` section of the Store contract: the change log (entries in the
 * allocation's transaction, live-edge merging, retention and its floor, data
 * versions per range) and webhook deliveries (queued per granted webhook,
 * claimed under a lease, finished, paused after failures in a row).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AllocationWrite, ChangeWrite, Store } from '../../src/store/store.js';
import { SITE_FIELDS } from '../../src/store/store.js';
import { DEV_1, DEV_2, METER_1, SITE_A, SITE_B, developer, meter, site } from './store-fixtures.js';

const QH = 15 * 60 * 1000;
const T0 = Date.UTC(2024, 2, 4);
const HOOK_1 = '61dfcf00eba4e3564021f3b0';
const HOOK_2 = '61dfcf00eba4e3564021f3b1';

const entry = (kind: ChangeWrite['kind'], from: number, to: number, at: number, reason = 'late data'): ChangeWrite => ({ kind, meter_ids: [METER_1], from, to, reason, at });

/** an allocation of one interval at t carrying `changes` */
function write(t: number, entries: ChangeWrite[], pruneBefore = 0): AllocationWrite {
  const one = Float64Array.of(t);
  const site = { t: one, fields: Object.fromEntries(SITE_FIELDS.map((k) => [k, Float64Array.of(1)])) as AllocationWrite['site']['fields'] };
  return {
    site_id: SITE_A, from: t, to: t + QH, changes: { entries, prune_before: pruneBefore },
    days: { from: t, to: t, site: { t: new Float64Array(0), fields: Object.fromEntries(SITE_FIELDS.map((k) => [k, new Float64Array(0)])) as AllocationWrite['site']['fields'] }, meters: [] },
    site,
    meters: [{ meter_id: METER_1, cols: { t: one, im: Float64Array.of(1), ex: Float64Array.of(0), estimated: Uint8Array.of(0), total: Float64Array.of(1), self: Float64Array.of(NaN), ext: Float64Array.of(NaN) } }],
  };
}

export function changesContract(get: () => Store): void {
  describe('changes', () => {
    let store: Store;

    beforeEach(async () => {
      store = get();
      await store.insertSite(site(SITE_A));
      await store.insertSite(site(SITE_B));
      await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
      await store.insertDeveloper(developer(DEV_1, 'one'));
      await store.insertDeveloper(developer(DEV_2, 'two'));
    });

    it('should record entries with an allocation, list history entries only, in order, after a seq', async () => {
      await store.applyAllocation(write(T0, [entry('append', T0, T0 + QH, 1)]));
      await store.applyAllocation(write(T0, [entry('data', T0 - 10 * QH, T0 - 8 * QH, 2), entry('append', T0 + QH, T0 + 2 * QH, 2)]));
      await store.recordChanges(SITE_A, { entries: [entry('lock', T0 - 100 * QH, T0 - 50 * QH, 3, 'lock date set')], prune_before: 0 });
      const { changes, floor } = await store.listChanges(SITE_A, 0, 10);
      expect(floor).toBe(0);
      expect(changes.map((c) => [c.kind, c.from, c.to, c.at, c.reason, c.meter_ids, c.site_id])).toEqual([
        ['data', T0 - 10 * QH, T0 - 8 * QH, 2, 'late data', [METER_1], SITE_A],
        ['lock', T0 - 100 * QH, T0 - 50 * QH, 3, 'lock date set', [METER_1], SITE_A],
      ]);
      expect(changes[1].seq).toBeGreaterThan(changes[0].seq);
      expect((await store.listChanges(SITE_A, changes[0].seq, 10)).changes.map((c) => c.kind)).toEqual(['lock']);
      expect((await store.listChanges(SITE_A, 0, 1)).changes).toHaveLength(1);
      expect((await store.listChanges(SITE_B, 0, 10)).changes).toEqual([]);
    });

    it('should version a range by the last entry touching it, appends included, and merge live-edge appends within a day', async () => {
      expect(await store.dataVersion(SITE_A, T0, T0 + QH)).toBe(0);
      await store.applyAllocation(write(T0, [entry('append', T0, T0 + QH, 1)]));
      const v1 = await store.dataVersion(SITE_A, T0, T0 + QH);
      expect(v1).toBeGreaterThan(0);
      await store.applyAllocation(write(T0 + QH, [entry('append', T0 + QH, T0 + 2 * QH, 2)]));
      // merged into one entry: the older range's version moves too (never stays behind a change)
      expect(await store.dataVersion(SITE_A, T0 + QH, T0 + 2 * QH)).toBeGreaterThan(v1);
      const v2 = await store.dataVersion(SITE_A, T0, T0 + QH);
      await store.applyAllocation(write(T0 - 96 * QH, [entry('data', T0 - 96 * QH, T0 - 95 * QH, 3)]));
      expect(await store.dataVersion(SITE_A, T0, T0 + QH)).toBe(v2);
      expect(await store.dataVersion(SITE_A, T0 - 100 * QH, T0 - 90 * QH)).toBeGreaterThan(v2);
      expect(await store.dataVersion(SITE_B, T0 - 100 * QH, T0 + 100 * QH)).toBe(0);
    });

    it('should drop entries older than prune_before and keep their last seq as the floor of cursors and versions', async () => {
      await store.applyAllocation(write(T0, [entry('data', T0, T0 + QH, 100)]));
      const old = (await store.listChanges(SITE_A, 0, 10)).changes[0].seq;
      await store.applyAllocation(write(T0, [entry('data', T0 + 5 * QH, T0 + 6 * QH, 500)], 200));
      const { changes, floor } = await store.listChanges(SITE_A, 0, 10);
      expect(floor).toBe(old);
      expect(changes.map((c) => c.at)).toEqual([500]);
      // a range touched only by the dropped entry is at least at the floor
      expect(await store.dataVersion(SITE_A, T0 + 100 * QH, T0 + 101 * QH)).toBe(old);
    });

    it('should know each meter\'s last interval and the site\'s extent', async () => {
      expect(await store.lastIntervals([METER_1])).toEqual([null]);
      expect(await store.siteExtent(SITE_A)).toBeNull();
      await store.applyAllocation(write(T0, []));
      await store.applyAllocation(write(T0 + 4 * QH, []));
      expect(await store.lastIntervals([METER_1])).toEqual([T0 + 4 * QH]);
      expect(await store.siteExtent(SITE_A)).toEqual({ from: T0, to: T0 + 5 * QH });
    });

    it('should sum the day counts of several meters, and say when a day has none (written before they were kept)', async () => {
      const w = write(T0, []);
      w.days = {
        from: T0, to: T0 + 2 * 96 * QH, site: w.days.site,
        meters: [{ meter_id: METER_1, cols: { t: Float64Array.of(T0, T0 + 96 * QH), total: Float64Array.of(1, 2), self: Float64Array.of(NaN, NaN), ext: Float64Array.of(NaN, NaN), present: Float64Array.of(96, 40), estimated: Float64Array.of(8, 0) } }],
      };
      await store.applyAllocation(w);
      expect(await store.dayCounts([METER_1], T0, T0 + 2 * 96 * QH)).toEqual({ t: Float64Array.of(T0, T0 + 96 * QH), present: Float64Array.of(96, 40), estimated: Float64Array.of(8, 0) });
      expect(await store.dayCounts([METER_1], T0 + 96 * QH, T0 + 2 * 96 * QH)).toEqual({ t: Float64Array.of(T0 + 96 * QH), present: Float64Array.of(40), estimated: Float64Array.of(0) });
      const { present: _p, estimated: _e, ...plain } = w.days.meters[0].cols;
      await store.applyAllocation({ ...w, days: { ...w.days, meters: [{ meter_id: METER_1, cols: plain }] } });
      expect(await store.dayCounts([METER_1], T0, T0 + 2 * 96 * QH)).toBeNull();
      // the day sums themselves are as they were
      expect(Array.from((await store.readMeterAllocDays(METER_1, T0, T0 + 2 * 96 * QH)).total)).toEqual([1, 2]);
    });

    describe('webhook deliveries', () => {
      beforeEach(async () => {
        await store.putGrant({ developer_id: DEV_1, site_id: SITE_A, history_from: null, consent_ref: 'c', created_at: 1 });
        await store.putGrant({ developer_id: DEV_2, site_id: SITE_A, history_from: T0 + 50 * QH, consent_ref: 'c', created_at: 1 });
        for (const [id, dev] of [[HOOK_1, DEV_1], [HOOK_2, DEV_2]]) {
          await store.insertWebhook({ id, developer_id: dev, url: `https://example.com/${id}`, secret: `secret-${id}`, created_at: 5, failures: 0, paused_at: null, paused_reason: null });
        }
      });

      it('should queue a delivery per webhook of a developer granted the site (within history_from), none for appends', async () => {
        await store.applyAllocation(write(T0, [entry('append', T0, T0 + QH, 10), entry('data', T0, T0 + QH, 10)]));
        await store.recordChanges(SITE_A, { entries: [entry('correction', T0, T0 + 60 * QH, 11, 'revalidation')], prune_before: 0 });
        expect((await store.listDeliveries(HOOK_1, 10)).map((d) => d.status)).toEqual(['pending', 'pending']);
        // the second developer sees only what reaches past its history limit
        const two = await store.listDeliveries(HOOK_2, 10);
        expect(two).toHaveLength(1);
        expect(two[0]).toMatchObject({ site_id: SITE_A, attempts: 0, status: 'pending', next_attempt_at: 11, log: [] });
        expect((await store.getWebhook(HOOK_2))!).toMatchObject({ developer_id: DEV_2, url: `https://example.com/${HOOK_2}`, secret: `secret-${HOOK_2}` });
        expect((await store.listWebhooks(DEV_1)).map((w) => w.id)).toEqual([HOOK_1]);
      });

      it('should claim due deliveries under a lease, with what sending needs, and finish them', async () => {
        await store.applyAllocation(write(T0, [entry('data', T0, T0 + 60 * QH, 10)]));
        const claimed = await store.claimDeliveries(1000, 60_000, 10);
        expect(claimed.map((d) => d.url).sort()).toEqual([`https://example.com/${HOOK_1}`, `https://example.com/${HOOK_2}`]);
        const mine = claimed.find((d) => d.webhook_id === HOOK_2)!;
        expect(mine).toMatchObject({ secret: `secret-${HOOK_2}`, timezone: 'Europe/Zurich', history_from: T0 + 50 * QH });
        expect(mine.change).toMatchObject({ kind: 'data', from: T0, to: T0 + 60 * QH, site_id: SITE_A });
        // leased: nobody else takes them meanwhile
        expect(await store.claimDeliveries(2000, 60_000, 10)).toEqual([]);
        await store.finishDelivery(mine.id, { attempt: { at: 2000, status: 500, error: 'HTTP 500', ms: 12 }, body: 'oops', delivered: false, next_attempt_at: 5000, pause_after: 2 });
        expect(await store.claimDeliveries(4999, 60_000, 10)).toEqual([]);
        const again = await store.claimDeliveries(5000, 60_000, 10);
        expect(again.map((d) => d.id)).toEqual([mine.id]);
        expect(again[0]).toMatchObject({ attempts: 1, last_status: 500, last_body: 'oops' });
        await store.finishDelivery(mine.id, { attempt: { at: 6000, status: 204, error: null, ms: 3 }, body: '', delivered: true, next_attempt_at: null, pause_after: 2 });
        const [d] = await store.listDeliveries(HOOK_2, 10);
        expect(d).toMatchObject({ status: 'delivered', attempts: 2, next_attempt_at: null, last_status: 204 });
        expect(d.log).toEqual([{ at: 2000, status: 500, error: 'HTTP 500', ms: 12 }, { at: 6000, status: 204, error: null, ms: 3 }]);
        expect((await store.getWebhook(HOOK_2))!.failures).toBe(0);
        // retention drops finished deliveries with the entries, never a pending one
        await store.recordChanges(SITE_A, { entries: [], prune_before: 11 });
        expect(await store.listDeliveries(HOOK_2, 10)).toEqual([]);
        expect((await store.listDeliveries(HOOK_1, 10)).map((x) => x.status)).toEqual(['pending']);
      });

      it('should pause a webhook after failures in a row, with the reason, hold its deliveries, and resume it', async () => {
        await store.applyAllocation(write(T0, [entry('data', T0, T0 + 60 * QH, 10)]));
        for (let k = 0; k < 2; k++) {
          const [d] = (await store.claimDeliveries(1000 + k * 10_000, 1000, 10)).filter((x) => x.webhook_id === HOOK_1);
          await store.finishDelivery(d.id, { attempt: { at: 1000 + k * 10_000, status: null, error: 'ECONNREFUSED', ms: 1 }, body: null, delivered: false, next_attempt_at: 2000 + k * 10_000, pause_after: 2 });
        }
        const w = (await store.getWebhook(HOOK_1))!;
        expect(w.failures).toBe(2);
        expect(w.paused_at).toBe(11_000);
        expect(w.paused_reason).toBe('paused after 2 failed attempts in a row; the last: ECONNREFUSED');
        expect((await store.claimDeliveries(100_000, 1000, 10)).map((d) => d.webhook_id)).toEqual([HOOK_2]);
        await store.setWebhookPaused(HOOK_1, null);
        expect((await store.getWebhook(HOOK_1))!).toMatchObject({ failures: 0, paused_at: null, paused_reason: null });
        expect((await store.claimDeliveries(200_000, 1000, 10)).map((d) => d.webhook_id).sort()).toEqual([HOOK_1, HOOK_2]);
      });
    });
  });
}
