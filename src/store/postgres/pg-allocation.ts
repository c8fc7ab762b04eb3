/**
 * The PostgreSQL store's part for validated intervals and their allocation:
 * written per site in one transaction (replacing [from, to) and its day
 * sums), the intervals as chunk rows per meter and UTC day (../chunks.ts),
 * read back columnar, NULL self/ext of the sums as NaN.
 */
import type pg from 'pg';
import type { AllocationWrite, IntervalColumns, IntervalCounts, MeterAllocColumns, SiteAllocColumns, SiteField } from '../store.js';
import { SITE_FIELDS } from '../store.js';
import { numArray, ROWS_PER_STATEMENT } from './pg-base.js';
import { PgChanges } from './pg-changes.js';
import { Partitions } from './partitions.js';
import { SITE_COLS, meterAllocColumns, siteAllocColumns } from '../engine-shared.js';
import { DAY_MS, HEADER_BYTES, allocFromChunks, chunkDays, chunksForWrite, countChunks, dayOf, intervalsFromChunks, partialDays, type ChunkRow } from '../chunks.js';

const SITE_UNNEST = `unnest($1::int8[], ${SITE_FIELDS.map((_, k) => `$${k + 2}::float8[]`).join(', ')})`;

/** runs `each` on the slices [a, b) of n rows, `per` at a time, one statement after the other */
async function chunks(n: number, each: (from: number, to: number) => Promise<unknown>, per = ROWS_PER_STATEMENT): Promise<void> {
  for (let a = 0; a < n; a += per) await each(a, Math.min(n, a + per));
}

/**
 * chunk rows per INSERT: a blob travels as hex text (~2.7 kB for a typical
 * day, at most ~9 kB), so this bounds a statement to ~25 MB; a write pass of
 * a site (31 days) stays one statement up to ~90 meters
 */
const CHUNK_ROWS_PER_STATEMENT = 2_800;

