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
import { createPeriodWalker, periodStarts, type PeriodFrequency } from './periods.js';
import { createTimestampFormatter, type TimestampFormatter } from './zone.js';

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

  if (freq === '15T') {
    const labels = new Array<string>(n);
    for (let i = 0; i < n; i++) labels[i] = fmt(ts[i] + INTERVAL_MS);
    return { labels, columns: columns.map(copyColumn) };
  }
  if (n === 0) return { labels: [], columns: columns.map(() => new Float64Array(0)) };

  // Group consecutive rows by period first, then sum column by column
  // (tight loops over one array at a time).
  const starts = periodStarts(zone, freq, ts[0], ts[n - 1] + INTERVAL_MS);
  const periodOf = createPeriodWalker(starts);
  const groupFirst: number[] = [];
  const labels: string[] = [];
  let current = -1;
  for (let i = 0; i < n; i++) {
    const p = periodOf(ts[i]);
    if (p !== current) {
      current = p;
      groupFirst.push(i);
      labels.push(fmt(starts[p]));
    }
  }
  groupFirst.push(n);
  const groups = labels.length;
  const out = columns.map((col) => {
    const sums = new Float64Array(groups);
    for (let g = 0; g < groups; g++) {
      let s = 0;
      for (let i = groupFirst[g], end = groupFirst[g + 1]; i < end; i++) s += col[i];
      sums[g] = s;
    }
    return sums;
  });
  return { labels, columns: out };
}

function copyColumn(col: ArrayLike<number>): Float64Array {
  // a plain loop: Float64Array.from goes through the iterator protocol and is several times slower
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) out[i] = col[i];
  return out;
}

export interface ResampledRow {
  label: string;
  values: Float64Array;
}

export interface StreamingResampler {
  /** Adds one interval; returns the row completed by it, if any (at 15T, every push completes one). */
  push(t: number, values: ArrayLike<number>): ResampledRow | undefined;
  /** Returns the last open row, if any; the resampler is then empty again. */
  finish(): ResampledRow | undefined;
}

/**
 * Row-at-a-time variant of resample() for answers streamed straight from the
 * store: same grouping and labels, constant memory besides the period starts
 * of `range`. Intervals must be pushed in increasing order and lie in
 * [range.from, range.to).
 */
export function createStreamingResampler(
  freq: Frequency,
  zone: string,
  width: number,
  range: { from: number; to: number },
  fmt: TimestampFormatter = createTimestampFormatter(zone),
): StreamingResampler {
  const starts = freq === '15T' ? [] : periodStarts(zone, freq as PeriodFrequency, range.from, range.to);
  const periodOf = createPeriodWalker(starts);
  let open: ResampledRow | undefined;
  let openPeriod = -1;
  let last = -Infinity;

  return {
    push(t, values) {
      if (!(t >= range.from && t < range.to) || t <= last) {
        throw new RangeError(`streaming resample: interval ${t} is out of order or outside [${range.from}, ${range.to})`);
      }
      if (values.length !== width) throw new RangeError(`streaming resample: ${values.length} values, expected ${width}`);
      last = t;
      if (freq === '15T') return { label: fmt(t + INTERVAL_MS), values: Float64Array.from(values) };
      const p = periodOf(t);
      let done: ResampledRow | undefined;
      if (p !== openPeriod) {
        done = open;
        open = { label: fmt(starts[p]), values: new Float64Array(width) };
        openPeriod = p;
      }
      const acc = (open as ResampledRow).values;
      for (let c = 0; c < width; c++) acc[c] += values[c];
      return done;
    },
    finish() {
      const done = open;
      open = undefined;
      openPeriod = -1;
      return done;
    },
  };
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
