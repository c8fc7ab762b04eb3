/**
 * Hot and cold water drawn by each household (m³ per step).
 *
 * A day's volume follows the household size (≈ 35–56 m³ cold and 12–21 m³
 * hot a year), a bit more on weekends and, for hot water, in winter; it is
 * spread over draw events clustered in the morning and the evening (showers,
 * cooking, dishes), with small draws in between and almost none at night.
 */
import type { Rng } from '../rng.js';
import type { ApartmentInfo } from '../site.js';
import { STEPS_PER_DAY, bump, type DayClock } from './calendar.js';

export class WaterUse {
  private readonly coldPerDay: number[];
  private readonly hotPerDay: number[];
  private readonly weights = new Float64Array(STEPS_PER_DAY);

  constructor(private readonly rng: Rng, apartments: readonly ApartmentInfo[], private readonly isAway: (i: number, doy: number) => boolean) {
    this.coldPerDay = apartments.map((a) => ((28 + 7 * a.persons) * rng.uniform(0.92, 1.08)) / 365);
    this.hotPerDay = apartments.map((a) => ((9 + 3 * a.persons) * rng.uniform(0.92, 1.08)) / 365);
  }

  /** cold + hot water in m³ per step, per apartment */
  day(clock: DayClock, hot: Float64Array[], cold: Float64Array[]): void {
    const rng = this.rng;
    const w = this.weights;
    for (let i = 0; i < this.coldPerDay.length; i++) {
      if (this.isAway(i, clock.doy)) {
        hot[i].fill(0);
        // a dripping cistern or the neighbour watering the plants
        for (let k = 0; k < STEPS_PER_DAY; k++) cold[i][k] = rng.chance(0.01) ? 0.002 : 0;
        continue;
      }
      const weekendShare = clock.weekend[48] === 1 ? 1.08 : 0.97;
      const dayFactor = weekendShare * rng.uniform(0.75, 1.25);
      let sum = 0;
      for (let k = 0; k < STEPS_PER_DAY; k++) {
        const h = clock.localHour[k];
        const weekend = clock.weekend[k] === 1;
        const shape =
          (weekend ? 1.0 * bump(h, 8.8, 1.2) : 1.2 * bump(h, 6.9, 0.6)) +
          0.35 * bump(h, 12.3, 0.8) +
          1.0 * bump(h, 19.5, 1.4) +
          0.08 * (h >= 6 && h < 23 ? 1 : 0) +
          0.01;
        // draws are events: most quarter-hours get little, some a lot
        const e = rng.next();
        w[k] = shape * (e < 0.55 ? 0.1 * e : e * e * 3);
        sum += w[k];
      }
      const coldDay = this.coldPerDay[i] * dayFactor;
      const hotDay = this.hotPerDay[i] * dayFactor * (1 + 0.1 * clock.winter);
      for (let k = 0; k < STEPS_PER_DAY; k++) {
        const share = w[k] / sum;
        cold[i][k] = coldDay * share;
        // hot water shares the events but not every cold draw (toilets)
        hot[i][k] = hotDay * share;
      }
    }
  }
}
