/**
 * npm run bench: how fast kWhub reads, ingests and serves, each figure next
 * to a baseline measured in the same run (these machines are shared and
 * noisy: the ratios are what to compare). Writes bench/RESULTS.md.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import autocannon from 'autocannon';
import { openStore } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite, type GatewayReading } from './data.js';
import { benchAnswers } from './answers.js';
import { benchBackfill } from './backfill.js';
import { freePort } from '../test/helpers/cli.js';
import { floorRows, sizeRows, sqliteChunks } from './sizes.js';
import { collectGarbage, machine, median, medianMs, mediansInTurns, peakRssMiB, startProcess, timeIt, plainRawTable, type ServerProcess } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
export const YEAR_STEPS = 365 * 96;
export const START = Date.UTC(2025, 0, 1);
export const CONSUMERS = 60;
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const H1_ROUNDS = Math.max(1, Math.min(RUNS, 5));
const H1_SECONDS = 5;

export interface Row { id: string; work: string; baseline: string; value: string; base: string; ratio: string; target: string; met: boolean | null }
export const rows: Row[] = [];
export const log = (s: string) => process.stderr.write(`${s}\n`);
export const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

function allReadings(site: ReturnType<typeof benchSite>, steps: number, batch: number): GatewayReading[][] {
  return [...benchReadings(site, START, steps, batch)];
}

/** the floor of I1: the same raw rows, plain batched INSERTs into an empty table */
function plainInsert(path: string, batches: GatewayReading[][], meterPk: Map<string, number>): void {
  const { db, insert: ins } = plainRawTable(path);
  const now = Date.now();
  for (const b of batches) {
    db.transaction(() => {
      for (const r of b) ins.run(meterPk.get(r.meter_id), r.timestamp, r.en_im, r.en_ex, now);
    })();
  }
  db.close();
}

export async function importSite(path: string, site: ReturnType<typeof benchSite>, batches: GatewayReading[][], start = START): Promise<number> {
  const store = path.startsWith('postgres') ? await openStore(path) : new SqliteStore({ path });
  await store.migrate();
  const deps = createDeps(store, systemClock);
  await applySiteDocument(deps, { ...site.doc, developers: [{ username: 'bench', password: 'bench-password', consent_ref: 'bench' }] });
  const ms = await timeIt(async () => {
    for (const b of batches) await ingestBatch(deps, site.id, { meters: b }, { process: false });
    await deps.pipeline.run(site.id);
  });
  const check = await store.readSiteAlloc(site.id, start, start + YEAR_STEPS * 900_000);
  if (check.t.length < YEAR_STEPS - 1) throw new Error(`import incomplete: ${check.t.length} site intervals in the first year`);
  await store.close();
  return ms;
}

export async function serve(db: string): Promise<ServerProcess> {
  const port = await freePort();
  return startProcess(join(root, 'bin/kwhub.js'), ['serve', '--db', db, '--port', String(port)], {
    KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn',
  }, /listening on/, `http://127.0.0.1:${port}`);
}

export async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
  return ((await r.json()) as { access_token: string }).access_token;
}

