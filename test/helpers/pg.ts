/**
 * A PostgreSQL server for the tests, when there is one: KWHUB_TEST_PG_URL
 * names a database on it that the tests may connect to as a user allowed to
 * create databases (postgres://postgres@127.0.0.1:55432/postgres, say). Each
 * test file takes a fresh, uniquely named database and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function pgTestUrl(): string | undefined {
  const url = process.env.KWHUB_TEST_PG_URL?.trim();
  return url ? url : undefined;
}

/** the same server and credentials, another database */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = pgTestUrl();
  if (!url) throw new Error('KWHUB_TEST_PG_URL is not set');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** creates an empty database on the test server; drop() removes it (closing what is still connected) */
export async function freshPgDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `kwhub_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(pgTestUrl()!, name),
    name,
    drop: () => admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }),
  };
}

/** runs one statement on a database, outside any store (for tests that look under the hood) */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, values?: unknown[]): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}
