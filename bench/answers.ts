/**
 * How fast and how lean kWhub's big answers are (R2, R4, C1, peak RSS), each
 * against a baseline measured in the same run:
 * - R2 / R4: site_data/electricity, a site month at 15T / at H, over HTTP,
 *   against the floor of the issue: `JSON.stringify` of the same rows already
 *   held in memory (the answer parsed once beforehand: no SELECT, no table).
 * - C1: the same R2 month with `Accept-Encoding: gzip` and `br`, against the
 *   same request uncompressed, in turns: time to the last byte received
 *   (raw sockets, nothing decoded by the client) and bytes on the wire.
 * - RSS: a fresh server's peak resident set while answering the widest answer
 *   (site_data at 15T over the whole stored year, 62 meters).
 *
 * `npm run bench` calls benchAnswers from bench/run.ts. On its own:
 *   npm run build && node --expose-gc --import tsx bench/answers.ts
 * builds a site-year database once (kept in $TMPDIR/kwhub-answers-bench.sqlite)
 * and prints the rows (BENCH_ONLY=C1, or a list such as R2,RSS: only those).
 */
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite } from './data.js';
import { freePort } from '../test/helpers/cli.js';
import { machine, mediansInTurns, peakRssMiB, startProcess, type ServerProcess } from './lib.js';

/** a row of the results table (the shape of bench/run.ts's) */
export interface AnswerRow { id: string; work: string; baseline: string; value: string; base: string; ratio: string; target: string; met: boolean | null }

export interface AnswersInput {
  /** a running server on `db` and a developer token for the site */
  url: string;
  token: string;
  siteId: string;
  consumers: number;
  /** the first instant of the stored year, and its end */
  start: number;
  yearEnd: number;
  /** starts a fresh server on the database (for the peak RSS row) */
  serve(): Promise<ServerProcess>;
  login(url: string): Promise<string>;
  runs: number;
}

const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const MiB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** a POST as a client without decompression: the bytes on the wire, and the content encoding */
function raw(url: string, token: string, body: unknown, encoding: string, keep = true): Promise<{ bytes: number; body: Buffer | null; encoding: string | undefined }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'accept-encoding': encoding },
    }, (res) => {
      const parts: Buffer[] = [];
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (keep) parts.push(d);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode} ${Buffer.concat(parts).toString().slice(0, 200)}`));
        resolve({ bytes, body: keep ? Buffer.concat(parts) : null, encoding: res.headers['content-encoding'] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** the answer as text, uncompressed (as bench/run.ts's R1 and R3 read theirs) */
async function fetchText(url: string, token: string, body: unknown): Promise<string> {
  const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'identity' }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${text.slice(0, 200)}`);
  return text;
}

export async function benchAnswers(input: AnswersInput, rows: AnswerRow[], log: (s: string) => void = () => {}): Promise<void> {
  const { url, token, siteId, consumers, start, runs } = input;
  const siteData = `${url}/api/v1/site_data/${siteId}/electricity`;
  const monthEnd = start + 31 * 96 * 900_000;

  // BENCH_ONLY=C1 (or R2,RSS...): only those rows, for a quick look at one of them
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toUpperCase()) ?? null;
  const wanted = (id: string) => only === null || only.includes(id);

  // R2 and R4: the answer over HTTP against JSON.stringify of its rows held in memory
  for (const [id, freq, target] of [['R2', '15T', 1.3], ['R4', 'H', 1.3]] as const) {
    if (!wanted(id)) continue;
    const body = { t_s: iso(start), t_e: iso(monthEnd), sampling_frequency: freq };
    const text = await fetchText(siteData, token, body);
    const held = JSON.parse(text) as unknown[];
    if (JSON.stringify(held) !== text) throw new Error(`${id}: the answer is not what JSON.stringify writes of its own rows`);
    const [floor, ms] = await mediansInTurns(runs, [() => JSON.stringify(held), () => fetchText(siteData, token, body)]);
    const ratio = ms / floor;
    log(`${id}: ${fmtMs(ms)} against a stringify floor of ${fmtMs(floor)}`);
    rows.push({
      id, work: `site_data/electricity, 1 month at ${freq} (${held.length.toLocaleString('en')} rows, ${MiB(text.length)}), ${consumers} consumers, over HTTP`,
      baseline: 'JSON.stringify of the same rows already in memory, in-process', value: fmtMs(ms), base: fmtMs(floor), ratio: `${ratio.toFixed(2)}×`,
      target: id === 'R4' ? '≤ 50 ms or ≤ 1.3× the floor' : `≤ ${target}× the floor`, met: id === 'R4' ? ms <= 50 || ratio <= target : ratio <= target,
    });
  }

  // C1: the R2 month compressed, against the same request uncompressed, to the last byte on the wire
  const r2Body = { t_s: iso(start), t_e: iso(monthEnd), sampling_frequency: '15T' };
  if (!wanted('C1')) {
    if (wanted('RSS')) await peakRss(input, rows, log);
    return;
  }
  const plain = await raw(siteData, token, r2Body, 'identity');
  for (const enc of ['gzip', 'br'] as const) {
    const packed = await raw(siteData, token, r2Body, enc);
    if (packed.encoding !== enc) {
      rows.push({ id: `C1 ${enc}`, work: `R2's month with Accept-Encoding: ${enc}`, baseline: '—', value: `not compressed (${packed.encoding ?? 'no Content-Encoding'})`, base: '—', ratio: '—', target: '< 1.3× the time, ≥ 8× fewer bytes', met: false });
      continue;
    }
    const unpacked = enc === 'gzip' ? gunzipSync(packed.body!) : brotliDecompressSync(packed.body!);
    if (!unpacked.equals(plain.body!)) throw new Error(`C1: the ${enc} answer does not decompress to the uncompressed answer`);
    const [base, ms] = await mediansInTurns(runs, [() => raw(siteData, token, r2Body, 'identity', false), () => raw(siteData, token, r2Body, enc, false)]);
    const timeRatio = ms / base;
    const byteRatio = plain.bytes / packed.bytes;
    log(`C1 ${enc}: ${fmtMs(ms)} against ${fmtMs(base)} uncompressed; ${MiB(packed.bytes)} against ${MiB(plain.bytes)}`);
    rows.push({
      id: `C1 ${enc}`, work: `R2's month with Accept-Encoding: ${enc}: time to the last byte received, and bytes on the wire (${MiB(packed.bytes)} of ${MiB(plain.bytes)}, ${byteRatio.toFixed(1)}× fewer)`,
      baseline: 'the same request uncompressed (identity), in turns', value: fmtMs(ms), base: fmtMs(base), ratio: `${timeRatio.toFixed(2)}×, ${byteRatio.toFixed(1)}× fewer bytes`,
      target: '< 1.3× the time, ≥ 8× fewer bytes', met: timeRatio < 1.3 && byteRatio >= 8,
    });
  }

  if (wanted('RSS')) await peakRss(input, rows, log);
}

