/**
 * Local-time features of one simulated day (96 quarter-hours from `t0`).
 *
 * Households live by the wall clock, the sun by solar time. A luxon DateTime
 * per step would dominate the run time, so the zone is asked twice per day
 * (start and end offset) and only a day with a DST change binary-searches
 * the step where the offset switches.
 */
import { IANAZone } from 'luxon';

export const STEP_MS = 15 * 60 * 1000;
export const STEPS_PER_DAY = 96;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export interface DayClock {
  t0: number;
  /** fractional day of the year (0 = Jan 1 00:00 UTC) at the middle of the day */
  doy: number;
  /** +1 in mid-January, −1 in mid-July: how "wintry" the day is */
  winter: number;
  /** local wall-clock hour at the middle of each step, 0 ≤ h < 24 */
  localHour: Float64Array;
  /** 1 when the step is on a local Saturday or Sunday */
  weekend: Uint8Array;
}

export class Calendar {
  private readonly zone: IANAZone;

  constructor(zoneName: string) {
    this.zone = IANAZone.create(zoneName);
    if (!this.zone.isValid) throw new RangeError(`unknown time zone ${zoneName}`);
  }

  /** offset in ms (local = utc + offset) */
  private offset(ms: number): number {
    return this.zone.offset(ms) * 60_000;
  }

  day(t0: number): DayClock {
    const mid = t0 + DAY_MS / 2;
    const year = new Date(mid).getUTCFullYear();
    const doy = (mid - Date.UTC(year, 0, 1)) / DAY_MS;
    const localHour = new Float64Array(STEPS_PER_DAY);
    const weekend = new Uint8Array(STEPS_PER_DAY);

    const first = this.offset(t0 + STEP_MS / 2);
    const last = this.offset(t0 + DAY_MS - STEP_MS / 2);
    // first step (by index) that has the day's last offset
    let switchAt = 0;
    if (first !== last) {
      let lo = 0;
      let hi = STEPS_PER_DAY - 1;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (this.offset(t0 + m * STEP_MS + STEP_MS / 2) === last) hi = m;
        else lo = m + 1;
      }
      switchAt = lo;
    }
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const local = t0 + k * STEP_MS + STEP_MS / 2 + (k < switchAt ? first : last);
      const days = Math.floor(local / DAY_MS);
      localHour[k] = (local - days * DAY_MS) / HOUR_MS;
      // 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays
      const dow = (((days + 4) % 7) + 7) % 7;
      weekend[k] = dow === 0 || dow === 6 ? 1 : 0;
    }
    return { t0, doy, winter: Math.cos((2 * Math.PI * (doy - 15)) / 365.25), localHour, weekend };
  }
}

/** a smooth bump around `center` (hours, wrapping at midnight) */
export function bump(hour: number, center: number, width: number): number {
  let d = hour - center;
  if (d > 12) d -= 24;
  else if (d < -12) d += 24;
  return Math.exp(-0.5 * (d / width) * (d / width));
}

/** The simulated span: `end` floored to the quarter-hour, `days` whole days before it. */
export function demoSpan(end: number, days = 365): { start: number; end: number; days: number } {
  if (!Number.isFinite(end)) throw new RangeError(`end must be epoch milliseconds, got ${end}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, got ${days}`);
  const e = Math.floor(end / STEP_MS) * STEP_MS;
  return { start: e - days * DAY_MS, end: e, days };
}
