/** Ids and entity builders shared by the sections of the Store contract. */
import type { Developer, Meter, Sensor, Site } from '../../src/store/store.js';

export const SITE_A = '61dfca85eba4e3564021f36f';
export const SITE_B = '61dfca85eba4e3564021f370';
export const METER_1 = '61dfcb4beba4e3563fdf3d9f';
export const METER_2 = '61dfcb80eba4e3563fdf3da2';
export const METER_3 = '61dfcb8ceba4e3564021f374';
export const SENSOR_1 = '61dfcc01eba4e3564021f380';
export const SENSOR_2 = '61dfcc01eba4e3564021f381';
export const GATEWAY_1 = '61dfcd00eba4e3564021f390';
export const DEV_1 = '61dfce00eba4e3564021f3a0';
export const DEV_2 = '61dfce00eba4e3564021f3a1';
export const UNUSED = '0123456789abcdef01234567';

export function site(id: string, over: Partial<Site> = {}): Site {
  return {
    id,
    site_ref: `REF-${id.slice(-4)}`,
    name: `Site ${id.slice(-4)}`,
    address: { street_name: 'Rue du Lac', street_number: '12b', city: 'Lausanne', postal_code: 1007 },
    latitude: 46.5197,
    longitude: 6.6323,
    timezone: 'Europe/Zurich',
    creation_date: '2021-01-12T08:31:00',
    lock_date: null,
    ...over,
  };
}

/** a site without its read-only configuration version, which the store maintains itself */
export function fields(s: Site | null): Site | null {
  if (s === null) return null;
  const { config_version: _v, ...rest } = s;
  return rest;
}

export function meter(id: string, siteId: string, over: Partial<Meter> = {}): Meter {
  return {
    id,
    site_id: siteId,
    name: `Meter ${id.slice(-4)}`,
    type: 'electricity',
    mode: 'consumption',
    prim_ad: 11,
    reading_kind: 'index',
    rule: null,
    in_balance: true,
    reversed: false,
    installed_at: null,
    max_power_kw: null,
    register_max: null,
    ...over,
  };
}

export function sensor(id: string, siteId: string, over: Partial<Sensor> = {}): Sensor {
  return { id, site_id: siteId, name: `Sensor ${id.slice(-4)}`, type: 'temperature', unit: '°C', model: 'PT1000', ...over };
}

export function developer(id: string, username: string): Developer {
  return { id, username, password_hash: `$argon2id$v=19$m=19456,t=2,p=1$${username}`, created_at: 1714564800000 };
}
