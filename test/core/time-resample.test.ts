import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Frequency } from '../../src/core/types.js';
import { formatRound6, resample, round6 } from '../../src/core/time/resample.js';

const ms = (iso: string) => Date.parse(iso);
const Q = 900_000;
const ZH = 'Europe/Zurich';

/** Interval starts [from, to) every 15 minutes. */
function quarterHours(from: number, to: number): number[] {
  const ts: number[] = [];
  for (let t = from; t < to; t += Q) ts.push(t);
  return ts;
}
const ones = (n: number) => new Array<number>(n).fill(1);

describe('resample at 15T', () => {
  it('should keep every row and label it with the end of its interval', () => {
    const ts = [ms('2024-10-27T00:30:00Z'), ms('2024-10-27T00:45:00Z'), ms('2024-10-27T01:00:00Z')];
    const r = resample({ ts, columns: [[1.5, 2, 3]] }, '15T', ZH);
    expect(r.labels).toEqual(['2024-10-27 02:45:00+02:00', '2024-10-27 02:00:00+01:00', '2024-10-27 02:15:00+01:00']);
    expect(Array.from(r.columns[0])).toEqual([1.5, 2, 3]);
  });
});

describe('resample at H, D, M, Y', () => {
  it('should sum 92 quarter-hours into 2024-03-31 and 100 into 2024-10-27 in Zurich', () => {
    const spring = quarterHours(ms('2024-03-30T23:00:00Z'), ms('2024-04-01T22:00:00Z'));
    const r1 = resample({ ts: spring, columns: [ones(spring.length)] }, 'D', ZH);
    expect(r1.labels).toEqual(['2024-03-31 00:00:00+01:00', '2024-04-01 00:00:00+02:00']);
    expect(Array.from(r1.columns[0])).toEqual([92, 96]);

    const fall = quarterHours(ms('2024-10-26T22:00:00Z'), ms('2024-10-28T23:00:00Z'));
    const r2 = resample({ ts: fall, columns: [ones(fall.length)] }, 'D', ZH);
    expect(r2.labels).toEqual(['2024-10-27 00:00:00+02:00', '2024-10-28 00:00:00+01:00']);
    expect(Array.from(r2.columns[0])).toEqual([100, 96]);
  });

  it('should give 25 hourly rows of 4 for the fall-back day', () => {
    const day = quarterHours(ms('2024-10-26T22:00:00Z'), ms('2024-10-27T23:00:00Z'));
    const r = resample({ ts: day, columns: [ones(day.length)] }, 'H', ZH);
    expect(r.labels).toHaveLength(25);
    expect(r.labels[2]).toBe('2024-10-27 02:00:00+02:00');
    expect(r.labels[3]).toBe('2024-10-27 02:00:00+01:00');
    expect(Array.from(r.columns[0])).toEqual(new Array(25).fill(4));
  });

  it('should hold only the covered part of a cut period and omit empty periods', () => {
    // 2024-05-01 10:00–12:00 local (UTC+2) and 2024-05-03 08:00–08:30: nothing on 05-02
    const ts = [...quarterHours(ms('2024-05-01T08:00:00Z'), ms('2024-05-01T10:00:00Z')), ms('2024-05-03T06:00:00Z'), ms('2024-05-03T06:15:00Z')];
    const r = resample({ ts, columns: [ones(ts.length), ts.map((_, i) => i)] }, 'D', ZH);
    expect(r.labels).toEqual(['2024-05-01 00:00:00+02:00', '2024-05-03 00:00:00+02:00']);
    expect(Array.from(r.columns[0])).toEqual([8, 2]);
    expect(Array.from(r.columns[1])).toEqual([0 + 1 + 2 + 3 + 4 + 5 + 6 + 7, 8 + 9]);
  });

  it('should label months and years with their local start', () => {
    const ts = [ms('2024-12-31T22:45:00Z'), ms('2024-12-31T23:00:00Z'), ms('2025-02-10T00:00:00Z')];
    const m = resample({ ts, columns: [[1, 2, 4]] }, 'M', ZH);
    expect(m.labels).toEqual(['2024-12-01 00:00:00+01:00', '2025-01-01 00:00:00+01:00', '2025-02-01 00:00:00+01:00']);
    expect(Array.from(m.columns[0])).toEqual([1, 2, 4]);
    const y = resample({ ts, columns: [[1, 2, 4]] }, 'Y', ZH);
    expect(y.labels).toEqual(['2024-01-01 00:00:00+01:00', '2025-01-01 00:00:00+01:00']);
    expect(Array.from(y.columns[0])).toEqual([1, 6]);
  });

  it('should return no rows for no intervals, at every frequency', () => {
    for (const f of ['15T', 'H', 'D', 'M', 'Y'] as const) {
      expect(resample({ ts: [], columns: [[], []] }, f, ZH)).toEqual({ labels: [], columns: [new Float64Array(0), new Float64Array(0)] });
    }
  });

  it('should refuse unsorted starts or ragged columns', () => {
    expect(() => resample({ ts: [Q, 0], columns: [] }, 'D', ZH)).toThrow(RangeError);
    expect(() => resample({ ts: [0, Q], columns: [[1]] }, 'D', ZH)).toThrow(RangeError);
  });

  it('should resample a year of 35,040 quarter-hours to 365 days', () => {
    const ts = quarterHours(ms('2024-12-31T23:00:00Z'), ms('2025-12-31T23:00:00Z'));
    expect(ts).toHaveLength(35_040);
    const r = resample({ ts: Float64Array.from(ts), columns: [new Float64Array(ts.length).fill(1), Float64Array.from(ts, (_, i) => i % 7)] }, 'D', ZH);
    expect(r.labels).toHaveLength(365);
    const counts = Array.from(r.columns[0]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(35_040);
    expect(counts.filter((c) => c === 92)).toHaveLength(1);
    expect(counts.filter((c) => c === 100)).toHaveLength(1);
    expect(counts.filter((c) => c === 96)).toHaveLength(363);
    expect(r.labels[88]).toBe('2025-03-30 00:00:00+01:00');
    expect(counts[88]).toBe(92);
  });
});

describe('resample properties', () => {
  const anchors = ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26'].map((d) => ms(`${d}T00:00:00Z`));
  const units = { H: 'hours', D: 'days', M: 'months', Y: 'years' } as const;

  it('should conserve sums, order labels and count whole days as 92, 96 or 100', () => {
    const wholeDays = new Set<number>();
    fc.assert(
      fc.property(
        fc.constantFrom(ZH, ZH, 'America/New_York', 'Asia/Kolkata'),
        fc.constantFrom(...anchors),
        fc.integer({ min: -4 * 96, max: 96 }), // start, in quarter-hours from the anchor
        fc.integer({ min: 1, max: 8 * 96 }), // length in quarter-hours
        fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 1, noNaN: true })), // share of intervals kept
        fc.integer({ min: 0, max: 2 ** 30 }),
        (zone, anchor, startQ, lenQ, density, seed) => {
          let s = seed;
          const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
          const ts = quarterHours(anchor + startQ * Q, anchor + (startQ + lenQ) * Q).filter(() => rand() < density);
          const values = ts.map(() => Math.floor(rand() * 2000) - 500); // integers: sums are exact
          const inputSum = values.reduce((a, b) => a + b, 0);
          const present = new Set(ts);

          for (const freq of ['15T', 'H', 'D', 'M', 'Y'] as Frequency[]) {
            const r = resample({ ts, columns: [ones(ts.length), values] }, freq, zone);
            expect(r.columns[0].reduce((a, b) => a + b, 0)).toBe(ts.length);
            expect(r.columns[1].reduce((a, b) => a + b, 0)).toBe(inputSum);

            const at = r.labels.map((l) => DateTime.fromFormat(l, 'yyyy-MM-dd HH:mm:ssZZ', { setZone: true }).toMillis());
            for (let i = 1; i < at.length; i++) expect(at[i]).toBeGreaterThan(at[i - 1]);
            if (freq === '15T') continue;

            // each row holds exactly the intervals of its local period, recomputed with luxon
            for (let i = 0; i < at.length; i++) {
              const end = DateTime.fromMillis(at[i], { zone }).plus({ [units[freq]]: 1 }).toMillis();
              const inside = ts.filter((t) => t >= at[i] && t < end).length;
              expect(r.columns[0][i]).toBe(inside);
              const complete = (end - at[i]) / Q;
              if (freq === 'D' && [...Array(complete).keys()].every((k) => present.has(at[i] + k * Q))) {
                expect([92, 96, 100]).toContain(inside);
                wholeDays.add(inside);
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
    // the generator did reach whole short, normal and long days
    expect([...wholeDays].sort((a, b) => a - b)).toEqual([92, 96, 100]);
  });
});

describe('round6', () => {
  it('should remove floating-point noise', () => {
    expect(round6(0.07000000000000006)).toBe(0.07);
    expect(round6(0.1 + 0.2)).toBe(0.3);
    expect(round6(1.23456749)).toBe(1.234567);
    expect(round6(1.2345675)).toBe(1.234568);
    expect(round6(-1.2345675)).toBe(-1.234568);
    expect(round6(12345.0000001)).toBe(12345);
  });

  it('should never return -0', () => {
    expect(Object.is(round6(-0), 0)).toBe(true);
    expect(Object.is(round6(-0.0000004), 0)).toBe(true);
  });

  it('should leave values without a 6th decimal alone', () => {
    expect(round6(1e12 + 0.5)).toBe(1e12 + 0.5);
    expect(round6(Number.NaN)).toBeNaN();
  });

  it('should print with at most 6 decimals', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        const text = String(round6(x));
        expect(text).not.toContain('e');
        expect((/\.(\d+)/.exec(text)?.[1] ?? '').length).toBeLessThanOrEqual(6);
        expect(Math.abs(round6(x) - x)).toBeLessThanOrEqual(5e-7 + Math.abs(x) * 1e-15);
      }),
    );
  });
});

