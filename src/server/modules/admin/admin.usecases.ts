/**
 * What an operator can do: sites, meters, sensors, gateways, developers and
 * grants. Shared by the operator API and the CLI; every input is checked
 * here, whoever calls.
 */
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import { checkRules } from '../../../core/allocation/rule-formula.js';
import { isValidZone } from '../../../core/time/zone.js';
import { parseInstant } from '../../../core/time/parse-instant.js';
import type { Developer, Grant, Meter, Sensor, Site } from '../../../store/store.js';
import type { Deps } from '../../context.js';
import { check } from '../../validate.js';
import { revalidate as revalidateRange } from './pipeline.usecases.js';

async function revalidateMeters(deps: Deps, siteId: string, meterIds: string[] | undefined, reason: string): Promise<void> {
  await revalidateRange(deps, siteId, {}, meterIds, reason);
}
import { hashPassword, hashToken, newToken } from '../../auth/secrets.js';
import {
  DeveloperCreateSchema, GatewayCreateSchema, GrantCreateSchema, MeterCreateSchema, MeterPatchSchema,
  SensorCreateSchema, SiteCreateSchema, SitePatchSchema,
} from './admin.schemas.js';

/** ISO-8601 or epoch ms → epoch ms; null stays null (clears the field). */
export function instantOf(value: unknown, param: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw paramError(param, `${param} must be epoch milliseconds or an ISO-8601 date-time`);
    return value;
  }
  return parseInstant(value, param) ?? null;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function siteView(s: Site) {
  return { id: s.id, ...siteBody(s), lock_date: isoOrNull(s.lock_date) };
}

function siteBody(s: Site) {
  return {
    site_ref: s.site_ref, name: s.name, address: s.address, latitude: s.latitude, longitude: s.longitude,
    timezone: s.timezone, creation_date: s.creation_date,
  };
}

export function meterView(m: Meter) {
  return { ...m, installed_at: isoOrNull(m.installed_at), is_rule_meter: m.rule !== null };
}

export function developerView(d: Developer) {
  return { id: d.id, username: d.username, created_at: isoOrNull(d.created_at) };
}

export function grantView(g: Grant, username: string) {
  return { username, site_id: g.site_id, history_from: isoOrNull(g.history_from), consent_ref: g.consent_ref, created_at: isoOrNull(g.created_at) };
}

async function freshId(deps: Deps, given: string | undefined): Promise<string> {
  if (given === undefined) return deps.newId();
  if (!isObjectId(given)) throw paramError('id', 'id must be a 24-character lowercase hex object id');
  if (await deps.store.idInUse(given)) throw new KwhubError('id.in_use', `id ${given} is already in use`);
  return given;
}

function checkZone(zone: string | undefined): void {
  if (zone !== undefined && !isValidZone(zone)) throw paramError('timezone', `timezone ${JSON.stringify(zone)} is not an IANA time zone such as Europe/Zurich`);
}

export async function getSiteOr404(deps: Deps, id: string): Promise<Site> {
  const site = isObjectId(id) ? await deps.store.getSite(id) : null;
  if (!site) throw new KwhubError('site.not_found', `no site ${id}`);
  return site;
}

export async function createSite(deps: Deps, input: unknown): Promise<Site> {
  const body = check(SiteCreateSchema, input);
  checkZone(body.timezone);
  const id = await freshId(deps, body.id);
  const now = new Date(deps.clock.now()).toISOString().slice(0, 19);
  const site: Site = {
    id, site_ref: body.site_ref, name: body.name, address: body.address, latitude: body.latitude,
    longitude: body.longitude, timezone: body.timezone, creation_date: body.creation_date ?? now,
    lock_date: instantOf(body.lock_date, 'lock_date') ?? null,
  };
  await deps.store.insertSite(site);
  return site;
}

export async function patchSite(deps: Deps, id: string, input: unknown): Promise<Site> {
  const before = await getSiteOr404(deps, id);
  const body = check(SitePatchSchema, input);
  checkZone(body.timezone);
  const { lock_date, ...rest } = body;
  const lock = lock_date !== undefined ? instantOf(lock_date, 'lock_date') : undefined;
  await deps.store.updateSite(id, { ...rest, ...(lock !== undefined ? { lock_date: lock } : {}) });
  if (lock !== undefined && lock !== null && lock !== before.lock_date) {
    // the change feed tells integrators which history is now final (billed)
    const extent = await deps.store.siteExtent(id);
    const prev = before.lock_date ?? Math.min(extent?.from ?? lock, lock);
    const meters = await deps.store.listMeters(id);
    await deps.pipeline.recordChange(id, {
      kind: 'lock', meter_ids: meters.map((m) => m.id).sort(), from: Math.min(prev, lock), to: Math.max(prev, lock),
      reason: before.lock_date === null ? 'lock date set' : `lock date moved from ${new Date(before.lock_date).toISOString()}`,
    });
  }
  return (await deps.store.getSite(id))!;
}

async function checkMeterSet(deps: Deps, site: Site, meters: Meter[], changed: Meter): Promise<void> {
  if (changed.rule === null) {
    const clash = meters.find((m) => m.id !== changed.id && m.rule === null && m.prim_ad === changed.prim_ad);
    if (clash) throw new KwhubError('prim_ad.in_use', `prim_ad ${changed.prim_ad} is already used by meter ${clash.id} (${clash.name}) on site ${site.id}`);
  }
  const all = meters.filter((m) => m.id !== changed.id).concat(changed);
  try {
    checkRules(all.map((m) => ({ id: m.id, rule: m.rule })));
  } catch (e) {
    if (e instanceof KwhubError) throw new KwhubError('rule.invalid', e.message, { param: 'rule' });
    throw e;
  }
}

