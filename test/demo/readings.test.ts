import { beforeAll, describe, expect, it } from 'vitest';
import { registersOf } from '../../src/core/types.js';
import { demoFacts, type DemoFacts } from '../../src/demo/facts.js';
import { generateDemoReadings, type GatewayBatch, type GatewayElectricityReading, type GatewayMeterReading } from '../../src/demo/readings.js';
import { demoSite, demoSiteDocument } from '../../src/demo/site.js';
import { demoTotals, type DemoTotals } from '../../src/demo/totals.js';
import { simulateDemo } from '../../src/demo/physics/community.js';

const STEP = 900_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const SEED = 3;
const END = Date.UTC(2024, 9, 15, 14, 37, 12); // floored to 14:30
const nominal = (ts: number) => Math.round(ts / STEP) * STEP;
const reg = (r: GatewayMeterReading): number => ('en_im' in r ? r.en_im : 'heat_energy_kwh' in r ? r.heat_energy_kwh : r.vol_m3);

function collect(gen: Generator<GatewayBatch, DemoTotals>, limit = Infinity): { batches: GatewayBatch[]; totals: DemoTotals | null } {
  const batches: GatewayBatch[] = [];
  let r = gen.next();
  while (!r.done && batches.length < limit) {
    batches.push(r.value);
    r = gen.next();
  }
  return { batches, totals: r.done ? r.value : null };
}

const site = demoSite(SEED);
const doc = demoSiteDocument(SEED);
const typeOf = new Map(doc.meters.map((m) => [m.id, m.type]));
const electric = doc.meters.filter((m) => m.rule === null && registersOf(m.type).includes('en_im')).map((m) => m.id);
const hourly = doc.meters.filter((m) => m.rule === null && !registersOf(m.type).includes('en_im')).map((m) => m.id);
let batches: GatewayBatch[];
let totals: DemoTotals;
let facts: DemoFacts;
/** per meter, unique readings in time order (duplicates removed, the late batch merged) */
const series = new Map<string, GatewayMeterReading[]>();

beforeAll(() => {
  const out = collect(generateDemoReadings({ seed: SEED, end: END }));
  batches = out.batches;
  totals = out.totals!;
  facts = demoFacts(SEED, END, 365);
  const seen = new Map<string, Map<number, GatewayMeterReading>>();
  for (const b of batches) for (const r of b.meters) {
    if (!seen.has(r.meter_id)) seen.set(r.meter_id, new Map());
    seen.get(r.meter_id)!.set(r.timestamp, r);
  }
  for (const [id, m] of seen) series.set(id, [...m.values()].sort((a, b) => a.timestamp - b.timestamp));
});

