/**
 * Cloudiness and outdoor temperature, as seeded stochastic processes with
 * physical structure rather than white noise.
 *
 * Clouds: each day is clear, mixed or overcast; tomorrow keeps today's kind
 * with some persistence, else draws from a seasonal climatology (Swiss
 * Plateau: fog and stratus in winter, fair spells in summer). Within the day
 * the cover follows an AR(1) around the day's level, strongly varying on
 * mixed days.
 *
 * Temperature: seasonal mean (Winterthur ≈ 0 °C in January, ≈ 19 °C in
 * July) + a daily cycle peaking mid-afternoon, larger under clear skies +
 * a persistent weather anomaly (AR(1) from day to day), correlated with the
 * clouds (clear summer days are warm, clear winter days cold). Daily values
 * are interpolated across the day so nothing jumps at midnight.
 */
import type { Rng } from '../rng.js';
import { STEPS_PER_DAY, STEP_MS, type DayClock } from './calendar.js';

const CLEAR = 0, MIXED = 1, OVERCAST = 2;
/** climatology of day kinds, winter and summer; interpolated by season */
const WINTER_MIX = [0.12, 0.28, 0.6];
const SUMMER_MIX = [0.33, 0.45, 0.22];
const PERSISTENCE = 0.45;
/** day-level cover range and within-day variability per kind */
const COVER: readonly (readonly [number, number, number])[] = [
  [0.0, 0.3, 0.1],
  [0.45, 0.85, 0.2],
  [0.85, 1.0, 0.05],
];

export class Weather {
  private kind = OVERCAST;
  private cloudAr = 0;
  private anomaly = 0;
  private prevAnomaly = 0;
  private prevAmp = 2;
  /** the last day's cloud level, for reporting */
  dayCover = 0.9;

  constructor(private readonly rng: Rng, private readonly longitudeDeg: number) {}

  /** Fills `cloud` (0..1) and `temp` (°C, at each step's middle) for one day. */
  day(clock: DayClock, cloud: Float64Array, temp: Float64Array): void {
    const rng = this.rng;
    const summer = (1 - clock.winter) / 2; // 0 in January, 1 in July
    if (!rng.chance(PERSISTENCE)) {
      const u = rng.next();
      const pClear = WINTER_MIX[CLEAR] + (SUMMER_MIX[CLEAR] - WINTER_MIX[CLEAR]) * summer;
      const pMixed = WINTER_MIX[MIXED] + (SUMMER_MIX[MIXED] - WINTER_MIX[MIXED]) * summer;
      this.kind = u < pClear ? CLEAR : u < pClear + pMixed ? MIXED : OVERCAST;
    }
    const [lo, hi, sd] = COVER[this.kind];
    const level = rng.uniform(lo, hi);
    this.dayCover = level;
    const phi = 0.92;
    const innov = sd * Math.sqrt(1 - phi * phi);
    let sum = 0;
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      this.cloudAr = phi * this.cloudAr + innov * rng.normal();
      const c = level + this.cloudAr;
      cloud[k] = c < 0 ? 0 : c > 1 ? 1 : c;
      sum += cloud[k];
    }
    const meanCover = sum / STEPS_PER_DAY;

    // anomaly: persistent weather, nudged by the clouds with a seasonal sign
    const cloudEffect = (0.5 - meanCover) * (5 * summer - 1.5);
    const target = 0.82 * this.anomaly + rng.normal(0, 1.5) + 0.35 * cloudEffect;
    this.prevAnomaly = this.anomaly;
    this.anomaly = target;
    // half-range of the daily cycle: clear skies swing more, and more in summer
    const amp = (1.2 + 3.8 * (1 - meanCover)) * (0.7 + 0.5 * summer);
    const prevAmp = this.prevAmp;
    this.prevAmp = amp;

    const seasonal = 9.4 - 9.5 * clock.winter;
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const f = (k + 0.5) / STEPS_PER_DAY;
      const ms = clock.t0 + k * STEP_MS + STEP_MS / 2;
      const solarHour = ((ms % 86_400_000) / 3_600_000 + this.longitudeDeg / 15 + 24) % 24;
      const a = prevAmp + (amp - prevAmp) * f;
      const anomaly = this.prevAnomaly + (this.anomaly - this.prevAnomaly) * f;
      temp[k] = seasonal + anomaly + a * Math.cos((2 * Math.PI * (solarHour - 15)) / 24);
    }
  }
}
