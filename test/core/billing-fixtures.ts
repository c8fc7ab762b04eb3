/** Small hand-built billing inputs shared by the billing tests (inputs only: expectations are computed in each test). */
import { DateTime } from 'luxon';
import type { BillingInput, Tariff, WindowSet } from '../../src/core/billing/index.js';

export const ZONE = 'Europe/Zurich';
export const Q = 900_000;

/** UTC ms of a local wall time in Zurich */
export const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();

export const HTNT: WindowSet = {
  rules: [
    { window: 'HT', days: 'mon-fri', from: '07:00', to: '20:00' },
    { window: 'NT', days: 'mon-fri', from: '20:00', to: '07:00' },
    { window: 'NT', days: 'sat,sun', from: '00:00', to: '24:00' },
  ],
};

/** HT on weekdays 07:00–20:00 local, NT otherwise: the independent rule the golden tests price with */
export function isHT(t: number): boolean {
  const d = DateTime.fromMillis(t, { zone: ZONE });
  const m = d.hour * 60 + d.minute;
  return d.weekday <= 5 && m >= 420 && m < 1200;
}

export function tariff(over: Partial<Tariff> = {}): Tariff {
  return {
    id: 't1',
    valid_from: '2020-01-01',
    windows: HTNT,
    grid: { HT: { energy: '0.12', grid_use: '0.10', levies: '0.03' }, NT: { energy: '0.10', grid_use: '0.06', levies: '0.03' } },
    reference: { HT: '0.30', NT: '0.22' },
    solar: { method: 'flat', price: '0.18' },
    fees: [],
    ...over,
  };
}

export const IBAN = 'CH93 0076 2011 6238 5295 7';

export function baseInput(over: Partial<BillingInput> & { from: number; n: number }): BillingInput {
  const { from, n, ...rest } = over;
  return {
    site: { id: 'site1', name: 'Sonnenhof', zone: ZONE },
    period: { from: '2024-03-01', to: '2024-04-01' },
    grid: { from, n },
    meters: {},
    site_energy: { self: new Float64Array(n), from_ext: new Float64Array(n) },
    tariffs: [tariff()],
    vat: [],
    participants: [],
    units: [],
    tenancies: [],
    common_area: null,
    owner: { name: 'Owner AG', iban: IBAN },
    ...rest,
  };
}
