/**
 * Resampling of 15-minute interval series to the API's sampling frequencies.
 *
 * spec/allocation.md: coarse figures are plain sums of the 15-minute results,
 * never recomputed from coarser data, so this module only groups and adds.
 * Labels follow spec/api.md: 15T rows carry the END of their interval, H/D/M/Y
 * rows the START of their local period. Periods without any interval are
 * omitted. Values are not rounded here: round6 is for the serializer, after
 * all sums are done.
 */
import { INTERVAL_MS, type Frequency } from '../types.js';
import { createTimestampFormatter, type TimestampFormatter } from './zone.js';
import { createSeriesTable } from './series-table.js';

export interface IntervalSeries {
  /** sorted 15-minute interval starts (UTC ms) */
  ts: ArrayLike<number>;
  /** one value per interval each, same length as ts */
  columns: ArrayLike<number>[];
}

export interface ResampledSeries {
  labels: string[];
  columns: Float64Array[];
}

export function resample(
  input: IntervalSeries,
  freq: Frequency,
  zone: string,
  fmt: TimestampFormatter = createTimestampFormatter(zone),
): ResampledSeries {
  const { ts, columns } = input;
  const n = ts.length;
  for (const col of columns) {
    if (col.length !== n) throw new RangeError(`resample: a column has ${col.length} values for ${n} intervals`);
  }
  for (let i = 1; i < n; i++) {
    if (ts[i] <= ts[i - 1]) throw new RangeError(`resample: interval starts must be strictly increasing (index ${i})`);
  }

  if (n === 0) return { labels: [], columns: columns.map(() => new Float64Array(0)) };
  // the same table the API's answers are built with, so what is tested here is what is served
  const table = createSeriesTable(freq, zone, ts[0], ts[n - 1] + INTERVAL_MS, ts, fmt);
  const out = columns.map((col, k) => {
    table.add(String(k), ts, col);
    return table.column(String(k));
  });
  return { labels: table.labels, columns: out };
}

/**
 * Rounds to 6 decimals for output (spec/api.md: no 0.07000000000000006 noise),
 * half away from zero so a value and its negation round alike, and never -0.
 * Magnitudes beyond ~9e9 already have no 6th decimal and pass through.
 */
export function round6(x: number): number {
  const a = Math.abs(x);
  if (!(a < 9e9)) return x; // also NaN / ±Infinity: not ours to hide
  const r = Math.round(a * 1e6) / 1e6;
  if (r === 0) return 0;
  return x < 0 ? -r : r;
}

const ZEROS = ['', '0', '00', '000', '0000', '00000'];
/** below 2^29 a double's spacing is under 1.2e-7, so n / 1e6 prints as exactly the digits of n */
const EXACT_DIGITS_BELOW = 2 ** 29;

/**
 * String(round6(x)) for a finite x, about twice as fast: answers print
 * hundreds of thousands of values. The rounded value n / 1e6 is written from
 * the integer n's digits; beyond 2^29 (no energy of ours) String decides.
 */
export function formatRound6(x: number): string {
  const a = x < 0 ? -x : x;
  if (!(a < EXACT_DIGITS_BELOW)) return String(round6(x));
  const n = Math.round(a * 1e6);
  if (n === 0) return '0';
  const frac = n % 1e6;
  const head = x < 0 ? `-${(n - frac) / 1e6}` : `${(n - frac) / 1e6}`;
  if (frac === 0) return head;
  let f = frac;
  let digits = 6;
  while (f % 10 === 0) {
    f /= 10;
    digits--;
  }
  const fs = `${f}`;
  return `${head}.${ZEROS[digits - fs.length]}${fs}`;
}
