/**
 * Recomputes a site's rule meters and allocation from the validated
 * intervals, and stores the results so that reads are range scans: per
 * interval, and summed per local calendar day (whole days are always
 * recomputed, so a day's sum is never partial).
 */
import { allocate } from '../core/allocation/allocate.js';
import { compileRules } from '../core/allocation/rule-formula.js';
import { runRules } from '../core/allocation/rule-evaluate.js';
import { dayBounds as localDayBounds } from '../core/time/periods.js';
import { INTERVAL_MS } from '../core/types.js';
import type { AllocationWrite, ChangeLog, IntervalColumns, Meter, MeterAllocColumns, MeterIntervalColumns, Site, SiteField, Store } from '../store/store.js';
import { SITE_FIELDS } from '../store/store.js';
import { clearSlots, emptyFrame, fillColumn, slotsWhere } from './site-frame.js';
import { diffChunk, type ChangeCause } from './change-diff.js';

/** at most this many days per pass keeps memory flat on long re-validations */
const CHUNK_DAYS = 31;

/** Allocates [from, to) widened to whole local days; reports progress in ms of the widened range. */
/** Freshly validated intervals of a meter, not stored yet: they replace the stored ones in [from, to). */
export interface Validated {
  from: number;
  to: number;
  intervals: IntervalColumns;
}

/** what the change log needs to know about a pass (see change-diff.ts) */
export interface ChangeContext {
  cause: ChangeCause;
  /** each meter's last stored interval start before the pass */
  lastEnd: Map<string, number | null>;
  at: number;
  pruneBefore: number;
}

export async function allocateRange(
  store: Store,
  site: Site,
  meters: Meter[],
  from: number,
  to: number,
  validated: Map<string, Validated>,
  progress?: (doneMs: number) => void,
  changes?: ChangeContext,
): Promise<number> {
  const bounds = localDayBounds(site.timezone, from, to);
  if (bounds.length === 0) return 0;
  const days = bounds.slice(0, -1);
  let done = 0;
  for (let i = 0; i < days.length; i += CHUNK_DAYS) {
    const chunk = bounds.slice(i, Math.min(bounds.length, i + CHUNK_DAYS + 1));
    done += await allocateChunk(store, site.id, meters, chunk, validated, { from, to }, changes);
    progress?.(chunk[chunk.length - 1] - days[0]);
  }
  return done;
}

/**
 * `dayBounds`: local day starts, the last one being the end of the chunk.
 * `touched`: the intervals whose inputs changed. The whole days around them
 * are computed (for the day sums) but only the touched intervals are written:
 * the others come out exactly as they are stored.
 */