describe('formatRound6', () => {
  const same = (x: number): void => {
    expect(formatRound6(x)).toBe(String(round6(x)));
  };

  it('should print exactly what String(round6(x)) prints, at every magnitude', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), same), { numRuns: 20_000 });
    // values an answer holds: energies of a quarter-hour to a site's year, and their noise
    fc.assert(fc.property(fc.integer({ min: -12, max: 12 }), fc.double({ min: -1, max: 1, noNaN: true }), (e, m) => same(m * 10 ** e)), { numRuns: 20_000 });
    // halfway cases of the 6th decimal and the edges of the fast path
    fc.assert(fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (n) => same((n + 0.5) / 1e6)), { numRuns: 5_000 });
  });

  it('should handle zeros, signs, trailing zeros and the edges by hand', () => {
    for (const x of [0, -0, 1e-7, -4e-7, 5e-7, 1e-6, -1e-6, 0.1, 0.30000000000000004, 1.5, -1.25, 10, 100.000001, 123456.7890004, 2 ** 29 - 1e-6, 2 ** 29, 2 ** 29 + 0.5, 8.999e9, 1e21, Number.MAX_VALUE, Number.MIN_VALUE]) {
      same(x);
    }
    expect(formatRound6(-0.0000004)).toBe('0');
    expect(formatRound6(2.5e-5)).toBe('0.000025');
    expect(formatRound6(-3.1400001)).toBe('-3.14');
  });
});
