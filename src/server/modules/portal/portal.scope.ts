/**
 * What a portal session may see. An operator sees every site and meter. A
 * resident sees the meters of their tenancies, for the tenancy periods only,
 * and the totals of those meters' sites while they live there; anything else
 * is answered exactly like something that does not exist (404).
 */
import { KwhubError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import { clipToScope, residentScope, type ResidentScope, type Window } from '../../../core/residents/tenancy.js';
import type { IntervalRange } from '../../../core/time/range.js';
import type { PortalSession } from '../../../store/resident-store.js';
import type { Meter, Site } from '../../../store/store.js';
import type { AppContext } from '../../context.js';
import { isoOrNull } from '../admin/admin.usecases.js';

export interface Viewer {
  session: PortalSession;
  /** null for an operator: no limit */
  scope: ResidentScope | null;
}

export async function viewerOf(ctx: AppContext, session: PortalSession): Promise<Viewer> {
  if (session.kind === 'operator') return { session, scope: null };
  return { session, scope: residentScope(await ctx.store.listTenancies({ resident_id: session.subject_id }), session.subject_id) };
}

/** the site, if the viewer may see it (a resident: a site where one of their meters is) */
export async function visibleSite(ctx: AppContext, v: Viewer, siteId: string): Promise<{ site: Site; meters: Meter[] }> {
  const site = isObjectId(siteId) ? await ctx.store.getSite(siteId) : null;
  const meters = site ? await ctx.meters(site) : [];
  if (!site || (v.scope !== null && !meters.some((m) => v.scope!.has(m.id)))) throw new KwhubError('site.not_found', `no site ${siteId}`);
  return { site, meters };
}

/** the meter of the site, if the viewer may see it */
export function visibleMeter(v: Viewer, site: Site, meters: Meter[], meterId: string): Meter {
  const m = meters.find((x) => x.id === meterId);
  if (!m || (v.scope !== null && !v.scope.has(m.id))) throw new KwhubError('meter.not_found', `no meter ${meterId} on site ${site.id}`);
  return m;
}

/** the parts of `range` the viewer may see of a meter (an operator: all of it) */
export function meterRanges(v: Viewer, meterId: string, range: IntervalRange): IntervalRange[] {
  if (v.scope === null) return range.from < range.to ? [range] : [];
  return clipToScope(range, v.scope.get(meterId));
}

/** the parts of `range` the viewer may see of a site's totals: while they live there */
export function siteRanges(v: Viewer, meters: Meter[], range: IntervalRange): IntervalRange[] {
  if (v.scope === null) return range.from < range.to ? [range] : [];
  const windows: Window[] = meters.flatMap((m) => [...(v.scope!.get(m.id) ?? [])]).sort((a, b) => a.from - b.from);
  // one window per stretch of time lived on the site (a move between two flats is no gap)
  const merged: Window[] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return clipToScope(range, merged);
}

export async function whoAmI(ctx: AppContext, s: PortalSession) {
  // `now`: the server's clock, so the page's "today" is the data's today
  const base = { kind: s.kind, csrf: s.csrf, expires_at: isoOrNull(s.expires_at), now: ctx.clock.now() };
  if (s.kind === 'operator') {
    const sites = await ctx.store.listSites();
    return { ...base, name: 'operator', language: null, sites: sites.map((x) => ({ id: x.id, name: x.name, timezone: x.timezone })), tenancies: [] };
  }
  const r = await ctx.store.getResident(s.subject_id);
  if (!r) throw new KwhubError('session.required', 'this resident no longer exists');
  const tenancies = await ctx.store.listTenancies({ resident_id: r.id });
  const out = [];
  const sites = new Map<string, { id: string; name: string; timezone: string }>();
  for (const t of tenancies) {
    const m = (await ctx.store.getMeter(t.meter_id))!;
    const site = (await ctx.store.getSite(m.site_id))!;
    sites.set(site.id, { id: site.id, name: site.name, timezone: site.timezone });
    out.push({ id: t.id, meter_id: m.id, meter_name: m.name, site_id: site.id, from: isoOrNull(t.from), to: isoOrNull(t.to) });
  }
  out.sort((a, b) => (a.from! < b.from! ? -1 : 1));
  return { ...base, name: r.name, language: r.language, sites: [...sites.values()], tenancies: out };
}