async function allocateChunk(
  store: Store,
  siteId: string,
  meters: Meter[],
  dayBounds: number[],
  validated: Map<string, Validated>,
  touched: { from: number; to: number },
  changes?: ChangeContext,
): Promise<number> {
  const from = dayBounds[0];
  const to = dayBounds[dayBounds.length - 1];
  const frame = emptyFrame(meters.length, from, to);
  const physical = meters.map((m, i) => [m, i] as const).filter(([m]) => m.rule === null);
  // what is stored (rule meters too when the change log compares), overlaid with what was just validated
  const storedAll = changes ? await store.readIntervals(meters.map((m) => m.id), from, to) : null;
  const stored = storedAll ? physical.map(([, i]) => storedAll[i]) : await store.readIntervals(physical.map(([m]) => m.id), from, to);
  physical.forEach(([m, i], k) => {
    fillColumn(frame, i, stored[k]);
    const v = validated.get(m.id);
    if (v) {
      clearSlots(frame, i, v.from, v.to);
      fillColumn(frame, i, v.intervals);
    }
  });

  const rules = compileRules(meters.map((m) => ({ id: m.id, rule: m.rule })));
  runRules(rules, { n: frame.n, im: frame.im, ex: frame.ex, present: frame.present });
  // a derived value is as estimated as the least certain of its operands
  for (const r of rules) {
    const est = frame.estimated[r.target];
    est.fill(0);
    for (const o of r.operands) {
      const oe = frame.estimated[o];
      for (let i = 0; i < frame.n; i++) est[i] |= oe[i];
    }
  }

  const result = allocate({
    n: frame.n,
    meters: meters.map((m) => ({ mode: m.mode, type: m.type, inBalance: m.in_balance })),
    im: frame.im,
    ex: frame.ex,
    present: frame.present,
  });

  const siteSlots = slotsWhere(result.siteRow);
  // plain loops: TypedArray.from with a mapping function is an order of magnitude slower
  const at = (slots: Int32Array): Float64Array => {
    const out = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = from + slots[k] * INTERVAL_MS;
    return out;
  };
  const pick = (col: Float64Array, slots: Int32Array): Float64Array => {
    const out = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = col[slots[k]];
    return out;
  };
  const pickFlags = (col: Uint8Array, slots: Int32Array): Uint8Array => {
    const out = new Uint8Array(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = col[slots[k]];
    return out;
  };
  const meterCols = meters.map((_, i) => {
    const slots = slotsWhere(frame.present[i]);
    const r = result.meters[i];
    const cols: MeterIntervalColumns = {
      t: at(slots), im: pick(frame.im[i], slots), ex: pick(frame.ex[i], slots), estimated: pickFlags(frame.estimated[i], slots),
      total: pick(r.total, slots), self: pick(r.self, slots), ext: pick(r.ext, slots),
    };
    return { slots, cols };
  });

  // day sums over the slots that hold data; a day without data has no row
  const dayOfSlot = new Int32Array(frame.n);
  for (let d = 0, s = 0; d < dayBounds.length - 1; d++) {
    const end = Math.round((dayBounds[d + 1] - from) / INTERVAL_MS);
    for (; s < end; s++) dayOfSlot[s] = d;
  }
  const nDays = dayBounds.length - 1;
  const sumByDay = (slots: Int32Array, cols: Float64Array[]): { days: number[]; sums: Float64Array[] } => {
    const sums = cols.map(() => new Float64Array(nDays));
    const has = new Uint8Array(nDays);
    for (let k = 0; k < slots.length; k++) {
      const d = dayOfSlot[slots[k]];
      has[d] = 1;
      for (let c = 0; c < cols.length; c++) sums[c][d] += cols[c][k];
    }
    const days: number[] = [];
    for (let d = 0; d < nDays; d++) if (has[d]) days.push(d);
    const at = Int32Array.from(days);
    return { days, sums: sums.map((s) => pick(s, at)) };
  };
  const siteValues = SITE_FIELDS.map((k) => pick(result.site[k], siteSlots));
  const siteDays = sumByDay(siteSlots, siteValues);
  const dayT = (days: number[]): Float64Array => {
    const out = new Float64Array(days.length);
    for (let k = 0; k < days.length; k++) out[k] = dayBounds[days[k]];
    return out;
  };

  const wFrom = Math.max(from, touched.from);
  const wTo = Math.min(to, touched.to);
  let log: ChangeLog | undefined;
  if (changes && storedAll) {
    const entries = diffChunk({
      frame, meterIds: meters.map((m) => m.id), stored: storedAll, lastEnd: meters.map((m) => changes.lastEnd.get(m.id) ?? null),
      site: result.site, siteRow: result.siteRow, siteStored: await store.readSiteAlloc(siteId, wFrom, wTo),
      from: wFrom, to: wTo, cause: changes.cause, at: changes.at,
    });
    log = { entries, prune_before: changes.pruneBefore };
  }
  const siteT = at(siteSlots);
  const [sa, sb] = indexRange(siteT, wFrom, wTo);
  const write: AllocationWrite = {
    site_id: siteId,
    ...(log ? { changes: log } : {}),
    from: wFrom,
    to: wTo,
    site: { t: siteT.subarray(sa, sb), fields: Object.fromEntries(SITE_FIELDS.map((k, i) => [k, siteValues[i].subarray(sa, sb)])) as Record<SiteField, Float64Array> },
    meters: meters.map((m, i) => {
      const c = meterCols[i].cols;
      const [a, b] = indexRange(c.t, wFrom, wTo);
      const cut: MeterIntervalColumns = {
        t: c.t.subarray(a, b), im: c.im.subarray(a, b), ex: c.ex.subarray(a, b), estimated: c.estimated.subarray(a, b),
        total: c.total.subarray(a, b), self: c.self.subarray(a, b), ext: c.ext.subarray(a, b),
      };
      return { meter_id: m.id, cols: cut };
    }),
    days: {
      from,
      to,
      site: { t: dayT(siteDays.days), fields: Object.fromEntries(SITE_FIELDS.map((k, i) => [k, siteDays.sums[i]])) as Record<SiteField, Float64Array> },
      meters: meters.map((m, i) => {
        const { slots, cols } = meterCols[i];
        const ones = new Float64Array(slots.length).fill(1);
        const est = Float64Array.from(cols.estimated);
        const { days, sums } = sumByDay(slots, [cols.total, cols.self, cols.ext, ones, est]);
        const c: MeterAllocColumns = { t: dayT(days), total: sums[0], self: sums[1], ext: sums[2], present: sums[3], estimated: sums[4] };
        return { meter_id: m.id, cols: c };
      }),
    },
  };
  await store.applyAllocation(write);
  return sb - sa;
}

/** [first index with t >= a, first index with t >= b) of an ascending column */
function indexRange(t: Float64Array, a: number, b: number): [number, number] {
  const lower = (x: number): number => {
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [lower(a), lower(b)];
}
