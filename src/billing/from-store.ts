/**
 * A billing input from a site in the store, for previews: the allocation's
 * self/ext columns of every participating consumer, the site's own columns,
 * and a setup (tariffs, residents, tenancies, common area, owner) given by
 * the operator, with stand-ins for what the setup leaves out: one resident
 * per unit named after its meter, the sample tariffs, common-area meters
 * recognised by name. Tenancies are not stored yet, so the setup is where
 * they come from until the store has them.
 */
import { paramError } from '../core/errors.js';
import { LANGUAGES, parseLocalInstant, type BillingInput, type BillingSetupDoc, type Language, type Participant } from '../core/billing/index.js';
import { INTERVAL_MS, isElectric } from '../core/types.js';
import { sampleTariffs } from '../demo/billing-sample.js';
import type { Meter, Site, Store } from '../store/store.js';

/** What an operator's setup file may give; everything else is read from the store or defaulted. */
export type BillingSetup = Partial<Pick<BillingInput, 'tariffs' | 'vat' | 'participants' | 'units' | 'tenancies' | 'common_area' | 'owner' | 'cap_overrides'>>;

const COMMON_NAME = /allgemein|common|commun|comune|wärmepumpe|heat ?pump|pompe à chaleur|pompa di calore/i;

export async function billingInputFromStore(store: Store, site: Site, period: { from: string; to: string }, setup: BillingSetup = {}): Promise<BillingInput> {
  const zone = site.timezone;
  const from = parseLocalInstant(zone, period.from, 'from');
  const to = parseLocalInstant(zone, period.to, 'to');
  if (!(from < to)) throw paramError('to', 'the period must end after it starts (--to after --from)');
  const n = (to - from) / INTERVAL_MS;
  const consumers = (await store.listMeters(site.id)).filter((m: Meter) => isElectric(m.type) && m.mode === 'consumption' && m.in_balance);
  if (consumers.length === 0) throw paramError('site', `site ${site.id} has no participating consumer meters to bill`);

  const meters: BillingInput['meters'] = {};
  for (const m of consumers) {
    const cols = await store.readMeterAlloc(m.id, from, to);
    const self = new Float64Array(n).fill(Number.NaN);
    const ext = new Float64Array(n).fill(Number.NaN);
    for (let i = 0; i < cols.t.length; i++) {
      const k = (cols.t[i] - from) / INTERVAL_MS;
      if (k >= 0 && k < n) {
        self[k] = cols.self[i];
        ext[k] = cols.ext[i];
      }
    }
    meters[m.id] = { self, ext };
  }
  const siteCols = await store.readSiteAlloc(site.id, from, to);
  const selfSite = new Float64Array(n).fill(Number.NaN);
  const fromExt = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < siteCols.t.length; i++) {
    const k = (siteCols.t[i] - from) / INTERVAL_MS;
    if (k >= 0 && k < n) {
      selfSite[k] = siteCols.fields.self[i];
      fromExt[k] = siteCols.fields.from_ext[i];
    }
  }

  const common = setup.common_area !== undefined && setup.common_area !== null ? setup.common_area : setup.common_area === null ? { meter_ids: [], key: 'equal' as const } : { meter_ids: consumers.filter((m) => COMMON_NAME.test(m.name)).map((m) => m.id), key: 'equal' as const };
  const units = setup.units ?? consumers.filter((m) => !common.meter_ids.includes(m.id)).map((m) => ({ meter_id: m.id, label: m.name }));
  const participants = setup.participants ?? units.map((u) => ({ id: `resident-${u.meter_id}`, name: `${u.label ?? u.meter_id}`, language: 'de' as const }));
  const tenancies = setup.tenancies ?? (setup.participants ? [] : units.map((u) => ({ meter_id: u.meter_id, participant_id: `resident-${u.meter_id}`, from: '2000-01-01' })));
  return {
    site: { id: site.id, name: site.name, zone },
    period,
    grid: { from, n },
    meters,
    site_energy: { self: selfSite, from_ext: fromExt },
    tariffs: setup.tariffs ?? sampleTariffs(),
    vat: setup.vat ?? [{ valid_from: '2000-01-01', rate_percent: '8.1', registered: true }],
    participants,
    units,
    tenancies,
    common_area: common.meter_ids.length > 0 ? common : null,
    owner: setup.owner ?? {
      name: `${site.name} (owner)`,
      iban: 'CH44 3199 9123 0008 8901 2',
      address: { street: site.address.street_name || 'Street', building_number: String(site.address.street_number ?? ''), postal_code: String(site.address.postal_code), town: site.address.city, country: 'CH' },
    },
    cap_overrides: setup.cap_overrides,
  };
}

/**
 * The billing input of a site from its stored setup: participants are the
 * residents with a tenancy on one of the units' meters (their name, their
 * portal language unless the setup gives the invoice's), and the tenancies
 * are the stored ones, so billing and the portal agree on who lived where.
 */
export async function billingInputForSite(store: Store, site: Site, period: { from: string; to: string }, doc: BillingSetupDoc): Promise<BillingInput> {
  const consumers = (await store.listMeters(site.id)).filter((m: Meter) => isElectric(m.type) && m.mode === 'consumption' && m.in_balance);
  const common = doc.common_area === undefined ? { meter_ids: consumers.filter((m) => COMMON_NAME.test(m.name)).map((m) => m.id), key: 'equal' as const } : doc.common_area;
  const commonIds = new Set(common?.meter_ids ?? []);
  const units = doc.units ?? consumers.filter((m) => !commonIds.has(m.id)).map((m) => ({ meter_id: m.id, label: m.name }));
  const unitIds = new Set(units.map((u) => u.meter_id));
  const stored = (await store.listTenancies({ site_id: site.id })).filter((t) => unitIds.has(t.meter_id));
  const extra = new Map((doc.participants ?? []).map((p) => [p.resident_id, p]));
  const participants: Participant[] = [];
  for (const id of new Set(stored.map((t) => t.resident_id))) {
    const r = await store.getResident(id);
    if (!r) continue;
    const e = extra.get(id);
    const language = e?.language ?? (LANGUAGES.includes(r.language as Language) ? (r.language as Language) : 'de');
    participants.push({ id, name: r.name, language, ...(e?.address ? { address: e.address } : {}), ...(e?.advance_payments !== undefined ? { advance_payments: e.advance_payments } : {}) });
  }
  return billingInputFromStore(store, site, period, {
    tariffs: doc.tariffs,
    vat: doc.vat ?? [],
    owner: doc.owner,
    units,
    common_area: common && common.meter_ids.length > 0 ? common : null,
    participants,
    tenancies: stored.map((t) => ({ meter_id: t.meter_id, participant_id: t.resident_id, from: new Date(t.from).toISOString(), to: t.to === null ? null : new Date(t.to).toISOString() })),
  });
}

/** What a run keeps of its input: everything but the 15-minute columns (those are the store's, frozen by the lock date). */
export function inputSummary(input: BillingInput): Record<string, unknown> {
  const { meters: _m, site_energy: _s, grid: _g, ...rest } = input;
  return rest as unknown as Record<string, unknown>;
}
