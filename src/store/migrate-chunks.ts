/**
 * The data migration of columnar storage: every row of the old `intervals`
 * table (one row per meter and 15-minute interval, schema ≤ SQLite 9 /
 * PostgreSQL 4) is moved into `interval_chunks` (one row per meter and UTC
 * day, src/store/chunks.ts), site by site, in place.
 *
 * Each site is one transaction: its chunks are written, what the store then
 * serves for the site's 15-minute data is fingerprinted through the store's
 * own read methods (reading inside the transaction, so the new chunks), and
 * compared with the same fingerprint of the old rows. Only when they are equal
 * are the site's old rows deleted and the transaction committed; otherwise it
 * rolls back, the old rows stay, and the move fails naming the site and both
 * checksums. A kill at any point therefore leaves each site either old or
 * moved, and a rerun continues with the sites still holding old rows. When
 * none are left the old table is dropped and `meta` records the move as
 * complete, so later starts do not look again.
 *
 * The engine parts (SQL, transactions) are behind `LegacyIntervals`
 * (sqlite/sqlite-legacy-intervals.ts, postgres/pg-legacy-intervals.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { KwhubError } from '../core/errors.js';
import { SITE_FIELDS, type IntervalCounts, type MeterIntervalColumns, type Store } from './store.js';
import { SLOT_MS, chunksForWrite, decodeChunk, encodeChunk, partialDays } from './chunks.js';

/** `meta` key set once the old table is gone: its value is when */
export const CHUNKS_MOVED_KEY = 'intervals_moved_to_chunks';

/** a site still holding old rows */
export interface LegacySite {
  site_id: string;
  rows: number;
}

/** the engine side of the move, within one site's transaction */
export interface LegacyTx {
  /** the store, reading inside this transaction (its uncommitted chunks visible) */
  view: Store;
  /** the site's old rows: first and last interval start, and how many (null: none left) */
  siteSpan(siteId: string): Promise<{ from: number; last: number; rows: number } | null>;
  /** a meter's old rows, ascending; NULL total reads 0 and NULL self/ext read NaN, as the old store served them */
  oldRows(meterId: string): Promise<MeterIntervalColumns>;
  /** the stored chunks of these days of one meter */
  chunks(meterId: string, days: number[]): Promise<Map<number, Uint8Array>>;
  /** data null: delete that chunk row */
  writeChunks(meterId: string, rows: { day: number; data: Uint8Array | null }[]): Promise<void>;
  /** deletes the site's old rows; returns how many */
  deleteOld(siteId: string): Promise<number>;
}

export interface LegacyIntervals {
  /** the sites with old rows, in a stable order; null when the old table is gone */
  pendingSites(): Promise<LegacySite[] | null>;
  /** before a site's transaction (PostgreSQL: creates the partitions its chunks go to) */
  prepareSite?(siteId: string): Promise<void>;
  /** one write transaction (serialised against other movers); a throw rolls it back */
  inTransaction<T>(fn: (tx: LegacyTx) => Promise<T>): Promise<T>;
  /** in one transaction: drops the old table if it holds no row (or is gone); else returns how many it holds */
  dropIfEmpty(): Promise<number>;
}

export interface MoveProgress {
  /** before the first site: how much there is to move */
  start(info: { sites: number; rows: number }): void;
  /** after each site committed */
  site(info: { siteId: string; done: number; total: number; rows: number; movedRows: number; totalRows: number; elapsedMs: number }): void;
  /** at the end (also when there was nothing to do) */
  finish(result: MoveResult): void;
}

export interface MoveResult {
  /** the move was recorded complete before this run: nothing looked at */
  alreadyDone: boolean;
  sites: number;
  rows: number;
  chunks: number;
  /** the old table was dropped by this run */
  dropped: boolean;
  ms: number;
}

export interface MoveOptions {
  progress?: MoveProgress;
  /** test hooks (see moveIntervalsToChunks): from KWHUB_TEST_MIGRATE_* when not given */
  testHooks?: TestHooks;
}

/**
 * Test-only hooks, read from the environment by default, so that tests of the
 * CLI as a subprocess can stop or corrupt a move at a precise point rather
 * than at a time:
 * - KWHUB_TEST_MIGRATE_KILL_AFTER=N: SIGKILL this process after N sites committed;
 * - KWHUB_TEST_MIGRATE_KILL_INSIDE=N: SIGKILL it inside site N+1's transaction, its chunks written, before commit;
 * - KWHUB_TEST_MIGRATE_CORRUPT=1: change one value of the first chunk written, before the after-checksum.
 */
