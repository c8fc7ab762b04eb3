/**
 * Electric-vehicle sessions at the two 11 kW charge points.
 *
 * A car arrives with a per-quarter-hour probability that depends on the
 * wall clock (commuters in the evening on weekdays, errands on weekend
 * days), asks for 5–30 kWh, charges at its on-board charger's power (just
 * under the 11 kW of the wallbox) until full, and leaves: the next morning
 * after an evening arrival, after a few hours after a daytime one. Sessions
 * run across midnight, so the state lives in the object, not the day.
 */
import type { Rng } from '../rng.js';
import { STEPS_PER_DAY, type DayClock } from './calendar.js';

const Q = 0.25;

export interface DriverHabits {
  /** probability of an evening arrival on a weekday (17–20 h) */
  weekdayEvening: number;
  /** probability of a daytime arrival on a weekend day (10–14 h) */
  weekendDay: number;
  /** probability of an evening arrival on a weekend day */
  weekendEvening: number;
}

/** per-step hazard such that the window of `steps` steps sees an arrival with probability p */
function hazard(p: number, steps: number): number {
  return 1 - Math.pow(1 - p, 1 / steps);
}

export interface Session {
  arrival: number;
  departure: number;
  energyKwh: number;
}

export class ChargePoint {
  private present = false;
  private remaining = 0;
  private powerKw = 11;
  /** steps left until the car leaves */
  private stay = 0;
  /** sessions started so far (for tests and the CLI) */
  readonly sessions: Session[] = [];

  constructor(private readonly rng: Rng, private readonly habits: DriverHabits) {}

  day(clock: DayClock, out: Float64Array): void {
    const rng = this.rng;
    const hEve = hazard(this.habits.weekdayEvening, 12);
    const hWeDay = hazard(this.habits.weekendDay, 16);
    const hWeEve = hazard(this.habits.weekendEvening, 12);
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const hour = clock.localHour[k];
      const weekend = clock.weekend[k] === 1;
      if (!this.present) {
        const evening = hour >= 17 && hour < 20;
        const daytime = weekend && hour >= 10 && hour < 14;
        const h = evening ? (weekend ? hWeEve : hEve) : daytime ? hWeDay : 0;
        if (h > 0 && rng.chance(h)) {
          this.present = true;
          // triangular 5–30 kWh, mostly mid-range top-ups
          this.remaining = 5 + 25 * ((rng.next() + rng.next()) / 2);
          this.powerKw = rng.uniform(10.4, 10.95);
          const leaveHour = evening ? 24 - hour + rng.uniform(6.5, 8.5) : rng.uniform(2, 6);
          this.stay = Math.round(leaveHour / Q);
          const t = clock.t0 + k * 900_000;
          this.sessions.push({ arrival: t, departure: t + this.stay * 900_000, energyKwh: this.remaining });
        }
      }
      let e = 0;
      if (this.present) {
        e = Math.min(this.remaining, this.powerKw * Q);
        this.remaining -= e;
        if (--this.stay <= 0) this.present = false;
      }
      out[k] = e;
    }
  }
}
