/**
 * Interval (load-profile) meters: each reading is the amount of the slice
 * ending at its ts (15 minutes or finer). Slices are summed into the
 * interval containing (ts − 1 ms), so a slice ending on a boundary belongs to
 * the interval it closes. Sums are of the plain values in ts order: a single
 * 15-minute slice comes out unchanged.
 *
 * Rules:
 * - negative amounts are kept (a producer's standby draw);
 * - a slice whose |amount| exceeds max power over its duration is rejected
 *   (max_power). Its duration is the time since the previous reading, capped
 *   at 15 minutes (15 minutes for the first reading);
 * - an interval between the first and the last reading with no kept slice is
 *   produced with energy 0 and marked estimated: a missing slice carries no
 *   information about its amount, and inventing one would double count if
 *   it arrives late. An interval holding a rejected slice is estimated too,
 *   with the sum of its kept slices.
 */
import { INTERVAL_MS } from '../types.js';
import { energyLimiter, averageKw } from './registers.js';
import { floorSlot, iso, num, type Points } from './points.js';
import type { EstimatedSpan, MeterValidationConfig, Rejection, ValidatedInterval } from './types.js';

export interface IntervalAnalysis {
  intervals: ValidatedInterval[];
  rejections: Rejection[];
  spans: EstimatedSpan[];
}

const slotOf = (ts: number): number => floorSlot(ts - 1);

export function analyzeInterval(p: Points, cfg: MeterValidationConfig): IntervalAnalysis {
  const { n, ts, im, ex, names } = p;
  const rejections: Rejection[] = [];
  const spans: EstimatedSpan[] = [];
  const intervals: ValidatedInterval[] = [];
  if (n === 0) return { intervals, rejections, spans };
  const limit = energyLimiter(cfg);
  const rejected = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const dt = k === 0 ? INTERVAL_MS : Math.min(ts[k] - ts[k - 1], INTERVAL_MS);
    const lim = limit(dt);
    const aIm = Math.abs(im[k]);
    const aEx = Math.abs(ex[k]);
    if (aIm <= lim && aEx <= lim) continue;
    rejected[k] = 1;
    const out = aIm >= aEx ? 0 : 1;
    const v = out === 0 ? im[k] : ex[k];
    rejections.push({
      ts: ts[k],
      reason: 'max_power',
      detail: `${names[out]} slice of ${num(v)} over ${num(dt / 60000)} min (${num(averageKw(Math.abs(v), dt))} kW > max ${num(cfg.maxPowerKw as number)} kW)`,
    });
  }

  let k = 0;
  const last = slotOf(ts[n - 1]);
  for (let t = slotOf(ts[0]); t <= last; t += INTERVAL_MS) {
    let sIm = 0;
    let sEx = 0;
    let kept = 0;
    let bad = 0;
    const start = k;
    for (; k < n && ts[k] <= t + INTERVAL_MS; k++) {
      if (rejected[k]) {
        bad++;
        continue;
      }
      sIm += im[k];
      sEx += ex[k];
      kept++;
    }
    intervals.push({ t, im: sIm, ex: sEx, estimated: kept === 0 || bad > 0 });
    if (bad > 0) {
      spans.push({
        from: t,
        to: t + INTERVAL_MS,
        reason: 'rejected_reading',
        detail: `${bad} slice(s) rejected; the interval holds the sum of the ${kept} kept`,
      });
    }
    if (start === k && start > 0 && slotOf(ts[start - 1]) === t - INTERVAL_MS) {
      // first empty interval after a reading: one span for the whole run
      const to = slotOf(ts[k]);
      spans.push({
        from: t,
        to,
        reason: 'gap',
        detail: `no slice between ${iso(ts[start - 1])} and ${iso(ts[k])}: ${(to - t) / INTERVAL_MS} interval(s) set to 0`,
      });
    }
  }
  return { intervals, rejections, spans };
}
