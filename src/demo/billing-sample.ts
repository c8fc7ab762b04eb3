/**
 * A sample billing input for a building of `units` flats, one common-area
 * meter and a PV plant: synthetic loads and production for any period, run
 * through the real allocation so self/ext are what kWhub would serve; some
 * moves with a few days' vacancy; HT/NT tariffs with a change on 1 July;
 * VAT. Used by the documents' tests and the billing benchmark, so an
 * invoice can be made without a store.
 */
import { allocate } from '../core/allocation/allocate.js';
import type { BillingInput, Participant, Tariff } from '../core/billing/index.js';
import { wallToUtc } from '../core/billing/local-time.js';
import { DAY_MS, daysFromCivil } from '../core/time/civil.js';
import { zoneOffsets } from '../core/time/zone.js';
import { INTERVAL_MS } from '../core/types.js';
import { Rng } from './rng.js';
import { SWISS_HTNT_RULES } from './billing-setup.js';

const ZONE = 'Europe/Zurich';
const LANGS = ['de', 'fr', 'it', 'en'] as const;
const NAMES = ['Anna Muster', 'Claire Dubois', 'Giulia Rossi', 'John Smith', 'Peter Keller', 'Sophie Martin', 'Marco Bernasconi', 'Emma Brown'];
const STREETS = ['Sonnenweg', 'Rue du Lac', 'Via Cantonale', 'Bahnhofstrasse'];

export const SAMPLE_HTNT = {
  rules: SWISS_HTNT_RULES,
  holidays: ['2024-01-01', '2024-08-01', '2024-12-25', '2025-01-01', '2025-08-01', '2025-12-25'],
};

export function sampleTariffs(): Tariff[] {
  const fees: Tariff['fees'] = [
    { name: 'Messung', kind: 'metering', per: 'month', price: '2.50' },
    { name: 'Administration', kind: 'administration', per: 'kwh', price: '0.004' },
  ];
  return [
    {
      id: 'T2024-H1',
      valid_from: '2020-01-01',
      valid_to: '2024-07-01',
      windows: SAMPLE_HTNT,
      grid: { HT: { energy: '0.1315', grid_use: '0.0975', levies: '0.0301' }, NT: { energy: '0.0911', grid_use: '0.0610', levies: '0.0301' } },
      reference: { HT: '0.3312', NT: '0.2407' },
      solar: { method: 'flat', price: { HT: '0.2000', NT: '0.1400' } },
      fees,
    },
    {
      id: 'T2024-H2',
      valid_from: '2024-07-01',
      windows: SAMPLE_HTNT,
      grid: { HT: { energy: '0.1290', grid_use: '0.0990', levies: '0.0301' }, NT: { energy: '0.0890', grid_use: '0.0620', levies: '0.0301' } },
      reference: { HT: '0.3289', NT: '0.2398' },
      solar: { method: 'flat', price: { HT: '0.2000', NT: '0.1400' } },
      fees,
    },
  ];
}

export interface SampleOptions {
  units: number;
  /** local dates "YYYY-MM-DD" */
  from: string;
  to: string;
  seed?: number;
  /** QR-IBAN (QR reference) or IBAN (creditor reference) of the owner */
  iban?: string;
}

const localMidnight = (d: string) => {
  const [y, m, day] = d.split('-').map(Number);
  return wallToUtc(ZONE, daysFromCivil(y, m, day) * DAY_MS);
};

