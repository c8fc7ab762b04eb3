/**
 * CO₂ in a living room: a well-mixed box of 80 m³ with people breathing out
 * (18 l/h awake, 12 l/h asleep) and air exchanged by the ventilation
 * (0.7 /h), more when windows are open in mild weather. Solved exactly per
 * step (exponential approach to the steady state), so concentration rises
 * while people are home and decays towards outdoor 420 ppm when they leave.
 */
import type { Rng } from '../rng.js';
import { STEPS_PER_DAY, type DayClock } from './calendar.js';
import { asleep } from './household.js';

const OUTDOOR_PPM = 420;
const VOLUME_M3 = 80;
const DT_H = 0.25;

export class RoomAir {
  private ppm = 600;

  constructor(private readonly rng: Rng) {}

  day(clock: DayClock, occupants: Float64Array, tOut: Float64Array, out: Float64Array): void {
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const hour = clock.localHour[k];
      const sleeping = asleep(hour, clock.weekend[k] === 1);
      const perPerson = sleeping ? 0.012 : 0.018; // m³ CO₂ per hour
      const windows = !sleeping && occupants[k] > 0 && tOut[k] > 16;
      const ach = windows ? 2.5 : 0.7;
      const steady = OUTDOOR_PPM + ((occupants[k] * perPerson) / (ach * VOLUME_M3)) * 1e6;
      const decay = Math.exp(-ach * DT_H);
      this.ppm = steady + (this.ppm - steady) * decay;
      // sensor noise, never below the outdoor baseline the sensor calibrates to
      out[k] = Math.max(OUTDOOR_PPM - 15, this.ppm + this.rng.normal(0, 5));
    }
  }
}
