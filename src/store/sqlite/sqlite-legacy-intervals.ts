/**
 * The SQLite side of moving the old `intervals` rows into chunks
 * (../migrate-chunks.ts). better-sqlite3 runs on one connection, so the
 * store's own read methods, called between BEGIN and COMMIT, read this
 * transaction's uncommitted chunks: that is the "after" of the checksum.
 */
import type { MeterIntervalColumns } from '../store.js';
import type { LegacyIntervals, LegacySite, LegacyTx } from '../migrate-chunks.js';
import type { SqliteStore } from './sqlite-store.js';

/** how long a mover waits for another process's site move before giving up */
const LOCK_WAIT_MS = 10 * 60_000;

export function createSqliteLegacyIntervals(store: SqliteStore): LegacyIntervals {
  const db = store.db;
  const meterPk = (id: string): number => {
    const r = db.prepare('SELECT pk FROM meters WHERE id = ?').get(id) as { pk: number } | undefined;
    if (!r) throw new Error(`no meter ${id}`);
    return r.pk;
  };
  const tableExists = (): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intervals'").get() !== undefined;

  const tx: LegacyTx = {
    view: store,
    async siteSpan(siteId) {
      // another process may have finished the move, old table included, while this one waited for the lock
      if (!tableExists()) return null;
      const r = db.prepare(
        `SELECT min(i.t) AS f, max(i.t) AS l, count(*) AS n FROM intervals i
         WHERE i.meter_pk IN (SELECT m.pk FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = ?)`,
      ).get(siteId) as { f: number | null; l: number | null; n: number };
      return r.n === 0 ? null : { from: r.f!, last: r.l!, rows: r.n };
    },
    async oldRows(meterId) {
      const pk = meterPk(meterId);
      const n = (db.prepare('SELECT count(*) AS n FROM intervals WHERE meter_pk = ?').get(pk) as { n: number }).n;
      const c: MeterIntervalColumns = {
        t: new Float64Array(n), im: new Float64Array(n), ex: new Float64Array(n), estimated: new Uint8Array(n),
        total: new Float64Array(n), self: new Float64Array(n), ext: new Float64Array(n),
      };
      let i = 0;
      // iterated, not all(): a meter-year is 35,040 rows, and a site's are read one meter at a time
      for (const r of db.prepare('SELECT t, im, ex, estimated, total, self, ext FROM intervals WHERE meter_pk = ? ORDER BY t').raw(true).iterate(pk) as Iterable<(number | null)[]>) {
        c.t[i] = r[0]!;
        c.im[i] = r[1]!;
        c.ex[i] = r[2]!;
        c.estimated[i] = r[3]!;
        // the old store read a NULL total as 0 (a Float64Array store of null) and NULL self/ext as NaN
        c.total[i] = r[4] ?? 0;
        c.self[i] = r[5] ?? NaN;
        c.ext[i] = r[6] ?? NaN;
        i++;
      }
      return c;
    },
    async chunks(meterId, days) {
      const pk = meterPk(meterId);
      const q = db.prepare('SELECT data FROM interval_chunks WHERE meter_pk = ? AND day = ?').pluck();
      const out = new Map<number, Uint8Array>();
      for (const d of days) {
        const data = q.get(pk, d) as Buffer | undefined;
        if (data !== undefined) out.set(d, data);
      }
      return out;
    },
    async writeChunks(meterId, rows) {
      const pk = meterPk(meterId);
      const put = db.prepare('INSERT INTO interval_chunks(meter_pk, day, data) VALUES (?, ?, ?) ON CONFLICT(meter_pk, day) DO UPDATE SET data = excluded.data');
      const del = db.prepare('DELETE FROM interval_chunks WHERE meter_pk = ? AND day = ?');
      for (const r of rows) {
        if (r.data === null) del.run(pk, r.day);
        else put.run(pk, r.day, Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
      }
    },
    async deleteOld(siteId) {
      return db.prepare('DELETE FROM intervals WHERE meter_pk IN (SELECT m.pk FROM meters m JOIN sites s ON s.pk = m.site_pk WHERE s.id = ?)').run(siteId).changes;
    },
  };

  return {
    async pendingSites(): Promise<LegacySite[] | null> {
      if (!tableExists()) return null;
      return db.prepare(
        `SELECT s.id AS site_id, count(*) AS rows FROM intervals i JOIN meters m ON m.pk = i.meter_pk JOIN sites s ON s.pk = m.site_pk
         GROUP BY s.pk ORDER BY s.pk`,
      ).all() as LegacySite[];
    },
    async inTransaction(fn) {
      // IMMEDIATE: the write lock from the start, so a second mover waits here rather than failing at its first write;
      // for longer than busy_timeout, since another process's site may take a while (a site-year: ~10 s)
      for (const until = Date.now() + LOCK_WAIT_MS; ;) {
        try {
          db.exec('BEGIN IMMEDIATE');
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      try {
        const out = await fn(tx);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    },
    async dropIfEmpty() {
      return this.inTransaction(async () => {
        if (!tableExists()) return 0;
        const n = (db.prepare('SELECT count(*) AS n FROM intervals').get() as { n: number }).n;
        if (n === 0) db.exec('DROP TABLE intervals');
        return n;
      });
    },
  };
}