export function sampleBillingInput(o: SampleOptions): BillingInput {
  const rng = new Rng(o.seed ?? 7, 'billing-sample');
  // the grid reaches a day either side, so periods inside the sample can be billed too
  const from = localMidnight(o.from);
  const to = localMidnight(o.to);
  const n = (to - from) / INTERVAL_MS;
  const offsets = zoneOffsets(ZONE);
  const meterIds = [...Array(o.units).keys()].map((i) => `flat-${String(i + 1).padStart(2, '0')}`);
  const meters = [...meterIds, 'common', 'pv'];
  const im = meters.map(() => new Float64Array(n));
  const ex = meters.map(() => new Float64Array(n));
  const scale = meterIds.map(() => rng.uniform(0.6, 1.6));
  const kwp = o.units * 4;
  for (let k = 0; k < n; k++) {
    const t = from + k * INTERVAL_MS;
    const local = t + offsets.offsetAt(t);
    const day = Math.floor(local / DAY_MS);
    const hour = (local - day * DAY_MS) / 3_600_000;
    const doy = ((day % 365) + 365) % 365;
    const season = 0.5 - 0.5 * Math.cos(((doy - 10) / 365) * 2 * Math.PI); // 0 in winter, 1 in summer
    const halfDay = 4 + 4 * season;
    const sun = Math.max(0, Math.cos(((hour - 12.5) / halfDay) * (Math.PI / 2)));
    const cloud = 0.35 + 0.65 * Math.abs(Math.sin(day * 12.9898) * 43758.5453 % 1);
    ex[meters.length - 1][k] = round3(kwp * 0.25 * sun * (0.3 + 0.7 * season) * cloud);
    const profile = 0.06 + 0.1 * Math.exp(-((hour - 7.5) ** 2) / 2) + 0.16 * Math.exp(-((hour - 19) ** 2) / 4);
    for (let u = 0; u < o.units; u++) im[u][k] = round3(scale[u] * profile * (0.7 + 0.6 * rng.next()));
    im[o.units][k] = round3(0.03 + (hour < 6 || hour > 21 ? 0.02 : 0) + 0.02 * rng.next());
  }
  const alloc = allocate({
    n,
    meters: meters.map((_, i) => ({ mode: i === meters.length - 1 ? 'production' : 'consumption', type: 'electricity', inBalance: true })),
    im,
    ex,
    present: meters.map(() => new Uint8Array(n).fill(1)),
  });
  const columns: BillingInput['meters'] = {};
  meters.slice(0, -1).forEach((id, i) => (columns[id] = { self: alloc.meters[i].self, ext: alloc.meters[i].ext }));

  const participants: Participant[] = [];
  const tenancies: BillingInput['tenancies'] = [];
  const spanDays = Math.max(1, Math.round((to - from) / DAY_MS));
  meterIds.forEach((m, u) => {
    const p = (i: number): Participant => ({
      id: `res-${String(participants.length + 1).padStart(3, '0')}`,
      name: NAMES[(u + i) % NAMES.length],
      language: LANGS[(u + i) % LANGS.length],
      address: { street: STREETS[0], building_number: `${7}`, postal_code: '8400', town: 'Winterthur', country: 'CH' },
      advance_payments: String(Math.round(spanDays * 2 * scale[u])),
    });
    const first = p(0);
    participants.push(first);
    if (u % 10 === 3 && spanDays >= 4) {
      // a move: out on a day in the period, a few days empty, then the next resident
      const outDay = Math.floor(spanDays * 0.4);
      const out = dateAfter(o.from, outDay) + 'T10:00';
      const back = dateAfter(o.from, outDay + 3);
      tenancies.push({ meter_id: m, participant_id: first.id, from: '2020-01-01', to: out });
      const next = p(1);
      participants.push(next);
      tenancies.push({ meter_id: m, participant_id: next.id, from: back });
    } else {
      tenancies.push({ meter_id: m, participant_id: first.id, from: '2020-01-01' });
    }
  });
  return {
    site: { id: 'sample', name: `Sonnenweg 7, Winterthur (${o.units} flats)`, zone: ZONE },
    period: { from: o.from, to: o.to },
    grid: { from, n },
    meters: columns,
    site_energy: { self: alloc.site.self, from_ext: alloc.site.from_ext },
    tariffs: sampleTariffs(),
    vat: [{ valid_from: '2024-01-01', rate_percent: '8.1', registered: true }],
    participants,
    units: meterIds.map((m, u) => ({ meter_id: m, label: `Flat ${u + 1}`, floor_area_m2: String(55 + ((u * 17) % 60)) })),
    tenancies,
    common_area: { meter_ids: ['common'], key: 'floor_area' },
    owner: {
      name: 'Sonnenweg Immobilien AG',
      language: 'de',
      iban: o.iban ?? 'CH44 3199 9123 0008 8901 2',
      address: { street: 'Bahnhofplatz', building_number: '1', postal_code: '8400', town: 'Winterthur', country: 'CH' },
    },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function dateAfter(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}