describe('generateDemoReadings: a year', () => {
  it('should generate a year of ~1.1 M readings', () => {
    // speed is measured in bench/, never asserted here
    const n = batches.reduce((s, b) => s + b.meters.length + b.sensors.length, 0);
    expect(n).toBeGreaterThan(1_000_000);
  });

  it('should be deterministic: same seed, same batches and totals; another seed differs', () => {
    const again = collect(generateDemoReadings({ seed: SEED, end: END }), 3).batches;
    expect(again).toEqual(batches.slice(0, 3));
    const other = collect(generateDemoReadings({ seed: SEED + 1, end: END }), 1).batches;
    expect(other[0]).not.toEqual(batches[0]);
    expect(totals).toEqual(demoTotals({ seed: SEED, end: END }));
  });

  it('should place the imperfections as the facts say', () => {
    expect(facts.end).toBe(Date.UTC(2024, 9, 15, 14, 30));
    expect(facts.start).toBe(facts.end - 365 * DAY);
    const o = facts.outage!;
    expect(o.to - o.from).toBe(2 * DAY);
    expect(o.from).toBeGreaterThanOrEqual(facts.start + 31 * DAY);
    expect(o.to).toBeLessThanOrEqual(facts.start + 90 * DAY);
    expect(facts.exchange.meterId).toBe(site.apartments[facts.exchange.apartment]);
    expect(facts.spike.meterId).toBe(site.apartments[facts.spike.apartment]);
    expect(facts.spike.meterId).not.toBe(facts.exchange.meterId);
    expect(facts.duplicates.length).toBeGreaterThanOrEqual(10);
    expect(batches).toHaveLength(facts.batchCount);
    expect(facts.batchCount).toBe(366);
  });

  it('should use the push format: the registers of each meter type, epoch-ms timestamps, jitter ≤ 40 s', () => {
    let maxJitter = 0;
    const keys = new Set<string>();
    for (const b of batches) {
      for (const r of b.meters) {
        maxJitter = Math.max(maxJitter, Math.abs(r.timestamp - nominal(r.timestamp)));
        keys.add(`${typeOf.get(r.meter_id)}:${Object.keys(r).sort().join(',')}`);
        if (!Number.isSafeInteger(r.timestamp) || !Number.isFinite(reg(r))) throw new Error(`bad reading ${JSON.stringify(r)}`);
      }
      for (const s of b.sensors) maxJitter = Math.max(maxJitter, Math.abs(s.timestamp - nominal(s.timestamp)));
    }
    expect(maxJitter).toBeLessThanOrEqual(40_000);
    expect(maxJitter).toBeGreaterThan(30_000);
    for (const k of keys) {
      const [type, fields] = k.split(':');
      expect(fields).toBe(['meter_id', 'timestamp', ...registersOf(type as never)].sort().join(','));
    }
    expect(series.has(site.common)).toBe(false); // rule meters never report
    for (const id of [...electric, ...hourly]) expect(series.has(id)).toBe(true);
  });

  it('should report electricity and sensors every 15 minutes and heat and water hourly', () => {
    const hours = Math.floor(facts.end / HOUR) - Math.ceil(facts.start / HOUR) + 1;
    for (const id of electric) expect(series.get(id)!.length).toBe(365 * 96 + 1);
    for (const id of hourly) expect(series.get(id)!.length).toBe(hours);
    const raw = new Map<string, number>();
    for (const b of batches) for (const r of [...b.meters.map((m) => m.meter_id), ...b.sensors.map((s) => s.sensor_id)]) raw.set(r, (raw.get(r) ?? 0) + 1);
    const dups = facts.duplicates.length;
    for (const id of electric) expect(raw.get(id)).toBe(365 * 96 + 1 + 4 * dups);
    for (const id of hourly) expect(raw.get(id)).toBe(hours + dups);
    for (const id of [site.sensors.outdoor, ...site.sensors.indoor, site.sensors.co2]) expect(raw.get(id)).toBe(365 * 96 + 4 * dups);
  });

  it('should start registers at plausible non-zero values', () => {
    for (const id of [...site.apartments, site.house, site.grid, site.pv, ...site.heat, ...site.hotWater, ...site.coldWater]) {
      expect(reg(series.get(id)![0])).toBeGreaterThan(1);
    }
  });

  it('should keep every register monotone except at the exchange and the spike', () => {
    const drops: string[] = [];
    for (const [id, rs] of series) {
      for (let i = 1; i < rs.length; i++) {
        const a = rs[i - 1], b = rs[i];
        if (reg(b) < reg(a) || ('en_ex' in b && b.en_ex < (a as GatewayElectricityReading).en_ex)) drops.push(`${id}@${b.timestamp}`);
      }
    }
    expect(drops.sort()).toEqual([`${facts.exchange.meterId}@${facts.exchange.firstNewTimestamp}`, `${facts.spike.meterId}@${nextTs(facts.spike.meterId, facts.spike.timestamp)}`].sort());
  });

  it('should restart the exchanged meter near 3.2 kWh and carry on', () => {
    const rs = series.get(facts.exchange.meterId)! as GatewayElectricityReading[];
    const i = rs.findIndex((r) => r.timestamp === facts.exchange.firstNewTimestamp);
    expect(rs[i - 1].timestamp).toBe(facts.exchange.lastOldTimestamp);
    expect(rs[i - 1].en_im).toBeGreaterThan(1000);
    expect(rs[i].en_im).toBeGreaterThanOrEqual(3.2);
    expect(rs[i].en_im).toBeLessThan(3.2 + 25 * 0.25);
    expect(rs[i].en_ex).toBe(0);
    // the energy of both registers adds up to the physics, less the minutes between the last old reading and the exchange
    const energy = rs[i - 1].en_im - rs[0].en_im + rs[rs.length - 1].en_im - 3.2;
    const physics = totals.meters[facts.exchange.meterId].en_im!;
    expect(energy).toBeLessThanOrEqual(physics + 1e-6);
    expect(energy).toBeGreaterThan(physics - 2);
  });

  it('should spike one reading by ~5,000 kWh and return to normal at the next', () => {
    const rs = series.get(facts.spike.meterId)! as GatewayElectricityReading[];
    const i = rs.findIndex((r) => r.timestamp === facts.spike.timestamp);
    const expected = (rs[i - 1].en_im + rs[i + 1].en_im) / 2;
    expect(rs[i].en_im - expected).toBeCloseTo(facts.spike.deltaKwh, -1);
    expect(facts.spike.deltaKwh).toBeGreaterThan(4_900);
    expect(rs[i + 1].en_im - rs[i - 1].en_im).toBeLessThan(25 * 0.5);
  });

  it('should make register differences equal the physics energy between the readings', () => {
    // each meter's physics per step over the span, and its integral at any instant (even spread within a step)
    const steps = new Map<string, Float64Array[]>();
    const put = (id: string, k: number, a: Float64Array, b?: Float64Array) => {
      if (!steps.has(id)) steps.set(id, [new Float64Array(365 * 96), new Float64Array(365 * 96)]);
      steps.get(id)![0].set(a, k);
      if (b) steps.get(id)![1].set(b, k);
    };
    let k = 0;
    for (const d of simulateDemo({ seed: SEED, end: END })) {
      put(site.grid, k, d.gridImport, d.gridExport);
      put(site.pv, k, d.pvStandby, d.pvOut);
      put(site.battery, k, d.batteryCharge, d.batteryDischarge);
      put(site.house, k, d.house);
      put(site.heatPump, k, d.heatPump);
      d.chargePoints.forEach((a, i) => put(site.chargePoints[i], k, a));
      d.apartments.forEach((a, i) => put(site.apartments[i], k, a));
      d.heat.forEach((a, i) => put(site.heat[i], k, a));
      d.hotWater.forEach((a, i) => put(site.hotWater[i], k, a));
      d.coldWater.forEach((a, i) => put(site.coldWater[i], k, a));
      k += 96;
    }
    const integral = (a: Float64Array, t: number) => {
      const x = (t - facts.start) / STEP;
      const whole = Math.floor(x);
      let s = 0;
      for (let i = 0; i < whole; i++) s += a[i];
      return s + (whole < a.length ? a[whole] * (x - whole) : 0);
    };
    for (const id of [...electric, ...hourly]) {
      if (id === facts.exchange.meterId) continue;
      const rs = series.get(id)!;
      const first = rs[0], last = rs[rs.length - 1];
      const [a, b] = steps.get(id)!;
      const expected = integral(a, last.timestamp) - integral(a, first.timestamp);
      expect(reg(last) - reg(first)).toBeCloseTo(expected, 6);
      if ('en_ex' in last) expect(last.en_ex - (first as GatewayElectricityReading).en_ex).toBeCloseTo(integral(b, last.timestamp) - integral(b, first.timestamp), 6);
      // and the whole span is the totals' figure, less what lies before the first and after the last reading (≤ 4 steps each for hourly meters)
      const total = totals.meters[id];
      expect(Math.abs(reg(last) - reg(first) - (total.en_im ?? total.heat_energy_kwh ?? total.vol_m3)!)).toBeLessThan([...a.slice(0, 4), ...a.slice(-4)].reduce((s, x) => s + x, 0) + 1e-9);
    }
  });

  it('should close the balance at the grid connection between any two read cycles', () => {
    const get = (id: string) => series.get(id)! as GatewayElectricityReading[];
    const [grid, pv, bat, house, hp, cp1, cp2] = [site.grid, site.pv, site.battery, site.house, site.heatPump, ...site.chargePoints].map(get);
    let worst = 0;
    for (let i = 1; i < grid.length; i++) {
      expect(pv[i].timestamp).toBe(grid[i].timestamp);
      const d = (s: GatewayElectricityReading[], f: 'en_im' | 'en_ex') => s[i][f] - s[i - 1][f];
      const consumers = d(house, 'en_im') + d(hp, 'en_im') + d(cp1, 'en_im') + d(cp2, 'en_im');
      const prod = d(pv, 'en_ex') - d(pv, 'en_im');
      const lhs = consumers + d(bat, 'en_im') - d(bat, 'en_ex') - prod;
      worst = Math.max(worst, Math.abs(lhs - (d(grid, 'en_im') - d(grid, 'en_ex'))));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('should deliver the outage late, in one batch, and keep the other batches chronological', () => {
    const o = facts.outage!;
    const late = batches[facts.lateBatchIndex!];
    const inOutage = (ts: number) => nominal(ts) >= o.from && nominal(ts) < o.to;
    expect(late.meters.every((r) => inOutage(r.timestamp))).toBe(true);
    expect(late.sensors.every((r) => inOutage(r.timestamp))).toBe(true);
    expect(late.meters).toHaveLength(2 * 96 * electric.length + 48 * hourly.length);
    expect(late.sensors).toHaveLength(2 * 96 * 4);
    // emitted right after the batch that reaches one day past the outage
    const before = batches[facts.lateBatchIndex! - 1];
    expect(Math.max(...before.meters.map((r) => r.timestamp))).toBeGreaterThanOrEqual(o.to + DAY - DAY);
    expect(Math.min(...before.meters.map((r) => r.timestamp))).toBeLessThanOrEqual(o.to + DAY);
    let prevMax = -Infinity;
    batches.forEach((b, i) => {
      if (i === facts.lateBatchIndex) return;
      expect(b.meters.some((r) => inOutage(r.timestamp))).toBe(false);
      const ts = b.meters.map((r) => r.timestamp);
      if (ts.length === 0) return; // a day entirely inside the outage: nothing to send
      for (let k = 1; k < ts.length; k++) if (ts[k] < ts[k - 1]) throw new Error(`batch ${i} out of order at ${k}`);
      // only the duplicated last hour may overlap the previous batch
      expect(ts[0]).toBeGreaterThan(prevMax - HOUR);
      prevMax = ts[ts.length - 1];
    });
  });

  it('should resend the previous batch’s last hour, unchanged, once a month', () => {
    for (const dup of facts.duplicates) {
      const idx = dup.day + (facts.lateBatchIndex !== null && dup.day >= facts.lateBatchIndex ? 1 : 0);
      const b = batches[idx];
      const prev = batches[idx - 1];
      const repeated = b.meters.filter((r) => r.timestamp < dup.to + 40_000 && nominal(r.timestamp) < dup.to);
      const original = prev.meters.filter((r) => nominal(r.timestamp) >= dup.from);
      expect(repeated.length).toBe(4 * electric.length + hourly.length);
      expect(repeated).toEqual(original);
      expect(b.sensors.filter((r) => nominal(r.timestamp) < dup.to)).toEqual(prev.sensors.filter((r) => nominal(r.timestamp) >= dup.from));
    }
  });
});

function nextTs(id: string, ts: number): number {
  const rs = series.get(id)!;
  return rs[rs.findIndex((r) => r.timestamp === ts) + 1].timestamp;
}

describe('generateDemoReadings: short spans', () => {
  it('should still place an outage and the late batch in a 10-day span', () => {
    const end = Date.UTC(2024, 1, 20, 6);
    const f = demoFacts(7, end, 10);
    const { batches: bs } = collect(generateDemoReadings({ seed: 7, end, days: 10 }));
    expect(bs).toHaveLength(11);
    expect(f.outage).not.toBeNull();
    expect(f.outage!.from).toBeGreaterThanOrEqual(f.start);
    expect(f.outage!.to + DAY).toBeLessThanOrEqual(f.end);
    for (const t of [f.exchange.at, f.spike.nominal]) {
      expect(t).toBeGreaterThan(f.start);
      expect(t).toBeLessThan(f.end);
    }
    const s7 = demoSite(7);
    const n = bs.reduce((s, b) => s + b.meters.filter((r) => r.meter_id === s7.grid).length, 0);
    expect(n).toBe(10 * 96 + 1 + 4 * f.duplicates.length);
  });

  it('should have no outage in a span under 8 days, and a single day works', () => {
    const end = Date.UTC(2024, 5, 1);
    expect(demoFacts(1, end, 3).outage).toBeNull();
    const { batches: bs, totals: t } = collect(generateDemoReadings({ seed: 1, end, days: 1 }));
    expect(bs).toHaveLength(1);
    expect(t!.pvProductionKwh).toBeGreaterThan(0);
  });
});
