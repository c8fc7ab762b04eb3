import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createPeriodWalker, periodStarts } from '../../src/core/time/periods.js';
import { createTimestampFormatter } from '../../src/core/time/zone.js';

const ms = (iso: string) => Date.parse(iso);
const H = 3600_000;
const ZH = 'Europe/Zurich';
const labels = (zone: string, starts: number[]) => starts.map(createTimestampFormatter(zone));

describe('periodStarts', () => {
  it('should return nothing for an empty range', () => {
    expect(periodStarts(ZH, 'D', 10, 10)).toEqual([]);
    expect(periodStarts(ZH, 'D', 20, 10)).toEqual([]);
  });

  it('should give a 23-hour day on 2024-03-31 and a 25-hour day on 2024-10-27 in Zurich', () => {
    const spring = periodStarts(ZH, 'D', ms('2024-03-30T12:00:00Z'), ms('2024-04-01T12:00:00Z'));
    expect(labels(ZH, spring)).toEqual([
      '2024-03-30 00:00:00+01:00',
      '2024-03-31 00:00:00+01:00',
      '2024-04-01 00:00:00+02:00',
    ]);
    expect(spring[2] - spring[1]).toBe(23 * H);
    const fall = periodStarts(ZH, 'D', ms('2024-10-26T12:00:00Z'), ms('2024-10-28T12:00:00Z'));
    expect(labels(ZH, fall)).toEqual([
      '2024-10-26 00:00:00+02:00',
      '2024-10-27 00:00:00+02:00',
      '2024-10-28 00:00:00+01:00',
    ]);
    expect(fall[2] - fall[1]).toBe(25 * H);
  });

  it('should start with the period containing from, even if it begins earlier', () => {
    const s = periodStarts(ZH, 'D', ms('2024-05-01T10:00:00Z'), ms('2024-05-01T11:00:00Z'));
    expect(s).toEqual([ms('2024-04-30T22:00:00Z')]);
    // from exactly on a boundary: that boundary comes first
    expect(periodStarts(ZH, 'D', ms('2024-04-30T22:00:00Z'), ms('2024-05-01T22:00:00Z'))).toEqual([
      ms('2024-04-30T22:00:00Z'),
    ]);
  });

  it('should give 25 hourly periods on the fall-back day, the repeated hour twice', () => {
    const s = periodStarts(ZH, 'H', ms('2024-10-26T22:00:00Z'), ms('2024-10-27T23:00:00Z'));
    expect(s).toHaveLength(25);
    const l = labels(ZH, s);
    expect(l.slice(1, 5)).toEqual([
      '2024-10-27 01:00:00+02:00',
      '2024-10-27 02:00:00+02:00',
      '2024-10-27 02:00:00+01:00',
      '2024-10-27 03:00:00+01:00',
    ]);
    for (let i = 1; i < s.length; i++) expect(s[i] - s[i - 1]).toBe(H);
  });

  it('should give 23 hourly periods on the spring-forward day, without 02:00', () => {
    const s = periodStarts(ZH, 'H', ms('2024-03-30T23:00:00Z'), ms('2024-03-31T22:00:00Z'));
    expect(s).toHaveLength(23);
    const l = labels(ZH, s);
    expect(l.slice(1, 3)).toEqual(['2024-03-31 01:00:00+01:00', '2024-03-31 03:00:00+02:00']);
  });

  it('should put hour starts on local whole hours in a +05:30 zone', () => {
    const s = periodStarts('Asia/Kolkata', 'H', ms('2024-05-01T10:00:00Z'), ms('2024-05-01T12:00:00Z'));
    expect(s).toEqual([ms('2024-05-01T09:30:00Z'), ms('2024-05-01T10:30:00Z'), ms('2024-05-01T11:30:00Z')]);
  });

  it('should find month and year boundaries at local midnight', () => {
    const m = periodStarts(ZH, 'M', ms('2024-01-15T00:00:00Z'), ms('2024-05-15T00:00:00Z'));
    expect(labels(ZH, m)).toEqual([
      '2024-01-01 00:00:00+01:00',
      '2024-02-01 00:00:00+01:00',
      '2024-03-01 00:00:00+01:00',
      '2024-04-01 00:00:00+02:00',
      '2024-05-01 00:00:00+02:00',
    ]);
    expect(m[3]).toBe(ms('2024-03-31T22:00:00Z'));
    const y = periodStarts(ZH, 'Y', ms('2023-06-01T00:00:00Z'), ms('2025-01-01T00:00:00Z'));
    expect(y).toEqual([ms('2022-12-31T23:00:00Z'), ms('2023-12-31T23:00:00Z'), ms('2024-12-31T23:00:00Z')]);
  });

  it('should start a day with a non-existent midnight at its first existing instant', () => {
    // America/Sao_Paulo sprang forward at midnight on 2018-11-04: the day starts at 01:00-02:00
    const s = periodStarts('America/Sao_Paulo', 'D', ms('2018-11-03T12:00:00Z'), ms('2018-11-04T12:00:00Z'));
    expect(labels('America/Sao_Paulo', s)).toEqual(['2018-11-03 00:00:00-03:00', '2018-11-04 01:00:00-02:00']);
    expect(s[1]).toBe(ms('2018-11-04T03:00:00Z'));
  });

  it('should keep a day open when a fall-back at 00:01 repeats midnight (St John\'s, 1 November 2009)', () => {
    // 00:01 NDT (02:31Z) went back to 23:01 NST on 31 October: 1 November began at 02:30Z and stays the day
    expect(periodStarts('America/St_Johns', 'D', 1257042660000, 1257042660001)).toEqual([1257042600000]);
  });

  it('should agree with luxon startOf for D, M and Y on random ranges and zones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(ZH, 'America/New_York', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Lord_Howe', 'UTC'),
        fc.constantFrom('D' as const, 'M' as const, 'Y' as const),
        fc.integer({ min: ms('1995-01-01T00:00:00Z'), max: ms('2035-01-01T00:00:00Z') }),
        fc.integer({ min: 1, max: 400 * 86400_000 }),
        (zone, freq, from, len) => {
          const unit = ({ D: 'day', M: 'month', Y: 'year' } as const)[freq];
          // luxon's boundaries from two periods before, then the last one at or before `from` onwards: where a
          // fall-back at 00:01 repeats midnight (St John's until 2011), the day that began stays open, so `from`
          // in the repeated minutes belongs to the new day although its wall clock shows the old one again
          const boundaries: number[] = [];
          let dt = DateTime.fromMillis(from, { zone }).minus({ [unit + 's']: 2 }).startOf(unit);
          while (dt.toMillis() < from + len) {
            boundaries.push(dt.toMillis());
            dt = dt.plus({ [unit + 's']: 1 }).startOf(unit);
          }
          let first = boundaries.length - 1;
          while (first > 0 && boundaries[first] > from) first--;
          const expected = boundaries.slice(first);
          expect(periodStarts(zone, freq, from, from + len)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('createPeriodWalker', () => {
  const starts = [100, 200, 300, 400];

  it('should map non-decreasing instants to the period containing them', () => {
    const walk = createPeriodWalker(starts);
    expect([50, 100, 150, 199, 200, 200, 350, 400, 10_000].map(walk)).toEqual([-1, 0, 0, 0, 1, 1, 2, 3, 3]);
  });

  it('should still be right when called out of order', () => {
    const walk = createPeriodWalker(starts);
    expect([350, 150, 99, 400, 250, 100].map(walk)).toEqual([2, 0, -1, 3, 1, 0]);
  });

  it('should answer -1 for no periods', () => {
    expect(createPeriodWalker([])(5)).toBe(-1);
  });
});
