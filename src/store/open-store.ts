import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { createSqliteLegacyIntervals } from './sqlite/sqlite-legacy-intervals.js';
import { moveIntervalsToChunks, type MoveProgress, type MoveResult } from './migrate-chunks.js';

/** true for a `--db` value that names a PostgreSQL database rather than a SQLite file */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

export interface OpenStoreOptions {
  /** reports the move of old interval rows into chunks, when a database from before chunk storage is opened */
  moveProgress?: MoveProgress;
}

/**
 * Opens the store a `--db` value names and brings it up to date: a
 * postgres:// or postgresql:// URL is a PostgreSQL database, anything else a
 * SQLite file path. Up to date means the schema migrations, then the data
 * migration into chunk storage (./migrate-chunks.ts: done once, resumable;
 * afterwards one meta lookup), so that nothing ever reads a half-moved database.
 */
export async function openStore(db: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) {
    // loaded on demand: a SQLite deployment never loads the PostgreSQL driver
    const { PgStore } = await import('./postgres/pg-store.js');
    const { describeConnectError } = await import('./postgres/pg-connect.js');
    const { createPgLegacyIntervals } = await import('./postgres/pg-legacy-intervals.js');
    const store = new PgStore({ url: db });
    try {
      await store.migrate();
    } catch (e) {
      await store.close().catch(() => undefined);
      throw describeConnectError(e, db) ?? e;
    }
    await closeOnError(store, () => moveIntervalsToChunks(store, createPgLegacyIntervals(store), { progress: opts.moveProgress }));
    return store;
  }
  const store = new SqliteStore({ path: db });
  await closeOnError(store, async () => {
    await store.migrate();
    await moveIntervalsToChunks(store, createSqliteLegacyIntervals(store), { progress: opts.moveProgress });
  });
  return store;
}

async function closeOnError(store: Store, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

export type { MoveProgress, MoveResult };
