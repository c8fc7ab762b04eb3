/**
 * The gateway's store and forward: every energy reading is committed here
 * (SQLite, WAL, synchronous FULL: on disk before the call returns) before
 * anything else happens to it, and leaves only when the server has answered
 * 200 for it, or into `rejected` with the server's reason.
 *
 * Disk bound: at most `maxReadings` rows wait (about 29 bytes each on disk, measured). Past
 * it the oldest are deleted, and each such loss is recorded in `dropped`
 * (count and span), logged and shown in the status: never silently.
 */
import Database from 'better-sqlite3';

export type RegisterKind = 'electricity' | 'heat' | 'volume';

export interface NewReading {
  primAd: number;
  ts: number;
  kind: RegisterKind;
  /** en_im, heat_energy_kwh or vol_m3 */
  a: number;
  /** en_ex (electricity only) */
  b: number | null;
}

export interface QueuedReading extends NewReading {
  id: number;
}

export interface DroppedSpan {
  at: number;
  count: number;
  fromTs: number;
  toTs: number;
  reason: string;
}

export interface ReadingQueue {
  /** commits the readings (one transaction); returns how many the disk bound pushed out, if any */
  add(readings: NewReading[], now: number): DroppedSpan | null;
  /** the oldest `n` waiting readings, oldest first; after `afterId` when given (the batch after one in flight) */
  oldest(n: number, afterId?: number): QueuedReading[];
  /** the server took these (stored or duplicates): forget them */
  remove(ids: number[]): void;
  /** the server refused these: keep them aside with the reason, never sent again */
  reject(items: { id: number; reason: string; message: string }[], now: number): void;
  /** a reading refused before queueing (bad clock): kept aside the same way */
  rejectNew(r: NewReading, reason: string, message: string, now: number): void;
  depth(): number;
  oldestTs(): number | null;
  /** readings ever committed (survives restarts) */
  committedTotal(): number;
  rejectedCount(): number;
  dropped(): { count: number; spans: DroppedSpan[] };
  close(): void;
}

const KIND_CODE: Record<RegisterKind, number> = { electricity: 0, heat: 1, volume: 2 };
const KIND_OF: RegisterKind[] = ['electricity', 'heat', 'volume'];

export function openReadingQueue(opts: { path: string; maxReadings: number }): ReadingQueue {
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  // FULL: a committed reading survives a power cut, not only a crash of the process
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY AUTOINCREMENT, prim_ad INTEGER NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL, a REAL NOT NULL, b REAL);
    CREATE TABLE IF NOT EXISTS rejected (id INTEGER PRIMARY KEY, prim_ad INTEGER NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL, a REAL NOT NULL, b REAL, reason TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS dropped (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, count INTEGER NOT NULL, from_ts INTEGER NOT NULL, to_ts INTEGER NOT NULL, reason TEXT NOT NULL);
  `);
  const insert = db.prepare('INSERT INTO readings (prim_ad, ts, kind, a, b) VALUES (?, ?, ?, ?, ?)');
  const selectOldest = db.prepare('SELECT id, prim_ad, ts, kind, a, b FROM readings WHERE id > ? ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM readings WHERE id = ?');
  const toRejected = db.prepare("INSERT OR REPLACE INTO rejected (id, prim_ad, ts, kind, a, b, reason, message, at) SELECT id, prim_ad, ts, kind, a, b, ?, ?, ? FROM readings WHERE id = ?");
  const newRejected = db.prepare('INSERT INTO rejected (prim_ad, ts, kind, a, b, reason, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  let count = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;

  const dropOldest = (n: number, now: number): DroppedSpan => {
    const span = db.prepare('SELECT min(ts) AS f, max(ts) AS t FROM (SELECT ts FROM readings ORDER BY id LIMIT ?)').get(n) as { f: number; t: number };
    db.prepare('DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)').run(n);
    const d: DroppedSpan = { at: now, count: n, fromTs: span.f, toTs: span.t, reason: `the queue reached its bound of ${opts.maxReadings} readings while the server could not be reached` };
    db.prepare('INSERT INTO dropped (at, count, from_ts, to_ts, reason) VALUES (?, ?, ?, ?, ?)').run(d.at, d.count, d.fromTs, d.toTs, d.reason);
    count -= n;
    return d;
  };

  const addTx = db.transaction((readings: NewReading[], now: number): DroppedSpan | null => {
    for (const r of readings) insert.run(r.primAd, r.ts, KIND_CODE[r.kind], r.a, r.b);
    count += readings.length;
    return count > opts.maxReadings ? dropOldest(count - opts.maxReadings, now) : null;
  });
  const removeTx = db.transaction((ids: number[]) => {
    for (const id of ids) count -= del.run(id).changes;
  });
  const rejectTx = db.transaction((items: { id: number; reason: string; message: string }[], now: number) => {
    for (const it of items) {
      toRejected.run(it.reason, it.message, now, it.id);
      count -= del.run(it.id).changes;
    }
  });

  return {
    add: (readings, now) => addTx(readings, now),
    oldest: (n, afterId = 0) => (selectOldest.all(afterId, n) as { id: number; prim_ad: number; ts: number; kind: number; a: number; b: number | null }[])
      .map((r) => ({ id: r.id, primAd: r.prim_ad, ts: r.ts, kind: KIND_OF[r.kind], a: r.a, b: r.b })),
    remove: (ids) => removeTx(ids),
    reject: (items, now) => rejectTx(items, now),
    rejectNew: (r, reason, message, now) => void newRejected.run(r.primAd, r.ts, KIND_CODE[r.kind], r.a, r.b, reason, message, now),
    depth: () => count,
    oldestTs: () => (db.prepare('SELECT ts FROM readings ORDER BY id LIMIT 1').get() as { ts: number } | undefined)?.ts ?? null,
    committedTotal: () => (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'readings'").get() as { seq: number } | undefined)?.seq ?? 0,
    rejectedCount: () => (db.prepare('SELECT count(*) AS n FROM rejected').get() as { n: number }).n,
    dropped: () => {
      const spans = (db.prepare('SELECT at, count, from_ts AS fromTs, to_ts AS toTs, reason FROM dropped ORDER BY id DESC LIMIT 20').all() as DroppedSpan[]);
      const total = (db.prepare('SELECT coalesce(sum(count), 0) AS n FROM dropped').get() as { n: number }).n;
      return { count: total, spans };
    },
    close: () => db.close(),
  };
}
