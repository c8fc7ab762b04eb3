/**
 * The `pipeline` section of the Store contract: ingest outcomes, pending work,
 * raw windows, quality, allocation and its reads, sensors, and data spread
 * over months and years. Store interface only, like the rest of the contract.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AllocationWrite, MeterIntervalColumns, RawMeterReading, RawWindow, SiteAllocColumns, Store } from '../../src/store/store.js';
import { SITE_FIELDS } from '../../src/store/store.js';
import { METER_1, METER_2, SENSOR_1, SENSOR_2, SITE_A, SITE_B, UNUSED, meter, sensor, site } from './store-fixtures.js';

const QH = 15 * 60 * 1000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4); // a Monday in March 2024

function rd(meterId: string, ts: number, en_im: number | null, en_ex: number | null = null, heat: number | null = null, vol: number | null = null): RawMeterReading {
  return { meter_id: meterId, ts, en_im, en_ex, heat_energy_kwh: heat, vol_m3: vol };
}

const f64 = (xs: number[]) => Float64Array.from(xs);

function intervals(ts: number[], base: number, share: boolean): MeterIntervalColumns {
  return {
    t: f64(ts),
    im: f64(ts.map((_, i) => base + i * 0.25)),
    ex: f64(ts.map((_, i) => (i % 3) * 0.125)),
    estimated: Uint8Array.from(ts.map((_, i) => (i % 4 === 1 ? 1 : 0))),
    total: f64(ts.map((_, i) => base + i * 0.25)),
    self: f64(ts.map((_, i) => (share ? (base + i * 0.25) / 3 : NaN))),
    ext: f64(ts.map((_, i) => (share ? ((base + i * 0.25) * 2) / 3 : NaN))),
  };
}

function siteCols(ts: number[], seed: number): SiteAllocColumns {
  const fields = Object.fromEntries(SITE_FIELDS.map((k, j) => [k, f64(ts.map((_, i) => seed + j * 10 + i * 0.5))])) as SiteAllocColumns['fields'];
  return { t: f64(ts), fields };
}

function allocation(from: number, to: number, seed: number, step = QH): AllocationWrite {
  const ts: number[] = [];
  for (let t = from; t < to; t += step) ts.push(t);
  const dayFrom = Math.floor(from / DAY) * DAY;
  const dayTo = Math.ceil(to / DAY) * DAY;
  const days: number[] = [];
  for (let d = dayFrom; d < dayTo; d += DAY) days.push(d);
  const dayCols = (share: boolean) => ({
    t: f64(days),
    total: f64(days.map((_, i) => seed * 100 + i)),
    self: f64(days.map((_, i) => (share ? seed * 10 + i : NaN))),
    ext: f64(days.map((_, i) => (share ? seed + i / 4 : NaN))),
  });
  return {
    site_id: SITE_A,
    from,
    to,
    days: { from: dayFrom, to: dayTo, site: siteCols(days, seed * 1000), meters: [{ meter_id: METER_1, cols: dayCols(true) }, { meter_id: METER_2, cols: dayCols(false) }] },
    site: siteCols(ts, seed),
    meters: [{ meter_id: METER_1, cols: intervals(ts, seed, true) }, { meter_id: METER_2, cols: intervals(ts, seed + 0.5, false) }],
  };
}

/** the same numbers, NaN included (toEqual on typed arrays already treats NaN as equal; this says so explicitly) */
function same(a: Float64Array, b: Float64Array | number[]): void {
  expect(Array.from(a).map((x) => (Number.isNaN(x) ? 'NaN' : x))).toEqual(Array.from(b).map((x) => (Number.isNaN(x) ? 'NaN' : x)));
}

