import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkNoOverlap, clipToScope, overlaps, residentScope, windowOf, type Tenancy } from '../../src/core/residents/tenancy.js';
import { KwhubError } from '../../src/core/errors.js';

const QH = 900_000;
const DAY = 86_400_000;
// around the DST change of 2024-03-31 in Zurich: instants are UTC, so nothing may depend on local days
const T0 = Date.UTC(2024, 2, 30);

const tenancyArb = (meters: string[], residents: string[]) =>
  fc.record({
    meter_id: fc.constantFrom(...meters),
    resident_id: fc.constantFrom(...residents),
    from: fc.integer({ min: 0, max: 40 }).map((d) => T0 + d * QH * 7),
    len: fc.option(fc.integer({ min: 1, max: 40 }).map((d) => d * QH * 5), { nil: null }),
  }).map(({ len, ...t }): Tenancy => ({ ...t, id: '', to: len === null ? null : t.from + len }));

/** distinct ids, as the store gives them */
const withIds = (list: Tenancy[]) => list.map((t, i) => ({ ...t, id: `t${i}` }));

/** a meter's tenancies as checkNoOverlap lets them in, one after the other */
function admitted(list: Tenancy[]): Tenancy[] {
  const kept: Tenancy[] = [];
  for (const t of list) {
    try {
      checkNoOverlap(kept, t);
      kept.push(t);
    } catch (e) {
      if (!(e instanceof KwhubError) || e.code !== 'tenancy.overlap') throw e;
    }
  }
  return kept;
}

describe('tenancies', () => {
  it('should never admit two overlapping tenancies on one meter, and refuse exactly the overlapping ones', () => {
    fc.assert(fc.property(fc.array(tenancyArb(['m1', 'm2'], ['r1', 'r2']), { maxLength: 30 }), (list) => {
      const kept = admitted(withIds(list));
      for (const a of kept) for (const b of kept) {
        if (a !== b && a.meter_id === b.meter_id) expect(overlaps(windowOf(a), windowOf(b))).toBe(false);
      }
      for (const t of withIds(list).filter((x) => !kept.some((k) => k.id === x.id))) {
        expect(kept.some((k) => k.meter_id === t.meter_id && overlaps(windowOf(k), windowOf(t)))).toBe(true);
      }
    }));
  });

  it('should accept a tenancy starting exactly where the previous one ends (a move on the same day)', () => {
    const a: Tenancy = { id: 'a', meter_id: 'm', resident_id: 'r1', from: T0, to: T0 + DAY };
    expect(() => checkNoOverlap([a], { id: 'b', meter_id: 'm', resident_id: 'r2', from: T0 + DAY, to: null })).not.toThrow();
    expect(() => checkNoOverlap([a], { id: 'b', meter_id: 'm', resident_id: 'r2', from: T0 + DAY - QH, to: null })).toThrow(/already let/);
    // editing a tenancy does not clash with itself
    expect(() => checkNoOverlap([a], { ...a, to: T0 + 2 * DAY })).not.toThrow();
  });

  it('should refuse a tenancy that ends before it starts', () => {
    expect(() => checkNoOverlap([], { id: 'x', meter_id: 'm', resident_id: 'r', from: T0, to: T0 })).toThrow(/must be after from/);
  });

  it("should clip any range to the resident's own tenancies: inside them, on interval bounds, never another's meter", () => {
    fc.assert(fc.property(
      fc.array(tenancyArb(['m1', 'm2', 'm3'], ['r1', 'r2']), { maxLength: 20 }),
      fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.constantFrom('m1', 'm2', 'm3'),
      (list, a, b, meterId) => {
        const kept = admitted(withIds(list));
        const range = { from: T0 + Math.min(a, b) * QH, to: T0 + Math.max(a, b) * QH };
        const scope = residentScope(kept, 'r1');
        const parts = clipToScope(range, scope.get(meterId));
        const own = kept.filter((t) => t.resident_id === 'r1' && t.meter_id === meterId);
        for (const p of parts) {
          expect(p.from % QH).toBe(0);
          expect(p.to % QH).toBe(0);
          expect(p.from).toBeGreaterThanOrEqual(range.from);
          expect(p.to).toBeLessThanOrEqual(range.to);
          expect(own.some((t) => p.from >= t.from && p.to <= (t.to ?? Infinity))).toBe(true);
        }
        if (own.length === 0) expect(parts).toEqual([]);
        // ascending and disjoint
        for (let i = 1; i < parts.length; i++) expect(parts[i].from).toBeGreaterThanOrEqual(parts[i - 1].to);
      },
    ));
  });
});
