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
import { parseLocalInstant, type BillingInput } from '../core/billing/index.js';
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

  const common = setup.common_area ?? { meter_ids: consumers.filter((m) => COMMON_NAME.test(m.name)).map((m) => m.id), key: 'equal' as const };
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
