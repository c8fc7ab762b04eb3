/**
 * Reads the energy columns once and adds each interval's integer mWh into
 * the bucket (tariff × VAT period × month × window) of whoever occupied the
 * meter then: a participant through a tenancy, or the owner for vacancy.
 * Common-area meters are split by the site's key between the units, and each
 * unit's share goes to its occupant of the moment, so a move also moves the
 * common-area share at the 15-minute boundary.
 */
import type { TenancyPart } from './billing-types.js';
import type { Prepared } from './prepare.js';
import { splitByWeights } from './split.js';
import type { Timeline } from './timeline.js';
import { INTERVAL_MS } from '../types.js';

export const VACANCY = '\u0000vacancy';

export interface Holder {
  id: string;
  /** mWh per bucket */
  ownSelf: Float64Array;
  ownExt: Float64Array;
  comSelf: Float64Array;
  comExt: Float64Array;
  /** intervals occupied per segment (tenancies only: the base of monthly fees) */
  occupied: Float64Array;
  missing: number;
  parts: TenancyPart[];
  /** Σ over occupied intervals of the unit's share of the key (0 … 1), for the share shown */
  keyShareIntervals: number;
  /** kWh as floats, for the reconciliation (not for money) */
  selfKwh: number;
  extKwh: number;
}

interface Range {
  k0: number;
  k1: number;
  holder: string;
}

export interface Accumulated {
  holders: Map<string, Holder>;
  common: { selfKwh: number; extKwh: number; missing: number };
  /** the key's weights per unit, and whether they fell back to equal shares */
  weights: number[];
  keyFallback: boolean;
  missingByMeter: Map<string, number>;
}

export function accumulate(p: Prepared, tl: Timeline): Accumulated {
  const { n, base } = p;
  const { bucket, nBuckets, segments } = tl;
  const holders = new Map<string, Holder>();
  const holder = (id: string): Holder => {
    let h = holders.get(id);
    if (!h) {
      h = {
        id,
        ownSelf: new Float64Array(nBuckets),
        ownExt: new Float64Array(nBuckets),
        comSelf: new Float64Array(nBuckets),
        comExt: new Float64Array(nBuckets),
        occupied: new Float64Array(segments.length),
        missing: 0,
        parts: [],
        keyShareIntervals: 0,
        selfKwh: 0,
        extKwh: 0,
      };
      holders.set(id, h);
    }
    return h;
  };
  const missingByMeter = new Map<string, number>();

  const rangesOf: Range[][] = p.units.map((u) => {
    const ranges: Range[] = [];
    let cursor = 0;
    for (const t of u.tenancies) {
      if (t.k0 > cursor) ranges.push({ k0: cursor, k1: t.k0, holder: VACANCY });
      ranges.push({ k0: t.k0, k1: t.k1, holder: t.participantId });
      cursor = t.k1;
    }
    if (cursor < n) ranges.push({ k0: cursor, k1: n, holder: VACANCY });
    return ranges;
  });

  const consumption = new Float64Array(p.units.length);
  p.units.forEach((u, ui) => {
    const { self, ext } = p.input.meters[u.meterId];
    let missingHere = 0;
    for (const r of rangesOf[ui]) {
      const h = holder(r.holder);
      const { ownSelf, ownExt } = h;
      let missing = 0;
      let mwh = 0;
      let sK = 0;
      let eK = 0;
      for (let k = r.k0; k < r.k1; k++) {
        let s = self[base + k];
        let e = ext[base + k];
        if (s !== s || e !== e) {
          missing++;
          if (s !== s) s = 0;
          if (e !== e) e = 0;
        }
        const b = bucket[k];
        const sm = Math.round(s * 1e6);
        const em = Math.round(e * 1e6);
        ownSelf[b] += sm;
        ownExt[b] += em;
        mwh += sm + em;
        sK += s;
        eK += e;
      }
      h.selfKwh += sK;
      h.extKwh += eK;
      h.missing += missing;
      missingHere += missing;
      consumption[ui] += mwh;
      h.parts.push({ meter_id: u.meterId, from: p.from + r.k0 * INTERVAL_MS, to: p.from + r.k1 * INTERVAL_MS, intervals: r.k1 - r.k0 });
      if (r.holder !== VACANCY) {
        for (let si = 0; si < segments.length; si++) {
          const s = segments[si];
          const o = Math.min(s.k1, r.k1) - Math.max(s.k0, r.k0);
          if (o > 0) h.occupied[si] += o;
        }
      }
    }
    if (missingHere > 0) missingByMeter.set(u.meterId, missingHere);
  });

  const common = { selfKwh: 0, extKwh: 0, missing: 0 };
  let weights: number[] = [];
  let keyFallback = false;
  if (p.common && p.common.meterIds.length > 0) {
    const key = p.common.key;
    weights = p.units.map((u, ui) => (key === 'equal' ? 1 : key === 'floor_area' ? (u.floorArea as number) : Math.max(0, consumption[ui])));
    let total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) {
      // nobody consumed anything: proportional to consumption has no proportions
      weights = p.units.map(() => 1);
      total = weights.length;
      keyFallback = true;
    }
    // epochs: stretches where every unit keeps its occupant
    const cuts = new Set<number>([0, n]);
    for (const rs of rangesOf) for (const r of rs) cuts.add(r.k0).add(r.k1);
    const epochs = [...cuts].sort((a, b) => a - b);
    const occupantAt = (ui: number, k: number) => rangesOf[ui].find((r) => r.k0 <= k && k < r.k1)!.holder;
    const occupants: Holder[][] = [];
    for (let e = 0; e + 1 < epochs.length; e++) {
      const row = p.units.map((_, ui) => holder(occupantAt(ui, epochs[e])));
      occupants.push(row);
      row.forEach((h, ui) => (h.keyShareIntervals += (weights[ui] / total) * (epochs[e + 1] - epochs[e])));
    }
    const accS = new Float64Array(nBuckets);
    const accE = new Float64Array(nBuckets);
    for (const meterId of p.common.meterIds) {
      const { self, ext } = p.input.meters[meterId];
      let missing = 0;
      for (let e = 0; e + 1 < epochs.length; e++) {
        accS.fill(0);
        accE.fill(0);
        for (let k = epochs[e]; k < epochs[e + 1]; k++) {
          let s = self[base + k];
          let x = ext[base + k];
          if (s !== s || x !== x) {
            missing++;
            if (s !== s) s = 0;
            if (x !== x) x = 0;
          }
          accS[bucket[k]] += Math.round(s * 1e6);
          accE[bucket[k]] += Math.round(x * 1e6);
          common.selfKwh += s;
          common.extKwh += x;
        }
        const row = occupants[e];
        for (let b = 0; b < nBuckets; b++) {
          if (accS[b] !== 0) splitByWeights(accS[b], weights, total).forEach((v, ui) => (row[ui].comSelf[b] += v));
          if (accE[b] !== 0) splitByWeights(accE[b], weights, total).forEach((v, ui) => (row[ui].comExt[b] += v));
        }
      }
      common.missing += missing;
      if (missing > 0) missingByMeter.set(meterId, missing);
    }
  }
  return { holders, common, weights, keyFallback, missingByMeter };
}
