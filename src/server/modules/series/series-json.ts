/**
 * Writes series rows as the vendor does: keys in ascending order with
 * `timestamp` last, values rounded to 6 decimals. Written as bytes straight
 * from the value columns (byte-writer.ts), each key's bytes built once per
 * answer piece: no string or object per row or value.
 */
import type { QualityColumns } from './series-quality.js';
import { ByteWriter, MAX_NUMBER_BYTES, encode } from './byte-writer.js';

export interface JsonColumn {
  key: string;
  values: Float64Array;
}

/** sorts columns the vendor's way; `timestamp` is added last by the writer */
export function vendorOrder(cols: JsonColumn[]): JsonColumn[] {
  return [...cols].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const NULL = encode('null');
const Q_MEASURED = encode('"quality":{"measured":');
const Q_ESTIMATED = encode(',"estimated":');
const Q_MISSING = encode(',"missing":');
const Q_END = encode('},');
const TS = encode('"timestamp":"');
const ROW_END = encode('"}');

/** a value as JSON writes it: rounded, or null when not finite */
function value(w: ByteWriter, x: number): void {
  if (x - x === 0) w.round6(x);
  else w.bytes(NULL);
}

/** a prepared JSON row writer for one set of columns */
export interface JsonRows {
  /** writes rows [from, to) of the frame, each preceded by a comma when `comma` (or after the first of them) */
  write(w: ByteWriter, from: number, to: number, comma: boolean): void;
}

export function jsonRows(labels: string[], cols: JsonColumn[], quality?: QualityColumns): JsonRows {
  // `{"key":` for the first column, `,"key":` after it; the quality object and `timestamp` follow the same rule
  const prefixes = cols.map((c, k) => encode(`${k === 0 ? '{' : ','}${JSON.stringify(c.key)}:`));
  const values = cols.map((c) => c.values);
  const afterCols = encode(cols.length === 0 ? '{' : ',');
  let labelMax = 0;
  let rowMax = 3 + afterCols.length + TS.length + ROW_END.length + (cols.length + 3) * MAX_NUMBER_BYTES + Q_MEASURED.length + Q_ESTIMATED.length + Q_MISSING.length + Q_END.length;
  for (const p of prefixes) rowMax += p.length;
  for (const l of labels) if (l.length > labelMax) labelMax = l.length;
  rowMax += labelMax;
  return {
    write(w, from, to, comma) {
      for (let i = from; i < to; i++) {
        w.reserve(rowMax);
        if (comma) w.buf[w.pos++] = 44;
        comma = true;
        for (let k = 0; k < prefixes.length; k++) {
          w.bytes(prefixes[k]);
          value(w, values[k][i]);
        }
        w.bytes(afterCols);
        if (quality) {
          w.bytes(Q_MEASURED);
          value(w, quality.measured[i]);
          w.bytes(Q_ESTIMATED);
          value(w, quality.estimated[i]);
          w.bytes(Q_MISSING);
          value(w, quality.missing[i]);
          w.bytes(Q_END);
        }
        // labels are generated timestamps: no character in them needs escaping
        w.bytes(TS);
        w.ascii(labels[i]);
        w.bytes(ROW_END);
      }
    },
  };
}

/**
 * The rows as JSON objects separated by commas, without the enclosing
 * brackets, as one string (for `kwhub copy`'s checksums; answers are
 * streamed in pieces instead).
 */
export function rowsJson(labels: string[], cols: JsonColumn[], quality?: QualityColumns): string {
  const w = new ByteWriter();
  jsonRows(labels, cols, quality).write(w, 0, labels.length, false);
  return Buffer.concat(w.end()).toString('utf8');
}
