/**
 * The engine-independent batch rule both stores use: the outcome of each raw
 * reading against what is stored, checked against the plainest model of it
 * (one INSERT … ON CONFLICT DO NOTHING per reading, in input order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMeterReadings, groupByMeter, patchColumns, rawKey, rawValues, sameRaw, touchedGroups, type RawValues } from '../../src/store/engine-shared.js';
import type { InsertOutcome, RawMeterReading } from '../../src/store/store.js';

const reading = fc.record({
  pk: fc.integer({ min: 1, max: 3 }),
  ts: fc.integer({ min: 0, max: 6 }).map((k) => k * 900_000),
  en_im: fc.constantFrom(1, 2, null),
  en_ex: fc.constantFrom(0, null),
});

describe('classifyMeterReadings', () => {
  it('should give each reading the outcome of one insert per reading in input order, and insert each free instant once', () => {
    fc.assert(fc.property(fc.array(reading, { maxLength: 30 }), fc.array(reading, { maxLength: 10 }), (batch, stored) => {
      const meters: RawMeterReading[] = batch.map((r) => ({ meter_id: `m${r.pk}`, ts: r.ts, en_im: r.en_im, en_ex: r.en_ex, heat_energy_kwh: null, vol_m3: null }));
      const pks = batch.map((r) => r.pk);
      const existing = new Map<string, RawValues>();
      for (const r of stored) existing.set(rawKey(r.pk, r.ts), [r.en_im, r.en_ex, null, null]);

      // the model: a table that takes the first value of each instant
      const table = new Map(existing);
      const expected: InsertOutcome[] = meters.map((m, i) => {
        const before = table.get(rawKey(pks[i], m.ts));
        if (before === undefined) {
          table.set(rawKey(pks[i], m.ts), rawValues(m));
          return 'stored';
        }
        return sameRaw(before, m) ? 'duplicate' : 'conflict';
      });

      const { order, groups } = groupByMeter(pks, meters);
      const { outcomes, fresh } = classifyMeterReadings(meters, order, groups, existing);
      expect(outcomes).toEqual(expected);
      expect(fresh.slice().sort((a, b) => a - b)).toEqual(expected.flatMap((o, i) => (o === 'stored' ? [i] : [])));
      // groups: one per meter, ascending pk, each spanning its readings' instants
      expect(groups.map((g) => g.pk)).toEqual([...new Set(pks)].sort((a, b) => a - b));
      for (const g of groups) {
        const ts = order.slice(g.g, g.h).map((i) => meters[i].ts);
        expect([g.from, g.to]).toEqual([Math.min(...ts), Math.max(...ts)]);
      }
      expect(touchedGroups(groups, order, outcomes).map((g) => g.pk)).toEqual([...new Set(fresh.map((i) => pks[i]))].sort((a, b) => a - b));
    }));
  });
});

describe('patchColumns', () => {
  it('should pass the patchable columns and refuse any other, naming it', () => {
    expect(patchColumns('meters', { name: 'x', reversed: true })).toEqual(['name', 'reversed']);
    expect(() => patchColumns('meters', { site_id: 'x' })).toThrow('cannot update meters.site_id');
    expect(() => patchColumns('sites', { 'name = name; DROP TABLE sites --': 1 })).toThrow(/cannot update sites\./);
  });
});
