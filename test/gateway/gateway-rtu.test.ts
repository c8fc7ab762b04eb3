/**
 * Modbus RTU framing (what a serial RS485 bus carries) through an
 * RS485-to-Ethernet converter: `kwhub meter-sim --rtu-port` answers RTU
 * frames with CRC over TCP, `kwhub gateway` reads them on an rtu_over_tcp
 * bus; values, exceptions and the energy reading come through as on Modbus TCP.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc16 } from '../../src/demo/meter-sim/modbus-slave.js';
import { freePorts, getJson, readRecord, sleep, start, type Proc } from './processes.js';

describe('Modbus RTU over TCP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-rtu-'));
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should compute the Modbus CRC of the standard example', () => {
    // read holding registers 0x006B..0x006D of unit 0x11: CRC 0x8776, sent low byte first (76 87)
    expect(crc16(Uint8Array.from([0x11, 0x03, 0x00, 0x6b, 0x00, 0x03]))).toBe(0x8776);
  });

  it('should read the meters, their exceptions and their energy through RTU frames', async () => {
    const [simPort, m1, m2, m3, rtuPort, apiPort, nowhere] = await freePorts(7);
    const sim = start(['meter-sim', '--port', String(simPort), '--mbus-ports', `${m1},${m2},${m3}`, '--rtu-port', String(rtuPort), '--fault', '5=exception', '--record', join(dir, 'served.jsonl')]);
    procs.push(sim);
    await sim.waitFor(/meter-sim ready/);
    expect(sim.output()).toContain(`RTU over TCP on 127.0.0.1:${rtuPort}`);
    const yaml = join(dir, 'gateway.yaml');
    writeFileSync(yaml, [
      'server:', `  url: http://127.0.0.1:${nowhere}`, '  token: kwg_x',
      'local_api:', '  host: 127.0.0.1', `  port: ${apiPort}`,
      'queue:', `  path: ${join(dir, 'queue.sqlite')}`,
      'buses:', `  - {name: converter, type: rtu_over_tcp, host: 127.0.0.1, port: ${rtuPort}, timeout_ms: 500}`,
      'meters:',
      '  - {prim_ad: 1, type: electricity, model: sdm630, bus: converter, unit_id: 1}',
      '  - {prim_ad: 2, type: electricity, model: abb_b23, bus: converter, unit_id: 2}',
      '  - {prim_ad: 3, type: electricity, model: em340, bus: converter, unit_id: 3}',
      '  - {prim_ad: 4, type: electricity, model: pro380, bus: converter, unit_id: 4}',
      '  - {prim_ad: 5, type: electricity, model: em24, bus: converter, unit_id: 5}',
    ].join('\n'));
    const gw = start(['gateway', '--config', yaml]);
    procs.push(gw);
    await gw.waitFor(/local API on/);
    const api = `http://127.0.0.1:${apiPort}`;
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = (await getJson(`${api}/api/v1/status`)).body;
      if (status.polling.count >= 1 && status.meters.every((m: any) => m.requests >= 2)) break;
      await sleep(100);
    }
    expect(status.queue.committed_total).toBe(4);
    const served = readRecord(join(dir, 'served.jsonl'));
    for (const ad of [1, 2, 3, 4]) {
      const m = (await getJson(`${api}/api/v1/meter/electricity/${ad}/`)).body;
      expect(m, `meter ${ad}`).toMatchObject({ valid: true });
      // the energy read at start is the one the simulator served
      const first = served.get(ad)![0];
      expect(Math.abs(m.en_im - first.en_im)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(m.en_ex - first.en_ex)).toBeLessThanOrEqual(1e-6);
      expect(typeof m.total_W).toBe('number');
    }
    const five = status.meters.find((m: any) => m.prim_ad === 5);
    expect(five).toMatchObject({ valid: false, timeouts: 0 });
    expect(five.exceptions).toBeGreaterThanOrEqual(2);
    expect(five.last_error).toMatch(/Modbus exception 4/);
  });
});
