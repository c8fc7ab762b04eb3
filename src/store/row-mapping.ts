/**
 * Rows of the entity tables to and from the Store's types, the same for
 * every engine (both keep the same column names).
 */
import { REGISTERS, type Register } from '../core/types.js';
import type { Meter, RawWindow, Site, SitePatch } from './store.js';

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

/** `ts, <first register>, <second register or 0>` with a missing value read as 0 (names checked: they go into SQL) */
export function rawWindowColumns(registers: readonly Register[]): string {
  if (registers.length < 1 || registers.length > 2 || !registers.every((r) => REGISTERS.includes(r))) {
    throw new Error(`rawWindow: registers must be one or two of ${REGISTERS.join(', ')}, not ${registers.join(', ')}`);
  }
  return `ts, COALESCE(${registers[0]}, 0), ${registers.length > 1 ? `COALESCE(${registers[1]}, 0)` : '0'}`;
}

/**
 * A RawWindow from the rows [ts, im, ex] before the range (newest first, up
 * to context + 1 of them), inside it, and after it (oldest first, up to
 * context + 1): context rows are kept on each side, the extra one says
 * whether there is more.
 */
export function rawWindowOf(before: number[][], inside: number[][], after: number[][], context: number): RawWindow {
  const nb = Math.min(context, before.length);
  const na = Math.min(context, after.length);
  const n = nb + inside.length + na;
  const w: RawWindow = { ts: new Float64Array(n), im: new Float64Array(n), ex: new Float64Array(n), moreBefore: before.length > context, moreAfter: after.length > context };
  let k = 0;
  const put = (r: number[]) => {
    w.ts[k] = r[0];
    w.im[k] = r[1];
    w.ex[k] = r[2];
    k++;
  };
  for (let i = nb - 1; i >= 0; i--) put(before[i]);
  for (const r of inside) put(r);
  for (let i = 0; i < na; i++) put(after[i]);
  return w;
}
