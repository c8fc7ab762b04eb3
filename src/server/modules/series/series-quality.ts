/**
 * Coverage of a series answer, on request (`with_quality`): for each row, the
 * shares of the 15-minute intervals behind it that were measured, estimated
 * (spread over a gap by validation) or missing (no validated value: before a
 * meter's first reading, after its last one). Counted over the physical
 * meters the row is made of: a rule meter stands for its terms.
 */
import { parseRule } from '../../../core/allocation/rule-formula.js';
import { round6 } from '../../../core/time/resample.js';
import type { SeriesTable } from '../../../core/time/series-table.js';
import { INTERVAL_MS } from '../../../core/types.js';
import type { IntervalCounts, Meter, Store } from '../../../store/store.js';
import type { ReadPlan } from './series-read.js';
import type { JsonColumn } from './series-json.js';

export interface QualityColumns {
  measured: Float64Array;
  estimated: Float64Array;
  missing: Float64Array;
}

/** the CSV columns of the coverage, in their order (before `timestamp`) */
export const QUALITY_CSV_KEYS = ['quality_measured', 'quality_estimated', 'quality_missing'] as const;

/** The physical meters behind `chosen`: each rule meter replaced by its terms, recursively; each id once. */
export function sourceMeters(all: readonly Meter[], chosen: readonly Meter[]): string[] {
  const byId = new Map(all.map((m) => [m.id, m]));
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (m: Meter | undefined): void => {
    if (!m || seen.has(m.id)) return;
    seen.add(m.id);
    if (m.rule === null) {
      out.add(m.id);
      return;
    }
    for (const term of parseRule(m.rule)) visit(byId.get(term.meterId));
  };
  for (const m of chosen) visit(m);
  return [...out];
}

/**
 * The coverage of every row of `table` for the meters `meterIds` over
 * [from, to): a row's denominator is its intervals inside the range times
 * the number of meters. Shares are rounded to 6 decimals and `missing` is
 * what the other two leave, so the three printed numbers sum to exactly 1.
 */
export async function qualityColumns(store: Store, table: SeriesTable, meterIds: string[], from: number, to: number, plan?: ReadPlan): Promise<QualityColumns> {
  const counts = await countsOf(store, meterIds, from, to, plan);
  // the table sums into its rows: these names are never listed as answer columns (those were taken before)
  table.add('\u0000present', counts.t, counts.present);
  table.add('\u0000estimated', counts.t, counts.estimated);
  const n = Math.max(0, Math.round((to - from) / INTERVAL_MS));
  const slots = new Float64Array(n);
  for (let i = 0; i < n; i++) slots[i] = from + i * INTERVAL_MS;
  table.add('\u0000slots', slots, new Float64Array(n).fill(1));
  const present = table.column('\u0000present');
  const est = table.column('\u0000estimated');
  const denom = table.column('\u0000slots');
  const rows = table.rows;
  const out: QualityColumns = { measured: new Float64Array(rows), estimated: new Float64Array(rows), missing: new Float64Array(rows) };
  const k = meterIds.length;
  for (let r = 0; r < rows; r++) {
    const d = denom[r] * k;
    if (d <= 0) {
      out.missing[r] = 1;
      continue;
    }
    out.measured[r] = round6((present[r] - est[r]) / d);
    out.estimated[r] = round6(est[r] / d);
    out.missing[r] = round6(1 - out.measured[r] - out.estimated[r]);
  }
  return out;
}

/**
 * The counts per interval start, or per day start for the whole local days
 * of a daily, monthly or yearly answer (from the day sums: a year is 365
 * rows per meter, not 35,040), as the table's rows need them.
 */
async function countsOf(store: Store, meterIds: string[], from: number, to: number, plan?: ReadPlan): Promise<IntervalCounts> {
  if (!plan || plan.d0 >= plan.d1) return store.intervalCounts(meterIds, from, to);
  const days = await store.dayCounts(meterIds, plan.d0, plan.d1);
  // days written before their counts were kept: count the intervals
  if (days === null) return store.intervalCounts(meterIds, from, to);
  const parts = [await store.intervalCounts(meterIds, from, plan.d0), days, await store.intervalCounts(meterIds, plan.d1, to)];
  const join = (k: keyof IntervalCounts): Float64Array => {
    const out = new Float64Array(parts.reduce((n, p) => n + p[k].length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p[k], o);
      o += p[k].length;
    }
    return out;
  };
  return { t: join('t'), present: join('present'), estimated: join('estimated') };
}

/** the coverage as the three CSV columns */
export function qualityCsvColumns(q: QualityColumns): JsonColumn[] {
  return [
    { key: QUALITY_CSV_KEYS[0], values: q.measured },
    { key: QUALITY_CSV_KEYS[1], values: q.estimated },
    { key: QUALITY_CSV_KEYS[2], values: q.missing },
  ];
}
