/**
 * Writes series rows as the vendor does: keys in ascending order with
 * `timestamp` last, values rounded to 6 decimals. Built as one string per
 * row, without an intermediate object per row.
 */
import { formatRound6 } from '../../../core/time/resample.js';
import type { QualityColumns } from './series-quality.js';

export interface JsonColumn {
  key: string;
  values: Float64Array;
}

/** sorts columns the vendor's way; `timestamp` is added last by the writer */
export function vendorOrder(cols: JsonColumn[]): JsonColumn[] {
  return [...cols].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function num(x: number): string {
  return Number.isFinite(x) ? formatRound6(x) : 'null';
}

/**
 * The rows as JSON objects separated by commas, without the enclosing
 * brackets (answers are streamed in pieces). Each row's pieces go into one
 * reused array joined once: concatenating them one by one made a chain of
 * intermediate strings per value, and twice the time, mostly in GC.
 */
export function rowsJson(labels: string[], cols: JsonColumn[], quality?: QualityColumns): string {
  const prefixes = cols.map((c, k) => `${k === 0 ? '{' : ','}${JSON.stringify(c.key)}:`);
  const tsKey = cols.length === 0 ? '{"timestamp":"' : ',"timestamp":"';
  if (quality) return rowsJsonWithQuality(labels, prefixes, cols, quality);
  const rows: string[] = new Array(labels.length);
  const row: string[] = new Array(2 * cols.length + 1);
  for (let i = 0; i < labels.length; i++) {
    let o = 0;
    for (let k = 0; k < cols.length; k++) {
      row[o++] = prefixes[k];
      row[o++] = num(cols[k].values[i]);
    }
    // labels are generated timestamps: no character in them needs escaping
    row[o] = `${tsKey}${labels[i]}"}`;
    rows[i] = row.join('');
  }
  return rows.join(',');
}

/** rowsJson with each row's coverage as `quality: {measured, estimated, missing}`, just before `timestamp` */
function rowsJsonWithQuality(labels: string[], prefixes: string[], cols: JsonColumn[], q: QualityColumns): string {
  const qKey = cols.length === 0 ? '{"quality":{"measured":' : ',"quality":{"measured":';
  const rows: string[] = new Array(labels.length);
  const row: string[] = new Array(2 * cols.length + 7);
  for (let i = 0; i < labels.length; i++) {
    let o = 0;
    for (let k = 0; k < cols.length; k++) {
      row[o++] = prefixes[k];
      row[o++] = num(cols[k].values[i]);
    }
    row[o++] = qKey;
    row[o++] = num(q.measured[i]);
    row[o++] = ',"estimated":';
    row[o++] = num(q.estimated[i]);
    row[o++] = ',"missing":';
    row[o++] = num(q.missing[i]);
    row[o] = `},"timestamp":"${labels[i]}"}`;
    rows[i] = row.join('');
  }
  return rows.join(',');
}
