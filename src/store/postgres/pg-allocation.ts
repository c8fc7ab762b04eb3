/**
 * The PostgreSQL store's part for validated intervals and their allocation:
 * written per site in one transaction (replacing [from, to) and its day
 * sums), read back columnar, NULL self/ext as NaN.
 */
import type pg from 'pg';
import type { AllocationWrite, IntervalColumns, IntervalCounts, MeterAllocColumns, SiteAllocColumns, SiteField } from '../store.js';
import { SITE_FIELDS } from '../store.js';
import { numArray, ROWS_PER_STATEMENT } from './pg-base.js';
import { PgChanges } from './pg-changes.js';
import { Partitions } from './partitions.js';
import { SITE_COLS, meterAllocColumns, siteAllocColumns } from '../engine-shared.js';

const SITE_UNNEST = `unnest($1::int8[], ${SITE_FIELDS.map((_, k) => `$${k + 2}::float8[]`).join(', ')})`;

/** runs `each` on the slices [a, b) of n rows, ROWS_PER_STATEMENT at a time, one statement after the other */
async function chunks(n: number, each: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let a = 0; a < n; a += ROWS_PER_STATEMENT) await each(a, Math.min(n, a + ROWS_PER_STATEMENT));
}

/** the columns of several meters one after the other, with a pk column, ready for one unnest(…) */
function concat<K extends string>(byPk: Map<number, Record<K, ArrayLike<number>> & { t: ArrayLike<number> }>, keys: K[]): Record<K | 'pk', Float64Array> {
  let n = 0;
  for (const c of byPk.values()) n += c.t.length;
  const out = { pk: new Float64Array(n) } as Record<K | 'pk', Float64Array>;
  for (const k of keys) out[k] = new Float64Array(n);
  let o = 0;
  for (const [pk, c] of byPk) {
    out.pk.fill(pk, o, o + c.t.length);
    for (const k of keys) out[k].set(c[k], o);
    o += c.t.length;
  }
  return out;
}

export class PgAllocation extends PgChanges {
  async readIntervals(meterIds: string[], from: number, to: number): Promise<IntervalColumns[]> {
    const pks = await this.pksOf('meters', meterIds);
    // one round trip; a sorted index range per meter (LATERAL), never one sort of everything
    const rows = meterIds.length === 0 ? [] : await this.arrays(
      `SELECT k.i, r.t, r.im, r.ex, r.estimated FROM unnest($1::int[]) WITH ORDINALITY AS k(pk, i)
       CROSS JOIN LATERAL (SELECT t, im, ex, estimated FROM intervals WHERE meter_pk = k.pk AND t >= $2 AND t < $3 ORDER BY t) AS r`,
      [numArray(pks), from, to],
    );
    // grouped by meter here, and sorted where the server's row order did not already do it
    const groups: unknown[][][] = meterIds.map(() => []);
    for (const r of rows) groups[(r[0] as number) - 1].push(r);
    return groups.map((g) => {
      for (let i = 1; i < g.length; i++) {
        if ((g[i][1] as number) < (g[i - 1][1] as number)) {
          g.sort((a, b) => (a[1] as number) - (b[1] as number));
          break;
        }
      }
      const n = g.length;
      const o: IntervalColumns = { t: new Float64Array(n), im: new Float64Array(n), ex: new Float64Array(n), estimated: new Uint8Array(n) };
      for (let i = 0; i < n; i++) {
        const r = g[i];
        o.t[i] = r[1] as number;
        o.im[i] = r[2] as number;
        o.ex[i] = r[3] as number;
        o.estimated[i] = r[4] as number;
      }
      return o;
    });
  }

  async applyAllocation(w: AllocationWrite): Promise<void> {
    const sitePk = await this.sitePk(w.site_id);
    // a meter named twice: its last columns win, as if written one after the other
    const byPk = new Map<number, (typeof w.meters)[number]['cols']>();
    const pks = await this.pksOf('meters', w.meters.map((m) => m.meter_id));
    w.meters.forEach((m, k) => byPk.set(pks[k], m.cols));
    const dayByPk = new Map<number, MeterAllocColumns>();
    const dayPks = await this.pksOf('meters', w.days.meters.map((m) => m.meter_id));
    w.days.meters.forEach((m, k) => dayByPk.set(dayPks[k], m.cols));

    const all = concat(byPk, ['t', 'im', 'ex', 'estimated', 'total', 'self', 'ext']);
    const counted = [...dayByPk.values()].every((c) => c.present !== undefined && c.estimated !== undefined);
    const days = concat(dayByPk as Map<number, Required<MeterAllocColumns>>, counted ? ['t', 'total', 'self', 'ext', 'present', 'estimated'] : ['t', 'total', 'self', 'ext']);
    await this.partitions.ensure('site_alloc', Partitions.months(w.site.t));
    await this.partitions.ensure('intervals', Partitions.months(all.t));

    await this.tx(async (c) => {
      await this.writeSiteAlloc(c, 'site_alloc', 't', sitePk, w.from, w.to, w.site);
      if (byPk.size > 0) await c.query('DELETE FROM intervals WHERE meter_pk = ANY($1::int[]) AND t >= $2 AND t < $3', [numArray([...byPk.keys()]), w.from, w.to]);
      await chunks(all.t.length, (a, b) => c.query(
        `INSERT INTO intervals(meter_pk, t, im, ex, estimated, total, self, ext)
         SELECT * FROM unnest($1::int[], $2::int8[], $3::float8[], $4::float8[], $5::int2[], $6::float8[], $7::float8[], $8::float8[])`,
        [numArray(all.pk, a, b), numArray(all.t, a, b), numArray(all.im, a, b), numArray(all.ex, a, b),
          numArray(all.estimated, a, b), numArray(all.total, a, b), numArray(all.self, a, b), numArray(all.ext, a, b)],
      ));
      await this.writeSiteAlloc(c, 'site_alloc_day', 'day', sitePk, w.days.from, w.days.to, w.days.site);
      if (dayByPk.size > 0) {
        await c.query('DELETE FROM meter_alloc_day WHERE meter_pk = ANY($1::int[]) AND day >= $2 AND day < $3', [numArray([...dayByPk.keys()]), w.days.from, w.days.to]);
      }
      await chunks(days.t.length, (a, b) => c.query(
        'INSERT INTO meter_alloc_day(meter_pk, day, total, self, ext, n_present, n_estimated) SELECT * FROM unnest($1::int[], $2::int8[], $3::float8[], $4::float8[], $5::float8[], $6::int[], $7::int[])',
        [numArray(days.pk, a, b), numArray(days.t, a, b), numArray(days.total, a, b), numArray(days.self, a, b), numArray(days.ext, a, b),
          counted ? numArray(days.present, a, b) : `{${new Array(b - a).fill('NULL').join(',')}}`, counted ? numArray(days.estimated, a, b) : `{${new Array(b - a).fill('NULL').join(',')}}`],
      ));
      if (w.changes) await this.writeChanges(c, sitePk, w.changes);
    });
  }

