/**
 * Reads stored allocation for a range at the resolution the answer needs:
 * daily, monthly and yearly answers take the day sums for every whole local
 * day of the range and 15-minute rows only for the cut days at its ends.
 */
import { dayBounds } from '../../../core/time/periods.js';
import type { Frequency } from '../../../core/types.js';
import type { MeterAllocColumns, SiteAllocColumns, SiteField, Store } from '../../../store/store.js';
import { SITE_FIELDS } from '../../../store/store.js';

export interface ReadPlan {
  /** 15-minute rows in [from, d0) and [d1, to); day sums in [d0, d1) */
  from: number;
  d0: number;
  d1: number;
  to: number;
}

export function readPlan(zone: string, freq: Frequency, from: number, to: number): ReadPlan {
  if (freq === '15T' || freq === 'H' || from >= to) return { from, d0: to, d1: to, to };
  const bounds = dayBounds(zone, from, to);
  const d0 = bounds.find((b) => b >= from)!;
  const d1 = [...bounds].reverse().find((b) => b <= to)!;
  return d0 < d1 ? { from, d0, d1, to } : { from, d0: to, d1: to, to };
}

function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0];
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function readMeterSeries(store: Store, meterId: string, plan: ReadPlan): Promise<MeterAllocColumns> {
  if (plan.d0 >= plan.d1) return store.readMeterAlloc(meterId, plan.from, plan.to);
  const parts = [
    await store.readMeterAlloc(meterId, plan.from, plan.d0),
    await store.readMeterAllocDays(meterId, plan.d0, plan.d1),
    await store.readMeterAlloc(meterId, plan.d1, plan.to),
  ];
  return {
    t: concat(parts.map((p) => p.t)),
    total: concat(parts.map((p) => p.total)),
    self: concat(parts.map((p) => p.self)),
    ext: concat(parts.map((p) => p.ext)),
  };
}

export async function readSiteSeries(store: Store, siteId: string, plan: ReadPlan): Promise<SiteAllocColumns> {
  if (plan.d0 >= plan.d1) return store.readSiteAlloc(siteId, plan.from, plan.to);
  const parts = [
    await store.readSiteAlloc(siteId, plan.from, plan.d0),
    await store.readSiteAllocDays(siteId, plan.d0, plan.d1),
    await store.readSiteAlloc(siteId, plan.d1, plan.to),
  ];
  return {
    t: concat(parts.map((p) => p.t)),
    fields: Object.fromEntries(SITE_FIELDS.map((k) => [k, concat(parts.map((p) => p.fields[k]))])) as Record<SiteField, Float64Array>,
  };
}
