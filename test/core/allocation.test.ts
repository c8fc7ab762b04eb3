import { describe, expect, it } from 'vitest';
import { allocate, meterTotal, type AllocationMeter } from '../../src/core/allocation/allocate.js';
import type { MeterMode, MeterType } from '../../src/core/types.js';

interface Spec {
  mode: MeterMode;
  type?: MeterType;
  inBalance?: boolean;
  im: number[];
  ex?: number[];
  present?: number[];
}

function site(specs: Spec[]) {
  const n = specs[0].im.length;
  const meters: AllocationMeter[] = specs.map((s) => ({ mode: s.mode, type: s.type ?? 'electricity', inBalance: s.inBalance ?? true }));
  const input = {
    n,
    meters,
    im: specs.map((s) => Float64Array.from(s.im)),
    ex: specs.map((s) => Float64Array.from(s.ex ?? new Array(n).fill(0))),
    present: specs.map((s) => Uint8Array.from(s.present ?? new Array(n).fill(1))),
  };
  return { input, r: allocate(input) };
}

const arr = (a: Float64Array | Uint8Array) => Array.from(a);

describe('meterTotal', () => {
  it('should give a consumer im - ex and a producer ex - im', () => {
    expect(meterTotal('consumption', 'electricity', 3, 1)).toBe(2);
    expect(meterTotal('production', 'electricity', 0.01, 0)).toBe(-0.01);
    expect(meterTotal('production', 'electricity', 1, 5)).toBe(4);
    expect(meterTotal('consumption', 'charge_point', 7, 0)).toBe(7);
  });

  it('should give introduction and battery meters their net import', () => {
    expect(meterTotal('introduction', 'electricity', 3, 1)).toBe(2);
    expect(meterTotal('battery', 'electricity', 1, 3)).toBe(-2);
  });

  it('should give heat and water their single register', () => {
    for (const type of ['heating', 'cooling', 'cold_water', 'hot_water'] as const) {
      expect(meterTotal('consumption', type, 4, 99)).toBe(4);
    }
  });
});

describe('allocate with an introduction meter', () => {
  it('should derive production from the balance and share self proportionally', () => {
    const { r } = site([
      { mode: 'consumption', im: [3, 1] },
      { mode: 'consumption', im: [1, 1] },
      { mode: 'production', im: [0, 0], ex: [99, 99] }, // measured PV is ignored: the connection point rules
      { mode: 'introduction', im: [2, 0], ex: [0, 3] },
    ]);
    expect(arr(r.site.conso_total)).toEqual([4, 2]);
    expect(arr(r.site.self)).toEqual([2, 2]);
    expect(arr(r.site.prod_total)).toEqual([2, 5]);
    expect(arr(r.site.from_ext)).toEqual([2, 0]);
    expect(arr(r.site.to_ext)).toEqual([0, 3]);
    expect(arr(r.meters[0].self)).toEqual([1.5, 1]);
    expect(arr(r.meters[0].ext)).toEqual([1.5, 0]);
    expect(arr(r.meters[1].self)).toEqual([0.5, 1]);
    expect(arr(r.meters[2].total)).toEqual([99, 99]);
    expect(r.meters[2].self.every(Number.isNaN)).toBe(true);
    expect(arr(r.meters[3].total)).toEqual([2, -3]);
  });

  it('should count a battery: charge from local surplus, discharge into self', () => {
    const { r } = site([
      { mode: 'consumption', im: [4] },
      { mode: 'battery', im: [1], ex: [0.5] },
      { mode: 'introduction', im: [1], ex: [2] },
    ]);
    // prod = 4 + 1 + 2 - 1 - 0.5
    expect(r.site.prod_total[0]).toBe(5.5);
    expect(r.site.self[0]).toBe(3);
    expect(r.site.storage_charging_total[0]).toBe(1);
    expect(r.site.storage_charging_self[0]).toBe(1);
    expect(r.site.storage_discharging_total[0]).toBe(0.5);
  });

  it('should keep negative site self but give no negative shares', () => {
    const { r } = site([
      { mode: 'consumption', im: [0.07] },
      { mode: 'introduction', im: [0.26] },
    ]);
    expect(r.site.self[0]).toBeCloseTo(-0.19, 15);
    expect(r.site.prod_total[0]).toBeCloseTo(-0.19, 15);
    expect(r.meters[0].self[0]).toBe(0);
    expect(r.meters[0].ext[0]).toBe(0.07);
  });
});