  private async writeSiteAlloc(c: pg.PoolClient, table: 'site_alloc' | 'site_alloc_day', key: 't' | 'day', sitePk: number, from: number, to: number, site: SiteAllocColumns): Promise<void> {
    await c.query(`DELETE FROM ${table} WHERE site_pk = $1 AND ${key} >= $2 AND ${key} < $3`, [sitePk, from, to]);
    const f = SITE_FIELDS.map((k) => site.fields[k]);
    await chunks(site.t.length, (a, b) => c.query(
      `INSERT INTO ${table}(site_pk, ${key}, ${SITE_COLS}) SELECT $${SITE_FIELDS.length + 2}::int, u.* FROM ${SITE_UNNEST} AS u`,
      [numArray(site.t, a, b), ...f.map((x) => numArray(x, a, b)), sitePk],
    ));
  }

  async readMeterAlloc(meterId: string, from: number, to: number): Promise<MeterAllocColumns> {
    return this.meterAllocRows('intervals', 't', meterId, from, to);
  }

  async readMeterAllocDays(meterId: string, from: number, to: number): Promise<MeterAllocColumns> {
    return this.meterAllocRows('meter_alloc_day', 'day', meterId, from, to);
  }

  async readSiteAlloc(siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    return this.siteAllocRows('site_alloc', 't', siteId, from, to);
  }

  async readSiteAllocDays(siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    return this.siteAllocRows('site_alloc_day', 'day', siteId, from, to);
  }

  async intervalCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts> {
    const pks = await this.pksOf('meters', meterIds);
    const rows = pks.length === 0 ? [] : await this.arrays(
      'SELECT t, count(*)::int, sum(estimated)::int FROM intervals WHERE meter_pk = ANY($1::int[]) AND t >= $2 AND t < $3 GROUP BY t ORDER BY t',
      [numArray(pks), from, to],
    );
    const n = rows.length;
    const out: IntervalCounts = { t: new Float64Array(n), present: new Float64Array(n), estimated: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const r = rows[i] as number[];
      out.t[i] = Number(r[0]);
      out.present[i] = r[1];
      out.estimated[i] = r[2];
    }
    return out;
  }

  async dayCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts | null> {
    const pks = await this.pksOf('meters', meterIds);
    const rows = pks.length === 0 ? [] : await this.arrays(
      `SELECT day, sum(n_present)::int, sum(n_estimated)::int, (count(*) - count(n_present))::int FROM meter_alloc_day
       WHERE meter_pk = ANY($1::int[]) AND day >= $2 AND day < $3 GROUP BY day ORDER BY day`,
      [numArray(pks), from, to],
    );
    const n = rows.length;
    const out: IntervalCounts = { t: new Float64Array(n), present: new Float64Array(n), estimated: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const r = rows[i] as number[];
      if (r[3] > 0) return null;
      out.t[i] = Number(r[0]);
      out.present[i] = r[1];
      out.estimated[i] = r[2];
    }
    return out;
  }

  private async meterAllocRows(table: string, key: string, meterId: string, from: number, to: number): Promise<MeterAllocColumns> {
    return meterAllocColumns(await this.arrays(
      `SELECT ${key}, total, self, ext FROM ${table} WHERE meter_pk = $1 AND ${key} >= $2 AND ${key} < $3 ORDER BY ${key}`,
      [await this.meterPk(meterId), from, to],
    ));
  }

  private async siteAllocRows(table: string, key: string, siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    return siteAllocColumns(await this.arrays(
      `SELECT ${key}, ${SITE_COLS} FROM ${table} WHERE site_pk = $1 AND ${key} >= $2 AND ${key} < $3 ORDER BY ${key}`,
      [await this.sitePk(siteId), from, to],
    ));
  }
}
