/**
 * The engine-independent rules of the stores' raw data and result rows, so
 * that a rule about duplicates, patches or result columns lives in one place:
 * the outcome of each reading of a batch, the columns a patch may set, and
 * the decoding of raw and allocation rows (as arrays, as both engines can
 * answer them).
 */
import type { InsertOutcome, MeterAllocColumns, RawMeterReading, SiteAllocColumns, SiteField } from './store.js';
import { SITE_FIELDS } from './store.js';

/** the columns of a raw reading after its meter, in this order wherever they are read or written */
export const RAW_COLS = 'ts, en_im, en_ex, heat_energy_kwh, vol_m3';

/** a raw reading from a row [ts, en_im, en_ex, heat_energy_kwh, vol_m3] starting at `o` */
export function rawFromArray(meterId: string, r: readonly unknown[], o = 0): RawMeterReading {
  return {
    meter_id: meterId, ts: r[o] as number, en_im: r[o + 1] as number | null, en_ex: r[o + 2] as number | null,
    heat_energy_kwh: r[o + 3] as number | null, vol_m3: r[o + 4] as number | null,
  };
}

/** a reading's registers, as a stored row holds them: en_im, en_ex, heat_energy_kwh, vol_m3 */
export type RawValues = readonly [number | null, number | null, number | null, number | null];

export function rawValues(r: RawMeterReading): RawValues {
  return [r.en_im, r.en_ex, r.heat_energy_kwh, r.vol_m3];
}

/** identical registers: a duplicate; anything else at the same instant is a conflict */
export function sameRaw(a: RawValues, r: RawMeterReading): boolean {
  return a[0] === r.en_im && a[1] === r.en_ex && a[2] === r.heat_energy_kwh && a[3] === r.vol_m3;
}

/** the key of a meter's instant in the maps below */
export const rawKey = (pk: number, ts: number): string => `${pk}:${ts}`;

/** the readings of one meter: indexes order[g] … order[h - 1], instants from … to */
export interface MeterGroup {
  pk: number;
  g: number;
  h: number;
  from: number;
  to: number;
}

/**
 * Reading indexes ordered by (meter pk, ts, index), and their groups per
 * meter: grouped in one pass, and a meter's group sorted only when it did not
 * arrive in time order (gateways send in order, so a batch is usually sorted
 * already). Stable: of two readings of one instant, the first comes first.
 */
export function groupByMeter(pks: readonly number[], meters: readonly RawMeterReading[]): { order: number[]; groups: MeterGroup[] } {
  const byPk = new Map<number, number[]>();
  for (let i = 0; i < pks.length; i++) {
    const g = byPk.get(pks[i]);
    if (g) g.push(i);
    else byPk.set(pks[i], [i]);
  }
  const order: number[] = [];
  const groups: MeterGroup[] = [];
  for (const pk of [...byPk.keys()].sort((a, b) => a - b)) {
    const g = byPk.get(pk) as number[];
    let sorted = true;
    for (let k = 1; k < g.length && sorted; k++) sorted = meters[g[k - 1]].ts <= meters[g[k]].ts;
    if (!sorted) g.sort((a, b) => meters[a].ts - meters[b].ts || a - b);
    groups.push({ pk, g: order.length, h: order.length + g.length, from: meters[g[0]].ts, to: meters[g[g.length - 1]].ts });
    for (const i of g) order.push(i);
  }
  return { order, groups };
}

/**
 * The outcome of every reading of a batch against what is stored (`existing`,
 * by rawKey): a free instant is `stored`, an instant holding identical values
 * a `duplicate`, other values a `conflict`; of two readings of one instant in
 * the batch the first wins. `fresh`: the indexes to insert, in key order.
 */
export function classifyMeterReadings(
  meters: readonly RawMeterReading[],
  order: readonly number[],
  groups: readonly MeterGroup[],
  existing: ReadonlyMap<string, RawValues>,
): { outcomes: InsertOutcome[]; fresh: number[] } {
  const outcomes: InsertOutcome[] = new Array(meters.length);
  const fresh: number[] = [];
  for (const grp of groups) {
    let prev = -1;
    for (let k = grp.g; k < grp.h; k++) {
      const i = order[k];
      const r = meters[i];
      const before = existing.get(rawKey(grp.pk, r.ts)) ?? (prev >= 0 && meters[prev].ts === r.ts ? rawValues(meters[prev]) : undefined);
      if (before) outcomes[i] = sameRaw(before, r) ? 'duplicate' : 'conflict';
      else {
        outcomes[i] = 'stored';
        fresh.push(i);
        prev = i;
      }
    }
  }
  return { outcomes, fresh };
}

/** the groups with at least one reading stored: their spans are pending validation */
export function touchedGroups(groups: readonly MeterGroup[], order: readonly number[], outcomes: readonly InsertOutcome[]): MeterGroup[] {
  return groups.filter((grp) => {
    for (let k = grp.g; k < grp.h; k++) if (outcomes[order[k]] === 'stored') return true;
    return false;
  });
}

/** columns a patch may set, per table: anything else is a bug of the caller, never SQL */
const PATCHABLE: Record<'sites' | 'meters' | 'sensors', ReadonlySet<string>> = {
  sites: new Set(['site_ref', 'name', 'street_name', 'street_number', 'city', 'postal_code', 'latitude', 'longitude', 'timezone', 'creation_date', 'lock_date']),
  meters: new Set(['name', 'type', 'mode', 'prim_ad', 'reading_kind', 'rule', 'in_balance', 'reversed', 'installed_at', 'max_power_kw', 'register_max']),
  sensors: new Set(['name', 'type', 'unit', 'model']),
};

/** the columns of a patch row, each checked against the table's patchable columns (they go into SQL) */
export function patchColumns(table: 'sites' | 'meters' | 'sensors', row: Record<string, unknown>): string[] {
  const keys = Object.keys(row);
  const bad = keys.find((k) => !PATCHABLE[table].has(k));
  if (bad !== undefined) throw new Error(`cannot update ${table}.${bad}`);
  return keys;
}

/** MeterAllocColumns from rows [t, total, self, ext]; a null share (not a participating consumer) reads NaN */
export function meterAllocColumns(rows: readonly (readonly unknown[])[]): MeterAllocColumns {
  const n = rows.length;
  const out: MeterAllocColumns = { t: new Float64Array(n), total: new Float64Array(n), self: new Float64Array(n), ext: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as (number | null)[];
    out.t[i] = r[0] as number;
    out.total[i] = r[1] as number;
    out.self[i] = r[2] ?? NaN;
    out.ext[i] = r[3] ?? NaN;
  }
  return out;
}

/** the site result columns of a SELECT, after its key column */
export const SITE_COLS = SITE_FIELDS.join(', ');

/** SiteAllocColumns from rows [t, ...SITE_FIELDS] */
export function siteAllocColumns(rows: readonly (readonly unknown[])[]): SiteAllocColumns {
  const n = rows.length;
  const t = new Float64Array(n);
  const fields = Object.fromEntries(SITE_FIELDS.map((k) => [k, new Float64Array(n)])) as Record<SiteField, Float64Array>;
  const cols = SITE_FIELDS.map((k) => fields[k]);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as number[];
    t[i] = r[0];
    for (let k = 0; k < cols.length; k++) cols[k][i] = r[k + 1];
  }
  return { t, fields };
}
