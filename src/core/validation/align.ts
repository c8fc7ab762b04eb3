/**
 * Alignment of index segments onto the 15-minute grid.
 *
 * The continuous curve is the running sum of segment energies, linear inside
 * each segment. An interval's energy is the curve's rise across it, computed
 * here as the sum, over the segments it overlaps, of the segment's energy
 * times the overlapped share of its duration. That is the same number as a
 * difference of the curve, but it depends only on the segments touching the
 * interval (never on a running total from the start of history), so a window
 * re-validation reproduces it bit for bit. A segment that exactly covers an
 * interval gives its energy exactly (share 1): steady readings on the
 * boundaries come out as plain index differences.
 */
import { INTERVAL_MS } from '../types.js';
import { ceilSlot, type Points } from './points.js';
import type { Segments } from './index-meter.js';
import type { ValidatedInterval } from './types.js';

/**
 * Intervals from the first boundary at/after the first kept reading to the
 * last boundary at/before the last one. Only intervals with start in
 * [from, to) are returned (the whole range by default).
 */
export function alignSegments(p: Points, s: Segments, from = -Infinity, to = Infinity): ValidatedInterval[] {
  const out: ValidatedInterval[] = [];
  if (s.nAcc < 2) return out;
  const { ts } = p;
  const { acc, eIm, eEx, estimated } = s;
  const nSeg = s.nAcc - 1;
  const first = Math.max(ceilSlot(ts[acc[0]]), ceilSlot(from));
  const end = ts[acc[nSeg]];
  let j = 0;
  for (let t = first; t + INTERVAL_MS <= end && t < to; t += INTERVAL_MS) {
    const t1 = t + INTERVAL_MS;
    // skip segments that end at or before the interval start
    while (ts[acc[j + 1]] <= t) j++;
    let im = 0;
    let ex = 0;
    let est = false;
    for (let q = j; q < nSeg; q++) {
      const ta = ts[acc[q]];
      if (ta >= t1) break;
      const tb = ts[acc[q + 1]];
      const lo = ta > t ? ta : t;
      const hi = tb < t1 ? tb : t1;
      const len = tb - ta;
      if (hi - lo === len) {
        im += eIm[q];
        ex += eEx[q];
      } else {
        const share = (hi - lo) / len;
        im += eIm[q] * share;
        ex += eEx[q] * share;
      }
      if (estimated[q]) est = true;
      if (tb >= t1) break;
    }
    out.push({ t, im, ex, estimated: est });
  }
  return out;
}
