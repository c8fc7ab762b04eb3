/**
 * The operator's sites overview: per site, today's and this month's
 * production, self-consumption and self-sufficiency (from the same
 * site_data frames as the developer API), and data health: the age of the
 * last reading, the share of this month's intervals that were estimated,
 * rejected readings this month and the meters silent for over an hour.
 */
import { DateTime } from 'luxon';
import { isElectric } from '../../../core/types.js';
import type { Meter, Site } from '../../../store/store.js';
import type { AppContext } from '../../context.js';
import { siteFrame } from '../series/series.usecases.js';
import { INTERVAL_MS } from '../../../core/types.js';

const SILENT_MS = 3_600_000;

function sums(cols: { key: string; values: Float64Array }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cols) {
    let s = 0;
    for (const v of c.values) if (Number.isFinite(v)) s += v;
    out[c.key] = s;
  }
  return out;
}

export async function siteOverview(ctx: AppContext, site: Site, meters: Meter[]) {
  const now = ctx.clock.now();
  const local = DateTime.fromMillis(now, { zone: site.timezone });
  const dayStart = local.startOf('day').toMillis();
  const monthStart = local.startOf('month').toMillis();
  const to = Math.floor(now / INTERVAL_MS) * INTERVAL_MS;
  const today = sums((await siteFrame(ctx.store, site, meters, 'electricity', { from: dayStart, to: Math.max(dayStart, to) }, 'D')).cols);
  const month = sums((await siteFrame(ctx.store, site, meters, 'electricity', { from: monthStart, to: Math.max(monthStart, to) }, 'M')).cols);

  const physical = meters.filter((m) => m.rule === null);
  let last: number | null = null;
  const silent: { id: string; name: string; last_reading: string | null }[] = [];
  for (const m of physical) {
    const extent = await ctx.store.rawExtent(m.id);
    if (extent) last = Math.max(last ?? -Infinity, extent.to);
    if (!extent || now - extent.to > SILENT_MS) silent.push({ id: m.id, name: m.name, last_reading: extent ? new Date(extent.to).toISOString() : null });
  }
  const balance = physical.filter((m) => isElectric(m.type) && m.in_balance);
  let estimated = 0;
  let intervals = 0;
  for (const cols of await ctx.store.readIntervals(balance.map((m) => m.id), monthStart, Math.max(monthStart, to))) {
    intervals += cols.estimated.length;
    for (const e of cols.estimated) estimated += e;
  }
  const rejected = (await ctx.store.listQuality(site.id)).filter((q) => q.kind === 'rejection' && q.from >= monthStart).length;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    id: site.id,
    name: site.name,
    timezone: site.timezone,
    today: { prod_total: today.prod_total ?? 0, conso_total: today.conso_total ?? 0, self: today.self ?? 0 },
    month: { prod_total: month.prod_total ?? 0, conso_total: month.conso_total ?? 0, self: month.self ?? 0 },
    self_consumption: ratio(month.self ?? 0, month.prod_total ?? 0),
    self_sufficiency: ratio(month.self ?? 0, month.conso_total ?? 0),
    health: {
      last_reading: last === null ? null : new Date(last).toISOString(),
      last_reading_age_s: last === null ? null : Math.round((now - last) / 1000),
      estimated_share: ratio(estimated, intervals),
      rejected_readings: rejected,
      silent_meters: silent,
    },
  };
}
