import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** Opens the store a `--db` value names and brings its schema up to date. */
export async function openStore(db: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    throw new Error('PostgreSQL is not supported by this build yet: use a SQLite file path for --db / KWHUB_DB');
  }
  const store = new SqliteStore({ path: db });
  await store.migrate();
  return store;
}
