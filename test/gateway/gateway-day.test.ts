/**
 * End to end, as three commands: `kwhub serve`, `kwhub meter-sim` (the
 * demo's meters on Modbus TCP and M-Bus, one silent meter and one that
 * answers Modbus exceptions) and `kwhub gateway`, on a shared fast test
 * clock (half an hour per second). After a simulated day, the developer API
 * holds exactly what the simulated meters counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { demoMeterPlan } from '../../src/demo/meter-sim/plan.js';
import { SONNENHOF } from '../../src/demo/site.js';
import { clockSpec, devPost, editGatewayYaml, freePorts, getJson, login, QH, readRecord, SEED, serveDemoSite, sleep, start, type Proc } from './processes.js';

const SPEED = 1800;
const SILENT = 12;
const EXCEPTION = 13;
const iso = (t: number) => new Date(t).toISOString().slice(0, 19);

describe('meter-sim -> gateway -> serve over a simulated day', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-day-'));
  const plan = demoMeterPlan(SEED);
  let server: Proc, sim: Proc, gw: Proc;
  let site: Awaited<ReturnType<typeof serveDemoSite>>;
  let api: string;
  let start0: number;
  let end: number;
  const statusWhileRunning: any[] = [];
  let finalStatus: any;
  const shapes: Record<string, { status: number; body: any }> = {};

  beforeAll(async () => {
    const [serverPort, simPort, m1, m2, m3, apiPort] = await freePorts(6);
    site = await serveDemoSite(dir, serverPort);
    server = site.server;
    // the simulated day is a local day a week ago; it starts 5 s from now (the processes start meanwhile)
    const day = DateTime.now().setZone(SONNENHOF.timezone).minus({ days: 7 }).startOf('day');
    start0 = day.toMillis();
    end = day.plus({ days: 1 }).toMillis();
    const spec = clockSpec(start0, SPEED, Date.now() + 5000);
    const yaml = join(dir, 'gateway.yaml');
    sim = start(['meter-sim', '--port', String(simPort), '--mbus-ports', `${m1},${m2},${m3}`, '--test-clock', spec, '--record', join(dir, 'served.jsonl'),
      '--fault', `${SILENT}=silent`, '--fault', `${EXCEPTION}=exception`, '--write-config', yaml, '--server-url', site.url, '--token', site.token]);
    await sim.waitFor(/meter-sim ready/);
    editGatewayYaml(yaml, { apiPort, queuePath: join(dir, 'queue.sqlite'), liveSeconds: 300, modbusTimeoutMs: 150, mbusTimeoutMs: 150, retryMaxSeconds: 1 });
    gw = start(['gateway', '--config', yaml, '--test-clock', spec]);
    await gw.waitFor(/local API on/);
    api = `http://127.0.0.1:${apiPort}`;
    for (;;) {
      const s = await getJson(`${api}/api/v1/status`);
      if (s.body.now >= start0 + 12 * 3_600_000 && statusWhileRunning.length === 0) {
        statusWhileRunning.push(s.body);
        for (const p of ['/api/v1/meter/1/', '/api/v1/meter/electricity/4/', '/api/v1/meter/heating/30/', '/api/v1/meter/heating/31/', '/api/v1/meter/hot_water/50/', '/api/v1/meter/cold_water/71/',
          `/api/v1/meter/${SILENT}/`, `/api/v1/meter/electricity/${EXCEPTION}/`, '/api/v1/meter/999/', '/api/v1/meter/gas/1/', '/api/v1/meter/heating/1/']) shapes[p] = await getJson(api + p);
      }
      if (s.body.now >= end + QH) break;
      await sleep(250);
    }
    // the meters go quiet first, so that every reading they served is pushed before the gateway stops
    await sim.stop();
    for (;;) {
      const s = (await getJson(`${api}/api/v1/status`)).body;
      if (s.queue.depth === 0 && s.push.last_success_at !== null && s.push.last_attempt_at <= s.push.last_success_at) {
        finalStatus = s;
        break;
      }
      await sleep(250);
    }
    await gw.stop();
    // validation and allocation follow the push within seconds
    await sleep(2000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gw?.stop(), sim?.stop(), server?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** each stored reading with the served record it is (in order, by value), for the meters that answered */
  async function pairsOf(token: string) {
    const served = readRecord(join(dir, 'served.jsonl'));
    const out = new Map<number, { raw: any[]; served: any[]; pairs: { ts: number; rec: any }[]; reg: string }>();
    for (const m of plan) {
      if (m.primAd === SILENT || m.primAd === EXCEPTION) continue;
      const raw = await devPost(site.url, token, `/meter_data_raw/${site.siteId}/${m.meterId}`, { t_s: iso(start0 - 86_400_000), t_e: iso(end + 86_400_000) });
      const mine = served.get(m.primAd)!;
      const reg = m.bus === 'modbus' ? 'en_im' : m.type === 'heating' ? 'heat_energy_kwh' : 'vol_m3';
      const pairs: { ts: number; rec: any }[] = [];
      let j = 0;
      // a coarse register (0.1 kWh) may show the same value twice: both registers must agree
      const same = (rec: any, r: any) => Math.abs(rec[reg] - r[reg]) <= 1e-6 && (reg !== 'en_im' || Math.abs(rec.en_ex - r.en_ex) <= 1e-6);
      for (const r of raw) {
        while (j < mine.length && !same(mine[j], r)) j++;
        expect(j, `meter ${m.primAd}: stored ${r[reg]} (${r.en_ex ?? ''}) at ${r.timestamp} was never served`).toBeLessThan(mine.length);
        pairs.push({ ts: Date.parse(r.timestamp), rec: mine[j] });
        j++;
      }
      out.set(m.primAd, { raw, served: mine, pairs, reg });
    }
    return out;
  }

  it('should store every reading the simulator served, value for value', async () => {
    const token = await login(site.url);
    const all = await pairsOf(token);
    const failures = new Map((finalStatus.meters as any[]).map((m) => [m.prim_ad, m.errors as number]));
    const served = readRecord(join(dir, 'served.jsonl'));
    expect(served.get(SILENT) ?? []).toEqual([]);
    expect(served.get(EXCEPTION) ?? []).toEqual([]);
    // the server refused nothing (a reading taken twice for one quarter-hour would be a conflict)
    expect(finalStatus.queue.rejected).toBe(0);
    expect(finalStatus.push.rejected_total).toBe(0);
    let total = 0;
    for (const [primAd, x] of all) {
      // every served answer is stored, but one that came after the gateway gave up on it (a timeout, counted as a failed poll)
      expect(x.raw.length, `meter ${primAd}`).toBeGreaterThanOrEqual(x.served.length - failures.get(primAd)!);
      total += x.raw.length;
    }
    // 53 meters read at start and at the day's quarter-hours (a loaded machine may skip a few)
    expect(total).toBeGreaterThan(53 * 80);
  });

  it('should answer meter_data with what each meter counted, to 1e-6, heat and water included', async () => {
    const token = await login(site.url);
    const all = await pairsOf(token);
    const checked: string[] = [];
    let days = 0;
    for (const m of plan) {
      const x = all.get(m.primAd);
      if (!x) continue;
      const counted = (r: any) => {
        // the grid connection's and the battery's series are import (charge) minus export (discharge); the PV's is its production
        if (m.primAd === 1 || m.primAd === 3) return r.en_im - r.en_ex;
        if (m.primAd === 2) return r.en_ex - r.en_im;
        return r[x.reg];
      };
      // readings stamped with their quarter-hour (one taken late carries its own time)
      const aligned = x.pairs.filter((p) => p.ts % QH === 0 && p.ts >= start0 && p.ts <= end);
      const a = aligned.find((p) => p.ts === start0);
      const b = aligned.find((p) => p.ts === end);
      if (a && b) {
        // the day as one row (the API rounds each row to 6 decimals)
        const [dayRow, ...more] = await devPost(site.url, token, `/meter_data/${site.siteId}/${m.meterId}`, { t_s: iso(start0), t_e: iso(end), sampling_frequency: 'D' });
        expect(more).toEqual([]);
        expect(Math.abs(dayRow.total - (counted(b.rec) - counted(a.rec))), `meter ${m.primAd} (${m.model}): meter_data ${dayRow.total} vs counted ${counted(b.rec) - counted(a.rec)}`).toBeLessThanOrEqual(1e-6);
        days++;
      }
      // and quarter-hour by quarter-hour between the first and last stamped quarter-hours, each row within its rounding
      const first = aligned[0];
      const last = aligned[aligned.length - 1];
      const rows = await devPost(site.url, token, `/meter_data/${site.siteId}/${m.meterId}`, { t_s: iso(first.ts), t_e: iso(last.ts), sampling_frequency: '15T' });
      expect(rows.length, `meter ${m.primAd}: rows`).toBe((last.ts - first.ts) / QH);
      const sum = rows.reduce((s: number, r: any) => s + r.total, 0);
      expect(Math.abs(sum - (counted(last.rec) - counted(first.rec))), `meter ${m.primAd}: 15T`).toBeLessThanOrEqual(rows.length * 5e-7 + 1e-9);
      checked.push(m.model);
    }
    // all but a meter or two (a reading late at midnight on a loaded machine) are compared on the whole day
    expect(days).toBeGreaterThanOrEqual(checked.length - 2);
    expect(new Set(checked)).toEqual(new Set(['sdm630', 'sdm72', 'sdm120', 'abb_b23', 'pro380', 'em340', 'em24', 'mbus']));
  });

  it('should answer the local API in the vendor shapes, field for field', () => {
    const keys = (p: string) => Object.keys(shapes[p].body);
    expect(keys('/api/v1/meter/1/')).toEqual(['L1_a', 'L2_a', 'L3_a', 'total_W', 'ts', 'valid']);
    expect(keys('/api/v1/meter/electricity/4/')).toEqual(['en_im', 'en_ex', 'L1_a', 'L2_a', 'L3_a', 'total_W', 'ts', 'valid']);
    for (const p of ['/api/v1/meter/heating/30/', '/api/v1/meter/heating/31/']) expect(keys(p)).toEqual(['heat_energy_kwh', 'power_kw', 'diff_temp', 'flow_temp', 'vol_flow_m3_h', 'ts', 'valid']);
    expect(keys('/api/v1/meter/hot_water/50/')).toEqual(['vol_m3', 'ts', 'valid']);
    expect(keys('/api/v1/meter/cold_water/71/')).toEqual(['vol_m3', 'ts', 'valid']);
    for (const p of ['/api/v1/meter/1/', '/api/v1/meter/electricity/4/', '/api/v1/meter/heating/31/', '/api/v1/meter/cold_water/71/']) {
      expect(shapes[p].status).toBe(200);
      expect(shapes[p].body.valid).toBe(true);
      for (const [k, v] of Object.entries(shapes[p].body)) if (k !== 'valid') expect(typeof v, `${p} ${k}`).toBe('number');
    }
    // a heat meter in kWh: plausible magnitudes, not ×1000
    expect(shapes['/api/v1/meter/heating/31/'].body.heat_energy_kwh).toBeLessThan(1_000_000);
    expect(shapes['/api/v1/meter/1/'].body.L1_a).toBeGreaterThanOrEqual(0);
    expect(shapes['/api/v1/meter/999/']).toMatchObject({ status: 404, body: { error: 'meter.not_found' } });
    expect(shapes['/api/v1/meter/gas/1/']).toMatchObject({ status: 400, body: { error: 'param.invalid' } });
    expect(shapes['/api/v1/meter/heating/1/']).toMatchObject({ status: 404, body: { error: 'meter.not_found' } });
  });

  it('should show valid: false for a silent meter and one answering Modbus exceptions, without disturbing the others', () => {
    expect(shapes[`/api/v1/meter/${SILENT}/`]).toMatchObject({ status: 200, body: { valid: false, total_W: null } });
    expect(shapes[`/api/v1/meter/electricity/${EXCEPTION}/`]).toMatchObject({ status: 200, body: { valid: false, en_im: null } });
    const meters = statusWhileRunning[0].meters as any[];
    const by = new Map(meters.map((m) => [m.prim_ad, m]));
    expect(by.get(SILENT)).toMatchObject({ valid: false, exceptions: 0 });
    expect(by.get(SILENT).timeouts).toBeGreaterThan(10);
    expect(by.get(EXCEPTION)).toMatchObject({ valid: false });
    expect(by.get(EXCEPTION).exceptions).toBeGreaterThan(10);
    expect(by.get(EXCEPTION).last_error).toMatch(/Modbus exception 4/);
    const others = meters.filter((m) => m.prim_ad !== SILENT && m.prim_ad !== EXCEPTION);
    expect(others).toHaveLength(53);
    // (a loaded test machine may miss an odd answer; the faulty meters fail every time)
    for (const m of others) {
      expect(m, `meter ${m.prim_ad}: ${m.last_error}`).toMatchObject({ exceptions: 0 });
      expect(m.timeouts, `meter ${m.prim_ad}: ${m.last_error}`).toBeLessThanOrEqual(2);
    }
    expect(others.filter((m) => m.valid).length).toBeGreaterThanOrEqual(51);
  });

  it('should report the queue, the pushes and the clock offset in the status', () => {
    const s = statusWhileRunning[0];
    expect(s.queue).toMatchObject({ rejected: 0, dropped: 0 });
    expect(s.push.last_success_at).toBeGreaterThan(start0);
    expect(s.push.stored_total).toBeGreaterThan(0);
    // the test clock runs a week behind the server's: the offset says so
    expect(s.clock.offset_ms).toBeGreaterThan(5 * 86_400_000);
    expect(s.clock.ok).toBe(false);
    expect(gw.output()).toMatch(/THE GATEWAY'S CLOCK IS OFF by \d+ s/);
  });
});
