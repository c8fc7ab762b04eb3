/**
 * Entry points: validate a meter's whole history, or re-validate the part of
 * it a late batch of readings can change.
 */
import { KwhubError } from '../errors.js';
import { INTERVAL_MS } from '../types.js';
import { alignSegments } from './align.js';
import { analyzeIndex, STATUS_RADIUS } from './index-meter.js';
import { analyzeInterval } from './interval-meter.js';
import { floorSlot, preparePoints, rawColumns, type Points } from './points.js';
import type {
  ChangedRange,
  MeterValidationConfig,
  RawColumns,
  RawReading,
  Rejection,
  ValidationResult,
  WindowEdges,
  WindowResult,
} from './types.js';

/**
 * How many readings (counted in the meter's kept-or-rejected sequence) an
 * index interval's content can depend on beyond the last reading at/before
 * its start and the first at/after its end: up to 3 rejected readings
 * before a kept one, one neighbouring segment (≤ 4 readings) for an
 * exchange's rate, and STATUS_RADIUS for those readings' own statuses.
 */
export const INDEX_REACH = 3 + 4 + STATUS_RADIUS;
/** An interval meter's slice only looks at its predecessor (its duration). */
export const INTERVAL_REACH = 1;

/**
 * Readings of context validateWindow needs on each side of the changed
 * range. The content of an interval depends on the readings inside it plus
 * INDEX_REACH on each side, and an interval touched by a change must be
 * computed in full: 2 × INDEX_REACH plus the readings inside one interval
 * (≤ 16 at the gateways' one-minute floor), with margin. validateWindow
 * checks this and throws rather than return a wrong window.
 */
export const VALIDATION_CONTEXT = 48;

const FULL: WindowEdges = { moreBefore: false, moreAfter: false };

export function validateMeter(readings: readonly RawReading[] | RawColumns, cfg: MeterValidationConfig): ValidationResult {
  const rejections: Rejection[] = [];
  const p = preparePoints(rawColumns(readings), cfg, FULL, rejections);
  return analyze(p, cfg, rejections, -Infinity, Infinity);
}

function analyze(p: Points, cfg: MeterValidationConfig, rejections: Rejection[], from: number, to: number): ValidationResult {
  const inRange = (t: number): boolean => t >= from && t < to;
  // an estimated span counts where it overlaps the range: the caller replaces spans by overlap
  const overlaps = (s: { from: number; to: number }): boolean => s.from < to && s.to > from;
  if (cfg.readingKind === 'interval') {
    const a = analyzeInterval(p, cfg);
    for (const r of a.rejections) if (inRange(r.ts)) rejections.push(r);
    return {
      intervals: a.intervals.filter((i) => inRange(i.t)),
      rejections,
      estimatedSpans: a.spans.filter(overlaps),
      exchanges: [],
      wraps: [],
    };
  }
  const a = analyzeIndex(p, cfg);
  for (const r of a.rejections) if (inRange(r.ts)) rejections.push(r);
  return {
    intervals: alignSegments(p, a, from, to),
    rejections,
    estimatedSpans: a.spans.filter(overlaps),
    exchanges: a.exchanges.filter((e) => inRange(e.from)),
    wraps: a.wraps.filter((w) => inRange(w.from)),
  };
}

/**
 * Re-validate after `changed` readings arrived (or were replaced). Returns
 * what lives in [writeFrom, writeTo): intervals by start, rejections by ts,
 * spans/exchanges/wraps by `from`. Replacing the stored ones in that range
 * gives exactly what validateMeter would give on the whole history, and
 * nothing outside the range can differ.
 *
 * The range is the set of 15-minute slots whose dependency reach (the
 * readings from REACH before the last reading at/before the slot start to
 * REACH after the first at/after its end) overlaps the changed time range,
 * plus the slots of the changed readings themselves (their rejections).
 */
export function validateWindow(
  given: readonly RawReading[] | RawColumns,
  cfg: MeterValidationConfig,
  changed: ChangedRange,
  edges: WindowEdges,
): WindowResult {
  const pre: Rejection[] = [];
  const readings = rawColumns(given);
  const p = preparePoints(readings, cfg, edges, pre);
  const reach = cfg.readingKind === 'index' ? INDEX_REACH : INTERVAL_REACH;
  const { n, ts } = p;

  let lo = Infinity;
  let hi = -Infinity;
  for (const t of readings.ts) {
    if (t < changed.from || t > changed.to) continue;
    const s = floorSlot(t);
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  if (n > 0) {
    let kL = -1; // last point at/before the slot start
    let kR = 0; // first point at/after the slot end
    const lastSlot = floorSlot(ts[n - 1]);
    for (let t = floorSlot(ts[0] - 1); t <= lastSlot; t += INTERVAL_MS) {
      while (kL + 1 < n && ts[kL + 1] <= t) kL++;
      while (kR < n && ts[kR] < t + INTERVAL_MS) kR++;
      const a = kL - reach;
      const b = kR + reach;
      const aT = a < 0 ? -Infinity : ts[a];
      const bT = b >= n ? Infinity : ts[b];
      if (aT > changed.to || bT < changed.from) continue;
      if ((a < 0 && p.moreBefore) || (b >= n && p.moreAfter)) {
        throw new KwhubError(
          'internal',
          `validateWindow: not enough context around ${new Date(t).toISOString()} (more than ${VALIDATION_CONTEXT} readings needed); re-validate a wider range`,
        );
      }
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  if (lo > hi) {
    const at = floorSlot(changed.from);
    return { intervals: [], rejections: [], estimatedSpans: [], exchanges: [], wraps: [], writeFrom: at, writeTo: at };
  }
  const writeFrom = lo;
  const writeTo = hi + INTERVAL_MS;
  // Every reading of a slot in the range must be in hand (their rejections
  // are replaced too).
  const m = readings.ts.length;
  if ((edges.moreBefore && !(m > 0 && readings.ts[0] <= writeFrom)) || (edges.moreAfter && !(m > 0 && readings.ts[m - 1] >= writeTo))) {
    throw new KwhubError('internal', 'validateWindow: not enough context for the write range; re-validate a wider range');
  }
  const rejections = pre.filter((r) => r.ts >= writeFrom && r.ts < writeTo);
  return { ...analyze(p, cfg, rejections, writeFrom, writeTo), writeFrom, writeTo };
}
