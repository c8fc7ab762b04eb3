/**
 * `kwhub apply <site.json>`: create or update a site with its meters, sensors,
 * developers and grants from one document, using the operator API's fields.
 * Re-applying the same file changes nothing (things are matched by id, then
 * by name), so a file that failed half-way can be fixed and applied again.
 */
import Type from 'typebox';
import { KwhubError, paramError } from '../../../core/errors.js';
import type { Meter } from '../../../store/store.js';
import type { Deps } from '../../context.js';
import { check } from '../../validate.js';
import * as uc from './admin.usecases.js';
import { SensorPatchSchema } from './admin.schemas.js';
import { applyResidents, type AppliedResident } from '../residents/apply-residents.js';
import { putBillingSetup } from '../billing/billing.usecases.js';

const ApplyDoc = Type.Object({
  id: Type.Optional(Type.String()),
  meters: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }, { additionalProperties: true }))),
  sensors: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }, { additionalProperties: true }))),
  developers: Type.Optional(Type.Array(Type.Object({
    username: Type.String(),
    password: Type.Optional(Type.String()),
    consent_ref: Type.String(),
    history_from: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
  }))),
}, { additionalProperties: true });

export interface ApplySummary {
  site_id: string;
  site: 'created' | 'updated';
  meters: { id: string; name: string; action: 'created' | 'updated' }[];
  sensors: { id: string; name: string; action: 'created' | 'updated' }[];
  developers: { username: string; action: 'created' | 'updated'; site_id: string }[];
  residents: AppliedResident[];
  /** whether the file's `billing` section (the site's billing setup) was stored */
  billing: 'set' | 'unchanged';
}

function ruleRefs(rule: unknown): string[] {
  return typeof rule === 'string' ? rule.match(/[0-9a-f]{24}/g) ?? [] : [];
}

export async function applySiteDocument(deps: Deps, input: unknown): Promise<ApplySummary> {
  const doc = check(ApplyDoc, input, 'file');
  const { meters = [], sensors = [], developers = [], residents, billing, ...siteFields } = doc as Record<string, unknown> & typeof doc;

  let siteAction: 'created' | 'updated' = 'updated';
  // the same site is found again by its id, or (a file without ids) by its site_ref
  const existing = doc.id
    ? await deps.store.getSite(doc.id)
    : (await deps.store.listSites()).find((s) => s.site_ref === (siteFields as { site_ref?: unknown }).site_ref) ?? null;
  let siteId = existing?.id;
  if (siteId) {
    const { id: _id, ...patch } = siteFields;
    await uc.patchSite(deps, siteId, patch);
  } else {
    siteId = (await uc.createSite(deps, siteFields)).id;
    siteAction = 'created';
  }

  const summary: ApplySummary = { site_id: siteId, site: siteAction, meters: [], sensors: [], developers: [], residents: [], billing: 'unchanged' };

  // physical meters first, then rule meters once everything they refer to exists
  let todo = [...meters];
  while (todo.length > 0) {
    const known = new Set((await deps.store.listMeters(siteId)).map((m) => m.id));
    const ready = todo.filter((m) => ruleRefs((m as Record<string, unknown>).rule).every((id) => known.has(id)));
    const batch = ready.length > 0 ? ready : todo; // nothing ready: let the meter check explain why
    for (const m of batch) summary.meters.push(await applyMeter(deps, siteId, m as Record<string, unknown> & { name: string; id?: string }));
    todo = todo.filter((m) => !batch.includes(m));
  }

  const existingSensors = await deps.store.listSensors(siteId);
  for (const s of sensors) {
    const match = existingSensors.find((x) => (s.id ? x.id === s.id : x.name === s.name));
    if (match) {
      const { id: _id, ...patch } = s as Record<string, unknown>;
      await deps.store.updateSensor(match.id, check(SensorPatchSchema, patch, 'sensors'));
      summary.sensors.push({ id: match.id, name: s.name, action: 'updated' });
    } else {
      const created = await uc.createSensor(deps, siteId, s);
      summary.sensors.push({ id: created.id, name: created.name, action: 'created' });
    }
  }

  for (const d of developers) {
    const existing = await deps.store.getDeveloperByUsername(d.username);
    if (!existing) {
      if (!d.password) throw paramError('developers.password', `developer ${d.username} does not exist yet: give a password`);
      await uc.createDeveloper(deps, { username: d.username, password: d.password });
    } else if (d.password) {
      await uc.setDeveloperPassword(deps, d.username, d.password);
    }
    await uc.grantSite(deps, d.username, { site_id: siteId, consent_ref: d.consent_ref, history_from: d.history_from ?? null });
    summary.developers.push({ username: d.username, action: existing ? 'updated' : 'created', site_id: siteId });
  }
  // residents last: their tenancies name the meters above
  summary.residents = await applyResidents(deps, siteId, residents);
  // billing after the residents its participants name (PUT /sites/:id/billing's document)
  if (billing !== undefined) {
    await prefixed('billing', () => putBillingSetup(deps, siteId, billing));
    summary.billing = 'set';
  }
  return summary;
}

async function applyMeter(deps: Deps, siteId: string, m: Record<string, unknown> & { name: string; id?: string }): Promise<ApplySummary['meters'][number]> {
  const onSite = await deps.store.listMeters(siteId);
  let match: Meter | undefined;
  if (m.id) {
    match = onSite.find((x) => x.id === m.id);
    if (!match && (await deps.store.idInUse(m.id))) throw new KwhubError('id.in_use', `meter id ${m.id} is already used by something else than a meter of site ${siteId}`);
  } else {
    match = onSite.find((x) => x.name === m.name);
  }
  if (match) {
    const { id: _id, ...patch } = m;
    await uc.patchMeter(deps, siteId, match.id, patch);
    return { id: match.id, name: m.name, action: 'updated' };
  }
  const created = await uc.createMeter(deps, siteId, m);
  return { id: created.id, name: created.name, action: 'created' };
}

/** the billing setup's errors name their field inside the file's `billing` section */
async function prefixed<T>(section: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KwhubError && e.code === 'param.invalid' && e.param !== undefined) {
      throw new KwhubError('param.invalid', `${section}.${e.message}`, { param: `${section}.${e.param}` });
    }
    throw e;
  }
}
