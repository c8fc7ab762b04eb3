/**
 * The demo's gateway pushes: a year of readings of the Sonnenhof, in the
 * gateway push format (operator.md), one batch per simulated day, with the
 * imperfections of a real field installation placed by `demoFacts`.
 *
 * Registers are cumulative (index meters) and start at plausible non-zero
 * values. A reading taken `j` ms off its nominal instant shows the register
 * at that instant (the physics' energy is spread evenly within a
 * quarter-hour), so aligning the readings back to the quarter-hours
 * conserves every meter's energy. Values are not rounded: the balance at
 * the grid connection then closes after alignment to float precision.
 */
import { DAY_MS, HOUR_MS, STEP_MS, STEPS_PER_DAY, demoSpan } from './physics/calendar.js';
import { DemoCommunity, type DayPhysics } from './physics/community.js';
import { cycleJitterMs, demoFacts } from './facts.js';
import { streamOf } from './rng.js';
import { TotalsAccumulator, type DemoTotals } from './totals.js';

export interface GatewayElectricityReading {
  meter_id: string;
  timestamp: number;
  en_im: number;
  en_ex: number;
}
export interface GatewayHeatReading {
  meter_id: string;
  timestamp: number;
  heat_energy_kwh: number;
}
export interface GatewayWaterReading {
  meter_id: string;
  timestamp: number;
  vol_m3: number;
}
export type GatewayMeterReading = GatewayElectricityReading | GatewayHeatReading | GatewayWaterReading;
export interface GatewaySensorReading {
  sensor_id: string;
  timestamp: number;
  value: number;
}
/** the body of one `POST /api/gateway/v1/readings` */
export interface GatewayBatch {
  meters: GatewayMeterReading[];
  sensors: GatewaySensorReading[];
}

export interface DemoReadingsOptions {
  seed: number;
  /** epoch ms; floored to the quarter-hour, the last reading instant */
  end: number;
  /** span length in days before `end`, default 365 */
  days?: number;
}

type Kind = 'electricity' | 'heat' | 'water';
interface Channel {
  id: string;
  kind: Kind;
  /** en_im, heat_energy_kwh or vol_m3 per step; en_ex per step for electricity */
  a: (d: DayPhysics) => Float64Array;
  b: ((d: DayPhysics) => Float64Array) | null;
  /** register values at the current nominal instant */
  regA: number;
  regB: number;
  /** the energies of the step before the current instant (for early readings) */
  prevA: number;
  prevB: number;
  curA: Float64Array;
  curB: Float64Array;
}

const ZERO = new Float64Array(STEPS_PER_DAY);

function channels(community: DemoCommunity): { electric: Channel[]; hourly: Channel[] } {
  const s = community.site;
  const rng = streamOf(community.seed, 'registers');
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const ch = (id: string, kind: Kind, a: Channel['a'], b: Channel['b'], regA: number, regB = 0): Channel => ({ id, kind, a, b, regA: r3(regA), regB: r3(regB), prevA: 0, prevB: 0, curA: ZERO, curB: ZERO });
  const batteryIn = rng.uniform(5_000, 15_000);
  const electric = [
    ch(s.grid, 'electricity', (d) => d.gridImport, (d) => d.gridExport, rng.uniform(80_000, 200_000), rng.uniform(50_000, 150_000)),
    ch(s.pv, 'electricity', (d) => d.pvStandby, (d) => d.pvOut, rng.uniform(50, 300), rng.uniform(100_000, 250_000)),
    ch(s.battery, 'electricity', (d) => d.batteryCharge, (d) => d.batteryDischarge, batteryIn, batteryIn * 0.88),
    ch(s.house, 'electricity', (d) => d.house, () => ZERO, rng.uniform(150_000, 350_000)),
    ch(s.heatPump, 'electricity', (d) => d.heatPump, () => ZERO, rng.uniform(60_000, 150_000)),
    ...s.chargePoints.map((id, i) => ch(id, 'electricity', (d) => d.chargePoints[i], () => ZERO, rng.uniform(3_000, 20_000))),
    ...s.apartments.map((id, i) => ch(id, 'electricity', (d) => d.apartments[i], () => ZERO, rng.uniform(4_000, 35_000))),
  ];
  const hourly = [
    ...s.heat.map((id, i) => ch(id, 'heat', (d) => d.heat[i], null, rng.uniform(5_000, 60_000))),
    ...s.hotWater.map((id, i) => ch(id, 'water', (d) => d.hotWater[i], null, rng.uniform(40, 250))),
    ...s.coldWater.map((id, i) => ch(id, 'water', (d) => d.coldWater[i], null, rng.uniform(100, 700))),
  ];
  return { electric, hourly };
}

/**
 * A register at `frac` steps (−1 < frac < 1) off the day's nominal instant k:
 * `reg` is its value at the instant, `cur` the day's step energies, `prev`
 * the energy of the step before the day.
 */