/** peak RSS of a fresh server answering the widest answer: every meter at 15T over the whole year */
async function peakRss(input: AnswersInput, rows: AnswerRow[], log: (s: string) => void): Promise<void> {
  const { siteId, consumers, start } = input;
  const fresh = await input.serve();
  try {
    const freshToken = await input.login(fresh.url);
    const before = peakRssMiB(fresh.child.pid!);
    const wide = { t_s: iso(start), t_e: iso(input.yearEnd), sampling_frequency: '15T' };
    const wideUrl = `${fresh.url}/api/v1/site_data/${siteId}/electricity`;
    const answer = await raw(wideUrl, freshToken, wide, 'identity', false);
    const peakPlain = peakRssMiB(fresh.child.pid!);
    const gz = await raw(wideUrl, freshToken, wide, 'gzip', false);
    const peak = peakRssMiB(fresh.child.pid!);
    log(`RSS: before ${before.toFixed(0)} MiB, after the identity answer ${peakPlain.toFixed(0)} MiB, after gzip too ${peak.toFixed(0)} MiB`);
    rows.push({
      id: 'RSS', work: `peak RSS of a fresh server answering the widest answer: site_data at 15T over the stored year, ${consumers + 2} meters (${MiB(answer.bytes)} of JSON), then the same gzip (${MiB(gz.bytes)})`,
      baseline: `RSS before the request: ${before.toFixed(0)} MiB`, value: `${peak.toFixed(0)} MiB (identity alone: ${peakPlain.toFixed(0)} MiB)`, base: '—', ratio: '—', target: '≤ 250 MB', met: peak * 1.048576 <= 250,
    });
  } finally {
    await fresh.stop();
  }
}

// ---- on its own: a site-year database, once, then the rows ----

async function standalone(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..');
  const admin = 'bench-admin-token-0123456789abcdef';
  const start = Date.UTC(2025, 0, 1);
  const yearSteps = 365 * 96;
  const consumers = 60;
  const site = benchSite(1, consumers);
  const db = process.env.ANSWERS_DB ?? join(tmpdir(), 'kwhub-answers-bench.sqlite');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (!existsSync(db)) {
    log(`building ${db}: a site-year of ${consumers + 2} meters`);
    const store = new SqliteStore({ path: db });
    await store.migrate();
    const deps = createDeps(store, systemClock);
    await applySiteDocument(deps, { ...site.doc, developers: [{ username: 'bench', password: 'bench-password', consent_ref: 'bench' }] });
    for (const b of benchReadings(site, start, yearSteps - 1, 50_000)) await ingestBatch(deps, site.id, { meters: b }, { process: false });
    await deps.pipeline.run(site.id);
    await store.close();
  }
  const serve = async () => {
    const port = await freePort();
    return startProcess(join(root, 'bin/kwhub.js'), ['serve', '--db', db, '--port', String(port)], {
      KWHUB_ADMIN_TOKEN: admin, KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn',
    }, /listening on/, `http://127.0.0.1:${port}`);
  };
  const login = async (url: string) => {
    const r = await fetch(`${url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const server = await serve();
  const rows: AnswerRow[] = [];
  try {
    const token = await login(server.url);
    await benchAnswers({ url: server.url, token, siteId: site.id, consumers, start, yearEnd: start + yearSteps * 900_000, serve, login, runs: Number(process.env.BENCH_RUNS ?? 5) }, rows, log);
  } finally {
    await server.stop();
  }
  process.stdout.write(`machine: ${machine()}\n\n| # | work | measured | baseline | baseline value | ratio | target | met |\n|---|---|---|---|---|---|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.id} | ${r.work} | ${r.value} | ${r.baseline} | ${r.base} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await standalone();
