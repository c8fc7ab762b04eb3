/**
 * Where the demo's field imperfections are, decided from the seed alone so
 * that tests (and an operator poking at the quality page) can find them:
 * a 2-day gateway outage delivered late, one meter exchange, one spike,
 * monthly duplicated hours, and the clock jitter of every read cycle.
 */
import { hash32, streamOf } from './rng.js';
import { demoSite } from './site.js';
import { DAY_MS, HOUR_MS, STEP_MS, STEPS_PER_DAY, demoSpan } from './physics/calendar.js';

export const MAX_JITTER_MS = 40_000;
/** an exchanged meter's register restarts here (factory test energy), kWh */
export const EXCHANGE_START_KWH = 3.2;

export interface DemoFacts {
  seed: number;
  /** first and last nominal reading instants of the span */
  start: number;
  end: number;
  days: number;
  /**
   * Every reading (meters and sensors) whose nominal instant is in
   * [from, to) is missing from its day's batch and arrives in one late
   * batch, emitted right after the batch of day `deliveredAfterDay` (the
   * day holding `to` + 1 day). Null for spans under 8 days.
   */
  outage: { from: number; to: number; deliveredAfterDay: number } | null;
  /**
   * The apartment's electricity meter is replaced at `at`, between the
   * readings of nominal instants `nominal` (the old meter's last) and
   * `nominal` + 15 min (the new meter's first); the new register starts at
   * `newRegisterKwh` at `at`.
   */
  exchange: { meterId: string; apartment: number; at: number; nominal: number; lastOldTimestamp: number; firstNewTimestamp: number; newRegisterKwh: number };
  /** one en_im reading of another apartment is `deltaKwh` too high; the next one is normal */
  spike: { meterId: string; apartment: number; nominal: number; timestamp: number; deltaKwh: number };
  /** the batch of day `day` starts with copies of the readings of nominal instants [from, to) (the previous batch's last hour) */
  duplicates: { day: number; from: number; to: number }[];
  /** position of the late outage batch in the emitted sequence, or null */
  lateBatchIndex: number | null;
  batchCount: number;
}

/**
 * Clock jitter of the gateway's read cycle at a nominal instant, ms in
 * [−40 s, +40 s]. All meters of a cycle share it: interpolating every meter
 * with the same weights keeps the site balance closed after alignment.
 * Kept inside the span at its two ends.
 */
export function cycleJitterMs(seed: number, nominal: number, start: number, end: number): number {
  const j = (hash32(seed, nominal / STEP_MS, 0x71773) % (2 * MAX_JITTER_MS + 1)) - MAX_JITTER_MS;
  if (nominal <= start) return Math.abs(j);
  if (nominal >= end) return -Math.abs(j);
  return j;
}

function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1;
}

export function demoFacts(seed: number, end: number, days = 365): DemoFacts {
  const span = demoSpan(end, days);
  const { start } = span;
  const rng = streamOf(seed, 'imperfections');
  const site = demoSite(seed);
  const dayStart = (d: number) => start + d * DAY_MS;

  let outage: DemoFacts['outage'] = null;
  if (days >= 8) {
    // "somewhere in the 2nd–3rd month" of a year; proportionally earlier in a short span
    const first = days >= 120 ? 31 + rng.int(0, 55) : Math.floor(days * 0.3) + rng.int(0, Math.floor(days * 0.15));
    const from = Math.ceil((dayStart(first) + rng.int(0, 23) * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const to = from + 2 * DAY_MS;
    const deliveredAfterDay = Math.min(days - 1, Math.floor((to + DAY_MS - start) / DAY_MS));
    outage = { from, to, deliveredAfterDay };
  }
  const inOutage = (t0: number, t1: number) => outage !== null && overlaps(t0, t1, outage.from - HOUR_MS, outage.to + HOUR_MS);

  // a quarter-hour on day ≈ `frac` of the span, clear of the outage (the readings around it must arrive in order)
  const pickInstant = (frac: number): number => {
    const spread = Math.floor(days * 0.05);
    let day = Math.min(days - 1, Math.max(0, Math.floor(days * frac) + rng.int(-spread, spread)));
    const k = rng.int(8, STEPS_PER_DAY - 8);
    let t = dayStart(day) + k * STEP_MS;
    for (let guard = 0; inOutage(t, t + 2 * STEP_MS) && guard < days; guard++) {
      day = (day + 1) % days;
      t = dayStart(day) + k * STEP_MS;
    }
    return t;
  };
  const jittered = (t: number) => t + cycleJitterMs(seed, t, span.start, span.end);

  const exApt = rng.int(0, 11);
  const exNominal = pickInstant(0.5);
  const at = exNominal + rng.int(3, 11) * 60_000;
  const exchange = {
    meterId: site.apartments[exApt],
    apartment: exApt,
    at,
    nominal: exNominal,
    lastOldTimestamp: jittered(exNominal),
    firstNewTimestamp: jittered(exNominal + STEP_MS),
    newRegisterKwh: EXCHANGE_START_KWH,
  };

  const spikeApt = (exApt + 1 + rng.int(0, 10)) % 12;
  const spikeNominal = pickInstant(0.78);
  const spike = {
    meterId: site.apartments[spikeApt],
    apartment: spikeApt,
    nominal: spikeNominal,
    timestamp: jittered(spikeNominal),
    deltaKwh: Math.round(rng.uniform(4_900, 5_100) * 1000) / 1000,
  };

  // the first batch of each calendar month (UTC) repeats the previous batch's last hour
  const duplicates: DemoFacts['duplicates'] = [];
  for (let d = 1; d < days; d++) {
    const here = dayStart(d);
    if (new Date(here).getUTCMonth() === new Date(here - DAY_MS).getUTCMonth()) continue;
    if (inOutage(here - DAY_MS, here + DAY_MS)) continue;
    duplicates.push({ day: d, from: here - HOUR_MS, to: here });
  }

  const lateBatchIndex = outage ? outage.deliveredAfterDay + 1 : null;
  return { seed, start, end: span.end, days, outage, exchange, spike, duplicates, lateBatchIndex, batchCount: days + (outage ? 1 : 0) };
}
