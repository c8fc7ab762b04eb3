/**
 * The demo community "Sonnenhof" (Winterthur): its meters and sensors as an
 * operator-API / `kwhub apply` document, plus a typed map of ids by role.
 *
 * Ids are derived from the seed (not random), so the same seed recreates the
 * same site and its readings can be pushed again idempotently.
 */
import { DateTime } from 'luxon';
import type { MeterMode, MeterType } from '../core/types.js';
import { hash32, streamOf } from './rng.js';

export const SONNENHOF = {
  latitude: 47.5,
  longitude: 8.72,
  timezone: 'Europe/Zurich',
  pvPeakKw: 60,
  batteryKwh: 20,
  chargePointKw: 11,
} as const;

/** one household: what drives its electricity, water and heat */
export interface ApartmentInfo {
  name: string;
  persons: number;
  areaM2: number;
}

export interface DemoSite {
  seed: number;
  siteId: string;
  /** electricity meter of each apartment, in the order of `apartmentInfo` */
  apartments: string[];
  apartmentInfo: ApartmentInfo[];
  /** group meter (apartments + common areas), outside the balance */
  house: string;
  /** rule meter "Allgemein" = house − Σ apartments */
  common: string;
  heatPump: string;
  chargePoints: [string, string];
  pv: string;
  battery: string;
  /** introduction meter at the grid connection */
  grid: string;
  heat: string[];
  hotWater: string[];
  coldWater: string[];
  sensors: { outdoor: string; indoor: [string, string]; co2: string };
  /** every meter that reports readings (all but the rule meter) */
  physicalMeters: string[];
}

export interface DemoMeterDocument {
  id: string;
  name: string;
  type: MeterType;
  mode: MeterMode;
  prim_ad: number;
  reading_kind: 'index';
  rule: string | null;
  in_balance: boolean;
  max_power_kw: number | null;
  register_max: number | null;
}

export interface DemoSensorDocument {
  id: string;
  name: string;
  type: string;
  unit: string;
  model: string;
}

export interface DemoSiteDocument {
  id: string;
  site_ref: 'SONNENHOF';
  name: 'Sonnenhof';
  address: { street_name: string; street_number: string; city: string; postal_code: number };
  latitude: number;
  longitude: number;
  timezone: string;
  creation_date: string;
  meters: DemoMeterDocument[];
  sensors: DemoSensorDocument[];
}

/** 4 floors × 3 flats, named like the mailboxes */
const APARTMENT_NAMES = Array.from({ length: 12 }, (_, i) => `Wohnung ${Math.floor(i / 3) + 1}.${(i % 3) + 1}`);

/** commissioning of the community: a seeded day in 2021, used for the site and as the ids' time prefix */
function creationMs(seed: number): number {
  const day = hash32(seed, 0xc0ffee) % 365;
  return Date.UTC(2021, 0, 1, 8, 0, 0) + day * 86_400_000 + (hash32(seed, 0xbeef) % 28_800) * 1000;
}

/** the demo's id of something made for it after the site (such as its billing run): the same for the same seed */
export function demoObjectId(seed: number, role: string): string {
  return makeIdFactory(seed)(role);
}

