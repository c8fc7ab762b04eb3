/**
 * Per-interval electricity allocation of one site (spec: allocation.md).
 * Columnar: every loop sweeps Float64Arrays; nothing is allocated per interval.
 *
 * Floating-point order follows the spec's formulas term by term, which
 * reproduces the vendor's site_data bit for bit (checked on its real output,
 * test/core/allocation-vendor.test.ts). The one place where the vendor's
 * order differs from the formula as written is the consumer share: the
 * vendor computes `C_i * (self / conso_total)`, not `(self * C_i) / conso_total`;
 * only the former matches all 2,428 positive shares of the fixture exactly.
 */
import { isElectric, type MeterMode, type MeterType } from '../types.js';

export interface AllocationMeter {
  mode: MeterMode;
  type: MeterType;
  inBalance: boolean;
}

/** One column per meter, length n; where present[m][t] is 0 the values count as 0. */
export interface AllocationInput {
  n: number;
  meters: AllocationMeter[];
  im: Float64Array[];
  ex: Float64Array[];
  present: Uint8Array[];
}

export interface SiteColumns {
  conso_total: Float64Array;
  prod_total: Float64Array;
  from_ext: Float64Array;
  self: Float64Array;
  to_ext: Float64Array;
  storage_charging_total: Float64Array;
  storage_discharging_total: Float64Array;
  storage_charging_self: Float64Array;
}

export interface MeterColumns {
  /** the meter's energy in its role (meterTotal); 0 where absent */
  total: Float64Array;
  /** participating consumers only; NaN for every other meter */
  self: Float64Array;
  /** participating consumers only; NaN for every other meter */
  ext: Float64Array;
}

export interface AllocationResult {
  n: number;
  site: SiteColumns;
  /** aligned with input.meters */
  meters: MeterColumns[];
  /** 1 where at least one participating meter is present */
  siteRow: Uint8Array;
}

export const SITE_FIELDS = [
  'conso_total',
  'prod_total',
  'from_ext',
  'self',
  'to_ext',
  'storage_charging_total',
  'storage_discharging_total',
  'storage_charging_self',
] as const satisfies readonly (keyof SiteColumns)[];

/**
 * A meter's own energy for one interval, from its registers (already
 * un-reversed). Heat and water have one register, carried in `im`.
 * Introduction and battery meters report net import (im - ex).
 */
export function meterTotal(mode: MeterMode, type: MeterType, im: number, ex: number): number {
  if (!isElectric(type)) return im;
  return mode === 'production' ? ex - im : im - ex;
}

/** Whether a meter takes part in the electricity balance. */
export function participates(m: AllocationMeter): boolean {
  return isElectric(m.type) && m.inBalance;
}

