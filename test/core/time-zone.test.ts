import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { IANAZone } from 'luxon';
import { ZoneOffsets, createTimestampFormatter, formatOffset, isValidZone, zoneOffsets } from '../../src/core/time/zone.js';

const ms = (iso: string) => Date.parse(iso);
const viaLuxon = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm:ssZZ');

const ZONES = [
  'Europe/Zurich',
  'Asia/Kolkata',
  'America/St_Johns',
  'UTC',
  'America/New_York',
  'America/Santiago',
  'America/Sao_Paulo',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Europe/Moscow',
];
const FROM_1990 = ms('1990-01-01T00:00:00Z');
const TO_2040 = ms('2040-01-01T00:00:00Z');

describe('isValidZone', () => {
  it('should accept IANA zones and reject anything else', () => {
    for (const z of ZONES) expect(isValidZone(z)).toBe(true);
    expect(isValidZone('Etc/GMT-2')).toBe(true);
    expect(isValidZone('')).toBe(false);
    expect(isValidZone('Europe/Zürich')).toBe(false);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(isValidZone('+02:00')).toBe(false);
  });

  it('should refuse to build a formatter for an unknown zone', () => {
    expect(() => createTimestampFormatter('Mars/Olympus')).toThrow(RangeError);
  });
});

describe('formatOffset', () => {
  it('should print signed hours and minutes', () => {
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(2 * 3600_000)).toBe('+02:00');
    expect(formatOffset(5.5 * 3600_000)).toBe('+05:30');
    expect(formatOffset(-3.5 * 3600_000)).toBe('-03:30');
    expect(formatOffset(-(34 * 60 + 8) * 1000)).toBe('-00:34:08'); // local mean time, pre-1900
  });
});

