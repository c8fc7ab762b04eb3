/**
 * The gateway's figures (issue 11), each against a baseline of the same run:
 *
 * G1  backlog drain after an outage: a queue of readings, pushed by `kwhub
 *     gateway` until the server has answered 200 for all (validated and
 *     allocated), in readings/s; baseline: the same readings pushed straight
 *     to the gateway API in batches of 10,000 (I2's way) into a fresh server.
 * G2  one energy cycle over 60 simulated Modbus TCP meters (a mix of models,
 *     each answer delayed like a meter on RS485), through the gateway's own
 *     poller (reads and their commits to the queue); baseline: the sum of the
 *     simulator's response times.
 * G3  RSS of `kwhub gateway` holding 1,000,000 queued readings while the
 *     server cannot be reached.
 *
 * Run: npm run bench:gateway (writes the "Gateway" section of bench/RESULTS.md).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoSiteDocument } from '../src/demo/site.js';
import { demoMeterPlan } from '../src/demo/meter-sim/plan.js';
import { openReadingQueue, type NewReading } from '../src/gateway/queue/reading-queue.js';
import { parseGatewayConfig } from '../src/gateway/config.js';
import { openModbusBus } from '../src/gateway/bus/modbus-bus.js';
import { startPoller } from '../src/gateway/poller.js';
import { freePort } from '../test/helpers/cli.js';
import { machine, peakRssMiB, startProcess } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'bin', 'kwhub.js');
const ADMIN = 'bench-admin-token-0123456789abcdef';
const QH = 900_000;
const DRAIN_READINGS = Number(process.env.BENCH_DRAIN_READINGS ?? 500_000);
const LATENCY_MS = 10;
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** `n` readings of the demo's 55 meters, quarter-hour by quarter-hour, ending a day ago */
function backlog(n: number): NewReading[] {
  const meters = demoMeterPlan(1);
  const steps = Math.ceil(n / meters.length);
  const end = Math.floor((Date.now() - 86_400_000) / QH) * QH;
  const out: NewReading[] = [];
  const reg = meters.map((_, i) => 1000 + i * 10);
  for (let s = 0; s < steps && out.length < n; s++) {
    const ts = end - (steps - 1 - s) * QH;
    meters.forEach((m, i) => {
      if (out.length >= n) return;
      reg[i] += 0.05 + ((s * 7 + i * 13) % 10) / 100;
      const kind = m.type === 'heating' ? 'heat' : m.bus === 'mbus' ? 'volume' : 'electricity';
      out.push({ primAd: m.primAd, ts, kind, a: kind === 'volume' ? reg[i] / 1000 : reg[i], b: kind === 'electricity' ? 0 : null });
    });
  }
  return out;
}

async function server(dir: string, name: string) {
  const db = join(dir, `${name}.sqlite`);
  await writeFile(join(dir, 'site.json'), JSON.stringify(demoSiteDocument(1)));
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [BIN, 'apply', join(dir, 'site.json'), '--db', db], { stdio: 'ignore' });
  const port = await freePort();
  const srv = await startProcess(BIN, ['serve', '--db', db, '--port', String(port)], { KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_LOG_LEVEL: 'warn' }, /listening on/, `http://127.0.0.1:${port}`);
  const res = await fetch(`${srv.url}/api/admin/v1/sites/${demoSiteDocument(1).id}/gateways`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"bench"}' });
  const { token } = (await res.json()) as { token: string };
  return { srv, token };
}

function gatewayYaml(serverUrl: string, token: string, queue: string, apiPort: number, modbusPort: number, mbus: number[]): string {
  const meters = demoMeterPlan(1);
  return [
    'server:', `  url: ${serverUrl}`, `  token: ${token}`, '  retry_max_seconds: 1',
    'local_api:', '  host: 127.0.0.1', `  port: ${apiPort}`,
    'queue:', `  path: ${queue}`, '  max_readings: 2000000',
    'poll:', '  live_seconds: 900',
    'buses:', `  - {name: sim-modbus, type: modbus_tcp, host: 127.0.0.1, port: ${modbusPort}}`,
    ...['heat', 'hot', 'cold'].map((g, i) => `  - {name: sim-mbus-${g}, type: mbus_tcp, host: 127.0.0.1, port: ${mbus[i]}}`),
    'meters:',
    ...meters.map((m) => `  - {prim_ad: ${m.primAd}, type: ${m.type}, model: ${m.model}, bus: ${m.bus === 'modbus' ? 'sim-modbus' : `sim-mbus-${m.type === 'heating' ? 'heat' : m.type === 'hot_water' ? 'hot' : 'cold'}`}, ${m.bus === 'modbus' ? `unit_id: ${m.primAd}` : `secondary_address: "${m.secondaryAddress}"`}}`),
  ].join('\n');
}