/** a bytea[] parameter (hex escapes) of the blobs [from, to) */
function byteaArray(blobs: Uint8Array[], from: number, to: number): string {
  const parts = new Array<string>(to - from);
  for (let i = from; i < to; i++) {
    const b = blobs[i];
    parts[i - from] = `"\\\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}"`;
  }
  return `{${parts.join(',')}}`;
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
  /** each meter's chunk rows holding intervals with start in [from, to), ascending by day: one round trip; `header`: their bitmaps only */
  private async chunkRows(meterIds: string[], from: number, to: number, header = false): Promise<ChunkRow[][]> {
    const pks = await this.pksOf('meters', meterIds);
    const data = header ? `substring(data from 1 for ${HEADER_BYTES})` : 'data';
    if (meterIds.length === 0 || to <= from) return meterIds.map(() => []);
    // one meter (the API's series read them one by one): its index range, without the join
    if (meterIds.length === 1) {
      const one = await this.arrays(`SELECT day, ${data} FROM interval_chunks WHERE meter_pk = $1 AND day >= $2 AND day < $3 ORDER BY day`, [pks[0], dayOf(from), to]);
      return [one.map((r) => ({ day: r[0] as number, data: r[1] as Buffer }))];
    }
    // a sorted index range per meter (LATERAL), never one sort of everything
    const rows = await this.arrays(
      `SELECT k.i, r.day, r.data FROM unnest($1::int[]) WITH ORDINALITY AS k(pk, i)
       CROSS JOIN LATERAL (SELECT day, ${data} AS data FROM interval_chunks WHERE meter_pk = k.pk AND day >= $2 AND day < $3 ORDER BY day) AS r`,
      [numArray(pks), dayOf(from), to],
    );
    const groups: ChunkRow[][] = meterIds.map(() => []);
    for (const r of rows) groups[Number(r[0]) - 1].push({ day: r[1] as number, data: r[2] as Buffer });
    return groups;
  }

  async readIntervals(meterIds: string[], from: number, to: number): Promise<IntervalColumns[]> {
    return (await this.chunkRows(meterIds, from, to)).map((rows) => intervalsFromChunks(rows, from, to));
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

    const counted = [...dayByPk.values()].every((c) => c.present !== undefined && c.estimated !== undefined);
    const days = concat(dayByPk as Map<number, Required<MeterAllocColumns>>, counted ? ['t', 'total', 'self', 'ext', 'present', 'estimated'] : ['t', 'total', 'self', 'ext']);
    const span = chunkDays(w.from, w.to);
    const partial = partialDays(w.from, w.to);
    await this.partitions.ensure('site_alloc', Partitions.months(w.site.t));
    if (span && byPk.size > 0) {
      const spanDays: number[] = [];
      for (let d = span[0]; d < span[1]; d += DAY_MS) spanDays.push(d);
      await this.partitions.ensure('interval_chunks', Partitions.months(spanDays));
    }

    await this.tx(async (c) => {
      await this.writeSiteAlloc(c, 'site_alloc', 't', sitePk, w.from, w.to, w.site);
      if (span && byPk.size > 0) {
        const meterPks = numArray([...byPk.keys()]);
        // the days cut by [from, to) keep their other intervals: their chunks are read inside this
        // transaction and locked, so that a concurrent writer's chunk cannot be overwritten by a stale one
        const old = new Map<number, Map<number, Uint8Array>>();
        if (partial.length > 0) {
          const rows = await this.arrays('SELECT meter_pk, day, data FROM interval_chunks WHERE meter_pk = ANY($1::int[]) AND day = ANY($2::int8[]) FOR UPDATE',
            [meterPks, numArray(partial)], c);
          for (const [pk, day, data] of rows as [number, number, Buffer][]) {
            let m = old.get(pk);
            if (!m) old.set(pk, (m = new Map()));
            m.set(day, data);
          }
        }
        const outPk: number[] = [];
        const outDay: number[] = [];
        const outData: Uint8Array[] = [];
        for (const [pk, cols] of byPk) {
          for (const r of chunksForWrite(w.from, w.to, cols, old.get(pk) ?? new Map())) {
            if (r.data === null) continue;
            outPk.push(pk);
            outDay.push(r.day);
            outData.push(r.data);
          }
        }
        await c.query('DELETE FROM interval_chunks WHERE meter_pk = ANY($1::int[]) AND day >= $2 AND day < $3', [meterPks, span[0], span[1]]);
        // one statement for the whole batch (bounded by CHUNK_ROWS_PER_STATEMENT rows)
        await chunks(outPk.length, (a, b) => c.query(
          'INSERT INTO interval_chunks(meter_pk, day, data) SELECT * FROM unnest($1::int[], $2::int8[], $3::bytea[])',
          [numArray(outPk, a, b), numArray(outDay, a, b), byteaArray(outData, a, b)],
        ), CHUNK_ROWS_PER_STATEMENT);
      }
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
    return allocFromChunks((await this.chunkRows([meterId], from, to))[0], from, to);
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
    // counted from the chunks' bitmaps: a month of 60 meters is 1,860 rows, none of them decoded
    return countChunks((await this.chunkRows(meterIds, from, to, true)).flat(), from, to);
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
    const pk = await this.meterPk(meterId);
    if (to <= from) return meterAllocColumns([]);
    const [t, total, self, ext] = await this.packedColumns(table, 'meter_pk', key, ['total', 'self', 'ext'], pk, from, to);
    return { t, total, self, ext };
  }

  private async siteAllocRows(table: string, key: string, siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    const pk = await this.sitePk(siteId);
    if (to <= from) return siteAllocColumns([]);
    const [t, ...cols] = await this.packedColumns(table, 'site_pk', key, SITE_FIELDS, pk, from, to);
    return { t, fields: Object.fromEntries(SITE_FIELDS.map((f, k) => [f, cols[k]])) as Record<SiteField, Float64Array> };
  }

  /**
   * The rows of one meter or site over [from, to) as columns [key, ...cols]:
   * the server packs every row's float8 values (float8send: their exact
   * bits, -0 included; NULL as NaN) into one bytea, so the answer is one
   * value to unpack rather than thousands of numbers printed as text and
   * parsed back (a site's month of 15-minute rows is 30,000 of them).
   */
  private async packedColumns(table: string, owner: string, key: string, cols: readonly string[], pk: number, from: number, to: number): Promise<Float64Array[]> {
    const row = [`${key}::float8`, ...cols].map((c) => `float8send(coalesce(${c}, 'NaN'))`).join(' || ');
    const [[n, packed]] = (await this.arrays(
      `SELECT count(*)::int, string_agg(${row}, ''::bytea ORDER BY ${key}) FROM ${table} WHERE ${owner} = $1 AND ${key} >= $2 AND ${key} < $3`,
      [pk, from, to],
    )) as [[number, Buffer | null]];
    const width = cols.length + 1;
    const out = Array.from({ length: width }, () => new Float64Array(n));
    if (packed === null) return out;
    for (let i = 0, o = 0; i < n; i++) {
      for (let k = 0; k < width; k++, o += 8) out[k][i] = packed.readDoubleBE(o);
    }
    return out;
  }
}
