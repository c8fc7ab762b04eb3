/**
 * A site's validated intervals laid out densely over a range: one column per
 * meter, slot i = interval starting at from + i × 15 min. This is the shape
 * the core's rule evaluation and allocation work on.
 */
import { INTERVAL_MS } from '../core/types.js';
import type { IntervalColumns } from '../store/store.js';

export interface SiteFrame {
  from: number;
  n: number;
  im: Float64Array[];
  ex: Float64Array[];
  present: Uint8Array[];
  estimated: Uint8Array[];
}

export function emptyFrame(meterCount: number, from: number, to: number): SiteFrame {
  const n = Math.max(0, Math.round((to - from) / INTERVAL_MS));
  const cols = <T>(make: () => T): T[] => Array.from({ length: meterCount }, make);
  return {
    from,
    n,
    im: cols(() => new Float64Array(n)),
    ex: cols(() => new Float64Array(n)),
    present: cols(() => new Uint8Array(n)),
    estimated: cols(() => new Uint8Array(n)),
  };
}

export function fillColumn(frame: SiteFrame, m: number, iv: IntervalColumns): void {
  const { im, ex, present, estimated } = { im: frame.im[m], ex: frame.ex[m], present: frame.present[m], estimated: frame.estimated[m] };
  for (let i = 0; i < iv.t.length; i++) {
    const slot = Math.round((iv.t[i] - frame.from) / INTERVAL_MS);
    if (slot < 0 || slot >= frame.n) continue;
    im[slot] = iv.im[i];
    ex[slot] = iv.ex[i];
    present[slot] = 1;
    estimated[slot] = iv.estimated[i];
  }
}

/** The present slots of one column, back in the store's sparse shape. */
export function compactColumn(frame: SiteFrame, m: number): IntervalColumns {
  const pr = frame.present[m];
  let count = 0;
  for (let i = 0; i < frame.n; i++) count += pr[i];
  const out: IntervalColumns = { t: new Float64Array(count), im: new Float64Array(count), ex: new Float64Array(count), estimated: new Uint8Array(count) };
  let k = 0;
  for (let i = 0; i < frame.n; i++) {
    if (pr[i] === 0) continue;
    out.t[k] = frame.from + i * INTERVAL_MS;
    out.im[k] = frame.im[m][i];
    out.ex[k] = frame.ex[m][i];
    out.estimated[k] = frame.estimated[m][i];
    k++;
  }
  return out;
}

/** Indexes of the slots where `mask` is set. */
export function slotsWhere(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] !== 0 ? 1 : 0;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out[k++] = i;
  return out;
}
