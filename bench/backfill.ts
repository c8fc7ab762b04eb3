/**
 * Ingest measured until the data is served (I1, I2 and I3): the clock runs
 * from the first reading sent until a site_data answer over the whole span
 * holds every meter's energy, validated and allocated, not until the last
 * `200`.
 *
 * I3 is a site-year pushed meter by meter over HTTP (each meter's year in
 * sequence, 10,000 readings per push, as a history export arrives), against
 * the same readings pushed in time order (I2's order) and against a plain
 * INSERT of the same rows, all measured in the same run.
 *
 * Called by bench/run.ts (`rows.push(...await benchBackfill(...))`), or alone:
 *   npm run build && node --expose-gc --import tsx bench/backfill.ts [--days N] [--only i3|i3-time|i1|i2|plain]
 * (alone it prints the rows and writes nothing).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite, type BenchSite, type GatewayReading } from './data.js';
import { freePort } from '../test/helpers/cli.js';
import { collectGarbage, machine, startProcess, timeIt, plainRawTable, type ServerProcess } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const START = Date.UTC(2025, 0, 1);
const QH = 900_000;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const PUSH = 10_000;

/** the row shape of bench/run.ts's one results table */
export interface BenchRow { id: string; work: string; baseline: string; value: string; base: string; ratio: string; target: string; met: boolean | null }

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} readings/s`;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** a site's readings held as columns (meter × time point): ~35 MB for a site-year instead of 2 M objects */
interface Columns {
  site: BenchSite;
  meters: string[];
  points: number;
  im: Float64Array[];
  ex: Float64Array[];
}

function columnsOf(site: BenchSite, points: number): Columns {
  const meters = [...site.consumers, site.pv, site.grid];
  const index = new Map(meters.map((id, i) => [id, i]));
  const im = meters.map(() => new Float64Array(points));
  const ex = meters.map(() => new Float64Array(points));
  let k = 0;
  let seen = 0;
  for (const batch of benchReadings(site, START, points - 1, 62_000)) {
    for (const r of batch) {
      const m = index.get(r.meter_id)!;
      im[m][k] = r.en_im;
      ex[m][k] = r.en_ex;
      if (++seen === meters.length) {
        seen = 0;
        k++;
      }
    }
  }
  return { site, meters, points, im, ex };
}

const reading = (c: Columns, m: number, k: number): GatewayReading => ({ meter_id: c.meters[m], timestamp: START + k * QH, en_im: c.im[m][k], en_ex: c.ex[m][k] });

/** push bodies of `PUSH` readings, in time order (every meter at a quarter-hour, then the next) or meter order (each meter's span in sequence) */
function bodies(c: Columns, order: 'time' | 'meter'): Buffer[] {
  const out: Buffer[] = [];
  let batch: GatewayReading[] = [];
  const add = (m: number, k: number) => {
    batch.push(reading(c, m, k));
    if (batch.length === PUSH) {
      out.push(Buffer.from(JSON.stringify({ meters: batch })));
      batch = [];
    }
  };
  if (order === 'time') for (let k = 0; k < c.points; k++) for (let m = 0; m < c.meters.length; m++) add(m, k);
  else for (let m = 0; m < c.meters.length; m++) for (let k = 0; k < c.points; k++) add(m, k);
  if (batch.length) out.push(Buffer.from(JSON.stringify({ meters: batch })));
  return out;
}

function batchesOf(c: Columns, size: number): GatewayReading[][] {
  const out: GatewayReading[][] = [];
  let batch: GatewayReading[] = [];
  for (let k = 0; k < c.points; k++) {
    for (let m = 0; m < c.meters.length; m++) {
      batch.push(reading(c, m, k));
      if (batch.length === size) {
        out.push(batch);
        batch = [];
      }
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

/** the floor: the same raw rows, plain batched INSERTs into an empty table (as I1's baseline) */
function plainInsert(path: string, c: Columns): number {
  const { db, insert: ins } = plainRawTable(path);
  const now = Date.now();
  const t = performance.now();
  for (let m = 0; m < c.meters.length; m++) {
    for (let k0 = 0; k0 < c.points; k0 += PUSH) {
      db.transaction(() => {
        for (let k = k0; k < Math.min(c.points, k0 + PUSH); k++) ins.run(m + 1, START + k * QH, c.im[m][k], c.ex[m][k], now);
      })();
    }
  }
  const ms = performance.now() - t;
  db.close();
  return ms;
}

/** a database holding the site, a developer granted it, ready for a server */
async function prepare(path: string, site: BenchSite): Promise<void> {
  const store = new SqliteStore({ path });
  await store.migrate();
  await applySiteDocument(createDeps(store, systemClock), { ...site.doc, developers: [{ username: 'bench', password: 'bench-password', consent_ref: 'bench' }] });
  await store.close();
}

async function serve(db: string): Promise<ServerProcess> {
  const port = await freePort();
  return startProcess(join(root, 'bin/kwhub.js'), ['serve', '--db', db, '--port', String(port)], {
    KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn',
  }, /listening on/, `http://127.0.0.1:${port}`);
}