describe('createTimestampFormatter', () => {
  it('should format in the vendor form', () => {
    const fmt = createTimestampFormatter('Europe/Zurich');
    expect(fmt(ms('2022-05-05T15:15:00Z'))).toBe('2022-05-05 17:15:00+02:00');
    expect(fmt(ms('2022-01-05T15:15:00Z'))).toBe('2022-01-05 16:15:00+01:00');
    expect(createTimestampFormatter('UTC')(ms('2024-02-29T23:59:59.999Z'))).toBe('2024-02-29 23:59:59+00:00');
  });

  it('should be exact around the Zurich DST switches of 2024 and 2025', () => {
    const fmt = createTimestampFormatter('Europe/Zurich');
    const cases: [string, string][] = [
      // spring 2024: 02:00 local does not exist
      ['2024-03-31T00:45:00Z', '2024-03-31 01:45:00+01:00'],
      ['2024-03-31T00:59:59Z', '2024-03-31 01:59:59+01:00'],
      ['2024-03-31T01:00:00Z', '2024-03-31 03:00:00+02:00'],
      // autumn 2024: 02:00–03:00 local happens twice
      ['2024-10-27T00:00:00Z', '2024-10-27 02:00:00+02:00'],
      ['2024-10-27T00:45:00Z', '2024-10-27 02:45:00+02:00'],
      ['2024-10-27T01:00:00Z', '2024-10-27 02:00:00+01:00'],
      ['2024-10-27T01:45:00Z', '2024-10-27 02:45:00+01:00'],
      ['2024-10-27T02:00:00Z', '2024-10-27 03:00:00+01:00'],
      ['2025-03-30T00:45:00Z', '2025-03-30 01:45:00+01:00'],
      ['2025-03-30T01:00:00Z', '2025-03-30 03:00:00+02:00'],
      ['2025-10-26T00:45:00Z', '2025-10-26 02:45:00+02:00'],
      ['2025-10-26T01:00:00Z', '2025-10-26 02:00:00+01:00'],
    ];
    for (const [utc, local] of cases) expect(fmt(ms(utc))).toBe(local);
    // and the same when walked backwards
    for (const [utc, local] of [...cases].reverse()) expect(fmt(ms(utc))).toBe(local);
  });

  it('should handle half-hour and odd offsets', () => {
    expect(createTimestampFormatter('Asia/Kolkata')(ms('2024-05-01T10:15:00Z'))).toBe('2024-05-01 15:45:00+05:30');
    expect(createTimestampFormatter('America/St_Johns')(ms('2024-01-15T12:00:00Z'))).toBe('2024-01-15 08:30:00-03:30');
    expect(createTimestampFormatter('America/St_Johns')(ms('2024-07-15T12:00:00Z'))).toBe('2024-07-15 09:30:00-02:30');
    expect(createTimestampFormatter('Asia/Kathmandu')(ms('2024-07-15T12:00:00Z'))).toBe('2024-07-15 17:45:00+05:45');
  });

  it('should agree with luxon on random instants 1990–2040 in many zones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(fc.integer({ min: FROM_1990, max: TO_2040 }), { minLength: 1, maxLength: 50 }),
        (zone, instants) => {
          const fmt = createTimestampFormatter(zone);
          for (const t of instants) expect(fmt(t)).toBe(viaLuxon(t, zone));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should agree with luxon on 15-minute steps through every transition of 2023–2026', () => {
    for (const zone of ZONES) {
      const table = zoneOffsets(zone);
      const fmt = createTimestampFormatter(zone);
      // find transitions cheaply from the table, then compare ±3 h around each
      const start = ms('2023-01-01T00:00:00Z');
      const end = ms('2027-01-01T00:00:00Z');
      let seen = 0;
      for (let t = start; t < end; ) {
        const seg = table.segmentAt(t);
        // read before the next lookup: learning more may extend seg in place
        const end = seg.end;
        if (table.offsetAt(end) !== seg.offset) {
          seen++;
          for (let u = end - 3 * 3600_000; u <= end + 3 * 3600_000; u += 900_000) {
            expect(fmt(u)).toBe(viaLuxon(u, zone));
            expect(fmt(u - 1)).toBe(viaLuxon(u - 1, zone));
          }
        }
        t = end;
      }
      if (zone === 'Europe/Zurich') expect(seen).toBe(8);
      if (zone === 'UTC' || zone === 'Asia/Kolkata') expect(seen).toBe(0);
    }
  });

  it('should know the offset on both sides of every UTC midnight, 1990–2020, walking either way', () => {
    // transitions can fall exactly on 00:00Z (Africa/Casablanca 2008-06-01, Europe/Moscow 1991-09-29)
    for (const zone of ['Africa/Casablanca', 'Europe/Moscow']) {
      const luxon = IANAZone.create(zone);
      const expected: number[] = [];
      const days: number[] = [];
      for (let d = FROM_1990; d < ms('2020-01-01T00:00:00Z'); d += 86400_000) {
        days.push(d);
        expected.push(luxon.offset(d - 1), luxon.offset(d));
      }
      const forward = new ZoneOffsets(zone);
      const got = days.flatMap((d) => [forward.offsetAt(d - 1) / 60_000, forward.offsetAt(d) / 60_000]);
      expect(got).toEqual(expected);
      const backward = new ZoneOffsets(zone);
      const gotBack = [...days].reverse().flatMap((d) => [backward.offsetAt(d) / 60_000, backward.offsetAt(d - 1) / 60_000]);
      expect(gotBack.reverse()).toEqual(expected);
    }
  });

  it('should agree with luxon on random walks near transitions, forwards and backwards', () => {
    const anchors = ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z'].map(ms);
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Zurich', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago'),
        fc.constantFrom(...anchors),
        fc.array(fc.integer({ min: -40 * 86400_000, max: 40 * 86400_000 }), { minLength: 1, maxLength: 40 }),
        (zone, anchor, deltas) => {
          const fmt = createTimestampFormatter(zone);
          for (const d of deltas) expect(fmt(anchor + d)).toBe(viaLuxon(anchor + d, zone));
        },
      ),
      { numRuns: 200 },
    );
  });
});
