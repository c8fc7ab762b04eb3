/**
 * The move into chunk storage is resumable and verified: killed (SIGKILL) after
 * a site or inside a site's transaction, a rerun ends where an uninterrupted
 * run ends, bit for bit, and the served data never changes; a chunk that does
 * not read back as the old rows rolls the site back and fails naming it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNKS_MOVED_KEY } from '../../src/store/migrate-chunks.js';
import { toLegacySqlite } from '../helpers/legacy-intervals.js';
import { FIXTURE_ROWS, FIXTURE_SITE, copyFixture, expectedExports, exportHashes, kwhubExit, type Exit } from '../helpers/release-fixture.js';

const NOW = '2026-03-30T10:00:00Z';
let dir: string;
/** two demo sites of 20 days, made with today's code, then put back into the old layout */
let legacy: string;
let sites: string[];
let legacyRows: number;
/** the exports of both sites before the database was put back into the old layout */
let servedBefore: string[];

function q<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function state(path: string) {
  return q(path, (db) => {
    const hasOld = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'intervals'").get() !== undefined;
    const perSite = (table: string) => Object.fromEntries((db.prepare(
      `SELECT s.id, count(*) AS n FROM ${table} x JOIN meters m ON m.pk = x.meter_pk JOIN sites s ON s.pk = m.site_pk GROUP BY s.id`,
    ).all() as { id: string; n: number }[]).map((r) => [r.id, r.n]));
    return {
      old: hasOld ? perSite('intervals') : null,
      chunks: perSite('interval_chunks'),
      moved: db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CHUNKS_MOVED_KEY) !== undefined,
    };
  });
}

/** every chunk row, bit for bit */
function chunkDigest(path: string): string {
  return q(path, (db) => {
    const h = createHash('sha256');
    for (const r of db.prepare('SELECT meter_pk, day, data FROM interval_chunks ORDER BY meter_pk, day').raw(true).iterate() as Iterable<[number, number, Buffer]>) {
      h.update(`${r[0]} ${r[1]} `).update(r[2]);
    }
    return h.digest('hex');
  });
}

/** what the sites serve at 15 minutes over March (all their data; day answers read the day sums, which do not move) */
async function served(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const site of sites) {
    for (const freq of ['15T']) {
      const r = await kwhubExit(['export', '--db', path, '--site', site, '--type', 'electricity', '--freq', freq, '--from', '2026-03-01', '--to', '2026-04-01']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(1000);
      out.push(`${site} ${freq} ${createHash('sha256').update(r.stdout).digest('hex')}`);
    }
  }
  return out;
}

function copy(name: string): string {
  const to = join(dir, name);
  copyFileSync(legacy, to);
  return to;
}

