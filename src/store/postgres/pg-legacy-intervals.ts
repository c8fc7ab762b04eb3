/**
 * The PostgreSQL side of moving the old `intervals` rows into chunks
 * (../migrate-chunks.ts). Each site's move runs on one connection in one
 * transaction, with a view of the store bound to it (PgBase.inTransactionView)
 * so that the store's own reads see the new chunks before the commit. Movers
 * on several instances take one transaction-level advisory lock per site
 * move: they go one at a time, and the later finds the site done.
 */
import type pg from 'pg';
import type { MeterIntervalColumns, Store } from '../store.js';
import { DAY_MS, dayOf } from '../chunks.js';
import type { LegacyIntervals, LegacySite, LegacyTx } from '../migrate-chunks.js';
import type { PgStore } from './pg-store.js';

/**
 * Whether the old table is gone, read from pg_class with this statement's
 * snapshot: to_regclass() answers from the session's catalog cache, which
 * taking an advisory lock does not refresh, so it can still see a table that
 * another instance dropped before we got the lock.
 */
const GONE = "SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'intervals' AND relkind IN ('r', 'p') AND relnamespace = current_schema()::regnamespace) AS gone";
const UNDEFINED_TABLE = '42P01';

/** the advisory lock key of the interval move (64-bit, one above the schema migration's) */
const MOVE_LOCK_KEY = '7734765738401810760';

export function createPgLegacyIntervals(store: PgStore): LegacyIntervals {
  const meterPk = async (c: pg.ClientBase, id: string): Promise<number> => {
    const r = await c.query<{ pk: number }>('SELECT pk FROM meters WHERE id = $1', [id]);
    if (r.rows.length === 0) throw new Error(`no meter ${id}`);
    return r.rows[0].pk;
  };
  const bind = (c: pg.PoolClient, view: Store): LegacyTx => ({
    view,
    async siteSpan(siteId) {
      // another instance may have finished the move, old table included, while this one waited for the lock
      if ((await c.query<{ gone: boolean }>(GONE)).rows[0].gone) return null;
      const r = await c.query<{ f: number | null; l: number | null; n: number }>(
        `SELECT min(i.t) AS f, max(i.t) AS l, count(*)::int AS n FROM intervals i
         WHERE i.meter_pk IN (SELECT m.pk FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = $1)`,
        [siteId],
      );
      const x = r.rows[0];
      return x.n === 0 ? null : { from: x.f!, last: x.l!, rows: x.n };
    },
    async oldRows(meterId) {
      const pk = await meterPk(c, meterId);
      const rows = (await c.query({ text: 'SELECT t, im, ex, estimated, total, self, ext FROM intervals WHERE meter_pk = $1 ORDER BY t', values: [pk], rowMode: 'array' })).rows as (number | null)[][];
      const n = rows.length;
      const out: MeterIntervalColumns = {
        t: new Float64Array(n), im: new Float64Array(n), ex: new Float64Array(n), estimated: new Uint8Array(n),
        total: new Float64Array(n), self: new Float64Array(n), ext: new Float64Array(n),
      };
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        out.t[i] = r[0]!;
        out.im[i] = r[1]!;
        out.ex[i] = r[2]!;
        out.estimated[i] = r[3]!;
        // the old store read a NULL total as 0 (a Float64Array store of null) and NULL self/ext as NaN
        out.total[i] = r[4] ?? 0;
        out.self[i] = r[5] ?? NaN;
        out.ext[i] = r[6] ?? NaN;
      }
      return out;
    },
    async chunks(meterId, days) {
      const out = new Map<number, Uint8Array>();
      if (days.length === 0) return out;
      const r = await c.query<{ day: number; data: Buffer }>('SELECT day, data FROM interval_chunks WHERE meter_pk = $1 AND day = ANY($2::int8[])', [await meterPk(c, meterId), days]);
      for (const x of r.rows) out.set(x.day, x.data);
      return out;
    },
    async writeChunks(meterId, rows) {
      const pk = await meterPk(c, meterId);
      const put = rows.filter((r) => r.data !== null);
      const gone = rows.filter((r) => r.data === null).map((r) => r.day);
      if (gone.length > 0) await c.query('DELETE FROM interval_chunks WHERE meter_pk = $1 AND day = ANY($2::int8[])', [pk, gone]);
      for (let i = 0; i < put.length; i += 2000) {
        const part = put.slice(i, i + 2000);
        await c.query(
          `INSERT INTO interval_chunks(meter_pk, day, data) SELECT $1::int, d, b FROM unnest($2::int8[], $3::bytea[]) AS x(d, b)
           ON CONFLICT (meter_pk, day) DO UPDATE SET data = excluded.data`,
          [pk, part.map((r) => r.day), part.map((r) => Buffer.from(r.data!.buffer, r.data!.byteOffset, r.data!.byteLength))],
        );
      }
    },
    async deleteOld(siteId) {
      const r = await c.query('DELETE FROM intervals WHERE meter_pk IN (SELECT m.pk FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = $1)', [siteId]);
      return r.rowCount ?? 0;
    },
  });
  const spans = new Map<string, { from: number; last: number }>();
  const rowsOf = <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => store.inTransactionView(async (c) => (await c.query<R>(sql)).rows);

  return {
    async pendingSites(): Promise<LegacySite[] | null> {
      if ((await rowsOf<{ gone: boolean }>(GONE))[0].gone) return null;
      let rows: { site_id: string; rows: number; f: number; l: number }[];
      try {
        rows = await rowsOf(
          `SELECT s.id AS site_id, count(*)::int AS rows, min(i.t) AS f, max(i.t) AS l FROM intervals i
           JOIN meters m ON m.pk = i.meter_pk JOIN sites s ON s.pk = m.site_pk GROUP BY s.pk ORDER BY s.pk`,
        );
      } catch (e) {
        // another instance finished the move, and dropped the table, in between
        if ((e as { code?: string }).code === UNDEFINED_TABLE) return null;
        throw e;
      }
      for (const r of rows) spans.set(r.site_id, { from: r.f, last: r.l });
      return rows.map((r) => ({ site_id: r.site_id, rows: r.rows }));
    },
    async inTransaction(fn) {
      return store.inTransactionView(async (c, view) => {
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MOVE_LOCK_KEY]);
        return fn(bind(c, view));
      });
    },
    async prepareSite(siteId) {
      // partitions are created outside the writing transaction (their DDL must not wait on it)
      const s = spans.get(siteId);
      if (s === undefined) return;
      const days: number[] = [];
      for (let d = dayOf(s.from); d <= s.last; d += DAY_MS * 28) days.push(d);
      days.push(dayOf(s.last));
      await store.ensurePartitions('interval_chunks', days);
    },
    async dropIfEmpty() {
      return store.inTransactionView(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MOVE_LOCK_KEY]);
        if ((await c.query<{ gone: boolean }>(GONE)).rows[0].gone) return 0;
        // no older writer can add a row between the count and the drop
        await c.query('LOCK TABLE intervals IN ACCESS EXCLUSIVE MODE');
        const n = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM intervals')).rows[0].n;
        if (n === 0) await c.query('DROP TABLE intervals');
        return n;
      });
    },
  };
}
