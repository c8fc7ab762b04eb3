/**
 * Store and forward through an outage: the server is down for three
 * simulated days while the gateway keeps reading, and the gateway is
 * killed with SIGKILL twice meanwhile. When the server is back, every
 * reading the gateway ever committed arrives exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { demoMeterPlan } from '../../src/demo/meter-sim/plan.js';
import { clockSpec, devPost, editGatewayYaml, freePorts, getJson, login, QH, SEED, serveDemoSite, sleep, start, startServer, type Proc } from './processes.js';

const SPEED = 14_400; // four hours per second
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 19);

describe('an outage of three simulated days with two SIGKILLs of the gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-outage-'));
  const plan = demoMeterPlan(SEED);
  const procs: Proc[] = [];
  let site: Awaited<ReturnType<typeof serveDemoSite>>;
  let api: string;
  let serverPort: number;
  let start0: number;
  const seen: Record<string, any> = {};

  const status = async () => (await getJson(`${api}/api/v1/status`)).body;
  /** until the gateway's clock shows `t` and, when given, its queue holds at least `depth` readings (a loaded machine skips quarter-hours) */
  const untilSim = async (t: number, depth = 0) => {
    for (;;) {
      try {
        const s = await status();
        if (s.now >= t && s.queue.depth >= depth) return;
      } catch { /* the gateway is restarting */ }
      await sleep(100);
    }
  };

  beforeAll(async () => {
    let simPort: number, m1: number, m2: number, m3: number, apiPort: number;
    [serverPort, simPort, m1, m2, m3, apiPort] = await freePorts(6);
    site = await serveDemoSite(dir, serverPort);
    procs.push(site.server);
    start0 = Math.floor((Date.now() - 10 * DAY) / QH) * QH;
    const spec = clockSpec(start0, SPEED, Date.now() + 4000);
    const yaml = join(dir, 'gateway.yaml');
    const sim = start(['meter-sim', '--port', String(simPort), '--mbus-ports', `${m1},${m2},${m3}`, '--test-clock', spec, '--write-config', yaml, '--server-url', site.url, '--token', site.token]);
    procs.push(sim);
    await sim.waitFor(/meter-sim ready/);
    editGatewayYaml(yaml, { apiPort, queuePath: join(dir, 'queue.sqlite'), liveSeconds: 900, modbusTimeoutMs: 200, mbusTimeoutMs: 200, retryMaxSeconds: 0.5 });
    api = `http://127.0.0.1:${apiPort}`;
    const gateway = () => {
      const g = start(['gateway', '--config', yaml, '--test-clock', spec]);
      procs.push(g);
      return g;
    };

    let gw = gateway();
    await gw.waitFor(/local API on/);
    await untilSim(start0 + 6 * 3_600_000);
    seen.before = await status();

    // the server goes away for three simulated days
    await site.server.stop();
    const down = (await status()).now;
    await untilSim(down + 12 * 3_600_000, 300);
    seen.during = await status();
    await gw.kill9();
    gw = gateway();
    await gw.waitFor(/local API on/);
    seen.restartLog = gw.output();
    await untilSim(down + 36 * 3_600_000);
    await gw.kill9();
    gw = gateway();
    await gw.waitFor(/local API on/);
    await untilSim(down + 3 * DAY, seen.during.queue.depth + 300);
    seen.beforeBack = await status();

    // back: the backlog drains, oldest first; then the meters go quiet and the queue empties
    const server = startServer(join(dir, 'kwhub.sqlite'), serverPort);
    procs.push(server);
    await server.waitFor(/listening on/);
    await sim.stop();
    for (;;) {
      const s = await status();
      if (s.queue.depth === 0 && s.push.last_success_at !== null && s.push.last_attempt_at <= s.push.last_success_at) break;
      await sleep(200);
    }
    await gw.stop();
    await sleep(1000);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should show the backlog in the status while the server is down', () => {
    // pushed as read while the server is there
    expect(seen.before.queue.depth).toBeLessThan(300);
    expect(seen.before.push.stored_total).toBeGreaterThan(0);
    expect(seen.during.queue.depth).toBeGreaterThanOrEqual(300);
    expect(seen.during.queue.oldest_unsent).toBeLessThan(seen.during.now - 6 * 3_600_000);
    expect(seen.during.push.last_error).toMatch(/cannot be reached/);
    expect(seen.during.push.consecutive_failures).toBeGreaterThan(0);
    expect(seen.restartLog).toMatch(/\d+ readings wait in the queue from before/);
    expect(seen.beforeBack.queue.depth).toBeGreaterThan(seen.during.queue.depth);
  });

  it('should deliver every committed reading exactly once after two kill -9', async () => {
    const q = new Database(join(dir, 'queue.sqlite'), { readonly: true });
    const committed = (q.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'readings'").get() as { seq: number }).seq;
    const waiting = (q.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    const rejected = (q.prepare('SELECT count(*) AS n FROM rejected').get() as { n: number }).n;
    q.close();
    const token = await login(site.url);
    let stored = 0;
    for (const m of plan) {
      const rows = await devPost(site.url, token, `/meter_data_raw/${site.siteId}/${m.meterId}`, { t_s: iso(start0 - DAY), t_e: iso(start0 + 10 * DAY) });
      // one reading per meter and instant: the server kept no copy twice
      expect(new Set(rows.map((r: any) => r.timestamp)).size).toBe(rows.length);
      stored += rows.length;
    }
    const counts = `committed ${committed}, waiting ${waiting}, rejected ${rejected}, stored by the server ${stored}`;
    console.log(`outage: ${counts}`);
    expect(waiting, counts).toBe(0);
    expect(rejected, counts).toBe(0);
    // 55 meters through 3.5 simulated days (a loaded machine skips quarter-hours at four hours per second; each reading still counts)
    expect(committed, counts).toBeGreaterThan(2000);
    expect(seen.beforeBack.queue.depth, counts).toBeGreaterThan(600);
    expect(stored, counts).toBe(committed);
  });
});