function registerAt(reg: number, cur: Float64Array, prev: number, k: number, frac: number): number {
  if (frac >= 0) return reg + (k < STEPS_PER_DAY ? cur[k] : 0) * frac;
  return reg + (k > 0 ? cur[k - 1] : prev) * frac;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Gateway batches of the span, chronological: one per simulated day, the
 * late outage batch right after the day named in `demoFacts(...).outage`.
 * Returns (as the generator's value) the physics totals of the span.
 */
export function* generateDemoReadings(opts: DemoReadingsOptions): Generator<GatewayBatch, DemoTotals, undefined> {
  const { seed } = opts;
  const span = demoSpan(opts.end, opts.days);
  const facts = demoFacts(seed, opts.end, span.days);
  const community = new DemoCommunity(seed);
  const site = community.site;
  const totals = new TotalsAccumulator(site, span.start, span.end);
  const { electric, hourly } = channels(community);
  const sensorIds = [site.sensors.outdoor, site.sensors.indoor[0], site.sensors.indoor[1], site.sensors.co2];
  const { outage, exchange, spike } = facts;
  const dupDays = new Set(facts.duplicates.map((x) => x.day));
  const late: GatewayBatch = { meters: [], sensors: [] };
  let tail: GatewayBatch = { meters: [], sensors: [] };

  for (let day = 0; day < span.days; day++) {
    const d = community.simulateDay(span.start + day * DAY_MS);
    totals.add(d);
    const sensorValues = [d.outdoorTemp, d.indoorTemp[0], d.indoorTemp[1], d.co2];
    const batch: GatewayBatch = { meters: [], sensors: [] };
    if (dupDays.has(day)) {
      // the gateway resends its previous push's last hour
      for (const r of tail.meters) batch.meters.push({ ...r });
      for (const r of tail.sensors) batch.sensors.push({ ...r });
    }
    const dayEnd = d.t0 + DAY_MS;
    const keepTail = dupDays.has(day + 1);
    tail = { meters: [], sensors: [] };
    for (const c of electric) {
      c.curA = c.a(d);
      c.curB = c.b!(d);
    }
    for (const c of hourly) c.curA = c.a(d);

    const lastK = day === span.days - 1 ? STEPS_PER_DAY : STEPS_PER_DAY - 1;
    for (let k = 0; k <= lastK; k++) {
      const t = d.t0 + k * STEP_MS;
      const j = cycleJitterMs(seed, t, span.start, span.end);
      const ts = t + j;
      const frac = j / STEP_MS;
      const target = outage !== null && t >= outage.from && t < outage.to ? late : batch;
      const m0 = target.meters.length;
      const s0 = target.sensors.length;

      for (const c of electric) {
        let enIm = registerAt(c.regA, c.curA, c.prevA, k, frac);
        const enEx = registerAt(c.regB, c.curB, c.prevB, k, frac);
        if (t === spike.nominal && c.id === spike.meterId) enIm += spike.deltaKwh;
        target.meters.push({ meter_id: c.id, timestamp: ts, en_im: enIm, en_ex: enEx });
      }
      if (t % HOUR_MS === 0) {
        for (const c of hourly) {
          const v = registerAt(c.regA, c.curA, c.prevA, k, frac);
          target.meters.push(c.kind === 'heat' ? { meter_id: c.id, timestamp: ts, heat_energy_kwh: v } : { meter_id: c.id, timestamp: ts, vol_m3: v });
        }
      }
      if (k < STEPS_PER_DAY) {
        for (let s = 0; s < sensorIds.length; s++) {
          const v = sensorValues[s][k];
          target.sensors.push({ sensor_id: sensorIds[s], timestamp: ts, value: s === 3 ? Math.round(v) : round2(v) });
        }
        // advance the registers to the next instant
        for (const c of electric) {
          if (t === exchange.nominal && c.id === exchange.meterId) {
            // the new meter starts at its factory reading at `at`, mid-step
            const f = (exchange.at - t) / STEP_MS;
            c.regA = exchange.newRegisterKwh - c.curA[k] * f;
            c.regB = -c.curB[k] * f;
          }
          c.regA += c.curA[k];
          c.regB += c.curB[k];
        }
        for (const c of hourly) c.regA += c.curA[k];
      }
      if (keepTail && t >= dayEnd - HOUR_MS && target === batch) {
        for (let i = m0; i < batch.meters.length; i++) tail.meters.push(batch.meters[i]);
        for (let i = s0; i < batch.sensors.length; i++) tail.sensors.push(batch.sensors[i]);
      }
    }
    for (const c of electric) {
      c.prevA = c.curA[STEPS_PER_DAY - 1];
      c.prevB = c.curB[STEPS_PER_DAY - 1];
    }
    for (const c of hourly) c.prevA = c.curA[STEPS_PER_DAY - 1];

    yield batch;
    if (outage !== null && day === outage.deliveredAfterDay) yield late;
  }
  return totals.totals;
}
