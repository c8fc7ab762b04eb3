/**
 * The SDK's instant handling on its own (no server): series timestamps parsed
 * by their offsets, inputs read as the API reads them (tz-naive = UTC), and
 * the wire form of t_s / t_e.
 */
import { describe, expect, it } from 'vitest';
import { parseTimestamp, toNaiveUtc } from '../../packages/sdk/src/index.js';
import { toEpochMs } from '../../packages/sdk/src/time.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('parseTimestamp', () => {
  it('should read the offset, not cut at it: the two 02:15 of a DST autumn night are an hour apart', () => {
    expect(iso(parseTimestamp('2024-10-27 02:15:00+02:00'))).toBe('2024-10-27T00:15:00.000Z');
    expect(iso(parseTimestamp('2024-10-27 02:15:00+01:00'))).toBe('2024-10-27T01:15:00.000Z');
    expect(iso(parseTimestamp('2024-03-31 03:00:00+02:00'))).toBe('2024-03-31T01:00:00.000Z');
    expect(iso(parseTimestamp('2024-03-31 02:00:00+01:00'))).toBe('2024-03-31T01:00:00.000Z');
  });

  it('should read negative, half-hour and quarter-hour offsets', () => {
    expect(iso(parseTimestamp('2024-03-10 01:45:00-05:00'))).toBe('2024-03-10T06:45:00.000Z');
    expect(iso(parseTimestamp('2024-06-01 05:45:00+05:30'))).toBe('2024-06-01T00:15:00.000Z');
    expect(iso(parseTimestamp('2024-06-01 00:00:00+05:45'))).toBe('2024-05-31T18:15:00.000Z');
    expect(iso(parseTimestamp('2024-01-01 00:00:00-03:30'))).toBe('2024-01-01T03:30:00.000Z');
  });

  it('should tolerate T, Z, fractions and a missing offset (UTC), and refuse anything else with NaN', () => {
    expect(iso(parseTimestamp('2024-06-01T12:00:00Z'))).toBe('2024-06-01T12:00:00.000Z');
    expect(iso(parseTimestamp('2024-06-01T12:00:00.250+0200'))).toBe('2024-06-01T10:00:00.250Z');
    expect(iso(parseTimestamp('2024-06-01 12:00:00'))).toBe('2024-06-01T12:00:00.000Z');
    for (const bad of ['', 'yesterday', '2024-06-01', '2024-02-30 00:00:00+01:00', '2024-06-01 24:00:00+00:00', '2024-06-01 12:00:00+25:00']) {
      expect(parseTimestamp(bad), bad).toBeNaN();
    }
  });
});

describe('inputs', () => {
  it('should read tz-naive strings as UTC, whatever the machine zone, and honour explicit offsets', () => {
    const at = Date.UTC(2024, 4, 1, 10, 30);
    for (const s of ['2024-05-01T10:30', '2024-05-01 10:30:00', '2024-05-01T10:30:00.000', '2024-05-01T10:30:00Z', '2024-05-01T12:30:00+02:00', '2024-05-01T05:30-0500']) {
      expect(toEpochMs(s, 'from'), s).toBe(at);
    }
    expect(toEpochMs('2024-05-01', 'from')).toBe(Date.UTC(2024, 4, 1));
    expect(toEpochMs(new Date(at), 'from')).toBe(at);
    expect(toEpochMs(at, 'from')).toBe(at);
  });

  it('should refuse what is not an instant with a RangeError naming the option', () => {
    for (const bad of ['2024-13-01', '2024-02-30', '01/05/2024', 'now', '2024-05-01T25:00']) {
      expect(() => toEpochMs(bad, 't'), bad).toThrow(/^t: expected a Date/);
    }
    expect(() => toEpochMs(new Date('x'), 'to')).toThrow(RangeError);
    expect(() => toEpochMs(Number.NaN, 'to')).toThrow(RangeError);
  });

  it('should write t_s / t_e as YYYY-MM-DDTHH:MM:SS, with milliseconds only when there are some', () => {
    expect(toNaiveUtc(Date.UTC(2024, 4, 1, 10, 30))).toBe('2024-05-01T10:30:00');
    expect(toNaiveUtc(Date.UTC(2024, 4, 1, 10, 30, 5, 120))).toBe('2024-05-01T10:30:05.120');
  });
});