/** like a vendor object id: 4 bytes of creation time, 8 bytes from (seed, role) */
function makeIdFactory(seed: number): (role: string) => string {
  const head = Math.floor(creationMs(seed) / 1000).toString(16).padStart(8, '0');
  const used = new Set<string>();
  return (role: string) => {
    let roleNum = 0;
    for (let i = 0; i < role.length; i++) roleNum = (Math.imul(roleNum, 31) + role.charCodeAt(i)) >>> 0;
    for (let attempt = 0; ; attempt++) {
      const tail = hash32(seed, roleNum, role.length, attempt, 1).toString(16).padStart(8, '0') + hash32(seed, roleNum, role.length, attempt, 2).toString(16).padStart(8, '0');
      const id = head + tail;
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}

/** Household sizes and flat areas: a plausible mix for a 12-flat house (singles to families). */
function apartmentInfo(seed: number): ApartmentInfo[] {
  const rng = streamOf(seed, 'apartments');
  const persons = [1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 2];
  // shuffle so flats differ between seeds
  for (let i = persons.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [persons[i], persons[j]] = [persons[j], persons[i]];
  }
  return APARTMENT_NAMES.map((name, i) => ({
    name,
    persons: persons[i],
    areaM2: Math.round(45 + 20 * persons[i] + rng.uniform(-8, 12)),
  }));
}

interface Built {
  site: DemoSite;
  doc: DemoSiteDocument;
}

function build(seed: number): Built {
  const id = makeIdFactory(seed);
  const info = apartmentInfo(seed);
  const siteId = id('site');
  const meters: DemoMeterDocument[] = [];
  const add = (role: string, m: Omit<DemoMeterDocument, 'id' | 'reading_kind' | 'rule' | 'in_balance'> & { rule?: string; in_balance?: boolean }): string => {
    const meterId = id(role);
    meters.push({ id: meterId, name: m.name, type: m.type, mode: m.mode, prim_ad: m.prim_ad, reading_kind: 'index', rule: m.rule ?? null, in_balance: m.in_balance ?? true, max_power_kw: m.max_power_kw, register_max: m.register_max });
    return meterId;
  };
  // M-Bus electricity meters count to 999'999.99 kWh; water meters to 99'999.999 m³
  const E_MAX = 1_000_000;
  const W_MAX = 100_000;

  const grid = add('grid', { name: 'Netzanschluss', type: 'electricity', mode: 'introduction', prim_ad: 1, max_power_kw: 160, register_max: E_MAX });
  const pv = add('pv', { name: 'PV-Anlage 60 kWp', type: 'electricity', mode: 'production', prim_ad: 2, max_power_kw: 60, register_max: E_MAX });
  const battery = add('battery', { name: 'Batterie 20 kWh', type: 'electricity', mode: 'battery', prim_ad: 3, max_power_kw: 12, register_max: E_MAX });
  const house = add('house', { name: 'Hauszähler', type: 'electricity', mode: 'consumption', prim_ad: 4, in_balance: false, max_power_kw: 160, register_max: E_MAX });
  const heatPump = add('heat-pump', { name: 'Wärmepumpe', type: 'electricity', mode: 'consumption', prim_ad: 5, max_power_kw: 20, register_max: E_MAX });
  const chargePoints: [string, string] = [
    add('charge-point-1', { name: 'Ladestation 1', type: 'charge_point', mode: 'consumption', prim_ad: 6, max_power_kw: 11, register_max: E_MAX }),
    add('charge-point-2', { name: 'Ladestation 2', type: 'charge_point', mode: 'consumption', prim_ad: 7, max_power_kw: 11, register_max: E_MAX }),
  ];
  const apartments = info.map((a, i) => add(`apartment-${i}`, { name: a.name, type: 'electricity', mode: 'consumption', prim_ad: 10 + i, max_power_kw: 25, register_max: E_MAX }));
  const heat = info.map((a, i) => add(`heat-${i}`, { name: `Wärme ${a.name}`, type: 'heating', mode: 'consumption', prim_ad: 30 + i, max_power_kw: 15, register_max: E_MAX }));
  const hotWater = info.map((a, i) => add(`hot-water-${i}`, { name: `Warmwasser ${a.name}`, type: 'hot_water', mode: 'consumption', prim_ad: 50 + i, max_power_kw: null, register_max: W_MAX }));
  const coldWater = info.map((a, i) => add(`cold-water-${i}`, { name: `Kaltwasser ${a.name}`, type: 'cold_water', mode: 'consumption', prim_ad: 70 + i, max_power_kw: null, register_max: W_MAX }));
  const physicalMeters = meters.map((m) => m.id);
  // last, so that everything the formula names exists when the file is applied in order
  const common = add('common', { name: 'Allgemein', type: 'electricity', mode: 'consumption', prim_ad: 9, rule: [house, ...apartments].join(' - '), max_power_kw: null, register_max: null });

  const sensorDocs: DemoSensorDocument[] = [];
  const sensor = (role: string, s: Omit<DemoSensorDocument, 'id'>): string => {
    const sensorId = id(role);
    sensorDocs.push({ id: sensorId, ...s });
    return sensorId;
  };
  const sensors = {
    outdoor: sensor('sensor-outdoor', { name: 'Aussentemperatur', type: 'temperature', unit: '°C', model: 'PT1000' }),
    indoor: [
      sensor('sensor-indoor-1', { name: `Raumtemperatur ${info[0].name}`, type: 'temperature', unit: '°C', model: 'Elsys ERS' }),
      sensor('sensor-indoor-2', { name: `Raumtemperatur ${info[11].name}`, type: 'temperature', unit: '°C', model: 'Elsys ERS' }),
    ] as [string, string],
    co2: sensor('sensor-co2', { name: `CO₂ ${info[4].name}`, type: 'co2', unit: 'ppm', model: 'Elsys ERS CO2' }),
  };

  const doc: DemoSiteDocument = {
    id: siteId,
    site_ref: 'SONNENHOF',
    name: 'Sonnenhof',
    address: { street_name: 'Sonnenhofweg', street_number: '12', city: 'Winterthur', postal_code: 8400 },
    latitude: SONNENHOF.latitude,
    longitude: SONNENHOF.longitude,
    timezone: SONNENHOF.timezone,
    // the operator API takes the creation date as local wall-clock time
    creation_date: DateTime.fromMillis(creationMs(seed), { zone: SONNENHOF.timezone }).toFormat("yyyy-MM-dd'T'HH:mm:ss"),
    meters,
    sensors: sensorDocs,
  };
  const site: DemoSite = { seed, siteId, apartments, apartmentInfo: info, house, common, heatPump, chargePoints, pv, battery, grid, heat, hotWater, coldWater, sensors, physicalMeters };
  return { site, doc };
}

/** The site as an operator-API / `kwhub apply` document (a fresh object each call). */
export function demoSiteDocument(seed: number): DemoSiteDocument {
  return build(seed).doc;
}

/** Ids by role, for tests and the CLI. */
export function demoSite(seed: number): DemoSite {
  return build(seed).site;
}