async function post(url: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
}

async function login(url: string): Promise<string> {
  const auth = await post(`${url}/api/v1/auth`, '', { username: 'bench', password: 'bench-password' });
  return (JSON.parse(auth.text) as { access_token: string }).access_token;
}

/**
 * Polls site_data over the whole span until every meter's energy is there:
 * each consumer's and the PV's total, and the grid's import and export, equal
 * their register differences. Returns the complete answer's text.
 */
async function untilServed(url: string, token: string, c: Columns): Promise<string> {
  const last = c.points - 1;
  const diff = (col: Float64Array) => col[last] - col[0];
  const expect = new Map<string, number>(c.site.consumers.map((id) => [`total_${id}`, diff(c.im[c.meters.indexOf(id)])]));
  const g = c.meters.length - 1;
  expect.set(`total_${c.site.pv}`, diff(c.ex[c.meters.length - 2]));
  expect.set('from_ext', diff(c.im[g]));
  expect.set('to_ext', diff(c.ex[g]));
  const body = { t_s: iso(START), t_e: iso(START + last * QH), sampling_frequency: 'Y' };
  for (let attempt = 0; ; attempt++) {
    const r = await post(`${url}/api/v1/site_data/${c.site.id}/electricity`, token, body);
    if (r.status !== 200) throw new Error(`site_data: ${r.status} ${r.text.slice(0, 300)}`);
    const sums = new Map<string, number>();
    for (const row of JSON.parse(r.text) as Record<string, number | string>[]) {
      for (const key of expect.keys()) if (typeof row[key] === 'number') sums.set(key, (sums.get(key) ?? 0) + (row[key] as number));
    }
    let complete = true;
    for (const [key, want] of expect) if (Math.abs((sums.get(key) ?? 0) - want) > 1e-6 * Math.max(1, Math.abs(want))) complete = false;
    if (complete) return r.text;
    if (attempt > 0 && attempt % 100 === 0) log(`  still waiting for the data to be served (${attempt} polls)`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

interface Served { readings: number; last200: number; served: number; answer: string }

/** CPU time a process has used so far (Linux /proc), in ms: tells a busy server from one waiting for its client */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** pushes `order`ed bodies of the site into a fresh database through a server; times the last 200 and the served answer */
async function pushUntilServed(dir: string, name: string, c: Columns, order: 'time' | 'meter'): Promise<Served> {
  const db = join(dir, `${name}.sqlite`);
  await prepare(db, c.site);
  let list: Buffer[] | null = bodies(c, order);
  const readings = c.meters.length * c.points;
  collectGarbage();
  const server = await serve(db);
  try {
    const gw = await (await fetch(`${server.url}/api/admin/v1/sites/${c.site.id}/gateways`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"bench"}' })).json() as { token: string };
    const token = await login(server.url);
    const cpu0 = cpuMsOf(server.child.pid!);
    const t0 = performance.now();
    for (const body of list) {
      const r = await fetch(`${server.url}/api/gateway/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' }, body });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`${name} push: ${r.status} ${text.slice(0, 300)}`);
    }
    const last200 = performance.now() - t0;
    const cpu200 = cpuMsOf(server.child.pid!);
    list = null;
    const answer = await untilServed(server.url, token, c);
    const served = performance.now() - t0;
    const cpuServed = cpuMsOf(server.child.pid!);
    log(`${name}: ${readings.toLocaleString('en')} readings in ${order} order, last 200 after ${fmtMs(last200)} (server CPU ${fmtMs(cpu200 - cpu0)}), served after ${fmtMs(served)} (server CPU ${fmtMs(cpuServed - cpu0)}): ${rate(readings, served)}`);
    return { readings, last200, served, answer };
  } finally {
    await server.stop();
    await rm(db, { force: true });
  }
}

/** I1's bulk import (in-process, 50,000 readings per batch, then the pipeline) into a database a server is serving, until served there */
async function importUntilServed(dir: string, c: Columns): Promise<Served> {
  const db = join(dir, 'i1-served.sqlite');
  await prepare(db, c.site);
  const server = await serve(db);
  try {
    const token = await login(server.url);
    let batches: GatewayReading[][] | null = batchesOf(c, 50_000);
    collectGarbage();
    const store = new SqliteStore({ path: db });
    const deps = createDeps(store, systemClock);
    const t0 = performance.now();
    for (const b of batches) await ingestBatch(deps, c.site.id, { meters: b }, { process: false });
    await deps.pipeline.run(c.site.id);
    const last200 = performance.now() - t0;
    batches = null;
    await store.close();
    const answer = await untilServed(server.url, token, c);
    const served = performance.now() - t0;
    const readings = c.meters.length * c.points;
    log(`I1 until served: ${readings.toLocaleString('en')} readings imported after ${fmtMs(last200)}, served after ${fmtMs(served)} (${rate(readings, served)})`);
    return { readings, last200, served, answer };
  } finally {
    await server.stop();
    await rm(db, { force: true });
  }
}

/**
 * The rows: I3 (meter order, until served) against the time order of the
 * same readings and the plain insert; I1 and I2 until served. `days` shortens
 * the year for a quick look (rates, not totals, are what compare).
 */
export async function benchBackfill(opts: { days?: number; only?: string[] } = {}): Promise<BenchRow[]> {
  const days = opts.days ?? 365;
  const want = (what: string) => !opts.only || opts.only.includes(what);
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-backfill-'));
  const rows: BenchRow[] = [];
  try {
    const site = benchSite(1, 60);
    const year = columnsOf(site, days * 96);
    const n = (year.meters.length * year.points).toLocaleString('en');
    const plain = want('plain') ? await timeIt(() => plainInsert(join(dir, 'plain.sqlite'), year)).then(async (ms) => (await rm(join(dir, 'plain.sqlite'), { force: true }), ms)) : NaN;
    if (want('plain')) log(`plain insert of the ${n} readings: ${fmtMs(plain)} (${rate(year.meters.length * year.points, plain)})`);
    const timeOrder = want('i3-time') ? await pushUntilServed(dir, 'i3-time-order', year, 'time') : null;
    const meterOrder = want('i3') ? await pushUntilServed(dir, 'i3-meter-order', year, 'meter') : null;
    if (meterOrder && timeOrder && meterOrder.answer !== timeOrder.answer) throw new Error('I3: the site_data answers after meter-order and time-order pushes differ');
    if (meterOrder) {
      const perS = meterOrder.readings / (meterOrder.served / 1000);
      const span = `${year.meters.length} meters × ${days} days = ${n} index readings`;
      if (timeOrder) {
        rows.push({
          id: 'I3', work: `backfill pushed meter by meter over HTTP (${span}; each meter's span in sequence, ${PUSH.toLocaleString('en')} per push), until served: first push → a site_data answer holding every meter's energy`,
          baseline: 'the same readings pushed in time order (I2\'s order), until served', value: `${fmtMs(meterOrder.served)} = ${rate(meterOrder.readings, meterOrder.served)} (last 200 after ${fmtMs(meterOrder.last200)})`,
          base: `${fmtMs(timeOrder.served)} = ${rate(timeOrder.readings, timeOrder.served)} (last 200 after ${fmtMs(timeOrder.last200)})`, ratio: `${(meterOrder.served / timeOrder.served).toFixed(2)}×`,
          target: '≥ 150,000 readings/s until served', met: perS >= 150_000,
        });
      }
      if (want('plain')) {
        rows.push({
          id: 'I3 floor', work: 'I3 (as above), against the floor of storing the rows', baseline: 'plain batched INSERT of the same rows (10,000 per transaction) into an empty table, in-process',
          value: fmtMs(meterOrder.served), base: fmtMs(plain), ratio: `${(meterOrder.served / plain).toFixed(2)}×`, target: '—', met: null,
        });
      }
    }
    if (want('i1')) {
      const i1 = await importUntilServed(dir, year);
      rows.push({
        id: 'I1 served', work: `bulk import (I1's path, ${n} readings, in-process, 50,000 per batch), until served over HTTP by a server on the same database`,
        baseline: 'the same import until its pipeline run returned (I1\'s end)', value: `${fmtMs(i1.served)} = ${rate(i1.readings, i1.served)}`, base: `${fmtMs(i1.last200)} = ${rate(i1.readings, i1.last200)}`,
        ratio: `${(i1.served / i1.last200).toFixed(2)}×`, target: '(reported)', met: null,
      });
    }
    if (want('i2')) {
      // I2's shape: ~500,000 readings of the 62 meters in time order, 10,000 per push
      const i2cols = columnsOf(site, Math.ceil(500_000 / year.meters.length) + 1);
      const i2 = await pushUntilServed(dir, 'i2-served', i2cols, 'time');
      rows.push({
        id: 'I2 served', work: `gateway push over HTTP in time order (I2's shape: ${i2.readings.toLocaleString('en')} readings, ${PUSH.toLocaleString('en')} per push), until served`,
        baseline: 'the same pushes until the last 200 (I2\'s end)', value: `${fmtMs(i2.served)} = ${rate(i2.readings, i2.served)}`, base: `${fmtMs(i2.last200)} = ${rate(i2.readings, i2.last200)}`,
        ratio: `${(i2.served / i2.last200).toFixed(2)}×`, target: '(reported)', met: null,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  log(`backfill benchmark on ${machine()}`);
  const rows = await benchBackfill({ days: arg('days') ? Number(arg('days')) : undefined, only: arg('only')?.split(',') });
  for (const r of rows) process.stdout.write(`| ${r.id} | ${r.work} | ${r.value} | ${r.baseline} | ${r.base} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |\n`);
}
