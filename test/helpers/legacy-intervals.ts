/**
 * Puts a database back into the layout of the release before chunk storage
 * (SQLite schema 9 / PostgreSQL 4 as far as validated intervals go): the old
 * `intervals` table, one row per meter and interval with NULL for a NaN
 * self/ext, rebuilt from the chunks, which are deleted, and the move's meta
 * flag removed. So a test can make a big old database with today's code.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { decodeChunk, DAY_SLOTS, SLOT_MS } from '../../src/store/chunks.js';
import { CHUNKS_MOVED_KEY } from '../../src/store/migrate-chunks.js';

type OldRow = [number, number, number, number, number, number, number | null, number | null];

function rowsOf(meterPk: number, day: number, data: Uint8Array): OldRow[] {
  const c = decodeChunk(data);
  const out: OldRow[] = [];
  for (let k = 0; k < DAY_SLOTS; k++) {
    if (!c.present[k]) continue;
    out.push([meterPk, day + k * SLOT_MS, c.im[k], c.ex[k], c.estimated[k], c.total[k], Number.isNaN(c.self[k]) ? null : c.self[k], Number.isNaN(c.ext[k]) ? null : c.ext[k]]);
  }
  return out;
}

/** the old table as SQLite schema 9 has it (migrations 2 and 5) */
export function toLegacySqlite(path: string): number {
  const db = new Database(path);
  try {
    let n = 0;
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS intervals (
        meter_pk INTEGER NOT NULL REFERENCES meters(pk),
        t INTEGER NOT NULL,
        im REAL NOT NULL,
        ex REAL NOT NULL,
        estimated INTEGER NOT NULL,
        total REAL, self REAL, ext REAL,
        PRIMARY KEY (meter_pk, t)
      ) WITHOUT ROWID`);
      const ins = db.prepare('INSERT INTO intervals(meter_pk, t, im, ex, estimated, total, self, ext) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const r of db.prepare('SELECT meter_pk, day, data FROM interval_chunks ORDER BY meter_pk, day').all() as { meter_pk: number; day: number; data: Buffer }[]) {
        for (const row of rowsOf(r.meter_pk, r.day, r.data)) {
          ins.run(...row);
          n++;
        }
      }
      db.exec('DELETE FROM interval_chunks');
      db.prepare('DELETE FROM meta WHERE key = ?').run(CHUNKS_MOVED_KEY);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return n;
  } finally {
    db.close();
  }
}

/** the old table as PostgreSQL schema 4 has it (migration 1: partitioned by month, with a DEFAULT partition) */
export async function toLegacyPg(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`CREATE TABLE IF NOT EXISTS intervals (
      meter_pk integer NOT NULL, t bigint NOT NULL,
      im double precision NOT NULL, ex double precision NOT NULL, estimated smallint NOT NULL,
      total double precision, self double precision, ext double precision,
      PRIMARY KEY (meter_pk, t)
    ) PARTITION BY RANGE (t)`);
    await c.query('CREATE TABLE IF NOT EXISTS intervals_default PARTITION OF intervals DEFAULT');
    await c.query('SET extra_float_digits = 3');
    const chunks = (await c.query<{ meter_pk: number; day: string; data: Buffer }>('SELECT meter_pk, day, data FROM interval_chunks ORDER BY meter_pk, day')).rows;
    const rows = chunks.flatMap((r) => rowsOf(r.meter_pk, Number(r.day), r.data));
    for (let i = 0; i < rows.length; i += 5000) {
      const part = rows.slice(i, i + 5000);
      const col = (k: number) => part.map((r) => r[k]);
      await c.query(
        `INSERT INTO intervals(meter_pk, t, im, ex, estimated, total, self, ext)
         SELECT * FROM unnest($1::int[], $2::int8[], $3::float8[], $4::float8[], $5::int2[], $6::float8[], $7::float8[], $8::float8[])`,
        [col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7)],
      );
    }
    await c.query('DELETE FROM interval_chunks');
    await c.query('DELETE FROM meta WHERE key = $1', [CHUNKS_MOVED_KEY]);
    await c.query('COMMIT');
    return rows.length;
  } finally {
    await c.end();
  }
}