function expectKilled(r: Exit): void {
  expect(r.signal, `expected the test hook's SIGKILL; code ${r.code}, stderr: ${r.stderr}`).toBe('SIGKILL');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kwhub-migrate-resume-'));
  legacy = join(dir, 'legacy.sqlite');
  for (const seed of ['1', '2']) {
    const r = await kwhubExit(['demo', '--db', legacy, '--days', '20', '--seed', seed, '--now', NOW, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  sites = q(legacy, (db) => db.prepare('SELECT id FROM sites ORDER BY pk').pluck().all() as string[]);
  expect(sites).toHaveLength(2);
  servedBefore = await served(legacy);
  legacyRows = toLegacySqlite(legacy);
  expect(legacyRows).toBeGreaterThan(50_000);
}, 600_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('moving old interval rows into chunks', () => {
  let reference: string;

  it('should move a database of two sites in one run, and serve what it served before', async () => {
    const db = copy('whole.sqlite');
    expect(state(db).old).toEqual(Object.fromEntries(sites.map((s) => [s, expect.any(Number)])));
    const r = await kwhubExit(['migrate', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`moved ${legacyRows.toLocaleString('en-US')} rows of 2 sites`);
    expect(r.stderr).toContain(`moved site ${sites[0]} (1/2 sites)`);
    expect(r.stderr).toContain(`moved site ${sites[1]} (2/2 sites)`);
    expect(state(db)).toEqual({ old: null, chunks: Object.fromEntries(sites.map((s) => [s, expect.any(Number)])), moved: true });
    expect(await served(db)).toEqual(servedBefore);
    reference = chunkDigest(db);
  }, 300_000);

  it('should continue after a kill -9 between two sites with the site not done, and end as an uninterrupted run', async () => {
    const db = copy('killed-after.sqlite');
    expectKilled(await kwhubExit(['migrate', '--db', db], { KWHUB_TEST_MIGRATE_KILL_AFTER: '1' }));
    const mid = state(db);
    expect(Object.keys(mid.old!)).toEqual([sites[1]]);
    expect(Object.keys(mid.chunks)).toEqual([sites[0]]);
    expect(mid.moved).toBe(false);

    const r = await kwhubExit(['migrate', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`moved site ${sites[1]} (1/1 sites)`);
    expect(r.stderr).not.toContain(sites[0]);
    expect(state(db).old).toBeNull();
    expect(chunkDigest(db)).toBe(reference);
    expect(await served(db)).toEqual(servedBefore);
  }, 300_000);

  it('should leave a site wholly old after a kill -9 inside its transaction (chunks written, not committed), and a rerun end the same', async () => {
    const db = copy('killed-inside.sqlite');
    const before = state(db);
    expectKilled(await kwhubExit(['migrate', '--db', db], { KWHUB_TEST_MIGRATE_KILL_INSIDE: '1' }));
    const mid = state(db);
    // the first site was committed; the second's half-done transaction is gone with the process
    expect(mid.old).toEqual({ [sites[1]]: before.old![sites[1]] });
    expect(Object.keys(mid.chunks)).toEqual([sites[0]]);

    const r = await kwhubExit(['migrate', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(state(db).old).toBeNull();
    expect(chunkDigest(db)).toBe(reference);
    expect(await served(db)).toEqual(servedBefore);
  }, 300_000);

  it('should end the same when two processes migrate one file at once (one waits for the other to finish a site)', async () => {
    const db = copy('together.sqlite');
    const both = await Promise.all([kwhubExit(['migrate', '--db', db]), kwhubExit(['migrate', '--db', db])]);
    for (const x of both) expect(x.code, x.stderr).toBe(0);
    // each site was moved by exactly one of them
    for (const site of sites) expect(both.filter((x) => x.stderr.includes(`moved site ${site} (`)), both.map((x) => x.stderr).join('\n')).toHaveLength(1);
    expect(state(db).old).toBeNull();
    expect(chunkDigest(db)).toBe(reference);
  }, 300_000);

  it('should roll a site back and fail naming it and both checksums when its chunks do not read back as its rows', async () => {
    const db = copyFixture(dir, 'corrupt.sqlite');
    const r = await kwhubExit(['migrate', '--db', db], { KWHUB_TEST_MIGRATE_CORRUPT: '1' });
    expect(r.code).toBe(1);
    const m = /site (\w+): .*checksum before ([0-9a-f]{64}), after ([0-9a-f]{64})/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![1]).toBe(FIXTURE_SITE);
    expect(m![2]).not.toBe(m![3]);
    // nothing changed: the old rows all there, no chunk, not marked done
    expect(state(db)).toEqual({ old: { [FIXTURE_SITE]: FIXTURE_ROWS }, chunks: {}, moved: false });

    // without the corruption the same file migrates, and serves what the release served
    const again = await kwhubExit(['migrate', '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    const lines = expectedExports().filter((e) => e.kind === 'site_data' && e.what === 'electricity');
    expect(await exportHashes(db, lines)).toEqual(lines.map((e) => e.sha256));
  }, 300_000);
});
