/**
 * What every simulated meter shows at an instant: its registers, counted on
 * from a starting value with the demo's own physics (the same energies the
 * demo year and gateway-sim use), and live values derived from the energy
 * of the current quarter-hour.
 */
import { createLiveSource, type Register } from '../live.js';
import { streamOf } from '../rng.js';
import { STEP_MS } from '../physics/calendar.js';
import type { SimMeter } from './plan.js';

export interface MeterValues {
  en_im?: number;
  en_ex?: number;
  total_W?: number;
  L1_a?: number;
  L2_a?: number;
  L3_a?: number;
  heat_energy_kwh?: number;
  power_kw?: number;
  flow_temp?: number;
  return_temp?: number;
  diff_temp?: number;
  vol_flow_m3_h?: number;
  vol_m3?: number;
}

export interface MeterState {
  /** the meter's values at `t` (registers never run backwards: an earlier `t` shows the latest values) */
  valuesAt(meter: SimMeter, t: number): MeterValues;
}

/** plausible starting registers when nothing else is known, seeded */
export function seededRegisters(seed: number, meters: SimMeter[], t: number): Map<string, Register> {
  const rng = streamOf(seed, 'meter-sim');
  return new Map(meters.map((m) => {
    const a = m.type === 'hot_water' || m.type === 'cold_water' ? rng.uniform(40, 700) : m.type === 'heating' ? rng.uniform(5_000, 60_000) : rng.uniform(3_000, 200_000);
    // M-Bus and ABB registers hold fixed decimals: start on a representable value
    return [m.meterId, { ts: t, a: Math.round(a * 100) / 100, b: m.primAd <= 3 ? Math.round(rng.uniform(100, 150_000) * 100) / 100 : 0 }];
  }));
}

/** a heat meter's water runs with this spread between flow and return (K) */
const SPREAD_K = 5;
/** kWh per m³ and K of water */
const WATER_KWH_PER_M3K = 1.163;

export function createMeterState(seed: number, registers: Map<string, Register>): MeterState {
  const source = createLiveSource(seed);
  let stepT = NaN;
  let steps = new Map<string, { a: number; b: number }>();
  let last = -Infinity;
  return {
    valuesAt(meter, t) {
      if (t > last) {
        source.readingsAt(t, registers);
        last = t;
      }
      const q = Math.floor(t / STEP_MS);
      if (q !== stepT) {
        steps = source.stepAt(t);
        stepT = q;
      }
      const r = registers.get(meter.meterId)!;
      const s = steps.get(meter.meterId) ?? { a: 0, b: 0 };
      const perHour = STEP_MS / 3_600_000;
      switch (meter.type) {
        case 'electricity':
        case 'charge_point': {
          const w = ((s.a - s.b) / perHour) * 1000;
          const phases = meter.model === 'sdm120' ? 1 : 3;
          const amps = Math.abs(w) / 230 / phases;
          return { en_im: r.a, en_ex: r.b, total_W: w, L1_a: amps, L2_a: phases === 3 ? amps : 0, L3_a: phases === 3 ? amps : 0 };
        }
        case 'heating':
        case 'cooling': {
          const kw = s.a / perHour;
          const flow = kw / (WATER_KWH_PER_M3K * SPREAD_K);
          return { heat_energy_kwh: r.a, power_kw: kw, flow_temp: kw > 0 ? 35 : 22, return_temp: kw > 0 ? 35 - SPREAD_K : 22, diff_temp: kw > 0 ? SPREAD_K : 0, vol_flow_m3_h: flow };
        }
        default:
          return { vol_m3: r.a, vol_flow_m3_h: s.a / perHour };
      }
    },
  };
}
