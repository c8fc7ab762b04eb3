/**
 * npm run bench:trust: the figures of "trust the numbers" (issue 15), each
 * next to a baseline measured in the same run, on the bench site (60
 * consumers, a year at 15 minutes, SQLite), over HTTP against `kwhub serve`:
 *
 * - with_quality: site_data for a month at 15T with and without it (R2's request), and for a year at D;
 * - conditional requests: meter_data for a year at 15T answered 200, and 304 to If-None-Match;
 * - webhook fan-out: deliveries per second to a receiver on 127.0.0.1, 50 webhooks.
 *
 * Writes its section of bench/RESULTS.md (between its markers; the rest of the file is kept).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite } from './data.js';
import { freePort } from '../test/helpers/cli.js';
import { collectGarbage, machine, mediansInTurns, startProcess, timeIt } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const START = Date.UTC(2025, 0, 1);
const YEAR_STEPS = 365 * 96;
const CONSUMERS = 60;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const HOOKS = 50;
const MOVES = 20;
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

async function post(url: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; etag: string | null; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'identity', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, etag: r.headers.get('etag'), text: await r.text() };
}

async function admin(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${url}/api/admin/v1${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
  return text === '' ? null : JSON.parse(text);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-bench-trust-'));
  const started = Date.now();
  const rows: string[] = [];
  try {
    const site = benchSite(1, CONSUMERS);
    const db = join(dir, 'trust.sqlite');
    const store = new SqliteStore({ path: db });
    await store.migrate();
    const deps = createDeps(store, systemClock);
    await applySiteDocument(deps, { ...site.doc, developers: [{ username: 'bench', password: 'bench-password', consent_ref: 'bench' }] });
    const importMs = await timeIt(async () => {
      for (const b of benchReadings(site, START, YEAR_STEPS - 1, 50_000)) await ingestBatch(deps, site.id, { meters: b }, { process: false });
      await deps.pipeline.run(site.id);
    });
    await store.close();
    collectGarbage();
    log(`imported a year of ${CONSUMERS + 2} meters in ${fmtMs(importMs)}`);

    const port = await freePort();
    const server = await startProcess(join(root, 'bin/kwhub.js'), ['serve', '--db', db, '--port', String(port)], {
      KWHUB_ADMIN_TOKEN: ADMIN, KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn', KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true', KWHUB_WEBHOOK_POLL_MS: '20',
    }, /listening on/, `http://127.0.0.1:${port}`);
    try {
      const auth = await fetch(`${server.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
      const token = ((await auth.json()) as { access_token: string }).access_token;

      // Q1: with_quality on R2's request
      const monthEnd = START + 31 * 96 * 900_000;
      const r2 = { t_s: iso(START), t_e: iso(monthEnd), sampling_frequency: '15T' };
      const siteUrl = `${server.url}/api/v1/site_data/${site.id}/electricity`;
      const [plain, quality] = await mediansInTurns(RUNS, [() => post(siteUrl, token, r2), () => post(siteUrl, token, { ...r2, with_quality: true })]);
      rows.push(`| Q1 | site_data/electricity, 1 month at 15T, ${CONSUMERS} consumers, \`with_quality: true\` (coverage over ${CONSUMERS + 2} meters) | ${fmtMs(quality)} | the same request without it (R2) | ${fmtMs(plain)} | ${(quality / plain).toFixed(2)}× | ≤ 1.3× | ${quality / plain <= 1.3 ? 'yes' : 'no'} |`);
      log(`Q1 ${fmtMs(quality)} vs ${fmtMs(plain)}`);

      // Q2: with_quality on a year at D: whole days are counted from the day sums
      const yearD = { t_s: iso(START), t_e: iso(START + YEAR_STEPS * 900_000), sampling_frequency: 'D' };
      const [plainD, qualityD] = await mediansInTurns(RUNS, [() => post(siteUrl, token, yearD), () => post(siteUrl, token, { ...yearD, with_quality: true })]);
      rows.push(`| Q2 | site_data/electricity, 1 year at D, ${CONSUMERS} consumers, \`with_quality: true\` | ${fmtMs(qualityD)} | the same request without it (R3 D) | ${fmtMs(plainD)} | ${(qualityD / plainD).toFixed(2)}× | (reported: whole days are counted from the day sums) | — |`);
      log(`Q2 ${fmtMs(qualityD)} vs ${fmtMs(plainD)}`);

      // E1: a year at 15T: 304 against 200
      const yearEnd = START + YEAR_STEPS * 900_000;
      const meterUrl = `${server.url}/api/v1/meter_data/${site.id}/${site.consumers[0]}`;
      const year = { t_s: iso(START), t_e: iso(yearEnd), sampling_frequency: '15T' };
      const first = await post(meterUrl, token, year);
      if (first.status !== 200 || !first.etag) throw new Error(`meter_data: ${first.status}, etag ${first.etag}`);
      const check = await post(meterUrl, token, year, { 'if-none-match': first.etag });
      if (check.status !== 304) throw new Error(`expected 304, got ${check.status}`);
      const [full, notModified] = await mediansInTurns(RUNS, [() => post(meterUrl, token, year), () => post(meterUrl, token, year, { 'if-none-match': first.etag! })]);
      rows.push(`| E1 | meter_data, 1 year at 15T (35,039 rows, ${(first.text.length / 1e6).toFixed(1)} MB), answered 304 to its ETag | ${fmtMs(notModified)} | the same request answered 200 | ${fmtMs(full)} | ${(notModified / full).toFixed(3)}× | (reported) | — |`);
      log(`E1 ${fmtMs(notModified)} vs ${fmtMs(full)}`);

      // W1: webhook fan-out to a local receiver
      let got = 0;
      let done: () => void = () => undefined;
      const all = new Promise<void>((r) => (done = r));
      const receiver = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(204).end();
          if (++got === HOOKS * MOVES) done();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      for (let k = 0; k < HOOKS; k++) {
        const username = `hook-${k}`;
        await admin(server.url, 'POST', '/developers', { username, password: 'bench-password' });
        await admin(server.url, 'POST', `/developers/${username}/grants`, { site_id: site.id, consent_ref: 'bench' });
        await admin(server.url, 'POST', `/developers/${username}/webhooks`, { url: hookUrl, secret: 'bench-webhook-secret-0123' });
      }
      // each lock date set is one change-feed entry, delivered to every webhook
      const t0 = performance.now();
      for (let k = 0; k < MOVES; k++) await admin(server.url, 'PATCH', `/sites/${site.id}`, { lock_date: new Date(START + (k + 1) * 86_400_000).toISOString() });
      await all;
      const ms = performance.now() - t0;
      receiver.close();
      const rate = (HOOKS * MOVES) / (ms / 1000);
      rows.push(`| W1 | webhook fan-out: ${MOVES} change-feed entries × ${HOOKS} webhooks = ${HOOKS * MOVES} signed POSTs to a receiver on 127.0.0.1 (one server) | ${Math.round(rate).toLocaleString('en')} deliveries/s | — | ${fmtMs(ms)} in all | — | (reported) | — |`);
      log(`W1 ${Math.round(rate)} deliveries/s`);
    } finally {
      await server.stop();
    }

    const section = [
      '<!-- trust:start -->',
      '## Trust the numbers: coverage, conditional requests, webhooks (`npm run bench:trust`)',
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine()}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (a shared machine inflates times: compare the ratios)`,
      `- SQLite, one \`kwhub serve\` process, the bench site (${CONSUMERS} consumers + PV + grid, a year at 15 minutes); medians of ${RUNS} runs in turns after 3 warm-up runs; total ${Math.round((Date.now() - started) / 1000)} s`,
      '',
      '| # | work | measured | baseline (same run) | baseline value | ratio | target | met |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '<!-- trust:end -->',
    ].join('\n');
    const path = join(here, 'RESULTS.md');
    const old = await readFile(path, 'utf8').catch(() => '');
    const i = old.indexOf('<!-- trust:start -->');
    const j = old.indexOf('<!-- trust:end -->');
    const next = i >= 0 && j > i ? `${old.slice(0, i)}${section}${old.slice(j + '<!-- trust:end -->'.length)}` : `${old.trimEnd()}\n\n${section}\n`;
    await writeFile(path, next);
    process.stdout.write(`${section}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