describe('allocate without an introduction meter', () => {
  it('should use production locally first and export the rest', () => {
    const { r } = site([
      { mode: 'consumption', im: [3, 3] },
      { mode: 'consumption', im: [1, 1] },
      { mode: 'production', ex: [1, 6], im: [0, 0] },
    ]);
    expect(arr(r.site.prod_total)).toEqual([1, 6]);
    expect(arr(r.site.self)).toEqual([1, 4]);
    expect(arr(r.site.from_ext)).toEqual([3, 0]);
    expect(arr(r.site.to_ext)).toEqual([0, 2]);
    expect(arr(r.meters[0].self)).toEqual([0.75, 3]);
  });

  it('should run the min() chain through a battery', () => {
    // P = 5, conso = 4: direct 4, surplus 1 < charge 3 → 2 from grid; discharge 0.5 all exported (no consumer left)
    const { r } = site([
      { mode: 'consumption', im: [4, 4] },
      { mode: 'production', im: [0, 0], ex: [5, 1] },
      { mode: 'battery', im: [3, 0], ex: [0.5, 2] },
    ]);
    expect(r.site.self[0]).toBe(4);
    expect(r.site.storage_charging_self[0]).toBe(1);
    expect(r.site.from_ext[0]).toBe(2);
    expect(r.site.to_ext[0]).toBe(0.5);
    // P = 1, conso = 4: direct 1, battery covers 2 more, 1 from grid
    expect(r.site.self[1]).toBe(3);
    expect(r.site.storage_charging_self[1]).toBe(0);
    expect(r.site.from_ext[1]).toBe(1);
    expect(r.site.to_ext[1]).toBe(0);
  });

  it('should send a producer-less site entirely to the grid', () => {
    const { r } = site([{ mode: 'consumption', im: [2] }]);
    expect(r.site.self[0]).toBe(0);
    expect(r.site.from_ext[0]).toBe(2);
    expect(r.meters[0].ext[0]).toBe(2);
  });
});

describe('allocate: participation and presence', () => {
  it('should leave out non-electric and out-of-balance meters, but give them totals', () => {
    const { r } = site([
      { mode: 'consumption', im: [1] },
      { mode: 'consumption', type: 'heating', im: [50] },
      { mode: 'consumption', inBalance: false, im: [7], ex: [1] },
      { mode: 'consumption', type: 'charge_point', im: [3] },
    ]);
    expect(r.site.conso_total[0]).toBe(4);
    expect(arr(r.meters[1].total)).toEqual([50]);
    expect(arr(r.meters[2].total)).toEqual([6]);
    expect(Number.isNaN(r.meters[1].ext[0]) && Number.isNaN(r.meters[2].ext[0])).toBe(true);
    expect(r.meters[3].ext[0]).toBe(3);
  });

  it('should count absent values as 0 whatever the column holds, and flag rows with data', () => {
    const { r } = site([
      { mode: 'consumption', im: [Number.NaN, 2, 5], present: [0, 1, 0] },
      { mode: 'consumption', type: 'heating', im: [1, 1, 1] },
      { mode: 'introduction', im: [9, 1, 0], present: [0, 1, 1] },
    ]);
    expect(arr(r.site.conso_total)).toEqual([0, 2, 0]);
    expect(arr(r.meters[0].total)).toEqual([0, 2, 0]);
    expect(arr(r.site.from_ext)).toEqual([0, 1, 0]);
    expect(arr(r.siteRow)).toEqual([0, 1, 1]);
  });

  it('should handle zero intervals', () => {
    const r = allocate({ n: 0, meters: [], im: [], ex: [], present: [] });
    expect(r.site.self.length).toBe(0);
    expect(r.meters).toEqual([]);
  });
});
