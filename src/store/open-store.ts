import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** true for a `--db` value that names a PostgreSQL database rather than a SQLite file */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Opens the store a `--db` value names and brings its schema up to date:
 * a postgres:// or postgresql:// URL is a PostgreSQL database, anything else
 * a SQLite file path.
 */
export async function openStore(db: string): Promise<Store> {
  if (isPostgresUrl(db)) {
    // loaded on demand: a SQLite deployment never loads the PostgreSQL driver
    const { PgStore } = await import('./postgres/pg-store.js');
    const { describeConnectError } = await import('./postgres/pg-connect.js');
    const store = new PgStore({ url: db });
    try {
      await store.migrate();
    } catch (e) {
      await store.close().catch(() => undefined);
      throw describeConnectError(e, db) ?? e;
    }
    return store;
  }
  const store = new SqliteStore({ path: db });
  await store.migrate();
  return store;
}
