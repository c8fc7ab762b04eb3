/**
 * The PostgreSQL migration of raw readings to their compact layout (columns
 * ordered for alignment, the receipt time kept per batch): a database written
 * at the schema before it is migrated in place, and reads back the same
 * readings, bit for bit, in the same partitions, with their receipt times,
 * and duplicates and conflicts are still told apart. Needs KWHUB_TEST_PG_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { pgMigrations, runMigrations } from '../../src/store/postgres/migrations.js';
import type { RawMeterReading } from '../../src/store/store.js';
import { freshPgDatabase, pgQuery, pgTestUrl } from '../helpers/pg.js';
import { METER_1, METER_2, METER_3, SITE_A, SITE_B, meter, site } from './store-fixtures.js';

const url = pgTestUrl();
/** the migration under test, found by what it creates (its number may change when branches merge) */
const LAYOUT = pgMigrations.findIndex((m) => m.includes('CREATE TABLE raw_batches'));
const QH = 900_000;
const JAN = Date.UTC(2024, 0, 1);
const FEB = Date.UTC(2024, 1, 1);
const MAR = Date.UTC(2024, 2, 1);

let db: Awaited<ReturnType<typeof freshPgDatabase>> | undefined;

beforeAll(async () => {
  if (url) db = await freshPgDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** a number as text that keeps -0 (pg sends numbers with String(), which drops the sign of zero) */
const exact = (v: number | null): string | null => (v === null ? null : Object.is(v, -0) ? '-0' : String(v));

const rd = (meterId: string, ts: number, en_im: number | null, en_ex: number | null, heat: number | null = null, vol: number | null = null): RawMeterReading =>
  ({ meter_id: meterId, ts, en_im, en_ex, heat_energy_kwh: heat, vol_m3: vol });

/** readings that test exactness: -0, a sum that is not a short decimal, tiny and huge values, nulls */
const OLD: (RawMeterReading & { received_at: number })[] = [
  { ...rd(METER_1, JAN + QH, 0.1 + 0.2, -0), received_at: 1_700_000_000_001 },
  { ...rd(METER_1, JAN + 2 * QH, 1e-300, 5e-324), received_at: 1_700_000_000_001 },
  { ...rd(METER_1, FEB + 3 * QH, 123456.789, null), received_at: 1_700_000_900_002 },
  // before 1970: no monthly partition, the row lives in DEFAULT
  { ...rd(METER_1, Date.UTC(1960, 5, 1), 1.5, 2.5), received_at: 1_700_000_900_002 },
  { ...rd(METER_2, JAN + QH, 1.7976931348623157e308, 0), received_at: 1_700_000_000_001 },
  // a heat meter of the other site, received at the same instant as a batch of site A
  { ...rd(METER_3, FEB + QH, 10, null, 42.125, 0.003), received_at: 1_700_000_000_001 },
  { ...rd(METER_3, FEB + 2 * QH, 11, null, 43.5, null), received_at: 1_700_000_500_000 },
];

describe.skipIf(!url)('PostgreSQL raw readings layout migration', () => {
  it('should be appended after the schema it converts', () => {
    expect(LAYOUT).toBeGreaterThan(0);
  });

  it('should convert raw readings written at the previous schema in place, exactly', async () => {
    // the database as the release before this migration left it
    const admin = new pg.Client({ connectionString: db!.url });
    await admin.connect();
    try {
      await runMigrations(admin as unknown as pg.PoolClient, pgMigrations.slice(0, LAYOUT));
    } finally {
      await admin.end();
    }
    const old = new PgStore({ url: db!.url });
    await old.insertSite(site(SITE_A));
    await old.insertSite(site(SITE_B));
    await old.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
    await old.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
    await old.insertMeter(meter(METER_3, SITE_B, { prim_ad: 3, type: 'heating' }));
    await old.close();
    for (const [name, from, to] of [['raw_readings_y2024m01', JAN, FEB], ['raw_readings_y2024m02', FEB, MAR]] as const) {
      await pgQuery(db!.url, `CREATE TABLE ${name} PARTITION OF raw_readings FOR VALUES FROM (${from}) TO (${to})`);
    }
    for (const r of OLD) {
      await pgQuery(db!.url,
        'INSERT INTO raw_readings(meter_pk, ts, en_im, en_ex, heat_energy_kwh, vol_m3, received_at) SELECT pk, $2, $3, $4, $5, $6, $7 FROM meters WHERE id = $1',
        [r.meter_id, r.ts, ...[r.en_im, r.en_ex, r.heat_energy_kwh, r.vol_m3].map(exact), r.received_at]);
    }
    // the old rows' places, to compare after
    const partsBefore = await pgQuery<{ part: string; ts: number }>(db!.url, 'SELECT tableoid::regclass::text AS part, ts::float8 AS ts FROM raw_readings ORDER BY meter_pk, ts');

    const store = new PgStore({ url: db!.url });
    try {
      await store.migrate();
      // every reading, bit for bit (toEqual tells -0 from 0)
      for (const m of [METER_1, METER_2, METER_3]) {
        const want = OLD.filter((r) => r.meter_id === m).map(({ received_at: _r, ...r }) => r).sort((a, b) => a.ts - b.ts);
        expect(await store.rawReadings(m, -8e15, 8e15)).toEqual(want);
      }
      // the same partitions, under the same names; the old table is gone
      expect(await pgQuery(db!.url, 'SELECT tableoid::regclass::text AS part, ts::float8 AS ts FROM raw_readings ORDER BY meter_pk, ts')).toEqual(partsBefore);
      expect(partsBefore.map((p) => p.part)).toContain('raw_readings_default');
      // (the store also makes the months around today ahead of need)
      const tables = (await pgQuery<{ relname: string }>(db!.url, "SELECT relname FROM pg_class WHERE relname LIKE 'raw_readings%' AND relkind IN ('r', 'p') ORDER BY relname")).map((t) => t.relname);
      expect(tables).toEqual(expect.arrayContaining(['raw_readings', 'raw_readings_default', 'raw_readings_y2024m01', 'raw_readings_y2024m02']));
      const idx = (await pgQuery<{ relname: string }>(db!.url, "SELECT relname FROM pg_class WHERE relname LIKE 'raw_readings%' AND relkind IN ('i', 'I') ORDER BY relname")).map((t) => t.relname);
      expect(idx).toEqual(tables.map((t) => `${t}_pkey`).sort());
      expect([...tables, ...idx].filter((n) => n.includes('next'))).toEqual([]);
      // each reading keeps its receipt time, through its site's batch
      const received = await pgQuery<{ id: string; ts: number; received_at: number }>(db!.url,
        `SELECT m.id, r.ts::float8 AS ts, b.received_at::float8 AS received_at FROM raw_readings r JOIN meters m ON m.pk = r.meter_pk
         JOIN raw_batches b ON b.site_pk = m.site_pk AND b.batch = r.batch ORDER BY m.id, r.ts`);
      expect(received).toEqual(OLD.map((r) => ({ id: r.meter_id, ts: r.ts, received_at: r.received_at })).sort((a, b) => a.id.localeCompare(b.id) || a.ts - b.ts));

      // duplicates and conflicts are still told apart from new readings, against the migrated rows
      const again = await store.insertReadings(SITE_A, [
        rd(METER_1, JAN + QH, 0.1 + 0.2, -0), // the same bits
        rd(METER_1, JAN + 2 * QH, 1e-300, 0), // en_ex 5e-324 before: another value
        rd(METER_2, JAN + QH, 1.7976931348623157e308, 0),
        rd(METER_1, MAR + QH, 7, 8), // new, in a month that has no partition yet
      ], [], 1_800_000_000_000);
      expect(again.meters).toEqual(['duplicate', 'conflict', 'duplicate', 'stored']);
      const heat = await store.insertReadings(SITE_B, [rd(METER_3, FEB + QH, 10, null, 42.125, 0.003), rd(METER_3, FEB + 2 * QH, 11, null, 43.5, 0)], [], 1_800_000_000_000);
      expect(heat.meters).toEqual(['duplicate', 'conflict']);
      expect(await store.rawReadings(METER_1, JAN + 2 * QH, JAN + 2 * QH)).toEqual([rd(METER_1, JAN + 2 * QH, 1e-300, 5e-324)]);
      expect(await store.rawReadings(METER_1, MAR, MAR + QH)).toEqual([rd(METER_1, MAR + QH, 7, 8)]);
      // a new batch continues its site's numbering after the migrated ones; a batch that stored nothing leaves none
      const batches = await pgQuery<{ id: string; batch: number; received_at: number }>(db!.url,
        'SELECT s.id, b.batch, b.received_at::float8 AS received_at FROM raw_batches b JOIN sites s ON s.pk = b.site_pk ORDER BY s.id, b.batch');
      expect(batches).toEqual([
        { id: SITE_A, batch: 1, received_at: 1_700_000_000_001 },
        { id: SITE_A, batch: 2, received_at: 1_700_000_900_002 },
        { id: SITE_A, batch: 3, received_at: 1_800_000_000_000 },
        { id: SITE_B, batch: 1, received_at: 1_700_000_000_001 },
        { id: SITE_B, batch: 2, received_at: 1_700_000_500_000 },
      ]);
      expect((await pgQuery<{ part: string }>(db!.url, `SELECT tableoid::regclass::text AS part FROM raw_readings WHERE ts = ${MAR + QH}`))[0].part).toBe('raw_readings_y2024m03');
    } finally {
      await store.close();
    }
  });
});
