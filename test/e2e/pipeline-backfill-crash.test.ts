/**
 * A backfill acknowledged but not yet validated survives a crash: a server
 * whose pipeline waits (a minute's settle delay, ten minutes' longest) takes a
 * week of six meters pushed meter by meter, is killed (-9) with all of it
 * pending, and the next start runs it with no reader asking; then the site
 * serves the same bytes as a site given the same readings in time order,
 * each push run on its own, before the crash. `kwhub serve` subprocesses on
 * one database (SQLite file, or PostgreSQL with KWHUB_TEST_ENGINE=postgres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { TEST_ADMIN_TOKEN, TEST_ENGINE, type TestServer } from '../helpers/server.js';
import { openStore } from '../../src/store/open-store.js';
import { answers, backfillSite, batches, firstDifference, meterOrder, renamed, timeOrder } from '../helpers/backfill.js';

const ENV = { KWHUB_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KWHUB_RATE_LIMIT_MAX: '0' };
const WAITING = { ...ENV, KWHUB_PIPELINE_SETTLE_MS: '60000', KWHUB_PIPELINE_MAX_DELAY_MS: '600000' };

let dir = '';
let db = '';
let drop: () => Promise<void> = async () => undefined;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-backfill-crash-'));
  if (TEST_ENGINE === 'postgres') {
    const pg = await freshPgDatabase();
    db = pg.url;
    drop = () => pg.drop();
  } else db = join(dir, 'kwhub.sqlite');
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await drop();
  await rm(dir, { recursive: true, force: true });
});

/** the pipeline helpers need a server's URL and operator token; the subprocess runs on the system clock */
const asTestServer = (url: string) => ({ url, adminToken: TEST_ADMIN_TOKEN, clock: { now: () => Date.now() } }) as unknown as TestServer;

/** the site's pending work as the database holds it */
async function pendingOf(siteId: string): Promise<number> {
  const store = await openStore(db);
  try {
    return (await store.listPending(siteId)).length;
  } finally {
    await store.close();
  }
}

describe('a backfill pending when the server is killed', () => {
  it('should be validated and allocated by the next start, serving what the time-ordered pushes serve', async () => {
    const first = await serve(db, WAITING);
    stops.push(first.stop);
    const a = await backfillSite(asTestServer(first.url), 'Time order', 'c3');
    const b = await backfillSite(asTestServer(first.url), 'Meter order', 'd4');
    for (const batch of batches(timeOrder(a), 300)) {
      await a.site.pushOk({ meters: batch });
      // a request about the site runs its pending work first, whatever the settle delay
      expect((await a.site.admin.get(`/sites/${a.site.siteId}`)).status).toBe(200);
    }
    expect(await pendingOf(a.site.siteId)).toBe(0);
    for (const batch of batches(meterOrder(b), 300)) await b.site.pushOk({ meters: batch });
    const pending = await pendingOf(b.site.siteId);
    expect(pending).toBeGreaterThan(0);

    first.child.kill('SIGKILL');
    await first.stop();
    expect(await pendingOf(b.site.siteId)).toBe(pending);

    const second = await serve(db, ENV);
    stops.push(second.stop);
    // no request about the site: the start resumes the work on its own (polled, bounded)
    let left = pending;
    for (let i = 0; i < 600 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await pendingOf(b.site.siteId);
    }
    expect(left).toBe(0);

    const x = await answers(a, second.url);
    const y = renamed(await answers(b, second.url), b, a);
    // the quality report says when each record was made: on the system clock here, so at other instants
    const recorded = (t: string) => t.replace(/"recorded_at":"[^"]*"/g, '"recorded_at":"…"');
    x.quality = recorded(x.quality);
    y.quality = recorded(y.quality);
    for (const key of Object.keys(x)) expect(firstDifference(y[key], x[key]), key).toBe(null);
    expect(JSON.parse(x['site_data 15T']).length).toBeGreaterThan(600);
  });
});
