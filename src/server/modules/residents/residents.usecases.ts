/**
 * What an operator does with residents: create, change and remove them, let
 * meters to them (tenancies) and invite them to the portal. Shared by the
 * operator API, the portal's operator actions, `kwhub apply` and the CLI.
 */
import { DateTime } from 'luxon';
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import { checkNoOverlap, type Tenancy } from '../../../core/residents/tenancy.js';
import type { Resident } from '../../../store/resident-store.js';
import type { Deps } from '../../context.js';
import { hashPassword, hashToken, newToken } from '../../auth/secrets.js';
import { check } from '../../validate.js';
import { instantOf, isoOrNull } from '../admin/admin.usecases.js';
import { ResidentCreateSchema, ResidentPatchSchema, TenancyCreateSchema, TenancyPatchSchema } from './residents.schemas.js';

export function residentView(r: Resident) {
  return { id: r.id, name: r.name, email: r.email, language: r.language, has_password: r.password_hash !== null, created_at: isoOrNull(r.created_at) };
}

export function tenancyView(t: Tenancy, siteId: string) {
  return { id: t.id, meter_id: t.meter_id, site_id: siteId, resident_id: t.resident_id, from: isoOrNull(t.from), to: isoOrNull(t.to) };
}

async function freshId(deps: Deps, given: string | undefined): Promise<string> {
  if (given === undefined) return deps.newId();
  if (!isObjectId(given)) throw paramError('id', 'id must be a 24-character lowercase hex object id');
  if (await deps.store.idInUse(given)) throw new KwhubError('id.in_use', `id ${given} is already in use`);
  return given;
}

export async function getResidentOr404(deps: Deps, id: string): Promise<Resident> {
  const r = isObjectId(id) ? await deps.store.getResident(id) : null;
  if (!r) throw new KwhubError('resident.not_found', `no resident ${id}`);
  return r;
}

async function checkEmailFree(deps: Deps, email: string, self?: string): Promise<void> {
  const other = await deps.store.getResidentByEmail(email);
  if (other && other.id !== self) throw new KwhubError('email.in_use', `a resident with the e-mail ${email} exists already (${other.id})`);
}

export async function createResident(deps: Deps, input: unknown): Promise<Resident> {
  const body = check(ResidentCreateSchema, input);
  const email = body.email.toLowerCase();
  await checkEmailFree(deps, email);
  const r: Resident = { id: await freshId(deps, body.id), name: body.name, email, language: body.language ?? null, password_hash: null, created_at: deps.clock.now() };
  await deps.store.insertResident(r);
  return r;
}

export async function patchResident(deps: Deps, id: string, input: unknown): Promise<Resident> {
  await getResidentOr404(deps, id);
  const body = check(ResidentPatchSchema, input);
  const email = body.email?.toLowerCase();
  if (email !== undefined) await checkEmailFree(deps, email, id);
  await deps.store.updateResident(id, { ...body, ...(email !== undefined ? { email } : {}) });
  return (await deps.store.getResident(id))!;
}

export async function deleteResident(deps: Deps, id: string): Promise<void> {
  if (!isObjectId(id) || !(await deps.store.deleteResident(id))) throw new KwhubError('resident.not_found', `no resident ${id}`);
}

/** a date alone is midnight of that day in the site's zone; anything else as the other instants of the API */
export function tenancyInstant(value: unknown, param: string, zone: string): number | null | undefined {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = DateTime.fromISO(value, { zone });
    if (!d.isValid) throw paramError(param, `${param} ${JSON.stringify(value)} is not a date`);
    return d.toMillis();
  }
  return instantOf(value, param);
}

async function meterAndSite(deps: Deps, meterId: string) {
  const meter = await deps.store.getMeter(meterId);
  if (!meter) throw new KwhubError('meter.not_found', `no meter ${meterId}`);
  if (meter.mode !== 'consumption') throw paramError('meter_id', `meter ${meterId} (${meter.name}) is a ${meter.mode} meter: a resident can only be tenant of a consumer meter`);
  const site = (await deps.store.getSite(meter.site_id))!;
  return { meter, site };
}

export async function getTenancyOr404(deps: Deps, id: string): Promise<{ tenancy: Tenancy; siteId: string }> {
  const t = isObjectId(id) ? await deps.store.getTenancy(id) : null;
  if (!t) throw new KwhubError('tenancy.not_found', `no tenancy ${id}`);
  return { tenancy: t, siteId: (await deps.store.getMeter(t.meter_id))!.site_id };
}

