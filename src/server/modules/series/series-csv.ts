/**
 * Writes series rows as CSV (RFC 4180, CRLF line ends): the same columns in
 * the same order as the JSON rows, `timestamp` last, and the same numbers
 * (rounded to 6 decimals, written as JSON writes them). A value JSON writes
 * as null is an empty field. Rows go straight into bytes (byte-writer.ts).
 */
import { ByteWriter, MAX_NUMBER_BYTES } from './byte-writer.js';
import type { JsonColumn } from './series-json.js';

const NEEDS_QUOTES = /[",\r\n]/;

function field(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** one CSV line */
export function csvLine(fields: string[]): string {
  return `${fields.map(field).join(',')}\r\n`;
}

/** a prepared CSV row writer: columns in the order of `header` (the answer's first piece fixed it); a column this piece lacks is left empty */
export interface CsvRows {
  write(w: ByteWriter, from: number, to: number): void;
}

export function csvRows(labels: string[], cols: JsonColumn[], header: string[]): CsvRows {
  const byKey = new Map(cols.map((c) => [c.key, c.values]));
  const ordered = header.map((k) => byKey.get(k));
  let labelMax = 0;
  for (const l of labels) if (l.length > labelMax) labelMax = l.length;
  const rowMax = ordered.length * (MAX_NUMBER_BYTES + 1) + labelMax + 2;
  return {
    write(w, from, to) {
      for (let i = from; i < to; i++) {
        w.reserve(rowMax);
        const buf = w.buf;
        for (let k = 0; k < ordered.length; k++) {
          const values = ordered[k];
          if (values !== undefined) {
            const x = values[i];
            if (x - x === 0) w.round6(x);
          }
          buf[w.pos++] = 44;
        }
        // labels are generated timestamps: nothing in them needs quoting
        w.ascii(labels[i]);
        buf[w.pos++] = 13;
        buf[w.pos++] = 10;
      }
    },
  };
}

/** the rows as CSV lines, as one string */
export function rowsCsv(labels: string[], cols: JsonColumn[], header: string[]): string {
  const w = new ByteWriter();
  csvRows(labels, cols, header).write(w, 0, labels.length);
  return Buffer.concat(w.end()).toString('utf8');
}
