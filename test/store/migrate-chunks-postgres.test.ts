/**
 * The same move on PostgreSQL: the release fixture's deployment, copied to
 * PostgreSQL and put back into the layout of schema 4 (one `intervals` row per
 * meter and interval), is migrated by `kwhub migrate` and then exports byte for
 * byte what the release exported. A corrupted chunk rolls the site back there too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNKS_MOVED_KEY } from '../../src/store/migrate-chunks.js';
import { serve } from '../helpers/cli.js';
import { freshPgDatabase, pgQuery, pgTestUrl } from '../helpers/pg.js';
import { toLegacyPg } from '../helpers/legacy-intervals.js';
import { FIXTURE_SITE, copyFixture, expectedExports, exportHashes, kwhubExit, servedHashes } from '../helpers/release-fixture.js';

const expected = expectedExports();
const named = (hashes: string[]) => expected.map((e, i) => `${e.kind} ${e.what} ${e.freq} ${hashes[i]}`);

describe.skipIf(!pgTestUrl())('moving old interval rows into chunks on PostgreSQL', () => {
  let dir: string;
  let pgDb: Awaited<ReturnType<typeof freshPgDatabase>>;
  let oldRows: number;

  async function state() {
    const [{ r }] = await pgQuery<{ r: string | null }>(pgDb.url, "SELECT to_regclass('intervals')::text AS r");
    const old = r === null ? null : (await pgQuery<{ n: number }>(pgDb.url, 'SELECT count(*)::int AS n FROM intervals'))[0].n;
    const [{ n: chunks }] = await pgQuery<{ n: number }>(pgDb.url, 'SELECT count(*)::int AS n FROM interval_chunks');
    const moved = (await pgQuery(pgDb.url, 'SELECT 1 FROM meta WHERE key = $1', [CHUNKS_MOVED_KEY])).length === 1;
    return { old, chunks, moved };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kwhub-migrate-pg-'));
    pgDb = await freshPgDatabase();
    const sqlite = copyFixture(dir);
    const copied = await kwhubExit(['copy', '--from', sqlite, '--to', pgDb.url, '--quiet']);
    expect(copied.code, copied.stderr + copied.stdout).toBe(0);
    oldRows = await toLegacyPg(pgDb.url);
    expect(oldRows).toBeGreaterThan(10_000);
  }, 300_000);

  afterAll(async () => {
    await pgDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should roll the site back and fail naming it when a chunk does not read back as the old rows', async () => {
    const r = await kwhubExit(['migrate', '--db', pgDb.url], { KWHUB_TEST_MIGRATE_CORRUPT: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`site ${FIXTURE_SITE}: .*checksum before [0-9a-f]{64}, after [0-9a-f]{64}`));
    expect(await state()).toEqual({ old: oldRows, chunks: 0, moved: false });
  }, 300_000);

  it('should move every row once with two instances migrating together, drop the old table, and export byte for byte what the release exported', async () => {
    const both = await Promise.all([kwhubExit(['migrate', '--db', pgDb.url]), kwhubExit(['migrate', '--db', pgDb.url])]);
    for (const x of both) expect(x.code, x.stderr).toBe(0);
    // one of them moved the site; the other found it done (or waited for it)
    const r = both.find((x) => x.stdout.includes('moved '))!;
    expect(r, both.map((x) => x.stdout).join('\n')).toBeDefined();
    expect(r.stdout).toContain(`moved ${oldRows.toLocaleString('en-US')} rows of 1 site`);
    expect(r.stderr).toContain(`moved site ${FIXTURE_SITE} (1/1 sites)`);
    const s = await state();
    expect(s.old).toBeNull();
    expect(s.chunks).toBeGreaterThan(0);
    expect(s.moved).toBe(true);
    // the chunks went to their monthly partitions, not to the DEFAULT one
    const [{ n }] = await pgQuery<{ n: number }>(pgDb.url, 'SELECT count(*)::int AS n FROM interval_chunks_default');
    expect(n).toBe(0);
    // `kwhub export` of the site_data lines, and every line from a server on the migrated database
    const siteLines = expected.filter((e) => e.kind === 'site_data');
    expect(await exportHashes(pgDb.url, siteLines)).toEqual(siteLines.map((e) => e.sha256));
    const server = await serve(pgDb.url, { KWHUB_RATE_LIMIT_MAX: '0' });
    try {
      expect(named(await servedHashes(server.url, expected))).toEqual(named(expected.map((e) => e.sha256)));
    } finally {
      await server.stop();
    }
  }, 300_000);
});
