/**
 * Writes series rows as the vendor does: keys in ascending order with
 * `timestamp` last, values rounded to 6 decimals. Built as one string per
 * row, without an intermediate object per row.
 */
import { round6 } from '../../../core/time/resample.js';

export interface JsonColumn {
  key: string;
  values: Float64Array;
}

/** sorts columns the vendor's way; `timestamp` is added last by the writer */
export function vendorOrder(cols: JsonColumn[]): JsonColumn[] {
  return [...cols].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function num(x: number): string {
  return Number.isFinite(x) ? String(round6(x)) : 'null';
}

/** the rows as JSON objects separated by commas, without the enclosing brackets (answers are streamed in pieces) */
export function rowsJson(labels: string[], cols: JsonColumn[]): string {
  const prefixes = cols.map((c, k) => `${k === 0 ? '{' : ','}${JSON.stringify(c.key)}:`);
  const tsKey = cols.length === 0 ? '{"timestamp":' : ',"timestamp":';
  const parts: string[] = new Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let row = '';
    for (let k = 0; k < cols.length; k++) row += prefixes[k] + num(cols[k].values[i]);
    // labels are generated timestamps: no character in them needs escaping
    parts[i] = `${row}${tsKey}"${labels[i]}"}`;
  }
  return parts.join(',');
}
