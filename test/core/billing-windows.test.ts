/**
 * Time-of-use windows: classification by local wall time (DST, weekdays,
 * holidays), checked against luxon as an independent calendar, and the
 * window set's validation (gaps, overlaps) naming the rule at fault.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileWindows, fillWindows, windowAt, type WindowSet } from '../../src/core/billing/tou-windows.js';
import { KwhubError } from '../../src/core/errors.js';

const ZONE = 'Europe/Zurich';
const HTNT: WindowSet = {
  rules: [
    { window: 'HT', days: 'mon-fri', from: '07:00', to: '20:00' },
    { window: 'NT', days: 'mon-fri', from: '20:00', to: '07:00' },
    { window: 'HT', days: 'sat', from: '07:00', to: '13:00' },
    { window: 'NT', days: 'sat', from: '13:00', to: '07:00' },
    { window: 'NT', days: 'sun', from: '00:00', to: '24:00' },
  ],
  holidays: ['2024-12-25', '2024-08-01'],
};
const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();

function errorOf(f: () => unknown): KwhubError {
  try {
    f();
  } catch (e) {
    if (e instanceof KwhubError) return e;
    throw e;
  }
  throw new Error('expected a KwhubError');
}

describe('time-of-use windows', () => {
  const w = compileWindows(HTNT, 'tariffs[0].windows');
  const name = (t: number) => w.names[windowAt(w, ZONE, t)];

  it('should price by the local wall time on both sides of the spring DST change', () => {
    // Friday 2024-03-29 is CET (UTC+1), Tuesday 2024-04-02 is CEST (UTC+2): HT starts at 07:00 local on both
    expect(name(Date.UTC(2024, 2, 29, 5, 45))).toBe('NT'); // 06:45 CET
    expect(name(Date.UTC(2024, 2, 29, 6, 0))).toBe('HT'); // 07:00 CET
    expect(name(Date.UTC(2024, 3, 2, 4, 45))).toBe('NT'); // 06:45 CEST
    expect(name(Date.UTC(2024, 3, 2, 5, 0))).toBe('HT'); // 07:00 CEST
    expect(name(Date.UTC(2024, 3, 2, 17, 45))).toBe('HT'); // 19:45 CEST
    expect(name(Date.UTC(2024, 3, 2, 18, 0))).toBe('NT'); // 20:00 CEST
  });

  it('should price both passes of the repeated fall-back hour by the same wall clock', () => {
    const set: WindowSet = {
      rules: [
        { window: 'NT', days: 'all', from: '03:00', to: '02:00' },
        { window: 'X', days: 'all', from: '02:00', to: '03:00' },
      ],
    };
    const c = compileWindows(set, 'w');
    // 2024-10-27: 02:00–03:00 local happens at 00:00–01:00 UTC (CEST) and again at 01:00–02:00 UTC (CET)
    const out = new Uint8Array(16);
    fillWindows(c, ZONE, Date.UTC(2024, 9, 26, 23, 0), 0, 16, out);
    const names = [...out].map((i) => c.names[i]);
    expect(names).toEqual(['NT', 'NT', 'NT', 'NT', 'X', 'X', 'X', 'X', 'X', 'X', 'X', 'X', 'NT', 'NT', 'NT', 'NT']);
    // 2024-03-31 skips 02:00–03:00: no interval is X that day
    const spring = new Uint8Array(92);
    fillWindows(c, ZONE, local('2024-03-31T00:00'), 0, 92, spring);
    expect([...spring].filter((i) => c.names[i] === 'X')).toHaveLength(0);
  });

  it('should price holidays like Sundays unless rules name holidays', () => {
    expect(name(local('2024-12-25T10:00'))).toBe('NT'); // a Wednesday, but a holiday
    expect(name(local('2024-12-24T10:00'))).toBe('HT');
    const own = compileWindows(
      { rules: [...HTNT.rules, { window: 'FT', days: 'hol', from: '00:00', to: '24:00' }], holidays: ['2024-12-25'] },
      'w',
    );
    expect(own.names[windowAt(own, ZONE, local('2024-12-25T10:00'))]).toBe('FT');
  });

  it('should agree with luxon for any interval of a few years (fillWindows and windowAt alike)', () => {
    const holidays = new Set(HTNT.holidays);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * 365 * 96 }), fc.integer({ min: 1, max: 200 }), (k, len) => {
        const from = Date.UTC(2023, 0, 1) + k * 900_000;
        const out = new Uint8Array(len);
        fillWindows(w, ZONE, from, 0, len, out);
        for (let i = 0; i < len; i++) {
          const t = from + i * 900_000;
          const d = DateTime.fromMillis(t, { zone: ZONE });
          const minutes = d.hour * 60 + d.minute;
          let expected: string;
          if (d.weekday === 7 || holidays.has(d.toISODate()!)) expected = 'NT';
          else if (d.weekday === 6) expected = minutes >= 420 && minutes < 780 ? 'HT' : 'NT';
          else expected = minutes >= 420 && minutes < 1200 ? 'HT' : 'NT';
          if (w.names[out[i]] !== expected || name(t) !== expected) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('should refuse a window set that leaves hours uncovered, naming the day and hours', () => {
    const e = errorOf(() => compileWindows({ rules: HTNT.rules.filter((r) => r.days !== 'sat' || r.window !== 'NT') }, 'tariffs[2].windows'));
    expect(e.code).toBe('param.invalid');
    expect(e.param).toBe('tariffs[2].windows.rules');
    expect(e.message).toContain('Saturday 00:00–07:00 uncovered');
  });

  it('should refuse overlapping rules, naming both', () => {
    const e = errorOf(() =>
      compileWindows({ rules: [...HTNT.rules, { window: 'HT', days: 'mon', from: '06:00', to: '08:00' }] }, 'tariffs[0].windows'),
    );
    expect(e.param).toBe('tariffs[0].windows.rules[5]');
    expect(e.message).toContain('overlaps tariffs[0].windows.rules[1] on Monday at 06:00');
  });

  it('should refuse times off the quarter hour, unknown days and empty rules', () => {
    expect(errorOf(() => compileWindows({ rules: [{ window: 'A', days: 'all', from: '00:10', to: '24:00' }] }, 'w')).param).toBe('w.rules[0].from');
    expect(errorOf(() => compileWindows({ rules: [{ window: 'A', days: 'mon-xyz', from: '00:00', to: '24:00' }] }, 'w')).param).toBe('w.rules[0].days');
    expect(errorOf(() => compileWindows({ rules: [{ window: 'A', days: 'all', from: '05:00', to: '05:00' }] }, 'w')).param).toBe('w.rules[0].to');
    expect(errorOf(() => compileWindows({ rules: [] }, 'w')).param).toBe('w.rules');
    expect(errorOf(() => compileWindows({ ...HTNT, holidays: ['25.12.2024'] }, 'w')).param).toBe('w.holidays[0]');
  });
});