export async function createTenancy(deps: Deps, input: unknown): Promise<{ tenancy: Tenancy; siteId: string }> {
  const body = check(TenancyCreateSchema, input);
  const { site } = await meterAndSite(deps, body.meter_id);
  await getResidentOr404(deps, body.resident_id);
  const tenancy: Tenancy = {
    id: await freshId(deps, body.id),
    meter_id: body.meter_id,
    resident_id: body.resident_id,
    from: tenancyInstant(body.from, 'from', site.timezone)!,
    to: tenancyInstant(body.to, 'to', site.timezone) ?? null,
  };
  checkNoOverlap(await deps.store.listTenancies({ meter_id: body.meter_id }), tenancy);
  await deps.store.insertTenancy(tenancy);
  return { tenancy, siteId: site.id };
}

export async function patchTenancy(deps: Deps, id: string, input: unknown): Promise<{ tenancy: Tenancy; siteId: string }> {
  const { tenancy, siteId } = await getTenancyOr404(deps, id);
  const body = check(TenancyPatchSchema, input);
  const site = (await deps.store.getSite(siteId))!;
  const from = tenancyInstant(body.from, 'from', site.timezone);
  const to = tenancyInstant(body.to, 'to', site.timezone);
  const next: Tenancy = { ...tenancy, ...(from != null ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  checkNoOverlap(await deps.store.listTenancies({ meter_id: tenancy.meter_id }), next);
  await deps.store.updateTenancy(id, { from: next.from, to: next.to });
  return { tenancy: next, siteId };
}

export async function deleteTenancy(deps: Deps, id: string): Promise<void> {
  if (!isObjectId(id) || !(await deps.store.deleteTenancy(id))) throw new KwhubError('tenancy.not_found', `no tenancy ${id}`);
}

/** every tenancy with its meter's site, optionally of one site or resident */
export async function listTenancies(deps: Deps, filter: { site_id?: string; resident_id?: string }) {
  const list = await deps.store.listTenancies(filter);
  const siteOf = new Map<string, string>();
  for (const t of list) if (!siteOf.has(t.meter_id)) siteOf.set(t.meter_id, (await deps.store.getMeter(t.meter_id))!.site_id);
  return list.map((t) => tenancyView(t, siteOf.get(t.meter_id)!));
}

/**
 * A one-time link for the resident to set their password: the token is
 * returned once and stored hashed; it expires after `ttlSeconds` and is
 * refused once used. The link is a fragment (`/#/invite/<token>`), so the
 * token never appears in a request line or a proxy's log.
 */
export async function inviteResident(deps: Deps, residentId: string, ttlSeconds: number): Promise<{ resident_id: string; token: string; path: string; expires_at: string }> {
  const r = await getResidentOr404(deps, residentId);
  const token = newToken('kwi');
  const now = deps.clock.now();
  const expires = now + ttlSeconds * 1000;
  await deps.store.insertInvite({ token_hash: hashToken(token), resident_id: r.id, created_at: now, expires_at: expires, used_at: null });
  return { resident_id: r.id, token, path: `/#/invite/${token}`, expires_at: new Date(expires).toISOString() };
}

/** whom an invite is for, while it is valid (the set-password page shows it) */
export async function inviteInfo(deps: Deps, token: string): Promise<Resident> {
  const inv = typeof token === 'string' && token.length < 200 ? await deps.store.getInvite(hashToken(token)) : null;
  if (!inv || inv.used_at !== null || inv.expires_at <= deps.clock.now()) throw inviteRefused();
  return (await deps.store.getResident(inv.resident_id))!;
}

function inviteRefused(): KwhubError {
  return new KwhubError('invite.invalid', 'this invite link is unknown, expired or already used: ask your operator for a new one');
}

/** uses the invite (once) and sets the resident's password */
export async function acceptInvite(deps: Deps, token: string, password: string): Promise<Resident> {
  if (typeof password !== 'string' || password.length < 10 || password.length > 1024) throw paramError('password', 'password must have 10 to 1024 characters');
  const hash = await hashPassword(password);
  const inv = typeof token === 'string' && token.length < 200 ? await deps.store.consumeInvite(hashToken(token), deps.clock.now()) : null;
  if (!inv) throw inviteRefused();
  await deps.store.updateResident(inv.resident_id, { password_hash: hash });
  return (await deps.store.getResident(inv.resident_id))!;
}