function nanColumn(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

/**
 * The balance is chosen per site, not per interval: with a participating
 * introduction meter, its values are taken as measured even where it is
 * absent (0), so the caller should only serve rows where the data it needs
 * is present (siteRow, and the input presence columns).
 */
export function allocate(input: AllocationInput): AllocationResult {
  const { n, meters, im, ex, present } = input;
  const site: SiteColumns = {
    conso_total: new Float64Array(n),
    prod_total: new Float64Array(n),
    from_ext: new Float64Array(n),
    self: new Float64Array(n),
    to_ext: new Float64Array(n),
    storage_charging_total: new Float64Array(n),
    storage_discharging_total: new Float64Array(n),
    storage_charging_self: new Float64Array(n),
  };
  const siteRow = new Uint8Array(n);
  // P = Σ producers; only used without an introduction meter, where it is prod_total.
  const prodMeters = new Float64Array(n);
  let hasIntroduction = false;
  const out: MeterColumns[] = [];

  // Pass 1, meter by meter: each meter's total, and the role sums. Summing
  // column-wise adds meters in list order at every interval, the same order
  // as a per-interval Σ from 0.
  for (let m = 0; m < meters.length; m++) {
    const { mode, type } = meters[m];
    const mim = im[m];
    const mex = ex[m];
    const pr = present[m];
    const total = new Float64Array(n);
    // meterTotal's branch on role, taken once per meter rather than per interval
    if (!isElectric(type)) {
      for (let t = 0; t < n; t++) if (pr[t] !== 0) total[t] = mim[t];
    } else if (mode === 'production') {
      for (let t = 0; t < n; t++) if (pr[t] !== 0) total[t] = mex[t] - mim[t];
    } else {
      for (let t = 0; t < n; t++) if (pr[t] !== 0) total[t] = mim[t] - mex[t];
    }
    const consumer = participates(meters[m]) && mode === 'consumption';
    out.push({ total, self: consumer ? new Float64Array(n) : nanColumn(n), ext: consumer ? new Float64Array(n) : nanColumn(n) });
    if (!participates(meters[m])) continue;

    for (let t = 0; t < n; t++) siteRow[t] |= pr[t] !== 0 ? 1 : 0;
    switch (mode) {
      case 'consumption': {
        const c = site.conso_total;
        for (let t = 0; t < n; t++) c[t] += total[t];
        break;
      }
      case 'production':
        for (let t = 0; t < n; t++) prodMeters[t] += total[t];
        break;
      case 'introduction':
        hasIntroduction = true;
        addPresent(site.from_ext, mim, pr, n);
        addPresent(site.to_ext, mex, pr, n);
        break;
      case 'battery':
        addPresent(site.storage_charging_total, mim, pr, n);
        addPresent(site.storage_discharging_total, mex, pr, n);
        break;
    }
  }

  // Pass 2, interval by interval: the site balance.
  if (hasIntroduction) balanceWithIntroduction(site, n);
  else balanceWithoutIntroduction(site, prodMeters, n);

  // Pass 3: proportional shares. The ratio is computed once per interval and
  // capped at 1: self > conso_total happens only when the connection meter's
  // import is negative (a rounding artefact; never in the vendor's data) or by
  // one ulp in the min() chain. Uncapped, consumers would get ext_i < 0 — a
  // negative grid draw on a bill — and a tiny conso_total could overflow the
  // ratio to Infinity (NaN shares). Capped, the shares add up to
  // min(self, conso_total) in those intervals; the site figures keep the
  // measured values.
  const ratio = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const s = site.self[t];
    const c = site.conso_total[t];
    ratio[t] = s > 0 && c > 0 ? (s >= c ? 1 : s / c) : 0;
  }
  for (let m = 0; m < meters.length; m++) {
    if (!(participates(meters[m]) && meters[m].mode === 'consumption')) continue;
    const { total, self, ext } = out[m];
    for (let t = 0; t < n; t++) {
      const si = total[t] * ratio[t];
      self[t] = si;
      ext[t] = total[t] - si;
    }
  }

  return { n, site, meters: out, siteRow };
}

function addPresent(acc: Float64Array, col: Float64Array, pr: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) if (pr[t] !== 0) acc[t] += col[t];
}

/**
 * from_ext/to_ext are measured at the connection point; production is what
 * the balance there leaves over. Derived production can be slightly
 * negative (sub-meters and connection meter rounding differently): kept,
 * as the vendor does.
 */
function balanceWithIntroduction(site: SiteColumns, n: number): void {
  const { conso_total, from_ext, to_ext, storage_charging_total: ch, storage_discharging_total: dis } = site;
  for (let t = 0; t < n; t++) {
    site.prod_total[t] = conso_total[t] + ch[t] + to_ext[t] - from_ext[t] - dis[t];
    site.self[t] = conso_total[t] - from_ext[t];
    site.storage_charging_self[t] = ch[t];
  }
}

/**
 * No connection meter: local production is used first by consumers, then
 * charges batteries; batteries discharge to consumers before the grid.
 * Battery charge not covered by surplus comes from the grid (from_ext),
 * battery discharge not consumed goes to the grid (to_ext).
 */
function balanceWithoutIntroduction(site: SiteColumns, prod: Float64Array, n: number): void {
  const { conso_total, storage_charging_total: ch, storage_discharging_total: dis } = site;
  for (let t = 0; t < n; t++) {
    const p = prod[t];
    const c = conso_total[t];
    const direct = p < c ? p : c;
    const rest = c - direct;
    const fromBatt = dis[t] < rest ? dis[t] : rest;
    const self = direct + fromBatt;
    const surplus = p - direct;
    const chSelf = ch[t] < surplus ? ch[t] : surplus;
    site.self[t] = self;
    site.storage_charging_self[t] = chSelf;
    site.from_ext[t] = c - self + (ch[t] - chSelf);
    site.to_ext[t] = p - direct - chSelf + (dis[t] - fromBatt);
    site.prod_total[t] = p;
  }
}
