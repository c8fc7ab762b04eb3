/**
 * Local calendar periods (hour, day, month, year in a site's zone) as UTC
 * instants, and a walker that maps interval starts to periods.
 *
 * Boundaries are derived from the zone's offset segments (zone.ts) with
 * integer calendar arithmetic, so they agree exactly with the formatter that
 * labels them: a period start always formats as local HH:00 / midnight /
 * the 1st, except where that wall time does not exist. Work is per period
 * and per offset segment, never per row.
 *
 * Rules:
 * - H: a new period at every local whole hour and at every offset change,
 *   so the repeated hour of a fall-back night is two periods
 *   (02:00+02:00 and 02:00+01:00) and a skipped hour is none.
 * - D / M / Y: a new period when the local date (month, year) moves forward.
 *   A day whose midnight does not exist starts at its first existing instant;
 *   if a fall-back ever carried the wall clock back over midnight, the
 *   re-lived minutes stay in the later day (periods never go backwards).
 */
import { DAY_MS, HOUR_MS, civilFromDays, daysFromCivil } from './civil.js';
import { zoneOffsets } from './zone.js';

export type PeriodFrequency = 'H' | 'D' | 'M' | 'Y';

// How far before `from` the scan starts so that at least one real boundary
// lies between the scan start and `from` (longest period plus a day's offset).
const SCAN_BACK: Record<PeriodFrequency, number> = { H: DAY_MS, D: 3 * DAY_MS, M: 35 * DAY_MS, Y: 370 * DAY_MS };

/** Ordinal of the local period containing wall-clock ms `w` (increasing with w). */
function periodKey(freq: PeriodFrequency, w: number): number {
  switch (freq) {
    case 'H':
      return Math.floor(w / HOUR_MS);
    case 'D':
      return Math.floor(w / DAY_MS);
    case 'M': {
      const c = civilFromDays(Math.floor(w / DAY_MS));
      return c.year * 12 + c.month - 1;
    }
    case 'Y':
      return civilFromDays(Math.floor(w / DAY_MS)).year;
  }
}

/** The first wall-clock period boundary strictly after wall-clock ms `w`. */
function nextWallBoundary(freq: PeriodFrequency, w: number): number {
  switch (freq) {
    case 'H':
      return (Math.floor(w / HOUR_MS) + 1) * HOUR_MS;
    case 'D':
      return (Math.floor(w / DAY_MS) + 1) * DAY_MS;
    case 'M': {
      const c = civilFromDays(Math.floor(w / DAY_MS));
      return (c.month === 12 ? daysFromCivil(c.year + 1, 1, 1) : daysFromCivil(c.year, c.month + 1, 1)) * DAY_MS;
    }
    case 'Y':
      return daysFromCivil(civilFromDays(Math.floor(w / DAY_MS)).year + 1, 1, 1) * DAY_MS;
  }
}

/**
 * UTC starts of the local periods of `zone` that intersect [from, to), sorted;
 * the first is the start of the period containing `from` (possibly before it).
 * Empty when from >= to. Throws RangeError for an unknown zone.
 */
export function periodStarts(zone: string, freq: PeriodFrequency, from: number, to: number): number[] {
  if (!(from < to)) return [];
  const table = zoneOffsets(zone);
  // The scan start is an artificial boundary; only boundaries from the last
  // one at or before `from` onwards are returned.
  let t = from - SCAN_BACK[freq];
  let seg = table.segmentAt(t);
  let curKey = periodKey(freq, t + seg.offset);
  const starts: number[] = [t];
  let prevOffset = seg.offset;
  let first = true;
  for (;;) {
    const o = seg.offset;
    const end = Math.min(seg.end, to);
    if (!first) {
      const w = t + o;
      const k = periodKey(freq, w);
      // At a segment start: an offset change always opens an hour; a day,
      // month or year opens only if the local calendar moved forward.
      if (freq === 'H' ? o !== prevOffset || w === k * HOUR_MS : k > curKey) {
        starts.push(t);
        curKey = Math.max(curKey, k);
      }
    }
    for (let w = nextWallBoundary(freq, t + o); w - o < end; w = nextWallBoundary(freq, w)) {
      const k = periodKey(freq, w);
      if (freq === 'H' || k > curKey) {
        starts.push(w - o);
        curKey = Math.max(curKey, k);
      }
    }
    t = seg.end;
    if (t >= to) break;
    prevOffset = o;
    first = false;
    seg = table.segmentAt(t);
  }
  let i = starts.length - 1;
  while (i > 0 && starts[i] > from) i--;
  return starts.slice(i);
}

/**
 * Maps instants to indexes into `starts` (sorted period starts): the index of
 * the last start <= t, or -1 before the first. Amortised O(1) when called
 * with non-decreasing t, as when streaming sorted rows; an earlier t falls
 * back to a binary search, so out-of-order calls are correct, just slower.
 */
export function createPeriodWalker(starts: ArrayLike<number>): (t: number) => number {
  const n = starts.length;
  let idx = -1;
  return (t: number): number => {
    if (idx >= 0 && t < starts[idx]) {
      let lo = 0;
      let hi = idx; // answer in [-1, idx - 1]
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      idx = lo - 1;
      return idx;
    }
    while (idx + 1 < n && starts[idx + 1] <= t) idx++;
    return idx;
  };
}

/**
 * The local days touching [from, to) as boundaries: their starts, then the
 * end of the last one (a local day lasts at most 25 hours). Empty when
 * from >= to.
 */
export function dayBounds(zone: string, from: number, to: number): number[] {
  const starts = periodStarts(zone, 'D', from, to);
  if (starts.length === 0) return [];
  const last = starts[starts.length - 1];
  return [...starts, periodStarts(zone, 'D', last, last + 27 * 3_600_000)[1]];
}
