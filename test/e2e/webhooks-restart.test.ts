/**
 * Webhook deliveries live in the database: a server killed (-9) while a
 * delivery waits for its retry delivers it after a restart, under the same
 * delivery id. The servers are `kwhub serve` subprocesses on one database
 * (SQLite file, or PostgreSQL with KWHUB_TEST_ENGINE=postgres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { TEST_ADMIN_TOKEN, TEST_ENGINE, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, createPipelineSite, indexSeries, isoZ } from '../helpers/pipeline.js';
import { startReceiver } from '../helpers/receiver.js';

const D0 = Date.UTC(2024, 9, 7);
const LATE = D0 + DAY + 10 * HOUR;
const ENV = {
  KWHUB_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true', KWHUB_WEBHOOK_RETRY_BASE_MS: '1500',
  KWHUB_WEBHOOK_POLL_MS: '50', KWHUB_RATE_LIMIT_MAX: '0',
};

let dir = '';
let db = '';
let drop: () => Promise<void> = async () => undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-hooks-'));
  if (TEST_ENGINE === 'postgres') {
    const pg = await freshPgDatabase();
    db = pg.url;
    drop = () => pg.drop();
  } else db = join(dir, 'kwhub.sqlite');
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await receiver?.close();
  await drop();
  await rm(dir, { recursive: true, force: true });
});

describe('webhook deliveries across a crash', () => {
  it('should deliver after a restart what a killed server was retrying', async () => {
    const first = await serve(db, ENV);
    stops.push(first.stop);
    // the pipeline helpers need only the URL and the operator token of a server
    const S = await createPipelineSite({ url: first.url, adminToken: TEST_ADMIN_TOKEN } as TestServer, { name: 'Crash', timezone: 'UTC' });
    const apt = await S.meter({ name: 'Apt', prim_ad: 11 });
    const all = indexSeries(apt, D0, D0 + 2 * DAY, (t) => ({ im: 0.25 + 0.125 * (new Date(t).getUTCHours() % 3), ex: 0 }));
    await S.pushOk({ meters: all.filter((r) => r.timestamp !== isoZ(LATE)) });
    const hook = await S.admin.post(`/developers/${S.developer.username}/webhooks`, { url: `${receiver.url}/crash`, secret: 'crash-test-secret-0123456789' });
    expect(hook.status).toBe(201);

    receiver.plan.splice(0, receiver.plan.length, { status: 500 });
    await S.pushOk({ meters: all.filter((r) => r.timestamp === isoZ(LATE)) });
    const [failed] = await receiver.wait(1, '/crash');
    expect(failed).toBeDefined();
    // the failure is recorded at once; the retry is 1.5 s away: kill the server in between
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.stop();

    receiver.plan.splice(0, receiver.plan.length, { status: 200 });
    const second = await serve(db, ENV);
    stops.push(second.stop);
    const got = await receiver.wait(2, '/crash');
    expect(got).toHaveLength(2);
    expect(got[1].headers['x-kwhub-delivery-id']).toBe(failed.headers['x-kwhub-delivery-id']);
    expect(got[1].body).toBe(failed.body);
    // the receiver has the request before the sender has recorded its answer: read the log until it has (bounded)
    type Log = { deliveries: { status: string; attempts: number; log: { status: number }[] }[] };
    let body: Log = { deliveries: [] };
    for (let i = 0; i < 100 && body.deliveries[0]?.status !== 'delivered'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const log = await fetch(`${second.url}/api/admin/v1/developers/${S.developer.username}/webhooks/${hook.body.id}/deliveries`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      body = (await log.json()) as Log;
    }
    expect(body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(body.deliveries[0].log.map((a) => a.status)).toEqual([500, 200]);
  }, 60_000);
});
