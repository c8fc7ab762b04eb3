/**
 * The demo community's billing setup, so billing can be tried on `npm start`
 * as it is: Swiss tariffs of a typical utility with HT/NT windows (Mon–Fri
 * 07–20, Sat 07–13, holidays low), grid prices split into energy, grid use
 * and levies, the standard product the cap is checked against, a solar price
 * per window at ~58 % of it (with the fees, which count under the cap, the
 * demo quarter is charged at about 72 % of the reference: inside the 80 %
 * cap, so the draft can be finalized as it is), metering and administration fees, VAT 8.1 %
 * (registered), a tariff change on 1 January, the apartments' floor areas and
 * the common areas (Allgemein, heat pump, charge points) split by floor area.
 */
import type { BillingSetupDoc, Tariff } from '../core/billing/index.js';
import type { DemoSite } from './site.js';

const HOLIDAYS = ['01-01', '01-02', '08-01', '12-25', '12-26'];

/** a typical Swiss utility's HT/NT windows: high Mon–Fri 07–20 and Sat 07–13, low otherwise (and on holidays) */
export const SWISS_HTNT_RULES: Tariff['windows']['rules'] = [
  { window: 'HT', days: 'mon-fri', from: '07:00', to: '20:00' },
  { window: 'NT', days: 'mon-fri', from: '20:00', to: '07:00' },
  { window: 'HT', days: 'sat', from: '07:00', to: '13:00' },
  { window: 'NT', days: 'sat', from: '13:00', to: '07:00' },
  { window: 'NT', days: 'sun', from: '00:00', to: '24:00' },
];

const WINDOWS = {
  rules: SWISS_HTNT_RULES,
  holidays: [2024, 2025, 2026, 2027, 2028].flatMap((y) => HOLIDAYS.map((d) => `${y}-${d}`)),
};

const FEES: Tariff['fees'] = [
  { name: 'Messung', kind: 'metering', per: 'month', price: '3.50' },
  { name: 'Administration', kind: 'administration', per: 'kwh', price: '0.005' },
];

/** the utility's tariffs: one until the end of 2025, one from 2026 on */
export const DEMO_TARIFFS: Tariff[] = [
  {
    id: 'EW-2025',
    valid_from: '2020-01-01',
    valid_to: '2026-01-01',
    windows: WINDOWS,
    grid: { HT: { energy: '0.1410', grid_use: '0.1020', levies: '0.0283' }, NT: { energy: '0.1190', grid_use: '0.0640', levies: '0.0283' } },
    reference: { HT: '0.3520', NT: '0.2630' },
    solar: { method: 'flat', price: { HT: '0.2000', NT: '0.1500' } },
    fees: FEES,
  },
  {
    id: 'EW-2026',
    valid_from: '2026-01-01',
    windows: WINDOWS,
    grid: { HT: { energy: '0.1320', grid_use: '0.1050', levies: '0.0283' }, NT: { energy: '0.1120', grid_use: '0.0660', levies: '0.0283' } },
    reference: { HT: '0.3390', NT: '0.2540' },
    solar: { method: 'flat', price: { HT: '0.1950', NT: '0.1450' } },
    fees: FEES,
  },
];

export function demoBillingSetup(site: DemoSite): BillingSetupDoc {
  return {
    tariffs: DEMO_TARIFFS,
    vat: [{ valid_from: '2024-01-01', rate_percent: '8.1', registered: true }],
    owner: {
      name: 'STWEG Sonnenhof',
      language: 'de',
      // a QR-IBAN (institution id 30000–31999): the QR bills carry a QR reference
      iban: 'CH44 3199 9123 0008 8901 2',
      address: { street: 'Sonnenhofweg', building_number: '12', postal_code: '8400', town: 'Winterthur', country: 'CH' },
    },
    units: site.apartments.map((meterId, i) => ({ meter_id: meterId, label: site.apartmentInfo[i].name, floor_area_m2: String(site.apartmentInfo[i].areaM2) })),
    common_area: { meter_ids: [site.common, site.heatPump, ...site.chargePoints], key: 'floor_area' },
  };
}