export async function fetchText(url: string, token: string, body: unknown): Promise<string> {
  // uncompressed (fetch asks for gzip by default): compressed answers are measured by bench/answers.ts
  const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'identity' }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${text.slice(0, 200)}`);
  return text;
}

export const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export const sizing: string[] = [];

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-bench-'));
  const started = Date.now();
  log(`kWhub benchmarks in ${dir} on ${machine()}`);
  try {
    const site = benchSite(1, CONSUMERS);
    // the year's 2.1 M readings are held only while imported: a heap that large would slow
    // this process (the client and in-process floors of every later measurement) with GC
    let batches: GatewayReading[][] | null = allReadings(site, YEAR_STEPS - 1, 50_000);
    const readings = batches.reduce((s, b) => s + b.length, 0);
    const pk = new Map([...site.consumers, site.pv, site.grid].map((id, i) => [id, i + 1]));
    const meters = site.consumers.length + 2;

    // I1: bulk import, end to end, against a plain INSERT of the same rows
    const plain: number[] = [];
    const full: number[] = [];
    const importRuns = Math.max(1, Math.min(RUNS, 3));
    let db = '';
    for (let i = 0; i < importRuns; i++) {
      plain.push(await timeIt(() => plainInsert(join(dir, `plain-${i}.sqlite`), batches!, pk)));
      db = join(dir, `i1-${i}.sqlite`);
      full.push(await importSite(db, site, batches!));
      log(`I1 run ${i + 1}: plain ${fmtMs(plain[i])}, kWhub ${fmtMs(full[i])}`);
      if (i < importRuns - 1) await rm(db);
      await rm(join(dir, `plain-${i}.sqlite`));
    }
    batches = null;
    collectGarbage();
    const i1 = median(full);
    const i1rate = readings / (i1 / 1000);
    const i1base = median(plain);
    rows.push({
      id: 'I1', work: `bulk import: ${readings.toLocaleString('en')} index readings (${meters} meters × 1 year), stored, validated, allocated`,
      baseline: 'plain batched INSERT of the same rows into an empty table', value: `${fmtMs(i1)} = ${Math.round(i1rate).toLocaleString('en')} readings/s`,
      base: fmtMs(i1base), ratio: `${(i1 / i1base).toFixed(2)}×`, target: '≥ 250,000 readings/s and ≤ 4× the plain insert', met: i1rate >= 250_000 && i1 / i1base <= 4,
    });

    rows.push(...(await sizeRows(db)));

    // reads over HTTP against in-process floors on the same file
    const server = await serve(db);
    try {
      const token = await login(server.url);
      const ro = new Database(db, { readonly: true });
      const meterPk = (id: string) => (ro.prepare('SELECT pk FROM meters WHERE id = ?').get(id) as { pk: number }).pk;
      const sitePk = (ro.prepare('SELECT pk FROM sites WHERE id = ?').get(site.id) as { pk: number }).pk;
      const yearEnd = START + YEAR_STEPS * 900_000;

      const c0 = site.consumers[0];
      const r1Body = { t_s: iso(START), t_e: iso(yearEnd), sampling_frequency: '15T' };
      const r1Rows = (JSON.parse(await fetchText(`${server.url}/api/v1/meter_data/${site.id}/${c0}`, token, r1Body)) as unknown[]).length;
      const [r1Floor, r1] = await mediansInTurns(RUNS, [
        () => JSON.stringify(floorRows(sqliteChunks(ro, meterPk(c0), START, yearEnd), START, yearEnd)),
        () => fetchText(`${server.url}/api/v1/meter_data/${site.id}/${c0}`, token, r1Body),
      ]);
      rows.push({ id: 'R1', work: `meter_data, 1 year at 15T (${r1Rows.toLocaleString('en')} rows), one meter, over HTTP`, baseline: 'plain SELECT of the same rows + JSON.stringify, in-process', value: fmtMs(r1), base: fmtMs(r1Floor), ratio: `${(r1 / r1Floor).toFixed(2)}×`, target: '≤ 1.5× the floor', met: r1 / r1Floor <= 1.5 });

      await benchAnswers({ url: server.url, token, siteId: site.id, consumers: CONSUMERS, start: START, yearEnd, serve: () => serve(db), login, runs: RUNS }, rows, log);

      const monthEnd = START + 31 * 96 * 900_000;
      const r2Body = { t_s: iso(START), t_e: iso(monthEnd), sampling_frequency: '15T' };
      const [r2Floor, r2] = await mediansInTurns(RUNS, [
        () => {
          const s = ro.prepare('SELECT * FROM site_alloc WHERE site_pk = ? AND t >= ? AND t < ? ORDER BY t').all(sitePk, START, monthEnd);
          const per = [...site.consumers, site.pv].map((id) => floorRows(sqliteChunks(ro, meterPk(id), START, monthEnd), START, monthEnd));
          return JSON.stringify([s, per]);
        },
        () => fetchText(`${server.url}/api/v1/site_data/${site.id}/electricity`, token, r2Body),
      ]);
      // the first round's R2 floor, reported next to the issue's (which holds the rows in memory already)
      rows.push({ id: 'R2 read', work: `site_data/electricity, 1 month at 15T, ${CONSUMERS} consumers (per-meter columns)`, baseline: 'plain SELECT of the same chunks, decoded, + JSON.stringify, in-process', value: fmtMs(r2), base: fmtMs(r2Floor), ratio: `${(r2 / r2Floor).toFixed(2)}×`, target: '(reported: R2 is the target)', met: null });

      for (const freq of ['D', 'M'] as const) {
        const body = { t_s: iso(START), t_e: iso(yearEnd), sampling_frequency: freq };
        const r3 = await medianMs(RUNS, () => fetchText(`${server.url}/api/v1/site_data/${site.id}/electricity`, token, body));
        rows.push({ id: `R3 ${freq}`, work: `site_data/electricity, 1 year at ${freq}, ${CONSUMERS} consumers`, baseline: "R1's floor (one meter's year)", value: fmtMs(r3), base: fmtMs(r1Floor), ratio: `${(r3 / r1Floor).toFixed(2)}×`, target: '≤ 50 ms median', met: r3 <= 50 });
      }

      // H1: small authenticated request throughput against a bare route with the same bytes
      const path = `/api/v1/meter_info/${site.id}`;
      const bytes = await (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).text();
      const cannon = async (url: string, headers: Record<string, string>) => {
        const res = await autocannon({ url: `${url}${path}`, connections: 32, duration: H1_SECONDS, headers });
        if (res.non2xx > 0 || res.errors > 0) throw new Error(`H1: ${res.non2xx} non-2xx, ${res.errors} errors`);
        return res.requests.average;
      };
      const barePort = await freePort();
      const bare = await startProcess(join(here, 'bare-server.mjs'), [], { BARE_BODY: bytes, BARE_PORT: String(barePort) }, /listening/, `http://127.0.0.1:${barePort}`);
      // both servers run side by side and are measured in turns, so a noisy moment of this shared
      // machine hits one round of each rather than one whole side; medians of the rounds are compared
      // the same request bytes to both (the bare route ignores the token) and the same answer bytes back
      const auth = { authorization: `Bearer ${token}` };
      const bareRuns: number[] = [];
      const oursRuns: number[] = [];
      collectGarbage();
      try {
        // a warm-up of each first: JIT, and the first touch of a new process's memory
        await autocannon({ url: `${bare.url}${path}`, connections: 32, duration: 2, headers: auth });
        await autocannon({ url: `${server.url}${path}`, connections: 32, duration: 2, headers: auth });
        for (let round = 0; round < H1_ROUNDS; round++) {
          bareRuns.push(await cannon(bare.url, auth));
          oursRuns.push(await cannon(server.url, auth));
          log(`H1 round ${round + 1}: bare ${Math.round(bareRuns[round])} req/s, kWhub ${Math.round(oursRuns[round])} req/s`);
        }
      } finally {
        await bare.stop();
      }
      const bareRps = median(bareRuns);
      const h1 = median(oursRuns);
      rows.push({ id: 'H1', work: `meter_info, authenticated, rate limit lifted, 32 connections, medians of ${H1_ROUNDS} alternating rounds of ${H1_SECONDS} s (autocannon, loopback)`, baseline: 'bare Fastify route returning the same bytes, sent the same request', value: `${Math.round(h1).toLocaleString('en')} req/s`, base: `${Math.round(bareRps).toLocaleString('en')} req/s`, ratio: `${((100 * h1) / bareRps).toFixed(0)} %`, target: '≥ 60 % of the bare route', met: h1 / bareRps >= 0.6 });

      // I2: gateway push over HTTP, batches of 10,000, into a second site of the same shape
      const site2 = benchSite(2, CONSUMERS);
      const store = new SqliteStore({ path: db });
      await applySiteDocument(createDeps(store, systemClock), site2.doc);
      const gw = await (await fetch(`${server.url}/api/admin/v1/sites/${site2.id}/gateways`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"bench"}' })).json() as { token: string };
      await store.close();
      const pushBatches = allReadings(site2, Math.ceil(500_000 / (CONSUMERS + 2)), 10_000);
      const pushed = pushBatches.reduce((s, b) => s + b.length, 0);
      const bodies = pushBatches.map((b) => JSON.stringify({ meters: b }));
      const i2 = await timeIt(async () => {
        for (const body of bodies) {
          const r = await fetch(`${server.url}/api/gateway/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' }, body });
          if (r.status !== 200) throw new Error(`I2 push: ${r.status} ${await r.text()}`);
        }
      });
      const i2rate = pushed / (i2 / 1000);
      rows.push({ id: 'I2', work: `gateway push over HTTP: ${pushed.toLocaleString('en')} readings in batches of 10,000, until the last 200 (each durable then; validated and allocated once they settle: see I2 served)`, baseline: 'I1 (bulk import rate)', value: `${Math.round(i2rate).toLocaleString('en')} readings/s`, base: `${Math.round(i1rate).toLocaleString('en')} readings/s`, ratio: `${(i2rate / i1rate).toFixed(2)}×`, target: '≥ 100,000 readings/s', met: i2rate >= 100_000 });
      ro.close();
    } finally {
      await server.stop();
    }

    // M1: memory while serving 10 years of 15T for one meter
    const m1Site = benchSite(3, 1);
    const tenYears = 3652 * 96;
    // ten years up to the start of the main data: nothing is served from the future
    const m1Start = START - tenYears * 900_000;
    const m1db = join(dir, 'm1.sqlite');
    await importSite(m1db, m1Site, [...benchReadings(m1Site, m1Start, tenYears, 50_000)], m1Start);
    const m1 = await serve(m1db);
    try {
      const token = await login(m1.url);
      const before = peakRssMiB(m1.child.pid!);
      const text = await fetchText(`${m1.url}/api/v1/meter_data/${m1Site.id}/${m1Site.consumers[0]}`, token, { t_s: iso(m1Start), t_e: iso(START), sampling_frequency: '15T' });
      const peak = peakRssMiB(m1.child.pid!);
      const n = (text.match(/timestamp/g) ?? []).length;
      rows.push({ id: 'M1', work: `peak RSS of the server answering meter_data for 10 years at 15T (${n.toLocaleString('en')} rows, ${(text.length / 2 ** 20).toFixed(0)} MiB of JSON)`, baseline: `RSS before the request: ${before.toFixed(0)} MiB`, value: `${peak.toFixed(0)} MiB`, base: '—', ratio: '—', target: '< 200 MB', met: peak * 1.048576 < 200 });
    } finally {
      await m1.stop();
    }

    rows.push(...(await benchBackfill()));

    // the same R1, R3 and I1 on PostgreSQL, when a server is given (bash .ci/services.sh starts one)
    const pgUrl = process.env.KWHUB_BENCH_PG_URL ?? process.env.KWHUB_TEST_PG_URL;
    if (pgUrl) await (await import('./pg.js')).benchPostgres(pgUrl, site, allReadings(site, YEAR_STEPS - 1, 50_000), readings, pk);
    else log('PostgreSQL rows skipped: set KWHUB_BENCH_PG_URL (or start the services: eval "$(bash .ci/services.sh start)")');

    const when = new Date().toISOString();
    const table = [
      '| # | work | measured | baseline (same run) | baseline value | ratio | target | met |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.id} | ${r.work} | ${r.value} | ${r.baseline} | ${r.base} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
    ].join('\n');
    const md = `# kWhub benchmark results\n\n- date: ${when}\n- machine: ${machine()}\n- engines: SQLite (better-sqlite3); PostgreSQL 15 rows marked "pg" (same machine, loopback); one server process\n- method: medians of ${RUNS} runs for reads (after 3 warm-up runs; a floor and its HTTP request are run in turns), ${Math.max(1, Math.min(RUNS, 3))} runs for the import; every baseline measured in the same run\n- total time: ${((Date.now() - started) / 1000).toFixed(0)} s\n\n${table}\n\n${sizing.length ? `\n## Sizes measured\n\n${sizing.map((x) => `- ${x}`).join('\n')}\n` : ''}\nRun it yourself: \`npm run bench\` (set BENCH_RUNS for more or fewer runs; KWHUB_BENCH_PG_URL adds PostgreSQL).\n`;
    // the sections the other benchmarks write (bench/gateway.ts, portal.ts, billing.ts, trust.ts) follow
    // this one's closing line and are kept as they are
    const previous = await readFile(join(here, 'RESULTS.md'), 'utf8').catch(() => '');
    const closing = previous.indexOf('Run it yourself: `npm run bench`');
    const rest = closing === -1 ? '' : previous.slice(previous.indexOf('\n', closing) + 1).trim();
    await writeFile(join(here, 'RESULTS.md'), rest ? `${md.trimEnd()}\n\n${rest}\n` : md);
    process.stdout.write(`${md}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// bench/pg.ts borrows this file's helpers: the whole benchmark runs only when this file is the one started
// not a top-level await: bench/pg.ts, imported by main() below, imports this module, which must have finished evaluating
// (awaiting main() here left that import waiting forever, and Node exited with code 13)
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