export interface TestHooks {
  killAfter?: number;
  killInside?: number;
  corrupt?: boolean;
}

export function testHooksFromEnv(env: NodeJS.ProcessEnv = process.env): TestHooks {
  const n = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return { killAfter: n(env.KWHUB_TEST_MIGRATE_KILL_AFTER), killInside: n(env.KWHUB_TEST_MIGRATE_KILL_INSIDE), corrupt: env.KWHUB_TEST_MIGRATE_CORRUPT === '1' };
}

/** Moves every old interval row into chunks (see the header). Cheap when already done: one meta lookup. */
export async function moveIntervalsToChunks(store: Store, legacy: LegacyIntervals, opts: MoveOptions = {}): Promise<MoveResult> {
  const t0 = Date.now();
  const result: MoveResult = { alreadyDone: false, sites: 0, rows: 0, chunks: 0, dropped: false, ms: 0 };
  if ((await store.getMeta(CHUNKS_MOVED_KEY)) !== null) {
    result.alreadyDone = true;
    opts.progress?.finish(result);
    return result;
  }
  const hooks = opts.testHooks ?? testHooksFromEnv();
  // rounds: rows that appear after a round (an older kWhub still writing during a rolling upgrade) are moved by the next
  for (let round = 1; ; round++) {
    const pending = await legacy.pendingSites();
    if (pending === null) break;
    const totalRows = pending.reduce((s, x) => s + x.rows, 0);
    if (pending.length > 0) opts.progress?.start({ sites: pending.length, rows: totalRows });
    for (const [i, p] of pending.entries()) {
      await legacy.prepareSite?.(p.site_id);
      const moved = await legacy.inTransaction((tx) => moveSite(tx, p.site_id, { corrupt: hooks.corrupt === true && i === 0, killInside: hooks.killInside === i }));
      // 0 rows: another process moved this site meanwhile
      if (moved.rows > 0) result.sites++;
      result.rows += moved.rows;
      result.chunks += moved.chunks;
      opts.progress?.site({ siteId: p.site_id, done: i + 1, total: pending.length, rows: moved.rows, movedRows: result.rows, totalRows, elapsedMs: Date.now() - t0 });
      if (hooks.killAfter === i + 1) process.kill(process.pid, 'SIGKILL');
    }
    const left = await legacy.dropIfEmpty();
    if (left === 0) {
      result.dropped = true;
      break;
    }
    if (pending.length === 0) {
      throw new KwhubError('internal', `the old intervals table still holds ${left} rows of meters that belong to no site: not dropped; inspect them, delete them by hand, and run \`kwhub migrate\` again`);
    }
    if (round === 3) {
      throw new KwhubError('internal', `old interval rows keep appearing (${left} now): is an older kWhub still running on this database? Stop it, then run \`kwhub migrate\` again`);
    }
  }
  await store.setMeta(CHUNKS_MOVED_KEY, new Date().toISOString());
  result.ms = Date.now() - t0;
  opts.progress?.finish(result);
  return result;
}

