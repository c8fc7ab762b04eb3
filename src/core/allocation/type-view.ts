/**
 * site_data for the types other than electricity, derived from the same
 * per-interval columns (allocation.md, "Other types").
 */
import type { MeterType } from '../types.js';
import type { AllocationInput, AllocationResult } from './allocate.js';

export interface TypeSums {
  conso_total: Float64Array;
  /** charge_point only: Σ self_i of the charge points (their local share) */
  self: Float64Array | null;
  /** charge_point only: Σ ext_i of the charge points (their grid share) */
  from_ext: Float64Array | null;
  /** 1 where at least one counted meter is present */
  siteRow: Uint8Array;
}

/**
 * Sums over the in-balance consumption meters of `type`. Heat and water are
 * not shared, so `result` is only read for charge points, whose self/ext
 * shares come from the electricity allocation they take part in: the
 * charge-point view is that allocation restricted to them, never a second
 * allocation among charge points alone.
 */
export function typeSums(input: AllocationInput, result: AllocationResult, type: MeterType): TypeSums {
  const n = input.n;
  const shared = type === 'charge_point';
  const conso = new Float64Array(n);
  const self = shared ? new Float64Array(n) : null;
  const fromExt = shared ? new Float64Array(n) : null;
  const siteRow = new Uint8Array(n);
  input.meters.forEach((m, i) => {
    if (m.type !== type || m.mode !== 'consumption' || !m.inBalance) return;
    const pr = input.present[i];
    const { total, self: si, ext: ei } = result.meters[i];
    for (let t = 0; t < n; t++) {
      siteRow[t] |= pr[t] !== 0 ? 1 : 0;
      conso[t] += total[t];
    }
    if (self !== null && fromExt !== null) {
      for (let t = 0; t < n; t++) {
        self[t] += si[t];
        fromExt[t] += ei[t];
      }
    }
  });
  return { conso_total: conso, self, from_ext: fromExt, siteRow };
}
