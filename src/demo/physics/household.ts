/**
 * Electricity of the 12 households and of the common areas.
 *
 * A household's draw = standby base (fridge, router) + activity bumps at the
 * wall-clock hours people cook and live (weekday and weekend shapes differ)
 * + lighting while the sun is down and people are up + discrete appliance
 * runs (washing machine, dishwasher, dryer). Activity scales with the number
 * of persons, is a bit higher in winter, and stops during holidays. Common
 * areas: ventilation, heating circulation pumps in the heating season,
 * stairwell and outdoor lighting, and a lift whose trips follow the
 * residents' activity.
 */
import type { Rng } from '../rng.js';
import type { ApartmentInfo } from '../site.js';
import { STEPS_PER_DAY, bump, type DayClock } from './calendar.js';

const Q = 0.25; // hours per step

/** [center hour, width h, watts for a reference household] */
type Bump = readonly [number, number, number];
const WEEKDAY: readonly Bump[] = [[6.9, 0.7, 420], [12.3, 0.6, 150], [18.9, 1.3, 520], [21.6, 0.9, 220]];
const WEEKEND: readonly Bump[] = [[9.2, 1.2, 380], [12.4, 0.9, 420], [15.5, 2.2, 120], [18.9, 1.3, 520], [21.8, 1.1, 260]];

interface Household {
  persons: number;
  scale: number;
  baseW: number;
  lightW: number;
  /** holidays: [first, last) fractional day of year */
  away: [number, number][];
  /** appliance runs spilling into the next day (kWh per step, 2 days long) */
  spill: Float64Array;
}

/** fraction of the household at home (for CO₂, lift, indoor gains) and whether they sleep */
export function presence(hour: number, weekend: boolean): number {
  if (weekend) return hour < 8.5 ? 1 : hour < 18 ? 0.6 : 0.9;
  if (hour < 6.5 || hour >= 23) return 1;
  if (hour < 8) return 0.8;
  if (hour < 17) return 0.25;
  return 0.9;
}

export function asleep(hour: number, weekend: boolean): boolean {
  return hour >= 23 || hour < (weekend ? 8 : 6.5);
}

export class Households {
  private readonly homes: Household[];

  constructor(private readonly rng: Rng, apartments: readonly ApartmentInfo[]) {
    this.homes = apartments.map((a) => {
      const start = rng.uniform(185, 225);
      const away: [number, number][] = [[start, start + rng.int(10, 21)]];
      if (rng.chance(0.6)) {
        const w = rng.chance(0.5) ? rng.uniform(40, 60) : rng.uniform(280, 300);
        away.push([w, w + rng.int(5, 9)]);
      }
      return {
        persons: a.persons,
        scale: (0.5 + 0.21 * a.persons) * rng.uniform(0.9, 1.1),
        baseW: (70 + 20 * a.persons) * rng.uniform(0.85, 1.15),
        lightW: 40 + 35 * a.persons,
        away,
        spill: new Float64Array(2 * STEPS_PER_DAY),
      };
    });
  }

  isAway(i: number, doy: number): boolean {
    for (const [a, b] of this.homes[i].away) if (doy >= a && doy < b) return true;
    return false;
  }

  /**
   * kWh per step of each apartment and of the common areas; `occupants`
   * receives persons at home per apartment. `sunElev` is the solar elevation
   * (degrees) per step.
   */
  day(clock: DayClock, sunElev: Float64Array, apartments: Float64Array[], common: Float64Array, occupants: Float64Array[]): void {
    const rng = this.rng;
    const activity = new Float64Array(STEPS_PER_DAY);
    const appliances = 1 + 0.1 * clock.winter;
    this.homes.forEach((h, i) => {
      const out = apartments[i];
      const occ = occupants[i];
      const away = this.isAway(i, clock.doy);
      const mult = [rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3)];
      // appliance runs: 1–2 kWh over 1–2 h, started while people are up
      const runs = away ? 0 : poisson(rng, (0.25 + 0.2 * h.persons) * appliances);
      for (let r = 0; r < runs; r++) {
        let k0 = rng.int(0, STEPS_PER_DAY - 1);
        for (let tries = 0; tries < 8 && (clock.localHour[k0] < 7 || clock.localHour[k0] > 21); tries++) k0 = rng.int(0, STEPS_PER_DAY - 1);
        const len = rng.int(4, 8);
        const perStep = rng.uniform(0.8, 1.8) / len;
        for (let j = 0; j < len; j++) h.spill[k0 + j] += perStep;
      }
      for (let k = 0; k < STEPS_PER_DAY; k++) {
        const hour = clock.localHour[k];
        const weekend = clock.weekend[k] === 1;
        let w = h.baseW;
        if (away) {
          w *= 0.85;
          occ[k] = 0;
        } else {
          const bumps = weekend ? WEEKEND : WEEKDAY;
          let act = weekend ? 0 : hour >= 9 && hour < 17 ? 60 : 0;
          for (let b = 0; b < bumps.length; b++) act += mult[b] * bumps[b][2] * bump(hour, bumps[b][0], bumps[b][1]);
          const noise = Math.min(2.5, Math.max(0.3, 1 + 0.25 * rng.normal()));
          act *= h.scale * appliances * noise;
          activity[k] += act;
          const up = !asleep(hour, weekend);
          if (up && sunElev[k] < 2) w += h.lightW * presence(hour, weekend);
          w += act;
          occ[k] = h.persons * presence(hour, weekend);
        }
        out[k] = (w / 1000) * Q + h.spill[k];
      }
      h.spill.copyWithin(0, STEPS_PER_DAY);
      h.spill.fill(0, STEPS_PER_DAY);
    });

    const heatingSeason = clock.winter > -0.35;
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const act = activity[k] / 1000; // kW of residents' activity, a proxy for traffic in the stairwell
      let w = 110; // ventilation
      if (heatingSeason) w += 70; // circulation pumps
      w += 25 + 60 * Math.min(act, 4) * (sunElev[k] < 5 ? 1 : 0.3); // stairwell: emergency + motion lighting
      w += 40 + 40 * Math.min(act, 6); // lift standby + trips
      if (sunElev[k] < -3 && (clock.localHour[k] >= 5 || clock.localHour[k] < 1)) w += 90; // entrance, garage, paths
      common[k] = (w / 1000) * Q * (1 + 0.05 * rng.normal());
    }
  }
}

/** Poisson draw by inversion; rates here are small (< 3) */
function poisson(rng: Rng, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
