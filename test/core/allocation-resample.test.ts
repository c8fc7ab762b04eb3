/**
 * Allocation, then resampling to 15T/H/D/M/Y (src/core/time/resample.ts):
 * the linear identities of allocation.md must hold on every resampled row,
 * across the Europe/Zurich DST changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, SITE_FIELDS, type AllocationInput, type AllocationMeter } from '../../src/core/allocation/allocate.js';
import { resample } from '../../src/core/time/resample.js';
import { FREQUENCIES, INTERVAL_MS } from '../../src/core/types.js';
import { Rng } from '../../src/demo/rng.js';

const ZONE = 'Europe/Zurich';
const DST_DAYS = ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26'].map((d) => Date.parse(`${d}T00:00:00Z`));
const DAY = 86_400_000;

interface Case {
  start: number;
  count: number;
  consumers: number;
  producers: number;
  intro: boolean;
  battery: boolean;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  // either around one of the DST days, or anywhere in 2024-2025
  start: fc.oneof(
    fc.tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -3 * 96, max: 96 })).map(([d, k]) => d + k * INTERVAL_MS),
    fc.integer({ min: 0, max: 730 * 96 }).map((k) => Date.parse('2024-01-01T00:00:00Z') + k * INTERVAL_MS),
  ),
  // up to ~45 days: enough to cross month (and, from late December, year) boundaries
  count: fc.oneof(fc.integer({ min: 1, max: 6 * 96 }), fc.integer({ min: 1, max: 45 * 96 })),
  consumers: fc.integer({ min: 1, max: 6 }),
  producers: fc.integer({ min: 0, max: 2 }),
  intro: fc.boolean(),
  battery: fc.boolean(),
  seed: fc.integer(),
});

function build(c: Case): { ts: Float64Array; input: AllocationInput; consumers: number[] } {
  const rng = new Rng(c.seed);
  const rnd = () => rng.next();
  // drop ~3% of intervals: gaps where nothing was stored yet
  const ts: number[] = [];
  for (let i = 0; i < c.count; i++) if (rnd() > 0.03) ts.push(c.start + i * INTERVAL_MS);
  const n = ts.length;
  const meters: AllocationMeter[] = [];
  const add = (mode: AllocationMeter['mode'], count: number) => {
    for (let i = 0; i < count; i++) meters.push({ mode, type: 'electricity', inBalance: true });
  };
  add('consumption', c.consumers);
  add('production', c.producers);
  add('battery', c.battery ? 1 : 0);
  add('introduction', c.intro ? 1 : 0);
  const value = () => (rnd() < 0.05 ? -0.01 * rnd() : rnd() < 0.1 ? 0 : Math.round(rnd() * 500) / 100);
  const col = () => Float64Array.from({ length: n }, value);
  const input: AllocationInput = {
    n,
    meters,
    im: meters.map(col),
    ex: meters.map(col),
    present: meters.map(() => Uint8Array.from({ length: n }, () => (rnd() < 0.05 ? 0 : 1))),
  };
  return { ts: Float64Array.from(ts), input, consumers: meters.map((_, i) => i).slice(0, c.consumers) };
}

function close(a: number, b: number, scale: number, what: string): void {
  if (!(Math.abs(a - b) <= 1e-11 * scale)) throw new Error(`${what}: ${a} != ${b}`);
}

describe('allocation then resampling (property)', () => {
  it('should keep the linear identities on every row at 15T, H, D, M and Y, across DST', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { ts, input, consumers } = build(c);
        const r = allocate(input);
        // column layout: site fields, then total/self/ext per consumer, then |values| for the tolerance
        const columns: Float64Array[] = SITE_FIELDS.map((f) => r.site[f]);
        for (const i of consumers) columns.push(r.meters[i].total, r.meters[i].self, r.meters[i].ext);
        const scaleCol = new Float64Array(input.n);
        for (let t = 0; t < input.n; t++) {
          let s = 1;
          for (let m = 0; m < input.meters.length; m++) s += Math.abs(input.im[m][t]) + Math.abs(input.ex[m][t]);
          scaleCol[t] = s;
        }
        columns.push(scaleCol, new Float64Array(input.n).fill(1));
        const K = SITE_FIELDS.length;
        const grand = columns.map((col) => col.reduce((a, b) => a + b, 0));

        for (const freq of FREQUENCIES) {
          const out = resample({ ts, columns }, freq, ZONE);
          const rows = out.labels.length;
          if (freq === '15T') expect(rows).toBe(input.n);
          for (let g = 0; g < rows; g++) {
            const v = (k: number) => out.columns[k][g];
            const f = (name: (typeof SITE_FIELDS)[number]) => v(SITE_FIELDS.indexOf(name));
            const scale = v(columns.length - 2);
            const where = `${freq} ${out.labels[g]}`;
            let sum = 0;
            consumers.forEach((_, j) => {
              const [total, self, ext] = [v(K + 3 * j), v(K + 3 * j + 1), v(K + 3 * j + 2)];
              sum += total;
              close(self + ext, total, scale, `${where} self_i + ext_i = total_i`);
            });
            close(f('conso_total'), sum, scale, `${where} conso_total = Σ total_i`);
            const balance = f('conso_total') + f('storage_charging_total') + f('to_ext') - f('from_ext') - f('storage_discharging_total');
            close(f('prod_total'), balance, scale, `${where} energy balance`);
            if (c.intro) {
              close(f('conso_total') - f('from_ext'), f('self'), scale, `${where} conso_total - from_ext = self`);
              close(f('storage_charging_self'), f('storage_charging_total'), scale, `${where} charging_self`);
              close(f('prod_total') - f('to_ext') - f('storage_charging_self') + f('storage_discharging_total'), f('self'), scale, `${where} prod balance`);
            }
            // a local day has 92, 96 or 100 quarter hours; an hour at most 4
            const count = v(columns.length - 1);
            if (freq === 'H') expect(count).toBeLessThanOrEqual(4);
            if (freq === 'D') expect(count).toBeLessThanOrEqual(100);
          }
          // nothing lost or counted twice: the rows add up to the 15-minute total
          out.columns.forEach((col, k) => close(col.reduce((a, b) => a + b, 0), grand[k], grand[columns.length - 2], `${freq} column ${k} total`));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('should give the Zurich DST days 92 and 100 quarter hours', () => {
    const start = Date.parse('2024-03-29T23:00:00Z'); // 2024-03-30 00:00+01:00
    const count = (Date.parse('2024-10-27T23:00:00Z') - start) / INTERVAL_MS; // to 2024-10-28 00:00+01:00
    const ts = Float64Array.from({ length: count }, (_, i) => start + i * INTERVAL_MS);
    const meters: AllocationMeter[] = [
      { mode: 'consumption', type: 'electricity', inBalance: true },
      { mode: 'introduction', type: 'electricity', inBalance: true },
    ];
    const ones = new Float64Array(count).fill(1);
    const r = allocate({ n: count, meters, im: [ones, new Float64Array(count).fill(0.25)], ex: [new Float64Array(count), new Float64Array(count)], present: [new Uint8Array(count).fill(1), new Uint8Array(count).fill(1)] });
    const out = resample({ ts, columns: [r.meters[0].total, r.meters[0].self] }, 'D', ZONE);
    const byLabel = new Map(out.labels.map((l, g) => [l, [out.columns[0][g], out.columns[1][g]]]));
    expect(byLabel.get('2024-03-30 00:00:00+01:00')).toEqual([96, 72]);
    expect(byLabel.get('2024-03-31 00:00:00+01:00')).toEqual([92, 69]);
    expect(byLabel.get('2024-10-27 00:00:00+02:00')).toEqual([100, 75]);
    expect(out.labels.length).toBe(Math.round((Date.parse('2024-10-28') - Date.parse('2024-03-30')) / DAY));
  });
});
