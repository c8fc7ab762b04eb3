/**
 * Cuts the billed period into segments within which everything but the
 * time-of-use window is constant: one tariff, one VAT period, one local
 * month. Each interval then gets a bucket number (segment × windows +
 * window), so pricing adds integer energies into a few hundred buckets and
 * multiplies each bucket once by its price: the same sum over intervals of
 * energy × that interval's price, without a multiplication per interval.
 */
import { DAY_MS, TWO_DIGITS, civilFromDays, fourDigitYear } from '../time/civil.js';
import { periodStarts } from '../time/periods.js';
import { zoneOffsets } from '../time/zone.js';
import { INTERVAL_MS } from '../types.js';
import type { Prepared } from './prepare.js';
import { fillWindows } from './tou-windows.js';

export interface Segment {
  k0: number;
  k1: number;
  tariff: number;
  /** index into prepared.vat, -1 where no VAT is charged */
  vat: number;
  month: number;
}

export interface MonthInfo {
  /** "YYYY-MM" */
  label: string;
  /** intervals of the whole local month (2,880 … 2,976, DST included), the base of monthly fees */
  intervals: number;
}

export interface Timeline {
  segments: Segment[];
  months: MonthInfo[];
  /** windows per segment slot: the largest window count of the tariffs */
  W: number;
  /** per interval of the period: its window index in its tariff */
  window: Uint8Array;
  /** per interval: segment * W + window */
  bucket: Int32Array;
  nBuckets: number;
}

export function buildTimeline(p: Prepared): Timeline {
  const { zone, from, to, n } = p;
  const starts = periodStarts(zone, 'M', from, to);
  const table = zoneOffsets(zone);
  const months: MonthInfo[] = [];
  const monthK: number[] = [];
  for (let j = 0; j < starts.length; j++) {
    const s = starts[j];
    const next = j + 1 < starts.length ? starts[j + 1] : periodStarts(zone, 'M', s + 32 * DAY_MS, s + 33 * DAY_MS)[0];
    const c = civilFromDays(Math.floor((s + table.offsetAt(s)) / DAY_MS));
    months.push({ label: `${fourDigitYear(c.year)}-${TWO_DIGITS[c.month]}`, intervals: Math.round((next - s) / INTERVAL_MS) });
    monthK.push(Math.max(0, Math.ceil((s - from) / INTERVAL_MS)));
  }

  const cuts = new Set<number>([0, n]);
  for (const t of p.tariffs) cuts.add(t.k0).add(t.k1);
  for (const v of p.vat) cuts.add(v.k0).add(v.k1);
  for (const k of monthK) cuts.add(k);
  const sorted = [...cuts].filter((k) => k >= 0 && k <= n).sort((a, b) => a - b);

  const segments: Segment[] = [];
  let ti = 0;
  let mi = 0;
  for (let j = 0; j + 1 < sorted.length; j++) {
    const k0 = sorted[j];
    const k1 = sorted[j + 1];
    while (p.tariffs[ti].k1 <= k0) ti++;
    while (mi + 1 < monthK.length && monthK[mi + 1] <= k0) mi++;
    const vat = p.vat.findIndex((v) => v.k0 <= k0 && k0 < v.k1);
    segments.push({ k0, k1, tariff: ti, vat, month: mi });
  }

  const W = Math.max(...p.tariffs.map((t) => t.windows.names.length));
  const window = new Uint8Array(n);
  const bucket = new Int32Array(n);
  segments.forEach((s, si) => {
    fillWindows(p.tariffs[s.tariff].windows, zone, from, s.k0, s.k1, window);
    for (let k = s.k0; k < s.k1; k++) bucket[k] = si * W + window[k];
  });
  return { segments, months, W, window, bucket, nBuckets: segments.length * W };
}