export async function createMeter(deps: Deps, siteId: string, input: unknown): Promise<Meter> {
  const site = await getSiteOr404(deps, siteId);
  const body = check(MeterCreateSchema, input);
  const id = await freshId(deps, body.id);
  const meter: Meter = {
    id, site_id: site.id, name: body.name, type: body.type, mode: body.mode, prim_ad: body.prim_ad,
    reading_kind: body.reading_kind ?? 'index', rule: body.rule ?? null, in_balance: body.in_balance ?? true,
    reversed: body.reversed ?? false, installed_at: instantOf(body.installed_at, 'installed_at') ?? null,
    max_power_kw: body.max_power_kw ?? null, register_max: body.register_max ?? null,
  };
  await checkMeterSet(deps, site, await deps.store.listMeters(site.id), meter);
  await deps.store.insertMeter(meter);
  return meter;
}

export async function getMeterOr404(deps: Deps, siteId: string, meterId: string): Promise<Meter> {
  const meter = isObjectId(meterId) ? await deps.store.getMeter(meterId) : null;
  if (!meter || meter.site_id !== siteId) throw new KwhubError('meter.not_found', `no meter ${meterId} on site ${siteId}`);
  return meter;
}

export async function patchMeter(deps: Deps, siteId: string, meterId: string, input: unknown): Promise<Meter> {
  const site = await getSiteOr404(deps, siteId);
  const current = await getMeterOr404(deps, siteId, meterId);
  const body = check(MeterPatchSchema, input);
  const { installed_at, ...rest } = body;
  const patch = { ...rest, ...(installed_at !== undefined ? { installed_at: instantOf(installed_at, 'installed_at') ?? null } : {}) };
  const next: Meter = { ...current, ...patch };
  await checkMeterSet(deps, site, await deps.store.listMeters(site.id), next);
  await deps.store.updateMeter(meterId, patch);
  // corrections change validated history: validate this meter again (and so re-allocate the site)
  const revalidating = ['reversed', 'installed_at', 'max_power_kw', 'register_max', 'reading_kind', 'type'] as const;
  const reallocating = ['mode', 'in_balance', 'rule'] as const;
  const changed = (k: keyof Meter) => k in patch && JSON.stringify(patch[k as keyof typeof patch]) !== JSON.stringify(current[k]);
  const what = [...revalidating, ...reallocating].filter(changed);
  const reason = `meter correction: ${what.join(', ')} of ${meterId}`;
  if (revalidating.some(changed)) await revalidateMeters(deps, site.id, [meterId], reason);
  else if (reallocating.some(changed)) await revalidateMeters(deps, site.id, undefined, reason);
  return next;
}

export async function createSensor(deps: Deps, siteId: string, input: unknown): Promise<Sensor> {
  const site = await getSiteOr404(deps, siteId);
  const body = check(SensorCreateSchema, input);
  const sensor: Sensor = { id: await freshId(deps, body.id), site_id: site.id, name: body.name, type: body.type, unit: body.unit, model: body.model };
  await deps.store.insertSensor(sensor);
  return sensor;
}

export async function createGateway(deps: Deps, siteId: string, input: unknown): Promise<{ gateway_id: string; token: string }> {
  const site = await getSiteOr404(deps, siteId);
  const body = check(GatewayCreateSchema, input);
  const id = deps.newId();
  const token = newToken('kwg');
  await deps.store.insertGateway({ id, site_id: site.id, name: body.name, created_at: deps.clock.now() }, hashToken(token));
  return { gateway_id: id, token };
}

export async function createDeveloper(deps: Deps, input: unknown): Promise<Developer> {
  const body = check(DeveloperCreateSchema, input);
  if (await deps.store.getDeveloperByUsername(body.username)) {
    throw new KwhubError('username.in_use', `a developer named ${body.username} exists already`);
  }
  const dev: Developer = {
    id: await freshId(deps, body.id), username: body.username, password_hash: await hashPassword(body.password), created_at: deps.clock.now(),
  };
  await deps.store.insertDeveloper(dev);
  return dev;
}

export async function setDeveloperPassword(deps: Deps, username: string, password: string): Promise<void> {
  const dev = await getDeveloperOr404(deps, username);
  check(DeveloperCreateSchema, { username, password });
  await deps.store.updateDeveloperPassword(dev.id, await hashPassword(password));
}

export async function getDeveloperOr404(deps: Deps, username: string): Promise<Developer> {
  const dev = await deps.store.getDeveloperByUsername(username);
  if (!dev) throw new KwhubError('developer.not_found', `no developer named ${username}`);
  return dev;
}

export async function grantSite(deps: Deps, username: string, input: unknown): Promise<Grant> {
  const dev = await getDeveloperOr404(deps, username);
  const body = check(GrantCreateSchema, input);
  await getSiteOr404(deps, body.site_id);
  const grant: Grant = {
    developer_id: dev.id, site_id: body.site_id, history_from: instantOf(body.history_from, 'history_from') ?? null,
    consent_ref: body.consent_ref, created_at: deps.clock.now(),
  };
  await deps.store.putGrant(grant);
  return (await deps.store.getGrant(dev.id, body.site_id))!;
}

export async function revokeGrant(deps: Deps, username: string, siteId: string): Promise<void> {
  const dev = await getDeveloperOr404(deps, username);
  if (!(await deps.store.deleteGrant(dev.id, siteId))) {
    throw new KwhubError('grant.not_found', `developer ${username} has no grant on site ${siteId}`);
  }
}