async function moveSite(tx: LegacyTx, siteId: string, hooks: { corrupt: boolean; killInside: boolean }): Promise<{ rows: number; chunks: number }> {
  // read again inside the transaction: another mover may have done this site meanwhile
  const span = await tx.siteSpan(siteId);
  if (span === null) return { rows: 0, chunks: 0 };
  const from = span.from;
  const to = span.last + SLOT_MS;
  const meterIds = (await tx.view.listMeters(siteId)).map((m) => m.id);

  // before: fingerprint the old rows (meter by meter: a site-year is millions of rows) and write their chunks
  const before = createHash('sha256');
  const slots = Math.round((to - from) / SLOT_MS);
  const counts = { present: new Float64Array(slots), estimated: new Float64Array(slots) };
  const last = new Float64Array(meterIds.length).fill(NaN);
  let chunks = 0;
  let corruptPending = hooks.corrupt;
  for (const [k, id] of meterIds.entries()) {
    const cols = await tx.oldRows(id);
    hashMeter(before, id, cols, cols);
    for (let i = 0; i < cols.t.length; i++) {
      const s = Math.round((cols.t[i] - from) / SLOT_MS);
      counts.present[s]++;
      counts.estimated[s] += cols.estimated[i];
    }
    const n = cols.t.length;
    if (n === 0) continue;
    last[k] = cols.t[n - 1];
    const mFrom = cols.t[0];
    const mTo = cols.t[n - 1] + SLOT_MS;
    const rows = chunksForWrite(mFrom, mTo, cols, await tx.chunks(id, partialDays(mFrom, mTo)));
    if (corruptPending) {
      const r = rows.find((x) => x.data !== null)!;
      const c = decodeChunk(r.data!);
      c.im[c.present.indexOf(1)] += 1;
      r.data = encodeChunk(c);
      corruptPending = false;
    }
    await tx.writeChunks(id, rows);
    chunks += rows.filter((r) => r.data !== null).length;
  }
  hashSite(before, compactCounts(counts, from), last);
  const siteAlloc = await tx.view.readSiteAlloc(siteId, from, to);
  hashColumns(before, [siteAlloc.t, ...SITE_FIELDS.map((f) => siteAlloc.fields[f])]);

  if (hooks.killInside) process.kill(process.pid, 'SIGKILL');

  // after: the same fingerprint of what the store now serves
  const after = createHash('sha256');
  for (const id of meterIds) {
    const [iv] = await tx.view.readIntervals([id], from, to);
    hashMeter(after, id, iv, await tx.view.readMeterAlloc(id, from, to));
  }
  const last2 = (await tx.view.lastIntervals(meterIds)).map((x) => x ?? NaN);
  hashSite(after, await tx.view.intervalCounts(meterIds, from, to), Float64Array.from(last2));
  const siteAlloc2 = await tx.view.readSiteAlloc(siteId, from, to);
  hashColumns(after, [siteAlloc2.t, ...SITE_FIELDS.map((f) => siteAlloc2.fields[f])]);

  const b = before.digest('hex');
  const a = after.digest('hex');
  if (a !== b) {
    throw new KwhubError('internal', `site ${siteId}: the intervals read back from chunks differ from the old rows (checksum before ${b}, after ${a}); rolled back, the site keeps its old rows. This is a bug: please report it with this line`);
  }
  const rows = await tx.deleteOld(siteId);
  if (rows !== span.rows) throw new KwhubError('internal', `site ${siteId}: deleted ${rows} old rows but moved ${span.rows}; rolled back`);
  return { rows, chunks };
}

/** a meter's served 15-minute data: readIntervals' and readMeterAlloc's columns, every float's bits */
function hashMeter(h: Hash, id: string, iv: { t: Float64Array; im: Float64Array; ex: Float64Array; estimated: Uint8Array }, alloc: { t: Float64Array; total: Float64Array; self: Float64Array; ext: Float64Array }): void {
  h.update(`meter ${id}\n`);
  hashColumns(h, [iv.t, iv.im, iv.ex, iv.estimated, alloc.t, alloc.total, alloc.self, alloc.ext]);
}

/** the site's coverage counts (intervalCounts) and each meter's last interval (lastIntervals) */
function hashSite(h: Hash, counts: IntervalCounts, last: Float64Array): void {
  h.update('site\n');
  hashColumns(h, [counts.t, counts.present, counts.estimated, last]);
}

function hashColumns(h: Hash, cols: ArrayBufferView[]): void {
  for (const c of cols) {
    // the length first, so that two different splits of the same bytes hash differently
    h.update(`${c.byteLength}:`);
    h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  }
}

/** intervalCounts' shape (only the starts where some meter has an interval) from dense per-slot counts */
function compactCounts(c: { present: Float64Array; estimated: Float64Array }, from: number): IntervalCounts {
  let n = 0;
  for (let s = 0; s < c.present.length; s++) if (c.present[s] > 0) n++;
  const out: IntervalCounts = { t: new Float64Array(n), present: new Float64Array(n), estimated: new Float64Array(n) };
  let o = 0;
  for (let s = 0; s < c.present.length; s++) {
    if (c.present[s] === 0) continue;
    out.t[o] = from + s * SLOT_MS;
    out.present[o] = c.present[s];
    out.estimated[o] = c.estimated[s];
    o++;
  }
  return out;
}
