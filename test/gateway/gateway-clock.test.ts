/**
 * A gateway whose clock is wrong (here: 1999, as a box without a real-time
 * clock may boot) refuses to stamp readings with it: each is kept aside with
 * reason "clock" and logged, none is queued for the server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { clockSpec, editGatewayYaml, freePorts, getJson, sleep, start, type Proc } from './processes.js';

describe('a gateway clock before 2000', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-clock-'));
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should refuse the readings locally, keep them aside and log it', async () => {
    const [simPort, m1, m2, m3, apiPort, nowhere] = await freePorts(6);
    const spec = clockSpec(Date.UTC(1999, 11, 31, 23, 0), 1, Date.now());
    const yaml = join(dir, 'gateway.yaml');
    const sim = start(['meter-sim', '--port', String(simPort), '--mbus-ports', `${m1},${m2},${m3}`, '--test-clock', spec, '--write-config', yaml, '--server-url', `http://127.0.0.1:${nowhere}`, '--token', 'kwg_x']);
    procs.push(sim);
    await sim.waitFor(/meter-sim ready/);
    editGatewayYaml(yaml, { apiPort, queuePath: join(dir, 'queue.sqlite'), liveSeconds: 900, modbusTimeoutMs: 300, mbusTimeoutMs: 300, retryMaxSeconds: 1 });
    const gw = start(['gateway', '--config', yaml, '--test-clock', spec]);
    procs.push(gw);
    await gw.waitFor(/local API on/);
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = (await getJson(`http://127.0.0.1:${apiPort}/api/v1/status`)).body;
      if (status.polling.count >= 1) break;
      await sleep(100);
    }
    expect(status.polling.count).toBeGreaterThanOrEqual(1);
    expect(status.queue).toMatchObject({ depth: 0, committed_total: 0 });
    expect(status.queue.rejected).toBeGreaterThanOrEqual(53);
    expect(gw.output()).toMatch(/ERROR reading of meter \d+ stamped 1999-12-31T23:\d\d:\d\d\.\d+Z refused: the gateway's clock is wrong/);
    await gw.stop();
    const q = new Database(join(dir, 'queue.sqlite'), { readonly: true });
    const reasons = q.prepare('SELECT reason, count(*) AS n FROM rejected GROUP BY reason').all();
    q.close();
    expect(reasons).toEqual([{ reason: 'clock', n: status.queue.rejected }]);
  });
});
