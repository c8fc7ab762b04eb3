/**
 * A site's billing setup: what the operator states once and every run of the
 * site reuses (tariffs and VAT with their validity, the owner who bills, the
 * units with their floor areas, the common-area meters and their key, and
 * the participants' billing data). Residents and tenancies are not in it:
 * they are the store's, so that the portal and billing agree on who lived
 * where. Checked whole before it is stored, so a run never meets a setup that
 * cannot be billed; every error names the field as the document spells it.
 */
import { paramError } from '../errors.js';
import { INTERVAL_MS } from '../types.js';
import type { BillingInput, CommonArea, Language, PostalAddress, Tariff, Unit, VatPeriod } from './billing-types.js';
import { arr, obj, str } from './input-checks.js';
import { parseLocalInstant } from './local-time.js';
import { prepare } from './prepare.js';
import { prepareTariff } from './prepare-tariff.js';

export interface SetupParticipant {
  /** the resident (see the operator API's residents) */
  resident_id: string;
  /** the invoice's language; default: the resident's portal language, else German */
  language?: Language;
  /** the billing address on the QR bill (structured, type S) */
  address?: PostalAddress;
  /** CHF already paid per billing run */
  advance_payments?: string | number;
}

export interface BillingSetupDoc {
  tariffs: Tariff[];
  vat?: VatPeriod[];
  owner: BillingInput['owner'];
  /** default: every participating consumer meter that is not a common-area meter */
  units?: Unit[];
  /** default: consumer meters named like common areas ("Allgemein", "common", …), split equally */
  common_area?: CommonArea | null;
  participants?: SetupParticipant[];
}

/**
 * Checks a setup document for a site in `zone`: every tariff whole (windows
 * covering every hour, prices not negative, known windows), tariffs and VAT
 * periods not overlapping, the owner, units, common area and participants.
 * Meter and resident ids are checked against the store by the caller.
 */
export function checkBillingSetup(raw: unknown, zone: string): BillingSetupDoc {
  const doc = obj(raw, 'billing');
  const known = new Set(['tariffs', 'vat', 'owner', 'units', 'common_area', 'participants']);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw paramError(k, `unknown field "${k}" in the billing setup (known: ${[...known].join(', ')})`);
  const tariffs = arr(doc.tariffs, 'tariffs');
  if (tariffs.length === 0) throw paramError('tariffs', 'tariffs must list at least one tariff');
  tariffs.forEach((t, i) => prepareTariff(obj(t, `tariffs[${i}]`), `tariffs[${i}]`, 0, 0));
  const owner = obj(doc.owner, 'owner');
  if (owner.iban === undefined) throw paramError('owner.iban', 'owner.iban is needed: invoices carry a QR bill to it');
  str(owner.name, 'owner.name');

  const participants = doc.participants === undefined ? [] : arr(doc.participants, 'participants');
  const parts = participants.map((p, i) => {
    const o = obj(p, `participants[${i}]`);
    return { id: str(o.resident_id, `participants[${i}].resident_id`), name: 'x', language: o.language ?? 'de', advance_payments: o.advance_payments };
  });
  const units = doc.units === undefined ? [] : arr(doc.units, 'units');
  const common = doc.common_area === undefined || doc.common_area === null ? null : obj(doc.common_area, 'common_area');
  const meterIds = [
    ...units.map((u, i) => str(obj(u, `units[${i}]`).meter_id, `units[${i}].meter_id`)),
    ...(common ? arr(common.meter_ids, 'common_area.meter_ids').filter((m) => typeof m === 'string') as string[] : []),
  ];
  // the rest is what a run checks: one interval at the first tariff's start, with zero energy
  const first = Math.min(...tariffs.map((t, i) => parseLocalInstant(zone, (t as Record<string, unknown>).valid_from, `tariffs[${i}].valid_from`)));
  const zero = () => ({ self: [0], ext: [0] });
  prepare({
    site: { id: 'check', name: 'check', zone },
    period: { from: new Date(first).toISOString(), to: new Date(first + INTERVAL_MS).toISOString() },
    grid: { from: first, n: 1 },
    meters: Object.fromEntries(meterIds.map((m) => [m, zero()])),
    site_energy: { self: [0], from_ext: [0] },
    tariffs: tariffs as Tariff[],
    vat: doc.vat as VatPeriod[] | undefined,
    participants: parts as BillingInput['participants'],
    units: units as Unit[],
    tenancies: [],
    common_area: (common ?? null) as CommonArea | null,
    owner: owner as BillingInput['owner'],
  });
  return doc as unknown as BillingSetupDoc;
}
