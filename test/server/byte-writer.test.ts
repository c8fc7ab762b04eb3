/**
 * The byte writer of series answers prints numbers exactly as the string
 * formatter (formatRound6, itself exactly String(round6(x))) does, and the
 * JSON and CSV row writers write what the string row writers of before did.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatRound6 } from '../../src/core/time/resample.js';
import { ByteWriter } from '../../src/server/modules/series/byte-writer.js';
import { jsonRows, rowsJson } from '../../src/server/modules/series/series-json.js';
import { csvRows } from '../../src/server/modules/series/series-csv.js';

function written(x: number, pieceBytes = 64): string {
  const w = new ByteWriter(pieceBytes);
  w.reserve(24);
  w.round6(x);
  return Buffer.concat(w.end()).toString('latin1');
}

describe('ByteWriter.round6', () => {
  const same = (x: number): void => {
    expect(written(x)).toBe(formatRound6(x));
  };

  it('should write exactly what formatRound6 writes, at every magnitude', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), same), { numRuns: 20_000 });
    fc.assert(fc.property(fc.integer({ min: -12, max: 12 }), fc.double({ min: -1, max: 1, noNaN: true }), (e, m) => same(m * 10 ** e)), { numRuns: 20_000 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (n) => same((n + 0.5) / 1e6)), { numRuns: 5_000 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 29), max: 2 ** 29 }), fc.integer({ min: 0, max: 999_999 }), (i, f) => same(i + f / 1e6)), { numRuns: 10_000 });
  });

  it('should handle zeros, signs, digit counts and the edges by hand', () => {
    for (const x of [0, -0, 1e-7, -4e-7, 5e-7, 1e-6, -1e-6, 0.1, 0.30000000000000004, 1.5, -1.25, 9.9999999, 10, 99.9999996, 100.000001, 999999.9999999,
      123456.7890004, 12345678.25, 123456789.5, 2 ** 29 - 1e-6, 2 ** 29, 2 ** 29 + 0.5, 8.999e9, 1e21, -1e21, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE]) {
      same(x);
    }
  });
});

/** the string row writer of before (series-json.ts up to this change), kept here as the reference */
function reference(labels: string[], cols: { key: string; values: Float64Array }[], quality?: { measured: Float64Array; estimated: Float64Array; missing: Float64Array }): string {
  const num = (x: number) => (Number.isFinite(x) ? formatRound6(x) : 'null');
  return labels.map((label, i) => {
    const parts = cols.map((c, k) => `${k === 0 ? '{' : ','}${JSON.stringify(c.key)}:${num(c.values[i])}`);
    const open = cols.length === 0 ? '{' : ',';
    const q = quality ? `${open}"quality":{"measured":${num(quality.measured[i])},"estimated":${num(quality.estimated[i])},"missing":${num(quality.missing[i])}},` : open;
    return `${parts.join('')}${q}"timestamp":"${label}"}`;
  }).join(',');
}

const value = fc.oneof(fc.double({ noDefaultInfinity: false }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constant(NaN), fc.constant(-0));
const frame = fc.integer({ min: 0, max: 6 }).chain((ncols) => fc.integer({ min: 0, max: 40 }).chain((rows) => fc.record({
  labels: fc.constant(Array.from({ length: rows }, (_, i) => `2024-03-31 ${String(i % 24).padStart(2, '0')}:15:00+02:00`)),
  cols: fc.tuple(...Array.from({ length: ncols }, (_, k) => fc.array(value, { minLength: rows, maxLength: rows }).map((v) => ({ key: k === 0 ? 'conso_total' : `self_60dc9374b09d0f23bfaa84${k}c`, values: Float64Array.from(v) })))),
  quality: fc.option(fc.tuple(...[0, 1, 2].map(() => fc.array(value, { minLength: rows, maxLength: rows }))).map(([m, e, x]) => ({ measured: Float64Array.from(m), estimated: Float64Array.from(e), missing: Float64Array.from(x) })), { nil: undefined }),
})));

describe('series row writers', () => {
  it('should write the JSON rows of before, byte for byte, across piece boundaries', () => {
    fc.assert(fc.property(frame, fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 7 }), (f, pieceBytes, turn) => {
      const want = reference(f.labels, f.cols as never, f.quality);
      expect(rowsJson(f.labels, f.cols as never, f.quality)).toBe(want);
      // in small pieces, a few rows at a time, as the answers stream
      const w = new ByteWriter(pieceBytes);
      const rows = jsonRows(f.labels, f.cols as never, f.quality);
      const pieces: Buffer[] = [];
      for (let i = 0; i < f.labels.length; i += turn) {
        rows.write(w, i, Math.min(f.labels.length, i + turn), i > 0);
        pieces.push(...w.take());
      }
      pieces.push(...w.end());
      expect(Buffer.concat(pieces).toString('utf8')).toBe(want);
      return true;
    }), { numRuns: 300 });
  });

  it('should write CSV lines with empty fields for missing values and for columns a piece lacks', () => {
    const labels = ['2024-06-01 00:15:00+02:00', '2024-06-01 00:30:00+02:00'];
    const w = new ByteWriter(16);
    csvRows(labels, [{ key: 'b', values: Float64Array.of(0.1 + 0.2, NaN) }, { key: 'a', values: Float64Array.of(-0, 1e21) }], ['a', 'x', 'b']).write(w, 0, 2);
    expect(Buffer.concat(w.end()).toString()).toBe('0,,0.3,2024-06-01 00:15:00+02:00\r\n1e+21,,,2024-06-01 00:30:00+02:00\r\n');
  });
});
