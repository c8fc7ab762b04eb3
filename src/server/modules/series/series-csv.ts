/**
 * Writes series rows as CSV (RFC 4180, CRLF line ends): the same columns in
 * the same order as the JSON rows, `timestamp` last, and the same numbers
 * (rounded to 6 decimals, written as JSON writes them). A value JSON writes
 * as null is an empty field.
 */
import { formatRound6 } from '../../../core/time/resample.js';
import type { JsonColumn } from './series-json.js';

const NEEDS_QUOTES = /[",\r\n]/;

function field(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** one CSV line */
export function csvLine(fields: string[]): string {
  return `${fields.map(field).join(',')}\r\n`;
}

function num(x: number): string {
  return Number.isFinite(x) ? formatRound6(x) : '';
}

/**
 * The rows as CSV lines, columns in the order of `header` (the answer's
 * first piece fixed it); a column this piece lacks is left empty.
 */
export function rowsCsv(labels: string[], cols: JsonColumn[], header: string[]): string {
  const byKey = new Map(cols.map((c) => [c.key, c.values]));
  const ordered = header.map((k) => byKey.get(k));
  let out = '';
  for (let i = 0; i < labels.length; i++) {
    let line = '';
    for (const values of ordered) line += `${values === undefined ? '' : num(values[i])},`;
    // labels are generated timestamps: nothing in them needs quoting
    out += `${line}${labels[i]}\r\n`;
  }
  return out;
}
