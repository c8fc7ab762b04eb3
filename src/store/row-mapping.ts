/**
 * Rows of the entity tables to and from the Store's types, the same for
 * every engine (both keep the same column names).
 */
import type { Meter, Site, SitePatch } from './store.js';

export type Row = Record<string, unknown>;

export function siteFromRow(r: Row): Site {
  return {
    id: r.id as string,
    site_ref: r.site_ref as string,
    name: r.name as string,
    address: {
      street_name: r.street_name as string,
      street_number: r.street_number as string,
      city: r.city as string,
      postal_code: r.postal_code as number,
    },
    latitude: r.latitude as number,
    longitude: r.longitude as number,
    timezone: r.timezone as string,
    creation_date: r.creation_date as string,
    lock_date: (r.lock_date as number | null) ?? null,
    config_version: r.config_version as number,
  };
}

/** the site's columns a patch sets (config_version is the store's own and never set) */
export function siteToRow(s: SitePatch): Row {
  const row: Row = {};
  for (const k of ['site_ref', 'name', 'latitude', 'longitude', 'timezone', 'creation_date', 'lock_date'] as const) {
    if (s[k] !== undefined) row[k] = s[k];
  }
  if (s.address) Object.assign(row, s.address);
  return row;
}

export function meterFromRow(r: Row): Meter {
  return {
    id: r.id as string,
    site_id: r.site_id as string,
    name: r.name as string,
    type: r.type as Meter['type'],
    mode: r.mode as Meter['mode'],
    prim_ad: r.prim_ad as number,
    reading_kind: r.reading_kind as Meter['reading_kind'],
    rule: (r.rule as string | null) ?? null,
    // SQLite answers 0/1, PostgreSQL true/false
    in_balance: r.in_balance === 1 || r.in_balance === true,
    reversed: r.reversed === 1 || r.reversed === true,
    installed_at: (r.installed_at as number | null) ?? null,
    max_power_kw: (r.max_power_kw as number | null) ?? null,
    register_max: (r.register_max as number | null) ?? null,
  };
}
