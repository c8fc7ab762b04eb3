/**
 * A database made by the release before chunk storage (test/fixtures/release-db)
 * is migrated in place, by `kwhub migrate` and by a server started on it, and
 * then serves byte for byte what that release exported from it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { CHUNKS_MOVED_KEY } from '../../src/store/migrate-chunks.js';
import { FIXTURE_ROWS, FIXTURE_SITE, copyFixture, expectedExports, exportHashes, kwhubExit, servedHashes } from '../helpers/release-fixture.js';

const expected = expectedExports();
const named = (hashes: string[]) => expected.map((e, i) => `${e.kind} ${e.what} ${e.freq} ${hashes[i]}`);
let dir: string;

function tables(path: string): { intervals: number | null; chunks: number; moved: string | null; version: number } {
  const db = new Database(path, { readonly: true });
  try {
    const hasOld = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intervals'").get() !== undefined;
    return {
      intervals: hasOld ? (db.prepare('SELECT count(*) AS n FROM intervals').get() as { n: number }).n : null,
      chunks: (db.prepare('SELECT count(*) AS n FROM interval_chunks').get() as { n: number }).n,
      moved: (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CHUNKS_MOVED_KEY) as string | undefined) ?? null,
      version: db.pragma('user_version', { simple: true }) as number,
    };
  } finally {
    db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kwhub-migrate-release-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a database of the release before chunk storage', () => {
  it('should be migrated by `kwhub migrate`: old table gone, chunks written, every export byte for byte as that release made it', async () => {
    const db = copyFixture(dir, 'migrate.sqlite');
    const r = await kwhubExit(['migrate', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`moved ${FIXTURE_ROWS.toLocaleString('en-US')} rows of 1 site`);
    expect(r.stdout).toContain('old intervals table dropped');
    // not a terminal: one plain line per site on stderr
    expect(r.stderr).toContain(`moved site ${FIXTURE_SITE} (1/1 sites)`);

    const t = tables(db);
    expect(t.intervals).toBeNull();
    expect(t.chunks).toBeGreaterThan(0);
    expect(t.moved).not.toBeNull();
    expect(t.version).toBeGreaterThan(9);

    expect(named(await exportHashes(db, expected))).toEqual(named(expected.map((e) => e.sha256)));

    expect(r.stdout).toContain('`kwhub migrate --vacuum` gives them back');

    // a second run finds nothing to move; --vacuum gives the old table's pages back to the disk
    const size = statSync(db).size;
    const again = await kwhubExit(['migrate', '--db', db, '--vacuum']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already in chunk storage');
    expect(again.stdout).toMatch(/vacuumed: [\d,]+ KiB given back/);
    expect(again.stderr).toBe('');
    expect(statSync(db).size).toBeLessThan(size);
    expect(await exportHashes(db, expected.slice(0, 3))).toEqual(expected.slice(0, 3).map((e) => e.sha256));
  }, 300_000);

  it('should be migrated by a server started on it, before it listens, which then serves the same answers', async () => {
    const db = copyFixture(dir, 'serve.sqlite');
    const server = await serve(db, { KWHUB_RATE_LIMIT_MAX: '0' });
    try {
      expect(server.output()).toContain(`moved site ${FIXTURE_SITE} (1/1 sites)`);
      expect(tables(db).intervals).toBeNull();
      expect(named(await servedHashes(server.url, expected))).toEqual(named(expected.map((e) => e.sha256)));
    } finally {
      await server.stop();
    }
  }, 300_000);
});
