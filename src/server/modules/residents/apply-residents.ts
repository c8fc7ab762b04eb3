/**
 * The `residents` section of a `kwhub apply` file: residents matched by
 * e-mail, their tenancies on the file's site matched by meter and start, so
 * that re-applying a file changes nothing. A meter is named by `meter_id`
 * or by its `meter` name on the site.
 */
import Type from 'typebox';
import { KwhubError, paramError } from '../../../core/errors.js';
import type { Deps } from '../../context.js';
import { hashPassword } from '../../auth/secrets.js';
import { check } from '../../validate.js';
import * as uc from './residents.usecases.js';

const Instant = Type.Union([Type.String(), Type.Integer()]);

export const ApplyResidents = Type.Array(Type.Object({
  name: Type.String(),
  email: Type.String(),
  language: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** sets the password directly (demo logins); real residents set theirs through an invite */
  password: Type.Optional(Type.String({ minLength: 10, maxLength: 1024 })),
  tenancies: Type.Optional(Type.Array(Type.Object({
    meter_id: Type.Optional(Type.String()),
    meter: Type.Optional(Type.String()),
    from: Instant,
    to: Type.Optional(Type.Union([Instant, Type.Null()])),
  }, { additionalProperties: false }))),
}, { additionalProperties: false }));

export interface AppliedResident {
  id: string;
  email: string;
  action: 'created' | 'updated';
  tenancies: { id: string; meter_id: string; action: 'created' | 'updated' }[];
}

export async function applyResidents(deps: Deps, siteId: string, input: unknown): Promise<AppliedResident[]> {
  const list = check(ApplyResidents, input ?? [], 'residents');
  const meters = await deps.store.listMeters(siteId);
  const out: AppliedResident[] = [];
  for (const r of list) {
    const { tenancies = [], password, ...fields } = r;
    const existing = await deps.store.getResidentByEmail(r.email.toLowerCase());
    const resident = existing ? await uc.patchResident(deps, existing.id, fields) : await uc.createResident(deps, fields);
    if (password !== undefined) await deps.store.updateResident(resident.id, { password_hash: await hashPassword(password) });
    const applied: AppliedResident = { id: resident.id, email: resident.email, action: existing ? 'updated' : 'created', tenancies: [] };
    const own = await deps.store.listTenancies({ resident_id: resident.id });
    for (const t of tenancies) {
      const meter = meters.find((m) => (t.meter_id ? m.id === t.meter_id : m.name === t.meter));
      if (!meter) throw paramError('residents.tenancies.meter', `resident ${r.email}: no meter ${t.meter_id ?? JSON.stringify(t.meter)} on site ${siteId}`);
      const body = { meter_id: meter.id, resident_id: resident.id, from: t.from, to: t.to ?? null };
      // the same tenancy again: same meter and same start (after the start is resolved)
      const probe = await resolveFrom(deps, body).catch(() => null);
      const match = own.find((x) => x.meter_id === meter.id && x.from === probe);
      if (match) {
        const { tenancy } = await uc.patchTenancy(deps, match.id, { to: body.to });
        applied.tenancies.push({ id: tenancy.id, meter_id: meter.id, action: 'updated' });
      } else {
        const { tenancy } = await uc.createTenancy(deps, body);
        applied.tenancies.push({ id: tenancy.id, meter_id: meter.id, action: 'created' });
      }
    }
    out.push(applied);
  }
  return out;
}

/** the start a tenancy body resolves to, without storing anything */
async function resolveFrom(deps: Deps, body: { meter_id: string; from: string | number }): Promise<number> {
  const meter = await deps.store.getMeter(body.meter_id);
  if (!meter) throw new KwhubError('meter.not_found', `no meter ${body.meter_id}`);
  const site = (await deps.store.getSite(meter.site_id))!;
  return uc.tenancyInstant(body.from, 'from', site.timezone)!;
}
