/**
 * The Store contract on PostgreSQL, plus what only a networked store has:
 * partitions, several instances at once (migrations, locks, ingest), and
 * connection errors. Needs KWHUB_TEST_PG_URL (see test/helpers/pg.ts); this
 * file takes one fresh database and gives every contract test an empty schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { pgMigrations } from '../../src/store/postgres/migrations.js';
import type { RawMeterReading, Store } from '../../src/store/store.js';
import { freshPgDatabase, pgQuery, pgTestUrl, withDatabase } from '../helpers/pg.js';
import { storeContract } from './store-contract.js';
import { METER_1, METER_2, SITE_A, SITE_B, meter, site } from './store-fixtures.js';

const url = pgTestUrl();
const QH = 900_000;

let db: Awaited<ReturnType<typeof freshPgDatabase>> | undefined;

beforeAll(async () => {
  if (url) db = await freshPgDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** an empty schema in this file's database */
async function resetSchema(): Promise<void> {
  await pgQuery(db!.url, 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
}

async function withSite(store: Store): Promise<void> {
  await store.insertSite(site(SITE_A));
  await store.insertSite(site(SITE_B));
  await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
  await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
}

const rd = (meterId: string, ts: number, en_im: number | null): RawMeterReading => ({ meter_id: meterId, ts, en_im, en_ex: null, heat_energy_kwh: null, vol_m3: null });

describe.skipIf(!url)('PgStore', () => {
  storeContract('PgStore (fresh schema per test)', async () => {
    await resetSchema();
    return new PgStore({ url: db!.url });
  });

  describe('on a real server', () => {
    const stores: Store[] = [];
    const open = async (): Promise<PgStore> => {
      const s = new PgStore({ url: db!.url });
      stores.push(s);
      await s.migrate();
      return s;
    };
    const closeAll = async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    };

    it('should open through openStore for postgres:// and postgresql:// URLs and keep data across reopening', async () => {
      await resetSchema();
      const a = await openStore(db!.url);
      expect(a.engine).toBe('postgres');
      await a.insertSite(site(SITE_A));
      await a.setMeta('jwt_secret', 'kept');
      await a.close();
      await a.close();
      const b = await openStore(db!.url.replace(/^postgres:/, 'postgresql:'));
      try {
        expect((await b.getSite(SITE_A))!.name).toBe(site(SITE_A).name);
        expect(await b.getMeta('jwt_secret')).toBe('kept');
      } finally {
        await b.close();
      }
    });

    it('should migrate once when several instances start at the same moment', async () => {
      await resetSchema();
      const many = Array.from({ length: 5 }, () => new PgStore({ url: db!.url }));
      stores.push(...many);
      await Promise.all(many.map((s) => s.migrate()));
      await Promise.all(many.map((s) => s.migrate()));
      const rows = await pgQuery<{ version: number }>(db!.url, 'SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(pgMigrations.map((_, i) => i + 1));
      await closeAll();
    });

    it('should refuse a database migrated by a newer kWhub', async () => {
      await resetSchema();
      await open();
      await pgQuery(db!.url, 'INSERT INTO schema_migrations(version) VALUES (999)');
      await expect(new PgStore({ url: db!.url }).migrate()).rejects.toThrow(/newer than this kWhub/);
      await closeAll();
    });

    it('should put readings in monthly partitions, create them on demand, and keep out-of-span rows in DEFAULT', async () => {
      await resetSchema();
      const s = await open();
      await withSite(s);
      const ts = [Date.UTC(2024, 0, 1) - 1, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 29), Date.UTC(1969, 11, 31), Date.UTC(2250, 0, 1)];
      await s.insertReadings(SITE_A, ts.map((t, i) => rd(METER_1, t, i)), [], 1);
      const where = await pgQuery<{ ts: number; part: string }>(db!.url, 'SELECT ts::float8 AS ts, tableoid::regclass::text AS part FROM raw_readings ORDER BY ts');
      expect(where.map((r) => r.part)).toEqual(['raw_readings_default', 'raw_readings_y2023m12', 'raw_readings_y2024m01', 'raw_readings_y2024m02', 'raw_readings_default']);
      const bounds = await pgQuery<{ b: string }>(db!.url, "SELECT pg_get_expr(c.relpartbound, c.oid) AS b FROM pg_class c WHERE c.relname = 'raw_readings_y2024m01'");
      expect(bounds[0].b).toBe(`FOR VALUES FROM ('${Date.UTC(2024, 0, 1)}') TO ('${Date.UTC(2024, 1, 1)}')`);
      // a scan of one month reads one partition
      const plan = await pgQuery<{ 'QUERY PLAN': string }>(db!.url,
        `EXPLAIN (COSTS OFF) SELECT * FROM raw_readings WHERE meter_pk = 1 AND ts >= ${Date.UTC(2024, 0, 2)} AND ts <= ${Date.UTC(2024, 0, 20)} ORDER BY ts`);
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/raw_readings_y2024m01/);
      expect(text).not.toMatch(/raw_readings_y2024m02|raw_readings_default/);
      // allocation tables too
      await s.applyAllocation({
        site_id: SITE_A, from: Date.UTC(2024, 4, 31, 23, 45), to: Date.UTC(2024, 5, 1, 0, 15),
        days: { from: 0, to: 0, site: { t: new Float64Array(0), fields: emptyFields() }, meters: [] },
        site: { t: Float64Array.of(Date.UTC(2024, 4, 31, 23, 45), Date.UTC(2024, 5, 1)), fields: emptyFields(2) },
        meters: [{ meter_id: METER_1, cols: { t: Float64Array.of(Date.UTC(2024, 4, 31, 23, 45), Date.UTC(2024, 5, 1)), im: Float64Array.of(1, 2), ex: Float64Array.of(0, 0), estimated: Uint8Array.of(0, 1), total: Float64Array.of(1, 2), self: Float64Array.of(NaN, 1), ext: Float64Array.of(NaN, 1) } }],
      });
      // interval chunks per UTC day: the two days fall into the two months' partitions
      const parts = await pgQuery<{ part: string }>(db!.url,
        "SELECT tableoid::regclass::text AS part FROM interval_chunks UNION ALL SELECT tableoid::regclass::text FROM site_alloc ORDER BY 1");
      expect(parts.map((r) => r.part)).toEqual(['interval_chunks_y2024m05', 'interval_chunks_y2024m06', 'site_alloc_y2024m05', 'site_alloc_y2024m06']);
      // blobs kept inline and uncompressed, in every partition
      const storage = await pgQuery<{ rel: string; s: string }>(db!.url,
        "SELECT c.relname AS rel, a.attstorage AS s FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname LIKE 'interval_chunks%' AND a.attname = 'data' ORDER BY 1");
      expect(storage.map((r) => r.rel)).toEqual(expect.arrayContaining(['interval_chunks', 'interval_chunks_default', 'interval_chunks_y2024m05', 'interval_chunks_y2024m06']));
      expect(new Set(storage.map((r) => r.s))).toEqual(new Set(['p']));
      const m1 = await s.readMeterAlloc(METER_1, Date.UTC(2024, 4, 31), Date.UTC(2024, 5, 2));
      expect(Array.from(m1.self)).toEqual([NaN, 1]);
      // a write spanning four months gets the partitions of the months between its ends too
      const spread = [Date.UTC(2024, 6, 31, 23, 45), Date.UTC(2024, 7, 15), Date.UTC(2024, 8, 15), Date.UTC(2024, 9, 1)];
      const four = Float64Array.from(spread);
      await s.applyAllocation({
        site_id: SITE_A, from: spread[0], to: spread[3] + QH,
        days: { from: 0, to: 0, site: { t: new Float64Array(0), fields: emptyFields() }, meters: [] },
        site: { t: new Float64Array(0), fields: emptyFields() },
        meters: [{ meter_id: METER_1, cols: { t: four, im: four.map(() => 1), ex: four.map(() => 0), estimated: new Uint8Array(4), total: four.map(() => 1), self: four.map(() => 0.5), ext: four.map(() => 0.5) } }],
      });
      const later = await pgQuery<{ part: string }>(db!.url, `SELECT tableoid::regclass::text AS part FROM interval_chunks WHERE day >= ${Date.UTC(2024, 6, 1)} ORDER BY day`);
      expect(later.map((r) => r.part)).toEqual(['interval_chunks_y2024m07', 'interval_chunks_y2024m08', 'interval_chunks_y2024m09', 'interval_chunks_y2024m10']);
      await closeAll();
    });

    it('should adopt rows already in DEFAULT when their month gets its partition', async () => {
      await resetSchema();
      const s = await open();
      await withSite(s);
      const t = Date.UTC(2030, 4, 10);
      await pgQuery(db!.url, `INSERT INTO raw_readings(meter_pk, ts, en_im, batch) SELECT pk, ${t}, 7, 0 FROM meters WHERE id = $1`, [METER_1]);
      const r = await s.insertReadings(SITE_A, [rd(METER_1, t, 7), rd(METER_1, t + QH, 8)], [], 1);
      expect(r.meters).toEqual(['duplicate', 'stored']);
      const where = await pgQuery<{ part: string }>(db!.url, 'SELECT tableoid::regclass::text AS part FROM raw_readings ORDER BY ts');
      expect(where.map((x) => x.part)).toEqual(['raw_readings_y2030m05', 'raw_readings_y2030m05']);
      expect((await s.rawReadings(METER_1, t, t + QH)).map((x) => x.en_im)).toEqual([7, 8]);
      await closeAll();
    });

    it('should create a new month once when instances write to it at the same moment', async () => {
      await resetSchema();
      const [a, b, c] = [await open(), await open(), await open()];
      await withSite(a);
      const base = Date.UTC(2027, 2, 1);
      const batch = (k: number) => Array.from({ length: 50 }, (_, i) => rd(k % 2 ? METER_1 : METER_2, base + i * QH + (k % 3) * 86_400_000 * 40, i));
      const out = await Promise.all([a, b, c, a, b, c].map((s, k) => s.insertReadings(SITE_A, batch(k), [], 1)));
      expect(out.every((o) => o.meters.every((x) => x === 'stored' || x === 'duplicate'))).toBe(true);
      const n = await pgQuery<{ n: number }>(db!.url, "SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relname LIKE 'raw_readings_y2027%'");
      expect(n[0].n).toBe(3);
      await closeAll();
    });

    it('should store each reading once when two instances ingest the same instants concurrently', async () => {
      await resetSchema();
      const [a, b] = [await open(), await open()];
      await withSite(a);
      const base = Date.UTC(2025, 8, 1);
      for (let round = 0; round < 5; round++) {
        const t0 = base + round * 1000 * QH;
        const same = Array.from({ length: 400 }, (_, i) => rd(METER_1, t0 + i * QH, i));
        const other = same.map((r, i) => (i % 2 ? r : { ...r, en_im: -1 }));
        const [x, y] = await Promise.all([a.insertReadings(SITE_A, same, [], 1), b.insertReadings(SITE_A, other, [], 2)]);
        for (let i = 0; i < same.length; i++) {
          const pair = [x.meters[i], y.meters[i]].sort();
          expect(pair).toEqual(i % 2 ? ['duplicate', 'stored'] : ['conflict', 'stored']);
        }
        expect(await a.rawReadings(METER_1, t0, t0 + 400 * QH)).toHaveLength(400);
      }
      await closeAll();
    });

    it('should hold a site lock across instances and free it when the holder\'s session dies', async () => {
      await resetSchema();
      const [a, b] = [await open(), await open()];
      await withSite(a);
      const release = await a.lockSite(SITE_A);
      let got = false;
      const waiting = b.lockSite(SITE_A).then((r) => {
        got = true;
        return r;
      });
      const other = await b.lockSite(SITE_B);
      await other();
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toBe(false);
      // the holder "crashes": the server ends its session, and its advisory lock with it
      await pgQuery(db!.url, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      const release2 = await waiting;
      expect(got).toBe(true);
      await expect(release()).resolves.toBeUndefined();
      await release2();
      const again = await a.lockSite(SITE_A);
      await again();
      await closeAll();
    });

    it('should not let a closing store wait for site locks: its waiters fail, its holdings are freed', async () => {
      await resetSchema();
      const [a, b, c] = [await open(), await open(), await open()];
      await withSite(a);
      const held = await a.lockSite(SITE_A);
      const waiting = b.lockSite(SITE_A);
      waiting.catch(() => undefined); // observed below
      // b is waiting once the server shows its advisory lock request not granted
      for (let i = 0; ; i++) {
        const [row] = await pgQuery<{ n: string }>(db!.url, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
        if (Number(row.n) === 1) break;
        if (i === 500) throw new Error('the second store never waited for the site lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      // a holds the lock until after b.close(): a close that waited for the lock would never resolve on its own,
      // so a is made to let go only if close() has not returned by then, and the test says that it had to
      let closedWhile = 'a still held the lock';
      const unstick = setTimeout(() => {
        closedWhile = 'a had to release the lock first: close() waited for it';
        void held();
      }, 30_000);
      await b.close();
      clearTimeout(unstick);
      expect(closedWhile).toBe('a still held the lock');
      await expect(waiting).rejects.toThrow();
      const third = c.lockSite(SITE_A);
      await a.close(); // still holding: the session ends, and the lock with it
      await held(); // harmless after close
      const r = await third;
      await r();
      await closeAll();
    });
  });
});

function emptyFields(n = 0) {
  const f = () => new Float64Array(n).fill(1);
  return { conso_total: f(), prod_total: f(), from_ext: f(), self: f(), to_ext: f(), storage_charging_total: f(), storage_discharging_total: f(), storage_charging_self: f() };
}

describe('openStore with a PostgreSQL URL that does not work', () => {
  it('should say which host and port it could not reach, and how to fix it, without the password', async () => {
    const err = await openStore('postgres://kwhub:s3cret@127.0.0.1:1/kwhub').then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
    expect(err!.message).toMatch(/--db|KWHUB_DB/);
    expect(err!.message).not.toMatch(/s3cret/);
  });

  it.skipIf(!url)('should name a database that does not exist', async () => {
    await expect(openStore(withDatabase(url!, 'kwhub_no_such_db'))).rejects.toThrow(/no database "kwhub_no_such_db"/);
  });
});
