/** `kwhub gateway` refuses a bad configuration at start: one clear line naming the place, exit code 2, no stack trace. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kwhub } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(port: number, opts: { model?: string; secondPrimAd?: number; token?: boolean; device?: string; apiPort?: number } = {}): string {
  return [
    'server:',
    '  url: http://127.0.0.1:9',
    opts.token === false ? '' : '  token: kwg_test',
    'local_api:',
    '  host: 127.0.0.1',
    `  port: ${opts.apiPort ?? 0}`,
    'queue:',
    `  path: ${join(dir, 'queue.sqlite')}`,
    'buses:',
    opts.device ? `  - {name: rs485, type: serial, device: ${opts.device}}` : `  - {name: rs485, type: modbus_tcp, host: 127.0.0.1, port: ${port}}`,
    'meters:',
    '  - {prim_ad: 1, type: electricity, model: sdm630, bus: rs485, unit_id: 1}',
    `  - {prim_ad: ${opts.secondPrimAd ?? 2}, type: electricity, model: ${opts.model ?? 'em340'}, bus: rs485, unit_id: 2}`,
  ].filter((l) => l !== '').join('\n');
}

async function run(text: string): Promise<{ code: number; stderr: string; stdout: string }> {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return kwhub(['gateway', '--config', file], {}, 30_000);
}

function expectClear(r: { code: number; stderr: string; stdout: string }, re: RegExp): void {
  expect(r.code, r.stderr + r.stdout).toBe(2);
  expect(r.stderr).toMatch(re);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('kwhub gateway with a bad configuration', () => {
  it('should name the line of an unknown model', async () => {
    expectClear(await run(config(502, { model: 'em999' })), /^kwhub: \/.*gateway-\w+\.yaml:13: meters\[1\]\.model: unknown model "em999": use one of /);
  });
  it('should name the line of a duplicate prim_ad', async () => {
    expectClear(await run(config(502, { secondPrimAd: 1 })), /:13: meters\[1\]\.prim_ad: prim_ad 1 is already used by the meter on line 12/);
  });
  it('should say where a missing token goes', async () => {
    expectClear(await run(config(502, { token: false })), /:2: server: no gateway token: set server\.token, or KWHUB_GATEWAY_TOKEN/);
  });
  it('should refuse a Modbus TCP port nothing listens on', async () => {
    const port = await freePort();
    expectClear(await run(config(port)), new RegExp(`:10: bus "rs485": cannot open 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): nothing listens there`));
  });
  it('should refuse a serial port that does not exist', async () => {
    expectClear(await run(config(502, { device: '/dev/ttyKWHUB-NONE' })), /:10: bus "rs485": the serial port \/dev\/ttyKWHUB-NONE does not exist/);
  });
  it('should refuse a local API port in use', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const modbus = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => modbus.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await run(config((modbus.address() as net.AddressInfo).port, { apiPort: (busy.address() as net.AddressInfo).port }));
      expectClear(r, /local_api: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      busy.close();
      modbus.close();
    }
  });
  it('should say which file it cannot read', async () => {
    expectClear(await kwhub(['gateway', '--config', join(dir, 'nope.yaml')]), /cannot read .*nope\.yaml \(ENOENT\)/);
  });
  it('should refuse meter-sim on port 0, whose M-Bus ports would be 1 to 3', async () => {
    expectClear(await kwhub(['meter-sim', '--port', '0']), /--port: give a TCP port from 1 to 65,532 \(got 0\)/);
  });
});