export function pipelineContract(get: () => Store): void {
  describe('pipeline', () => {
    let store: Store;

    beforeEach(async () => {
      store = get();
      await store.insertSite(site(SITE_A));
      await store.insertSite(site(SITE_B));
      await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
      await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2, type: 'heating', mode: 'consumption' }));
      await store.insertSensor(sensor(SENSOR_1, SITE_A));
      await store.insertSensor(sensor(SENSOR_2, SITE_A));
    });

    describe('insertReadings', () => {
      it('should store new readings exactly, nulls and awkward doubles included, with an outcome per row', async () => {
        const rows = [
          rd(METER_1, T0, 0.1 + 0.2, 1e-300),
          rd(METER_1, T0 + QH, 123456789.123456789, 0),
          rd(METER_2, T0, null, null, 98765.4321, 12.000000000000002),
          rd(METER_1, T0 + 2 * QH, -0.5, Number.MAX_SAFE_INTEGER),
        ];
        const r = await store.insertReadings(SITE_A, rows, [], T0 + DAY);
        expect(r).toEqual({ meters: ['stored', 'stored', 'stored', 'stored'], sensors: [] });
        expect(await store.rawReadings(METER_1, T0, T0 + 2 * QH)).toEqual([rows[0], rows[1], rows[3]]);
        expect(await store.rawReadings(METER_2, T0, T0)).toEqual([rows[2]]);
        const got = (await store.rawReadings(METER_1, T0, T0))[0];
        expect(typeof got.ts).toBe('number');
        expect(got.en_im).toBe(0.1 + 0.2);
        expect(got.heat_energy_kwh).toBeNull();
      });

      it('should call a reading of a stored instant a duplicate when identical and a conflict otherwise', async () => {
        await store.insertReadings(SITE_A, [rd(METER_1, T0, 10, 1), rd(METER_1, T0 + QH, 11, null)], [], 1);
        const r = await store.insertReadings(SITE_A, [
          rd(METER_1, T0, 10, 1), // identical
          rd(METER_1, T0 + QH, 11, 0), // null register now sent
          rd(METER_1, T0, 10, 2), // another value
          rd(METER_1, T0 + 2 * QH, 12, 1), // new
        ], [], 2);
        expect(r.meters).toEqual(['duplicate', 'conflict', 'conflict', 'stored']);
        // the first value stays
        expect((await store.rawReadings(METER_1, T0, T0 + 2 * QH)).map((x) => [x.en_im, x.en_ex])).toEqual([[10, 1], [11, null], [12, 1]]);
      });

      it('should let the first of two readings of one instant in one batch win, in input order', async () => {
        const r = await store.insertReadings(SITE_A, [
          rd(METER_1, T0 + QH, 5),
          rd(METER_1, T0, 1),
          rd(METER_1, T0 + QH, 5),
          rd(METER_1, T0 + QH, 6),
          rd(METER_2, T0 + QH, 6),
          rd(METER_1, T0, 1),
        ], [], 1);
        expect(r.meters).toEqual(['stored', 'stored', 'duplicate', 'conflict', 'stored', 'duplicate']);
        expect((await store.rawReadings(METER_1, T0, T0 + QH)).map((x) => x.en_im)).toEqual([1, 5]);
        expect((await store.rawReadings(METER_2, T0, T0 + QH)).map((x) => x.en_im)).toEqual([6]);
      });

      it('should answer an empty batch with empty outcomes', async () => {
        expect(await store.insertReadings(SITE_A, [], [], 1)).toEqual({ meters: [], sensors: [] });
        expect(await store.listPending(SITE_A)).toEqual([]);
      });

      it('should refuse a batch naming an unknown meter and store none of it', async () => {
        await expect(store.insertReadings(SITE_A, [rd(METER_1, T0, 1), rd(UNUSED, T0, 1)], [], 1)).rejects.toThrow();
        expect(await store.rawReadings(METER_1, 0, T0 * 2)).toEqual([]);
        expect(await store.listPending(SITE_A)).toEqual([]);
      });
    });

    describe('pending work', () => {
      it('should record per meter the span of a batch that stored something, in order', async () => {
        await store.insertReadings(SITE_A, [rd(METER_2, T0 + 5 * QH, 1), rd(METER_1, T0 + 3 * QH, 1), rd(METER_1, T0, 1), rd(METER_1, T0 + QH, 1)], [], 1);
        const p = await store.listPending(SITE_A);
        expect(p.map(({ meter_id, from, to }) => ({ meter_id, from, to }))).toEqual([
          { meter_id: METER_1, from: T0, to: T0 + 3 * QH },
          { meter_id: METER_2, from: T0 + 5 * QH, to: T0 + 5 * QH },
        ]);
        expect(p[0].seq).toBeLessThan(p[1].seq);
        expect(typeof p[0].seq).toBe('number');
        expect(await store.sitesWithPending()).toEqual([SITE_A]);
        expect(await store.listPending(SITE_B)).toEqual([]);
      });

      it('should add no pending span for a batch of duplicates and conflicts only, and the whole span otherwise', async () => {
        await store.insertReadings(SITE_A, [rd(METER_1, T0, 1), rd(METER_1, T0 + QH, 2)], [], 1);
        await store.settlePending((await store.listPending(SITE_A)).map((p) => p.seq));
        await store.insertReadings(SITE_A, [rd(METER_1, T0, 1), rd(METER_1, T0 + QH, 3)], [], 2);
        expect(await store.listPending(SITE_A)).toEqual([]);
        expect(await store.sitesWithPending()).toEqual([]);
        await store.insertReadings(SITE_A, [rd(METER_1, T0 - QH, 1), rd(METER_1, T0 + QH, 2)], [], 3);
        expect((await store.listPending(SITE_A)).map((p) => [p.from, p.to])).toEqual([[T0 - QH, T0 + QH]]);
      });

      it('should queue validation requests and settle exactly the given ones', async () => {
        await store.enqueueValidation(SITE_A, [{ meter_id: METER_1, from: T0, to: T0 + DAY }, { meter_id: METER_2, from: T0 - DAY, to: T0 }]);
        await store.enqueueValidation(SITE_B, []);
        await store.insertReadings(SITE_A, [rd(METER_2, T0 + 7 * QH, 1)], [], 1);
        const p = await store.listPending(SITE_A);
        expect(p.map((x) => [x.meter_id, x.from, x.to])).toEqual([[METER_1, T0, T0 + DAY], [METER_2, T0 - DAY, T0], [METER_2, T0 + 7 * QH, T0 + 7 * QH]]);
        await store.settlePending([p[0].seq, p[2].seq]);
        expect((await store.listPending(SITE_A)).map((x) => x.seq)).toEqual([p[1].seq]);
        await store.settlePending([]);
        await store.settlePending([p[1].seq, p[1].seq]);
        expect(await store.listPending(SITE_A)).toEqual([]);
        expect(await store.sitesWithPending()).toEqual([]);
      });
    });

    describe('raw reads', () => {
      beforeEach(async () => {
        await store.insertReadings(SITE_A, Array.from({ length: 10 }, (_, i) => rd(METER_1, T0 + i * QH, i)), [], 1);
      });

      const tsOf = (w: RawWindow) => Array.from(w.ts, (t) => (t - T0) / QH);
      const EL = ['en_im', 'en_ex'] as const;

      it('should give a window with context on both sides and say whether there is more', async () => {
        const w = await store.rawWindow(METER_1, T0 + 3 * QH, T0 + 5 * QH, 2, EL);
        expect(tsOf(w)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect([w.moreBefore, w.moreAfter]).toEqual([true, true]);
        const first = rd(METER_1, T0 + QH, 1);
        // a register the reading lacks (en_ex here) reads 0
        expect([w.ts[0], w.im[0], w.ex[0]]).toEqual([first.ts, first.en_im, 0]);
        const one = await store.rawWindow(METER_1, T0 + 3 * QH, T0 + 5 * QH, 0, ['en_im']);
        expect([...one.im, ...one.ex]).toEqual([3, 4, 5, 0, 0, 0]);
        await expect(store.rawWindow(METER_1, T0, T0, 0, ['ts; DROP TABLE raw_readings' as never])).rejects.toThrow(/registers must be/);
        const x = await store.rawWindow(METER_1, T0 + 3 * QH, T0 + 5 * QH, 3, EL);
        expect(tsOf(x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
        expect([x.moreBefore, x.moreAfter]).toEqual([false, true]);
        const y = await store.rawWindow(METER_1, T0 + 3 * QH, T0 + 5 * QH, 0, EL);
        expect(tsOf(y)).toEqual([3, 4, 5]);
        expect([y.moreBefore, y.moreAfter]).toEqual([true, true]);
      });

      it('should handle windows at and beyond the edges of the data', async () => {
        const all = await store.rawWindow(METER_1, T0, T0 + 9 * QH, 5, EL);
        expect(tsOf(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect([all.moreBefore, all.moreAfter]).toEqual([false, false]);
        const gap = await store.rawWindow(METER_1, T0 + 4 * QH + 1, T0 + 5 * QH - 1, 1, EL);
        expect(tsOf(gap)).toEqual([4, 5]);
        expect([gap.moreBefore, gap.moreAfter]).toEqual([true, true]);
        const late = await store.rawWindow(METER_1, T0 + DAY, T0 + 2 * DAY, 2, EL);
        expect(tsOf(late)).toEqual([8, 9]);
        expect([late.moreBefore, late.moreAfter]).toEqual([true, false]);
        const none = await store.rawWindow(METER_2, T0, T0 + DAY, 3, EL);
        expect({ ...none, ts: [...none.ts], im: [...none.im], ex: [...none.ex] }).toEqual({ ts: [], im: [], ex: [], moreBefore: false, moreAfter: false });
      });

      it('should read [from, to] inclusive and know the extent', async () => {
        expect((await store.rawReadings(METER_1, T0 + 2 * QH, T0 + 4 * QH)).map((r) => r.en_im)).toEqual([2, 3, 4]);
        expect(await store.rawReadings(METER_1, T0 + 2 * QH + 1, T0 + 3 * QH - 1)).toEqual([]);
        expect(await store.rawExtent(METER_1)).toEqual({ from: T0, to: T0 + 9 * QH });
        expect(await store.rawExtent(METER_2)).toBeNull();
      });
    });

    describe('quality', () => {
      const rec = (over: object) => ({ meter_id: METER_1, kind: 'discrepancy' as const, from: T0, to: T0, reason: 'late', detail: '', recorded_at: 5, ...over });

      it('should replace rejections and cut estimated spans at the range edges, keeping discrepancies', async () => {
        await store.replaceQuality({
          meter_id: METER_1, from: T0, to: T0 + 10 * QH, recorded_at: 100,
          rejections: [{ ts: T0 + 2 * QH, reason: 'negative', detail: 'en_im -1' }, { ts: T0 + 8 * QH, reason: 'spike', detail: '' }],
          spans: [{ from: T0 + 4 * QH, to: T0 + 7 * QH, reason: 'gap', detail: '3 missing' }],
        });
        await store.addQuality([rec({ from: T0 + 3 * QH, to: T0 + 3 * QH })]);
        await store.replaceQuality({ meter_id: METER_2, from: T0, to: T0 + 10 * QH, recorded_at: 100, rejections: [{ ts: T0, reason: 'x', detail: 'y' }], spans: [] });
        const first = await store.listQuality(SITE_A);
        expect(first.map((q) => [q.meter_id, q.kind, (q.from - T0) / QH, (q.to - T0) / QH, q.reason])).toEqual([
          [METER_2, 'rejection', 0, 0, 'x'],
          [METER_1, 'rejection', 2, 2, 'negative'],
          [METER_1, 'discrepancy', 3, 3, 'late'],
          [METER_1, 'estimated', 4, 7, 'gap'],
          [METER_1, 'rejection', 8, 8, 'spike'],
        ]);
        expect(first[1]).toEqual({ meter_id: METER_1, kind: 'rejection', from: T0 + 2 * QH, to: T0 + 2 * QH, reason: 'negative', detail: 'en_im -1', recorded_at: 100 });

        await store.replaceQuality({
          meter_id: METER_1, from: T0 + 5 * QH, to: T0 + 6 * QH, recorded_at: 200,
          rejections: [], spans: [{ from: T0 + 5 * QH, to: T0 + 6 * QH, reason: 'flat', detail: '' }],
        });
        await store.replaceQuality({ meter_id: METER_1, from: T0, to: T0 + 3 * QH, recorded_at: 300, rejections: [{ ts: T0 + QH, reason: 'n', detail: '' }], spans: [] });
        const after = await store.listQuality(SITE_A);
        expect(after.map((q) => [q.meter_id, q.kind, (q.from - T0) / QH, (q.to - T0) / QH, q.reason, q.recorded_at])).toEqual([
          [METER_2, 'rejection', 0, 0, 'x', 100],
          [METER_1, 'rejection', 1, 1, 'n', 300],
          [METER_1, 'discrepancy', 3, 3, 'late', 5],
          [METER_1, 'estimated', 4, 5, 'gap', 100],
          [METER_1, 'estimated', 5, 6, 'flat', 200],
          [METER_1, 'estimated', 6, 7, 'gap', 100],
          [METER_1, 'rejection', 8, 8, 'spike', 100],
        ]);
        expect(await store.listQuality(SITE_B)).toEqual([]);
      });

      it('should order the kept parts of a cut span before records written with them', async () => {
        await store.replaceQuality({ meter_id: METER_1, from: T0, to: T0 + 8 * QH, recorded_at: 1, rejections: [], spans: [{ from: T0 + 4 * QH, to: T0 + 7 * QH, reason: 'gap', detail: '' }] });
        // a rejection at the range's end (outside it) starts where the right-hand part does
        await store.replaceQuality({ meter_id: METER_1, from: T0 + 5 * QH, to: T0 + 6 * QH, recorded_at: 2, rejections: [{ ts: T0 + 6 * QH, reason: 'edge', detail: '' }], spans: [] });
        expect((await store.listQuality(SITE_A)).map((q) => [q.kind, (q.from - T0) / QH, (q.to - T0) / QH])).toEqual([
          ['estimated', 4, 5], ['estimated', 6, 7], ['rejection', 6, 6],
        ]);
      });

      it('should keep records of the same start in the order they were added', async () => {
        await store.addQuality([rec({ reason: 'b' }), rec({ reason: 'a', meter_id: METER_2 }), rec({ reason: 'c', to: T0 + QH })]);
        await store.addQuality([]);
        expect((await store.listQuality(SITE_A)).map((q) => q.reason)).toEqual(['b', 'a', 'c']);
      });
    });

    describe('allocation', () => {
      it('should store intervals, allocation and day sums, and read them back columnar (NaN ↔ NULL)', async () => {
        const w = allocation(T0, T0 + 8 * QH, 1);
        await store.applyAllocation(w);
        const [a, b, a2] = await store.readIntervals([METER_1, METER_2, METER_1], T0, T0 + 8 * QH);
        expect(a.t).toBeInstanceOf(Float64Array);
        expect(a.estimated).toBeInstanceOf(Uint8Array);
        expect(a).toEqual({ t: w.meters[0].cols.t, im: w.meters[0].cols.im, ex: w.meters[0].cols.ex, estimated: w.meters[0].cols.estimated });
        expect(a2).toEqual(a);
        same(b.im, w.meters[1].cols.im);
        const m1 = await store.readMeterAlloc(METER_1, T0, T0 + 8 * QH);
        same(m1.self, w.meters[0].cols.self);
        same(m1.ext, w.meters[0].cols.ext);
        const m2 = await store.readMeterAlloc(METER_2, T0, T0 + 8 * QH);
        same(m2.t, w.meters[1].cols.t);
        same(m2.total, w.meters[1].cols.total);
        expect(Array.from(m2.self).every(Number.isNaN)).toBe(true);
        expect(Array.from(m2.ext).every(Number.isNaN)).toBe(true);
        const s = await store.readSiteAlloc(SITE_A, T0, T0 + 8 * QH);
        expect(s).toEqual(w.site);
        for (const k of SITE_FIELDS) expect(s.fields[k]).toBeInstanceOf(Float64Array);
        expect(await store.readSiteAllocDays(SITE_A, w.days.from, w.days.to)).toEqual(w.days.site);
        const d1 = await store.readMeterAllocDays(METER_1, w.days.from, w.days.to);
        expect(d1).toEqual(w.days.meters[0].cols);
        const d2 = await store.readMeterAllocDays(METER_2, w.days.from, w.days.to);
        same(d2.total, w.days.meters[1].cols.total);
        expect(Array.from(d2.self).every(Number.isNaN)).toBe(true);
        // [from, to): the end is excluded
        expect(Array.from((await store.readIntervals([METER_1], T0 + QH, T0 + 3 * QH))[0].t)).toEqual([T0 + QH, T0 + 2 * QH]);
        expect(Array.from((await store.readSiteAlloc(SITE_A, T0 + 7 * QH, T0 + 9 * QH)).t)).toEqual([T0 + 7 * QH]);
        expect((await store.readSiteAlloc(SITE_B, T0, T0 + DAY)).t).toHaveLength(0);
        expect(await store.readIntervals([], T0, T0 + DAY)).toEqual([]);
      });

      it('should replace exactly [from, to) on a second write', async () => {
        await store.applyAllocation(allocation(T0, T0 + 8 * QH, 1));
        const w2 = allocation(T0 + 2 * QH, T0 + 6 * QH, 7, 2 * QH); // fewer rows: the others in the range go
        await store.applyAllocation(w2);
        const [a] = await store.readIntervals([METER_1], T0, T0 + 8 * QH);
        expect(Array.from(a.t).map((t) => (t - T0) / QH)).toEqual([0, 1, 2, 4, 6, 7]);
        expect(Array.from(a.im)).toEqual([1, 1.25, 7, 7.25, 2.5, 2.75]);
        const s = await store.readSiteAlloc(SITE_A, T0, T0 + 8 * QH);
        expect(Array.from(s.t).map((t) => (t - T0) / QH)).toEqual([0, 1, 2, 4, 6, 7]);
        expect(s.fields.self[2]).toBe(w2.site.fields.self[0]);
        expect(await store.readSiteAllocDays(SITE_A, w2.days.from, w2.days.to)).toEqual(w2.days.site);
        same((await store.readMeterAllocDays(METER_1, w2.days.from, w2.days.to)).total, w2.days.meters[0].cols.total);
      });

      it('should keep, to the bit, the intervals of the days a write only cuts, and count and find them after', async () => {
        // three whole days, -0 and a negative share among the values
        const w = allocation(T0, T0 + 3 * DAY, 2);
        w.meters[0].cols.im[5] = -0;
        w.meters[0].cols.self[6] = -0.0625;
        await store.applyAllocation(w);
        // a write from mid day 0 to mid day 2, with starts not on slots, holding every other interval of one meter only
        const from = T0 + 90 * QH + 1;
        const to = T0 + 2 * DAY + 4 * QH - 1;
        const w2 = allocation(T0 + 91 * QH, to, 5, 2 * QH);
        w2.from = from;
        w2.meters = [{ meter_id: METER_1, cols: w2.meters[0].cols }];
        await store.applyAllocation(w2);
        // the model: the first write's rows outside [from, to), the second's inside
        const keep = Array.from(w.meters[0].cols.t).flatMap((t, i) => (t < from || t >= to ? [i] : []));
        const t = [...keep.map((i) => w.meters[0].cols.t[i]), ...Array.from(w2.meters[0].cols.t)].sort((x, y) => x - y);
        const [a, b] = await store.readIntervals([METER_1, METER_2], T0 - DAY, T0 + 4 * DAY);
        expect(Array.from(a.t)).toEqual(t);
        expect(Object.is(a.im[5], -0)).toBe(true);
        const m1 = await store.readMeterAlloc(METER_1, T0, T0 + 3 * DAY);
        expect(m1.self[6]).toBe(-0.0625);
        expect(m1.self[91]).toBe(w2.meters[0].cols.self[0]);
        // METER_2 was not in the second write: untouched
        expect(b.t).toHaveLength(3 * 96);
        const counts = await store.intervalCounts([METER_1, METER_2], T0 + 88 * QH, T0 + 96 * QH);
        expect(Array.from(counts.t).map((x) => (x - T0) / QH)).toEqual([88, 89, 90, 91, 92, 93, 94, 95]);
        expect(Array.from(counts.present)).toEqual([2, 2, 2, 2, 1, 2, 1, 2]);
        expect(await store.lastIntervals([METER_1, METER_2, METER_1])).toEqual([T0 + 3 * DAY - QH, T0 + 3 * DAY - QH, T0 + 3 * DAY - QH]);
        // a write emptying whole days leaves no trace of them
        const w3 = allocation(T0 + DAY, T0 + 3 * DAY, 6);
        w3.meters = [{ meter_id: METER_1, cols: intervals([], 0, true) }];
        await store.applyAllocation(w3);
        expect(await store.lastIntervals([METER_1])).toEqual([T0 + 95 * QH]);
        expect(Array.from((await store.readIntervals([METER_1], T0, T0 + 4 * DAY))[0].t)).toEqual(t.filter((x) => x < T0 + DAY));
      });

      it('should let the last columns of a meter named twice in one write win', async () => {
        const w = allocation(T0, T0 + 4 * QH, 1);
        const again = allocation(T0, T0 + 4 * QH, 3, 2 * QH);
        w.meters.push({ meter_id: METER_1, cols: again.meters[0].cols });
        await store.applyAllocation(w);
        const [a] = await store.readIntervals([METER_1], T0, T0 + 4 * QH);
        expect(a).toEqual({ t: again.meters[0].cols.t, im: again.meters[0].cols.im, ex: again.meters[0].cols.ex, estimated: again.meters[0].cols.estimated });
      });

      it('should refuse an allocation naming an unknown meter', async () => {
        const w = allocation(T0, T0 + 2 * QH, 1);
        w.meters.push({ meter_id: UNUSED, cols: intervals([T0], 1, true) });
        await expect(store.applyAllocation(w)).rejects.toThrow();
      });
    });

    describe('sensor readings', () => {
      it('should store, find duplicates and conflicts (first in a batch wins) and read ranges', async () => {
        expect(await store.latestSensorTs(SENSOR_1)).toBeNull();
        const s = (id: string, ts: number, value: number) => ({ sensor_id: id, ts, value });
        const r1 = await store.insertReadings(SITE_A, [], [s(SENSOR_1, T0 + QH, 21.5), s(SENSOR_1, T0, 20.25), s(SENSOR_2, T0, 40), s(SENSOR_1, T0, 20.25), s(SENSOR_1, T0, 19)], 1);
        expect(r1).toEqual({ meters: [], sensors: ['stored', 'stored', 'stored', 'duplicate', 'conflict'] });
        const r2 = await store.insertReadings(SITE_A, [rd(METER_1, T0, 1)], [s(SENSOR_1, T0 + QH, 21.5), s(SENSOR_1, T0 + 2 * QH, 0.1 + 0.2), s(SENSOR_2, T0, 41)], 2);
        expect(r2).toEqual({ meters: ['stored'], sensors: ['duplicate', 'stored', 'conflict'] });
        expect(await store.sensorReadings(SENSOR_1, T0, T0 + 2 * QH)).toEqual({ ts: [T0, T0 + QH, T0 + 2 * QH], value: [20.25, 21.5, 0.1 + 0.2] });
        expect(await store.sensorReadings(SENSOR_1, T0 + 1, T0 + QH)).toEqual({ ts: [T0 + QH], value: [21.5] });
        expect(await store.sensorReadings(SENSOR_2, T0, T0 + DAY)).toEqual({ ts: [T0], value: [40] });
        expect(await store.latestSensorTs(SENSOR_1)).toBe(T0 + 2 * QH);
        // sensor readings are not validated: only the meter's span is pending
        expect((await store.listPending(SITE_A)).map((p) => p.meter_id)).toEqual([METER_1]);
      });
    });

    describe('data over months and years', () => {
      // month and year edges, a leap day, and instants far outside any ordinary range
      const EDGES = [
        Date.UTC(1969, 11, 31, 23, 45), Date.UTC(2023, 11, 31, 23, 45), Date.UTC(2024, 0, 1) - 1, Date.UTC(2024, 0, 1),
        Date.UTC(2024, 1, 29, 12), Date.UTC(2024, 2, 1), Date.UTC(2025, 5, 30, 23, 59, 59, 999), Date.UTC(2025, 6, 1), Date.UTC(2031, 0, 1),
        Date.UTC(2250, 5, 1),
      ];

      it('should store, classify and read readings across months and years', async () => {
        const rows = EDGES.map((ts, i) => rd(METER_1, ts, i, i / 8));
        const shuffled = [...rows].reverse();
        expect((await store.insertReadings(SITE_A, shuffled, EDGES.map((ts, i) => ({ sensor_id: SENSOR_1, ts, value: i })), 1)).meters.every((o) => o === 'stored')).toBe(true);
        expect(await store.rawReadings(METER_1, EDGES[0], EDGES[EDGES.length - 1])).toEqual(rows);
        expect(await store.rawExtent(METER_1)).toEqual({ from: EDGES[0], to: EDGES[EDGES.length - 1] });
        expect((await store.rawReadings(METER_1, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1))).map((r) => r.en_im)).toEqual([3, 4, 5]);
        const w = await store.rawWindow(METER_1, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 31), 2, ['en_im', 'en_ex']);
        expect([...w.im]).toEqual([1, 2, 3, 4, 5]);
        expect([w.moreBefore, w.moreAfter]).toEqual([true, true]);
        const again = await store.insertReadings(SITE_A, rows.map((r, i) => (i % 2 ? r : { ...r, en_ex: -1 })), [], 2);
        expect(again.meters).toEqual(rows.map((_, i) => (i % 2 ? 'duplicate' : 'conflict')));
        expect((await store.sensorReadings(SENSOR_1, EDGES[0], EDGES[EDGES.length - 1])).ts).toEqual(EDGES);
        expect(await store.latestSensorTs(SENSOR_1)).toBe(EDGES[EDGES.length - 1]);
        expect((await store.listPending(SITE_A)).map((p) => [p.from, p.to])).toEqual([[EDGES[0], EDGES[EDGES.length - 1]]]);
      });

      it('should allocate and read across a year boundary', async () => {
        const from = Date.UTC(2024, 11, 31, 22);
        const to = Date.UTC(2025, 0, 1, 2);
        const w = allocation(from, to, 3);
        await store.applyAllocation(w);
        const [a] = await store.readIntervals([METER_1], from, to);
        expect(a.t).toHaveLength(16);
        expect(a).toEqual({ t: w.meters[0].cols.t, im: w.meters[0].cols.im, ex: w.meters[0].cols.ex, estimated: w.meters[0].cols.estimated });
        expect(await store.readSiteAlloc(SITE_A, from, to)).toEqual(w.site);
        expect((await store.readSiteAlloc(SITE_A, Date.UTC(2025, 0, 1), to)).t).toHaveLength(8);
        expect((await store.readMeterAllocDays(METER_1, w.days.from, w.days.to)).t).toHaveLength(2);
        // and replaced across it
        await store.applyAllocation(allocation(Date.UTC(2024, 11, 31, 23, 45), Date.UTC(2025, 0, 1, 0, 15), 9));
        const [b] = await store.readIntervals([METER_1], from, to);
        expect(b.t).toHaveLength(16);
        expect(Array.from(b.im.slice(7, 9))).toEqual([9, 9.25]);
      });
    });
  });
}