async function main() {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-bench-gw-'));
  const rows: string[] = [];
  log(`gateway benchmarks in ${dir} on ${machine()}`);
  const simPorts = [await freePort(), await freePort(), await freePort(), await freePort()];
  const sim = await startProcess(BIN, ['meter-sim', '--port', String(simPorts[0]), '--mbus-ports', simPorts.slice(1).join(',')], {}, /meter-sim ready/, '');
  try {
    // G1: drain vs direct push
    const readings = backlog(DRAIN_READINGS);
    const direct = await server(dir, 'direct');
    const t0 = performance.now();
    for (let i = 0; i < readings.length; i += 10_000) {
      const meters = readings.slice(i, i + 10_000).map((r) => (r.kind === 'electricity' ? { prim_ad: r.primAd, timestamp: r.ts, en_im: r.a, en_ex: r.b } : r.kind === 'heat' ? { prim_ad: r.primAd, timestamp: r.ts, heat_energy_kwh: r.a } : { prim_ad: r.primAd, timestamp: r.ts, vol_m3: r.a }));
      const res = await fetch(`${direct.srv.url}/api/gateway/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${direct.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ meters }) });
      if (res.status !== 200) throw new Error(`direct push: ${res.status} ${await res.text()}`);
      await res.text();
    }
    const directRate = readings.length / ((performance.now() - t0) / 1000);
    await direct.srv.stop();
    log(`direct push: ${fmt(directRate)} readings/s`);

    // the outage: the gateway runs with its backlog while the server is down; the clock starts when the server is back
    const queuePath = join(dir, 'queue.sqlite');
    const q = openReadingQueue({ path: queuePath, maxReadings: 2_000_000 });
    for (let i = 0; i < readings.length; i += 50_000) q.add(readings.slice(i, i + 50_000), Date.now());
    q.close();
    const drainedPort = await freePort();
    const apiPort = await freePort();
    // the token the server will have: a gateway made on the database before it serves
    const drainedDb = join(dir, 'drained.sqlite');
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [BIN, 'apply', join(dir, 'site.json'), '--db', drainedDb], { stdio: 'ignore' });
    const pre = await startProcess(BIN, ['serve', '--db', drainedDb, '--port', String(drainedPort)], { KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_LOG_LEVEL: 'warn' }, /listening on/, `http://127.0.0.1:${drainedPort}`);
    const made = await fetch(`${pre.url}/api/admin/v1/sites/${demoSiteDocument(1).id}/gateways`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"bench"}' });
    const drainToken = ((await made.json()) as { token: string }).token;
    await pre.stop();
    await writeFile(join(dir, 'gateway.yaml'), gatewayYaml(`http://127.0.0.1:${drainedPort}`, drainToken, queuePath, apiPort, simPorts[0], simPorts.slice(1)));
    const gw = await startProcess(BIN, ['gateway', '--config', join(dir, 'gateway.yaml')], {}, /local API on/, `http://127.0.0.1:${apiPort}`);
    await new Promise((r) => setTimeout(r, 3000));
    const back = await startProcess(BIN, ['serve', '--db', drainedDb, '--port', String(drainedPort)], { KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_LOG_LEVEL: 'warn' }, /listening on/, `http://127.0.0.1:${drainedPort}`);
    const t1 = performance.now();
    let status: any;
    for (;;) {
      status = await (await fetch(`${gw.url}/api/v1/status`)).json();
      // the backlog is gone when what waits is no more than the meters' own new readings
      if (status.queue.oldest_unsent === null || status.queue.oldest_unsent > Date.now() - 3_600_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const drainRate = readings.length / ((performance.now() - t1) / 1000);
    await gw.stop();
    await back.stop();
    log(`gateway drain: ${fmt(drainRate)} readings/s (from the server's return, backoff of at most 1 s included)`);
    rows.push(`| G1 | backlog drain after an outage: ${fmt(readings.length)} queued readings (55 meters), \`kwhub gateway\` running through the outage, from the server's return (its backoff of at most 1 s included) until every one is answered 200 by \`kwhub serve\` (validated and allocated) | ${fmt(drainRate)} readings/s | the same readings pushed straight to the gateway API in batches of 10,000, fresh server (I2's way) | ${fmt(directRate)} readings/s | ${(drainRate / directRate).toFixed(2)}× | ≥ 50,000 readings/s | ${drainRate >= 50_000 ? 'yes' : '**no**'} |`);

    // G2: 60 meters, one energy cycle through the poller; the meters answer from a process of their own
    const models = ['sdm630', 'sdm72', 'sdm120', 'abb_b23', 'pro380', 'em340', 'em24'];
    const meters = Array.from({ length: 60 }, (_, i) => ({ primAd: i + 1, model: models[i % models.length] }));
    const { spawn } = await import('node:child_process');
    const slaveProc = spawn(process.execPath, ['--import', 'tsx', join(here, 'modbus-slave-60.ts'), String(await freePort()), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let slaveOut = '';
    slaveProc.stdout!.on('data', (d: Buffer) => (slaveOut += d.toString()));
    while (!/ready \d+/.test(slaveOut)) await new Promise((r) => setTimeout(r, 20));
    const slave = { port: Number(/ready (\d+)/.exec(slaveOut)![1]) };
    const cfgText = ['server:', '  url: http://127.0.0.1:9', '  token: x', 'buses:', `  - {name: b, type: modbus_tcp, host: 127.0.0.1, port: ${slave.port}}`, 'meters:', ...meters.map((m) => `  - {prim_ad: ${m.primAd}, type: electricity, model: ${m.model}, bus: b, unit_id: ${m.primAd}}`)].join('\n');
    const config = { ...parseGatewayConfig(cfgText, 'bench.yaml'), liveSeconds: 900 };
    const bus = await openModbusBus(config.buses[0]);
    const queue = openReadingQueue({ path: join(dir, 'g2.sqlite'), maxReadings: 1_000_000 });
    const poller = startPoller({ config, buses: new Map([['b', bus]]), queue, clock: { speed: 1, now: () => Date.now() }, log: { info: () => undefined, warn: log, error: log }, serverOffsetMs: () => 0, onCommitted: () => undefined });
    while (poller.cycles().count === 0) await new Promise((r) => setTimeout(r, 5));
    const cycleMs = poller.cycles().lastDurationMs!;
    await poller.stop();
    await bus.close();
    queue.close();
    const exited = new Promise((r) => slaveProc.once('exit', r));
    slaveProc.kill('SIGTERM');
    await exited;
    // the answers that held energy registers: the cycle's (live polls after it read other registers)
    const stats = JSON.parse(slaveOut.trim().split('\n').pop()!) as { energyAnswers: number; energyBusyMs: number };
    const busyMs = stats.energyBusyMs;
    rows.push(`| G2 | one energy cycle over 60 simulated Modbus TCP meters (7 models, each answer delayed ${LATENCY_MS} ms like RS485; the simulator in its own process), through the gateway's poller, each reading committed to the queue | ${cycleMs.toFixed(0)} ms | sum of the simulator's response times for the cycle's ${stats.energyAnswers} answers | ${busyMs.toFixed(0)} ms | ${(cycleMs / busyMs).toFixed(2)}× | (reported) | — |`);
    log(`G2: cycle ${cycleMs.toFixed(0)} ms vs busy ${busyMs.toFixed(0)} ms`);

    // G3: RSS with 1,000,000 queued readings and no server, against the same gateway with an empty queue
    const rssOf = async (queuePath: string) => {
      const apiP = await freePort();
      const yamlPath = join(dir, `g3-${apiP}.yaml`);
      await writeFile(yamlPath, gatewayYaml(`http://127.0.0.1:${await freePort()}`, 'x', queuePath, apiP, simPorts[0], simPorts.slice(1)));
      const g = await startProcess(BIN, ['gateway', '--config', yamlPath], {}, /local API on/, `http://127.0.0.1:${apiP}`);
      let st: any;
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 250));
        st = await (await fetch(`${g.url}/api/v1/status`)).json();
      }
      const peak = peakRssMiB(g.child.pid!);
      await g.stop();
      return { peak, st };
    };
    const empty = await rssOf(join(dir, 'empty.sqlite'));
    const q3Path = join(dir, 'million.sqlite');
    const q3 = openReadingQueue({ path: q3Path, maxReadings: 2_000_000 });
    const million = backlog(1_000_000);
    for (let i = 0; i < million.length; i += 50_000) q3.add(million.slice(i, i + 50_000), Date.now());
    q3.close();
    const { peak: rss, st: s3 } = await rssOf(q3Path);
    const { statSync } = await import('node:fs');
    const diskMiB = statSync(q3Path).size / 2 ** 20;
    rows.push(`| G3 | peak RSS of \`kwhub gateway\` holding ${fmt(s3.queue.depth)} queued readings, server unreachable (${s3.push.consecutive_failures} failed pushes; while it is away they are probes of 100 readings), polling 55 meters for 10 s; the queue file: ${diskMiB.toFixed(0)} MiB (${((diskMiB * 2 ** 20) / 1e6).toFixed(0)} bytes/reading) | ${rss.toFixed(0)} MiB | the same gateway with an empty queue | ${empty.peak.toFixed(0)} MiB | ${(rss / empty.peak).toFixed(2)}× | < 150 MB | ${rss * 1.048576 < 150 ? 'yes' : '**no**'} |`);
    log(`G3: ${rss.toFixed(0)} MiB`);

    const section = [
      '## Gateway',
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine()}`,
      `- total time: ${((Date.now() - started) / 1000).toFixed(0)} s; run it yourself: \`npm run bench:gateway\``,
      '',
      '| # | work | measured | baseline (same run) | baseline value | ratio | target | met |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    const file = join(here, 'RESULTS.md');
    const old = await readFile(file, 'utf8').catch(() => '');
    const at = old.indexOf('\n## Gateway');
    await writeFile(file, `${(at >= 0 ? old.slice(0, at) : old).trimEnd()}\n\n${section}`);
    process.stdout.write(`${section}\n`);
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
