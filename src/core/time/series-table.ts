/**
 * Builds a time-series answer: rows are the 15-minute intervals (15T) or the
 * local calendar periods (H/D/M/Y) that hold data; columns are sums of the
 * 15-minute values falling into each row. Period boundaries are computed once
 * per request, then every stored value finds its row by a slot lookup, so no
 * time-zone arithmetic happens per value.
 */
import { INTERVAL_MS, type Frequency } from '../types.js';
import { periodStarts, createPeriodWalker, type PeriodFrequency } from './periods.js';
import { createTimestampFormatter, type TimestampFormatter } from './zone.js';

export interface SeriesTable {
  /** number of output rows */
  rows: number;
  labels: string[];
  /** adds a sparse column (interval starts, values) into the named output column */
  add(name: string, t: ArrayLike<number>, v: ArrayLike<number>): void;
  column(name: string): Float64Array;
  names(): string[];
}

/**
 * `base`: the interval starts that make rows exist (sorted, inside [from, to)).
 * Values at intervals outside any row are ignored.
 */
export function createSeriesTable(
  freq: Frequency,
  zone: string,
  from: number,
  to: number,
  base: ArrayLike<number>,
  fmt: TimestampFormatter = createTimestampFormatter(zone),
): SeriesTable {
  const n = Math.max(0, Math.round((to - from) / INTERVAL_MS));
  const slotRow = new Int32Array(n).fill(-1);
  const labels: string[] = [];

  if (freq === '15T') {
    for (let i = 0; i < base.length; i++) {
      const s = Math.round((base[i] - from) / INTERVAL_MS);
      if (s < 0 || s >= n || slotRow[s] !== -1) continue;
      slotRow[s] = labels.length;
      labels.push(fmt(base[i] + INTERVAL_MS));
    }
  } else {
    const starts = periodStarts(zone, freq as PeriodFrequency, from, to);
    const periodOf = createPeriodWalker(starts);
    const periodRow = new Int32Array(starts.length).fill(-1);
    for (let i = 0; i < base.length; i++) {
      const s = Math.round((base[i] - from) / INTERVAL_MS);
      if (s < 0 || s >= n) continue;
      const p = periodOf(base[i]);
      if (periodRow[p] === -1) {
        periodRow[p] = labels.length;
        labels.push(fmt(starts[p]));
      }
    }
    // every slot of a period that has a row maps to that row
    const walk = createPeriodWalker(starts);
    for (let s = 0; s < n; s++) {
      const p = walk(from + s * INTERVAL_MS);
      if (p >= 0) slotRow[s] = periodRow[p];
    }
  }

  const rows = labels.length;
  const columns = new Map<string, Float64Array>();
  return {
    rows,
    labels,
    add(name, t, v) {
      let col = columns.get(name);
      if (!col) {
        col = new Float64Array(rows);
        columns.set(name, col);
      }
      for (let i = 0; i < t.length; i++) {
        const s = Math.round((t[i] - from) / INTERVAL_MS);
        if (s < 0 || s >= n) continue;
        const r = slotRow[s];
        if (r >= 0) col[r] += v[i];
      }
    },
    column(name) {
      let col = columns.get(name);
      if (!col) {
        col = new Float64Array(rows);
        columns.set(name, col);
      }
      return col;
    },
    names: () => [...columns.keys()],
  };
}
