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

/** Forgets column m's values for interval starts in [from, to) (they are about to be replaced). */
export function clearSlots(frame: SiteFrame, m: number, from: number, to: number): void {
  const a = Math.max(0, Math.ceil((from - frame.from) / INTERVAL_MS));
  const b = Math.min(frame.n, Math.ceil((to - frame.from) / INTERVAL_MS));
  for (let s = a; s < b; s++) {
    frame.present[m][s] = 0;
    frame.im[m][s] = 0;
    frame.ex[m][s] = 0;
    frame.estimated[m][s] = 0;
  }
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
