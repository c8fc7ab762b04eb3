/**
 * Recomputes a site's rule meters and allocation over [from, to) from the
 * validated intervals, and stores the results so that reads are range scans.
 */
import { allocate } from '../core/allocation/allocate.js';
import { compileRules } from '../core/allocation/rule-formula.js';
import { runRules } from '../core/allocation/rule-evaluate.js';
import { INTERVAL_MS } from '../core/types.js';
import type { AllocationWrite, Meter, SiteField, Store } from '../store/store.js';
import { SITE_FIELDS } from '../store/store.js';
import { compactColumn, emptyFrame, fillColumn, slotsWhere } from './site-frame.js';

/** a month of intervals at most per pass keeps memory flat on long re-validations */
const CHUNK_MS = 31 * 24 * 3600 * 1000;

export async function allocateRange(store: Store, siteId: string, meters: Meter[], from: number, to: number, progress?: (doneMs: number) => void): Promise<number> {
  let done = 0;
  for (let a = from; a < to; a += CHUNK_MS) {
    done += await allocateChunk(store, siteId, meters, a, Math.min(to, a + CHUNK_MS));
    progress?.(Math.min(to, a + CHUNK_MS) - from);
  }
  return done;
}

async function allocateChunk(store: Store, siteId: string, meters: Meter[], from: number, to: number): Promise<number> {
  const frame = emptyFrame(meters.length, from, to);
  const physical = meters.map((m, i) => [m, i] as const).filter(([m]) => m.rule === null);
  const stored = await store.readIntervals(physical.map(([m]) => m.id), from, to);
  physical.forEach(([, i], k) => fillColumn(frame, i, stored[k]));

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
  const siteT = Float64Array.from(siteSlots, (s) => from + s * INTERVAL_MS);
  const fields = Object.fromEntries(
    SITE_FIELDS.map((k) => [k, Float64Array.from(siteSlots, (s) => result.site[k][s])]),
  ) as Record<SiteField, Float64Array>;

  const write: AllocationWrite = {
    site_id: siteId,
    from,
    to,
    site: { t: siteT, fields },
    meters: meters.map((m, i) => {
      const slots = slotsWhere(frame.present[i]);
      const r = result.meters[i];
      return {
        meter_id: m.id,
        cols: {
          t: Float64Array.from(slots, (s) => from + s * INTERVAL_MS),
          total: Float64Array.from(slots, (s) => r.total[s]),
          self: Float64Array.from(slots, (s) => r.self[s]),
          ext: Float64Array.from(slots, (s) => r.ext[s]),
        },
      };
    }),
    ruleIntervals: rules.map((r) => ({ meter_id: meters[r.target].id, intervals: compactColumn(frame, r.target) })),
  };
  await store.applyAllocation(write);
  return siteSlots.length;
}
