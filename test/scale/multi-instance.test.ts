/**
 * Several stateless instances on one PostgreSQL and one Redis: the limits,
 * tokens, grants and data of one are those of all. Runs when
 * KWHUB_TEST_PG_URL and KWHUB_TEST_REDIS_URL are set (.ci/run sets both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/server.js';
import { freePort } from '../helpers/cli.js';
import { freshPgDatabase, pgTestUrl } from '../helpers/pg.js';

const pgUrl = pgTestUrl();
const redisUrl = process.env.KWHUB_TEST_REDIS_URL;
const ADMIN = 'scale-admin-token-0123456789abcdef';
const bin = new URL('../../bin/kwhub.js', import.meta.url).pathname;

interface Instance {
  url: string;
  child: ChildProcess;
}

async function startInstance(db: string, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--db', db, '--redis', redisUrl!, '--port', String(port)], {
    env: { ...process.env, KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`instance exited (${code}): ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const stop = (i: Instance) => new Promise<void>((resolve) => {
  if (i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
  i.child.once('exit', () => resolve());
  i.child.kill('SIGTERM');
});

const SITE = 'a1a1a1a1a1a1a1a1a1a1a1a1';
const METER = 'b2b2b2b2b2b2b2b2b2b2b2b2';
const GRID = 'c3c3c3c3c3c3c3c3c3c3c3c3';
const T0 = Date.UTC(2024, 4, 1);

describe.skipIf(!pgUrl || !redisUrl)('three instances on one PostgreSQL and one Redis', () => {
  let db: { url: string; drop(): Promise<void> };
  let A: Instance;
  let B: Instance;
  let C: Instance;
  let gatewayToken = '';
  const admin = (i: Instance, method: string, path: string, json?: unknown) => request(i.url, method, `/api/admin/v1${path}`, { token: ADMIN, json });

  beforeAll(async () => {
    db = await freshPgDatabase();
    // all three start at once: migrations must serialize themselves
    [A, B, C] = await Promise.all([startInstance(db.url), startInstance(db.url), startInstance(db.url)]);
    expect((await admin(A, 'POST', '/sites', {
      id: SITE, site_ref: 'SCALE', name: 'Scale', address: { street_name: 'a', street_number: '1', city: 'Winterthur', postal_code: 8400 },
      latitude: 47.5, longitude: 8.72, timezone: 'Europe/Zurich',
    })).status).toBe(201);
    expect((await admin(B, 'POST', `/sites/${SITE}/meters`, { id: METER, name: 'Apt', type: 'electricity', mode: 'consumption', prim_ad: 1 })).status).toBe(201);
    expect((await admin(C, 'POST', `/sites/${SITE}/meters`, { id: GRID, name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 2 })).status).toBe(201);
    expect((await admin(A, 'POST', '/developers', { username: 'scale-dev', password: 'scale-password' })).status).toBe(201);
    expect((await admin(A, 'POST', '/developers/scale-dev/grants', { site_id: SITE, consent_ref: 'test' })).status).toBe(201);
    gatewayToken = (await admin(A, 'POST', `/sites/${SITE}/gateways`, { name: 'gw' })).body.token;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([A, B, C].filter(Boolean).map(stop));
    await db?.drop();
  });

  const login = async (i: Instance) => (await request(i.url, 'POST', '/api/v1/auth', { json: { username: 'scale-dev', password: 'scale-password' } })).body.access_token as string;

  it('should refuse the second call of a developer to one endpoint within a second, through another instance (429)', async () => {
    const token = await login(A);
    const first = await request(A.url, 'GET', `/api/v1/meter_info/${SITE}`, { token });
    const second = await request(B.url, 'GET', `/api/v1/meter_info/${SITE}`, { token });
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('should serve through instance C the readings pushed through instance A', async () => {
    const meters = [];
    for (let k = 0; k <= 96; k++) {
      meters.push({ meter_id: METER, timestamp: T0 + k * 900_000, en_im: 100 + k * 0.25, en_ex: 0 });
      meters.push({ meter_id: GRID, timestamp: T0 + k * 900_000, en_im: 500 + k * 0.25, en_ex: 0 });
    }
    const push = await request(A.url, 'POST', '/api/gateway/v1/readings', { token: gatewayToken, json: { meters } });
    expect(push.status).toBe(200);
    expect(push.body.stored).toBe(meters.length);
    const token = await login(C);
    const rows = await request(C.url, 'POST', `/api/v1/meter_data/${SITE}/${METER}`, { token, json: { t_s: '2024-05-01', t_e: '2024-05-02' } });
    expect(rows.status).toBe(200);
    expect(rows.body).toHaveLength(96);
    for (const r of rows.body) expect(r.total).toBe(0.25);
  });

  it('should accept on B a token issued by A, and refuse on A at once a grant revoked through B', async () => {
    const token = await login(A);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await request(B.url, 'GET', `/api/v1/installation_infos/${SITE}`, { token })).status).toBe(200);
    expect((await admin(B, 'DELETE', `/developers/scale-dev/grants/${SITE}`)).status).toBe(204);
    // another endpoint than the one just called (its 1/s budget is spent), on the other instance, right away
    const after = await request(A.url, 'GET', `/api/v1/${SITE}/sensors_list`, { token });
    expect(after.status).toBe(404);
    expect(after.body.error).toBe('site.not_found');
    await admin(A, 'POST', '/developers/scale-dev/grants', { site_id: SITE, consent_ref: 'test' });
  });

  it('should lose no acknowledged reading when an instance is killed with -9 during a push, and deduplicate the retry', async () => {
    const D = await startInstance(db.url);
    const batchOf = (b: number) => {
      const meters = [];
      for (let k = 0; k < 2000; k++) {
        const step = 1000 + b * 2000 + k;
        meters.push({ meter_id: METER, timestamp: T0 + step * 900_000, en_im: 100 + step * 0.25, en_ex: 0 });
      }
      return { meters };
    };
    const acked: number[] = [];
    const refused: string[] = [];
    let unacked = -1;
    let finished = false;
    const pushes = (async () => {
      for (let b = 0; b < 40; b++) {
        try {
          const r = await request(D.url, 'POST', '/api/gateway/v1/readings', { token: gatewayToken, json: batchOf(b) });
          if (r.status === 200) acked.push(b);
          else refused.push(`batch ${b}: ${r.status} ${r.text.slice(0, 200)}`);
        } catch {
          unacked = b;
          return;
        }
      }
    })().finally(() => {
      finished = true;
    });
    // let a few batches through, then kill the instance in the middle of the next ones; bounded by the pushes themselves
    while (acked.length < 3 && !finished) await new Promise((r) => setTimeout(r, 5));
    if (acked.length < 3) {
      throw new Error(`the pushes ended before 3 batches were acknowledged (acknowledged: [${acked.join(', ')}]; refused: ${refused.join('; ') || 'none'}; connection lost at batch ${unacked})`);
    }
    D.child.kill('SIGKILL');
    await pushes;
    expect(refused, 'batches answered with another status than 200').toEqual([]);
    expect(unacked, `every batch (${acked.length}) was acknowledged before the kill: none was in flight, so the kill tested nothing`).toBeGreaterThanOrEqual(3);
    // the client retries the unacknowledged batch on another instance: whatever was stored is a duplicate
    const retry = await request(A.url, 'POST', '/api/gateway/v1/readings', { token: gatewayToken, json: batchOf(unacked) });
    expect(retry.status).toBe(200);
    expect(retry.body.stored + retry.body.duplicates).toBe(2000);
    expect(retry.body.rejected).toEqual([]);
    // every acknowledged reading is there (the acknowledged batches are 0 … unacked − 1, back to back)
    expect(acked).toEqual(Array.from({ length: unacked }, (_, i) => i));
    const token = await login(A);
    const from = T0 + 1000 * 900_000;
    const raw = await request(A.url, 'POST', `/api/v1/meter_data_raw/${SITE}/${METER}`, {
      token, json: { t_s: new Date(from).toISOString(), t_e: new Date(from + (unacked * 2000 - 1) * 900_000).toISOString() },
    });
    expect(raw.status).toBe(200);
    expect(raw.body).toHaveLength(unacked * 2000);
  }, 180_000);

  it('should give the same change feed, cursor for cursor, on every instance', async () => {
    // readings stop after the first day and start again 1000 quarter-hours in: the gap between is spread evenly,
    // and a late reading inside it that is off the straight line rewrites the gap's intervals
    const late = (k: number, extra: number) => ({ meters: [{ meter_id: METER, timestamp: T0 + k * 900_000, en_im: 100 + k * 0.25 + extra, en_ex: 0 }] });
    const feed = async (i: Instance, since?: string) => {
      const res = await request(i.url, 'GET', `/api/v1/changes/${SITE}${since ? `?since=${since}` : ''}`, { token: await login(i) });
      expect(res.status, res.text).toBe(200);
      return res.body as { changes: { cursor: string; kind: string; from: string; to: string }[]; cursor: string };
    };
    const pause = () => new Promise((r) => setTimeout(r, 1100)); // the feed's 1/s budget is shared by the instances
    // the readings of the tests before are validated first (a read runs a site's pending work; pushes are run
    // together a moment after their 200): the late reading below then rewrites history that was served
    const read = await request(A.url, 'POST', `/api/v1/meter_data/${SITE}/${METER}`, {
      token: await login(A), json: { t_s: new Date(T0).toISOString(), t_e: new Date(T0 + 86_400_000).toISOString(), sampling_frequency: 'D' },
    });
    expect(read.status, read.text).toBe(200);
    expect((await request(A.url, 'POST', '/api/gateway/v1/readings', { token: gatewayToken, json: late(200, 5) })).body.stored).toBe(1);
    const first = await feed(B);
    expect(first.changes.map((c) => c.kind)).toEqual(['data']);
    expect(first.changes[0].from).toBe('2024-05-02 02:00:00+02:00');
    expect(first.changes[0].to).toBe('2024-05-11 12:00:00+02:00');
    expect((await request(C.url, 'POST', '/api/gateway/v1/readings', { token: gatewayToken, json: late(300, 7) })).body.stored).toBe(1);
    await pause();
    const onC = await feed(C, first.cursor);
    await pause();
    const onB = await feed(B, first.cursor);
    await pause();
    const onA = await feed(A, first.cursor);
    expect(onC.changes).toHaveLength(1);
    expect(onC.changes[0].from).toBe('2024-05-03 04:00:00+02:00');
    expect(onB).toEqual(onC);
    expect(onA).toEqual(onC);
  }, 60_000);
});
