/**
 * Live readings for the demo site after its generated year: continues every
 * meter's register from its last stored reading with the same physics, so a
 * running sandbox keeps receiving data and "now" keeps moving.
 */
import { DemoCommunity, type DayPhysics } from './physics/community.js';
import { DAY_MS, STEP_MS, STEPS_PER_DAY } from './physics/calendar.js';
import type { GatewayBatch } from './readings.js';

type Series = (d: DayPhysics) => Float64Array;

interface Channel {
  id: string;
  kind: 'electricity' | 'heat' | 'water';
  a: Series;
  b: Series | null;
}

export interface Register {
  ts: number;
  a: number;
  b: number;
}

function channels(c: DemoCommunity): Channel[] {
  const s = c.site;
  const e = (id: string, a: Series, b: Series | null = null): Channel => ({ id, kind: 'electricity', a, b });
  return [
    e(s.grid, (d) => d.gridImport, (d) => d.gridExport),
    e(s.pv, (d) => d.pvStandby, (d) => d.pvOut),
    e(s.battery, (d) => d.batteryCharge, (d) => d.batteryDischarge),
    e(s.house, (d) => d.house),
    e(s.heatPump, (d) => d.heatPump),
    ...s.chargePoints.map((id, i) => e(id, (d) => d.chargePoints[i])),
    ...s.apartments.map((id, i) => e(id, (d) => d.apartments[i])),
    ...s.heat.map((id, i): Channel => ({ id, kind: 'heat', a: (d) => d.heat[i], b: null })),
    ...s.hotWater.map((id, i): Channel => ({ id, kind: 'water', a: (d) => d.hotWater[i], b: null })),
    ...s.coldWater.map((id, i): Channel => ({ id, kind: 'water', a: (d) => d.coldWater[i], b: null })),
  ];
}

export interface LiveSource {
  /** meter ids the source reports for */
  readonly meterIds: string[];
  /**
   * Readings at instant `t` for every meter, continuing from `registers`
   * (updated in place), and the sensors at `t`.
   */
  readingsAt(t: number, registers: Map<string, Register>): GatewayBatch;
  /** the energies (a: en_im / heat / volume, b: en_ex) of the quarter-hour holding `t`, per meter id: what its live power shows */
  stepAt(t: number): Map<string, { a: number; b: number }>;
}

export function createLiveSource(seed: number): LiveSource {
  const community = new DemoCommunity(seed);
  const chans = channels(community);
  const site = community.site;
  // days are simulated in order from the first one asked for; a gap restarts the simulation
  let days = new Map<number, DayPhysics>();
  let lastDay = -Infinity;
  let sim = community;
  const dayOf = (t0: number): DayPhysics => {
    let d = days.get(t0);
    if (d) return d;
    if (t0 < lastDay || t0 - lastDay > 31 * DAY_MS) {
      sim = new DemoCommunity(seed);
      days = new Map();
      lastDay = t0 - DAY_MS;
    }
    for (let day = lastDay + DAY_MS; day <= t0; day += DAY_MS) days.set(day, sim.simulateDay(day));
    lastDay = t0;
    for (const k of days.keys()) if (k < t0 - 2 * DAY_MS) days.delete(k);
    return days.get(t0)!;
  };
  /** energy of a series between two instants, spread evenly within each step */
  const energy = (series: Series, from: number, to: number): number => {
    let sum = 0;
    for (let t = from; t < to;) {
      const t0 = Math.floor(t / DAY_MS) * DAY_MS;
      const k = Math.min(STEPS_PER_DAY - 1, Math.floor((t - t0) / STEP_MS));
      const stepEnd = Math.min(to, t0 + (k + 1) * STEP_MS);
      sum += series(dayOf(t0))[k] * ((stepEnd - t) / STEP_MS);
      t = stepEnd;
    }
    return sum;
  };

  return {
    meterIds: chans.map((c) => c.id),
    readingsAt(t, registers) {
      const batch: GatewayBatch = { meters: [], sensors: [] };
      for (const c of chans) {
        const r = registers.get(c.id);
        if (!r || t <= r.ts) continue;
        r.a += energy(c.a, r.ts, t);
        if (c.b) r.b += energy(c.b, r.ts, t);
        r.ts = t;
        if (c.kind === 'electricity') batch.meters.push({ meter_id: c.id, timestamp: t, en_im: r.a, en_ex: r.b });
        else if (c.kind === 'heat') batch.meters.push({ meter_id: c.id, timestamp: t, heat_energy_kwh: r.a });
        else batch.meters.push({ meter_id: c.id, timestamp: t, vol_m3: r.a });
      }
      const t0 = Math.floor(t / DAY_MS) * DAY_MS;
      const d = dayOf(t0);
      const k = Math.min(STEPS_PER_DAY - 1, Math.floor((t - t0) / STEP_MS));
      const round = (x: number, p: number) => Math.round(x * p) / p;
      batch.sensors.push(
        { sensor_id: site.sensors.outdoor, timestamp: t, value: round(d.outdoorTemp[k], 100) },
        { sensor_id: site.sensors.indoor[0], timestamp: t, value: round(d.indoorTemp[0][k], 100) },
        { sensor_id: site.sensors.indoor[1], timestamp: t, value: round(d.indoorTemp[1][k], 100) },
        { sensor_id: site.sensors.co2, timestamp: t, value: Math.round(d.co2[k]) },
      );
      return batch;
    },
    stepAt(t) {
      const t0 = Math.floor(t / DAY_MS) * DAY_MS;
      const d = dayOf(t0);
      const k = Math.min(STEPS_PER_DAY - 1, Math.floor((t - t0) / STEP_MS));
      return new Map(chans.map((c) => [c.id, { a: c.a(d)[k], b: c.b ? c.b(d)[k] : 0 }]));
    },
  };
}
