import fc from 'fast-check';
import { DateTime } from 'luxon';
import { it, expect } from 'vitest';
import { createTimestampFormatter } from '../../src/core/time/zone.js';
import { periodStarts } from '../../src/core/time/periods.js';
const ms = (iso: string) => Date.parse(iso);
const ZONES = ['Europe/Zurich','Asia/Kolkata','America/St_Johns','UTC','America/New_York','America/Santiago','America/Sao_Paulo','Australia/Lord_Howe','Asia/Kathmandu','Pacific/Chatham','Pacific/Apia','Africa/Casablanca','Europe/Moscow'];
it('fmt exhaustive hourly 1990-2040', () => {
  const bad: string[] = [];
  for (const zone of ZONES) {
    const fmt = createTimestampFormatter(zone);
    for (let t = ms('1990-01-01T00:00:00Z'); t < ms('2040-01-01T00:00:00Z'); t += 15 * 60000) {
      const a = fmt(t), b = DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm:ssZZ');
      if (a !== b) { bad.push(`${zone} ${new Date(t).toISOString()} ${a} ${b}`); if (bad.length > 20) break; }
    }
  }
  expect(bad).toEqual([]);
}, 600000);
it('periods many', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('Europe/Zurich', 'America/New_York', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Lord_Howe', 'UTC', 'America/Santiago', 'Africa/Casablanca', 'Pacific/Apia'),
      fc.constantFrom('D' as const, 'M' as const, 'Y' as const),
      fc.integer({ min: ms('1995-01-01T00:00:00Z'), max: ms('2035-01-01T00:00:00Z') }),
      fc.integer({ min: 1, max: 400 * 86400_000 }),
      (zone, freq, from, len) => {
        const unit = ({ D: 'day', M: 'month', Y: 'year' } as const)[freq];
        const expected: number[] = [];
        let dt = DateTime.fromMillis(from, { zone }).startOf(unit);
        while (dt.toMillis() < from + len) { expected.push(dt.toMillis()); dt = dt.plus({ [unit + 's']: 1 }).startOf(unit); }
        expect(periodStarts(zone, freq, from, from + len)).toEqual(expected);
      },
    ),
    { numRuns: 3000 },
  );
}, 600000);
