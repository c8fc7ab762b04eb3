/**
 * S1: stored bytes per validated interval and per raw reading, from the
 * database's own size functions (SQLite's dbstat virtual table, which the
 * SQLite of better-sqlite3 is built with; PostgreSQL's pg_total_relation_size
 * over every partition, TOAST and indexes included). Also gives the R-floors
 * their rows: what a plain read of the stored intervals returns, now that
 * they are chunks.
 *
 * Run alone on a database: `node --import tsx bench/sizes.ts <file.sqlite | postgres://…>`.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { allocFromChunks, chunkCounts, dayOf, type ChunkRow } from '../src/store/chunks.js';

/** what a validated interval costs: its chunk, the site's interval row, and the day sums */
export const INTERVAL_TABLES = ['interval_chunks', 'site_alloc', 'meter_alloc_day', 'site_alloc_day'] as const;

export interface Sizes {
  engine: 'SQLite' | 'PostgreSQL';
  /** bytes per table, indexes included */
  tables: Record<string, number>;
  intervals: number;
  readings: number;
  perInterval: number;
  perReading: number;
}

export interface ResultRow { id: string; work: string; baseline: string; value: string; base: string; ratio: string; target: string; met: boolean | null }

function presentIn(blobs: Iterable<Uint8Array>): number {
  let n = 0;
  for (const b of blobs) n += chunkCounts(b).present;
  return n;
}

export function sqliteSizes(path: string): Sizes {
  const db = new Database(path, { readonly: true });
  try {
    // a table's b-tree and its indexes' (a WITHOUT ROWID table is its primary key's b-tree)
    const q = db.prepare("SELECT coalesce(sum(pgsize), 0) AS b FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = ?)");
    const bytes = (t: string) => (q.get(t) as { b: number }).b;
    const tables: Record<string, number> = {};
    for (const t of [...INTERVAL_TABLES, 'raw_readings']) tables[t] = bytes(t);
    const intervals = presentIn((db.prepare('SELECT data FROM interval_chunks').raw(true).all() as [Buffer][]).map((r) => r[0]));
    const readings = (db.prepare('SELECT count(*) AS n FROM raw_readings').get() as { n: number }).n;
    return summary('SQLite', tables, intervals, readings);
  } finally {
    db.close();
  }
}

export async function pgSizes(url: string): Promise<Sizes> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables: Record<string, number> = {};
    for (const t of [...INTERVAL_TABLES, 'raw_readings']) {
      // the parent of a partitioned table holds nothing itself: its partitions do
      const r = await c.query(
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS b FROM pg_class c
         WHERE c.oid = $1::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)`,
        [t],
      );
      tables[t] = r.rows[0].b as number;
    }
    const blobs = (await c.query({ text: 'SELECT data FROM interval_chunks', rowMode: 'array' })).rows.map((r) => r[0] as Buffer);
    const readings = Number((await c.query('SELECT count(*) AS n FROM raw_readings')).rows[0].n);
    return summary('PostgreSQL', tables, presentIn(blobs), readings);
  } finally {
    await c.end();
  }
}

function summary(engine: Sizes['engine'], tables: Record<string, number>, intervals: number, readings: number): Sizes {
  const alloc = INTERVAL_TABLES.reduce((s, t) => s + tables[t], 0);
  return { engine, tables, intervals, readings, perInterval: intervals ? alloc / intervals : NaN, perReading: readings ? tables.raw_readings / readings : NaN };
}

/** the S1 rows of the results table for one database (a SQLite path or a postgres:// url) */
export async function sizeRows(db: string): Promise<ResultRow[]> {
  const s = db.startsWith('postgres') ? await pgSizes(db) : sqliteSizes(db);
  const pgTag = s.engine === 'PostgreSQL' ? ' pg' : '';
  const parts = INTERVAL_TABLES.map((t) => `${t} ${(s.tables[t] / 2 ** 20).toFixed(1)} MiB`).join(', ');
  const how = s.engine === 'SQLite' ? 'dbstat' : 'pg_total_relation_size, all partitions';
  return [
    {
      id: `S1${pgTag}`, work: `stored bytes per validated interval on ${s.engine} (${how}, indexes included): ${parts}, over ${s.intervals.toLocaleString('en')} meter-intervals`,
      baseline: 'two float64 and a flag', value: `${s.perInterval.toFixed(1)} B`, base: '17 B', ratio: `${(s.perInterval / 17).toFixed(2)}×`, target: '≤ 24 B', met: s.perInterval <= 24,
    },
    {
      id: `S1 raw${pgTag}`, work: `stored bytes per raw reading on ${s.engine} (raw_readings ${(s.tables.raw_readings / 2 ** 20).toFixed(1)} MiB over ${s.readings.toLocaleString('en')} readings)`,
      baseline: 'two float64 and a timestamp', value: `${s.perReading.toFixed(1)} B`, base: '24 B', ratio: `${(s.perReading / 24).toFixed(2)}×`, target: 'aim ≤ 50 B (reported)', met: null,
    },
  ];
}

/**
 * The rows of a plain read of one meter's allocation in [from, to), as the
 * R-floors stringify them: the stored chunks decoded, NaN as null (what a
 * SELECT of the old per-interval table gave).
 */
export function floorRows(chunks: ChunkRow[], from: number, to: number): { t: number; total: number; self: number | null; ext: number | null }[] {
  const c = allocFromChunks(chunks, from, to);
  const out = new Array<{ t: number; total: number; self: number | null; ext: number | null }>(c.t.length);
  for (let i = 0; i < c.t.length; i++) out[i] = { t: c.t[i], total: c.total[i], self: Number.isNaN(c.self[i]) ? null : c.self[i], ext: Number.isNaN(c.ext[i]) ? null : c.ext[i] };
  return out;
}

/** the floor's SELECT on SQLite: the chunk rows of one meter over [from, to) */
export function sqliteChunks(db: Database.Database, meterPk: number, from: number, to: number): ChunkRow[] {
  const rows = db.prepare('SELECT day, data FROM interval_chunks WHERE meter_pk = ? AND day >= ? AND day < ? ORDER BY day').raw(true).all(meterPk, dayOf(from), to) as [number, Buffer][];
  return rows.map(([day, data]) => ({ day, data }));
}

/** the same on PostgreSQL */
export async function pgChunks(c: pg.ClientBase, meterPk: number, from: number, to: number): Promise<ChunkRow[]> {
  const r = await c.query({ text: 'SELECT day::float8, data FROM interval_chunks WHERE meter_pk = $1 AND day >= $2 AND day < $3 ORDER BY day', values: [meterPk, dayOf(from), to], rowMode: 'array' });
  return r.rows.map((x) => ({ day: x[0] as number, data: x[1] as Buffer }));
}

if (process.argv[1]?.endsWith('sizes.ts') && process.argv[2]) {
  for (const r of await sizeRows(process.argv[2])) process.stdout.write(`${r.id}: ${r.value} (${r.work})\n`);
}
