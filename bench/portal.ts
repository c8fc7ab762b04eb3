/**
 * The portal's speed in a real browser (Debian's chromium, headless), with
 * the browser's own performance timings, on a year of the demo:
 *   P1 site page, month view: navigation start → stacked chart drawn (< 1 s)
 *   P2 switching the period (previous month): click → chart drawn (< 300 ms)
 *   P3 meter page, a year at 15 minutes (35,040 points + the raw year): route change → chart drawn (< 500 ms)
 *   P4 JavaScript and CSS shipped, gzipped (≤ 250 KB)
 * Each time has a baseline measured in the same page: fetching the same data
 * from the portal API without drawing anything. Medians of 5 runs after a
 * warm-up. Appends (or replaces) the "Portal" section of bench/RESULTS.md.
 * Run: npm run bench:portal
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { startDemoServer } from '../test/helpers/demo.js';
import { TEST_ADMIN_TOKEN } from '../test/helpers/server.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { machine, median } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const ZONE = 'Europe/Zurich';
const started = Date.now();

process.stderr.write('creating a year of the demo (about a minute)…\n');
const demo = await startDemoServer({ seed: 1, now: NOW, days: 365 });
const browser = await launchBrowser();
const url = demo.server.url;
const siteId = demo.site.siteId;
const meterId = demo.site.apartments[0];

// Functions run in the page are sent as source text: tsx would wrap named functions in a helper the page does not have.

/** ms from now in the page until the next `mark` after `action` (source text) runs */
async function untilMark(page: Page, mark: string, action: string): Promise<number> {
  return page.evaluate(`(async () => {
    const mark = ${JSON.stringify(mark)};
    const before = performance.getEntriesByName(mark).length;
    const t0 = performance.now();
    ${action};
    await new Promise((res) => {
      const check = () => (performance.getEntriesByName(mark).length > before ? res() : requestAnimationFrame(check));
      check();
    });
    return performance.getEntriesByName(mark)[before].startTime - t0;
  })()`) as Promise<number>;
}

/** ms to fetch and parse portal API paths in the page (the data without drawing it) */
async function fetchMs(page: Page, paths: string[]): Promise<number> {
  return page.evaluate(`(async () => {
    const t0 = performance.now();
    await Promise.all(${JSON.stringify(paths)}.map((p) => fetch(p).then((r) => r.json())));
    return performance.now() - t0;
  })()`) as Promise<number>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const month = DateTime.fromMillis(NOW, { zone: ZONE }).startOf('month');
const year = DateTime.fromMillis(NOW, { zone: ZONE }).startOf('year');
const q = (from: DateTime, to: DateTime, freq: string) => `t_s=${encodeURIComponent(iso(from.toMillis()))}&t_e=${encodeURIComponent(iso(to.toMillis()))}&sampling_frequency=${freq}`;
const monthData = [`/api/portal/v1/sites/${siteId}/data/electricity?${q(month, month.plus({ months: 1 }), 'D')}`];
const prevData = [`/api/portal/v1/sites/${siteId}/data/electricity?${q(month.minus({ months: 1 }), month, 'D')}`];
const yearMeter = [
  `/api/portal/v1/sites/${siteId}/meters/${meterId}/data?${q(year, year.plus({ years: 1 }), '15T')}`,
  `/api/portal/v1/sites/${siteId}/meters/${meterId}/raw?t_s=${encodeURIComponent(iso(year.toMillis()))}&t_e=${encodeURIComponent(iso(year.plus({ years: 1 }).toMillis()))}`,
];

const ctx = await browser.context({ width: 1280, height: 900 });
await ctx.request.post(`${url}/api/portal/v1/login`, { data: { token: TEST_ADMIN_TOKEN } });
const page = await ctx.newPage();

const p1: number[] = [];
const p1base: number[] = [];
for (let i = 0; i <= RUNS; i++) {
  await page.goto('about:blank');
  await page.goto(`${url}/#/sites/${siteId}`);
  await page.waitForSelector('#tabpanel[data-loaded^="month:"] .uplot');
  const drawn = (await page.evaluate("performance.getEntriesByName('kwhub:site-chart')[0].startTime")) as number;
  const base = await fetchMs(page, monthData);
  if (i > 0) (p1.push(drawn), p1base.push(base));
}

const p2: number[] = [];
const p2base: number[] = [];
for (let i = 0; i <= RUNS; i++) {
  const ms = await untilMark(page, 'kwhub:site-chart', "document.querySelector('[data-nav=prev]').click()");
  const base = await fetchMs(page, prevData);
  await untilMark(page, 'kwhub:site-chart', "document.querySelector('[data-nav=next]').click()");
  if (i > 0) (p2.push(ms), p2base.push(base));
}

await page.click('button[data-period="year"]');
await page.waitForSelector('#tabpanel[data-loaded^="year:"] .uplot');
const p3: number[] = [];
const p3base: number[] = [];
for (let i = 0; i <= RUNS; i++) {
  const ms = await untilMark(page, 'kwhub:meter-chart', `location.hash = '#/sites/${siteId}/meters/${meterId}'`);
  const points = (await page.evaluate("document.querySelectorAll('.uplot').length")) as number;
  if (points === 0) throw new Error('no meter chart');
  const base = await fetchMs(page, yearMeter);
  await page.evaluate(`location.hash = '#/sites/${siteId}'`);
  await page.waitForSelector('#tabpanel[data-loaded^="year:"] .uplot');
  if (i > 0) (p3.push(ms), p3base.push(base));
}
const yearRows = (await page.evaluate(`fetch(${JSON.stringify(yearMeter[0])}).then((r) => r.json()).then((f) => f.timestamps.length)`)) as number;

const assets = join(here, '..', 'dist', 'web', 'assets');
let gz = 0;
let raw = 0;
for (const f of await readdir(assets)) {
  if (!/\.(js|css)$/.test(f)) continue;
  const b = await readFile(join(assets, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}

await ctx.close();
await browser.close();
await demo.server.close();

const f = (x: number) => x.toFixed(1);
const row = (id: string, what: string, ms: number[], base: number[], target: number, baseWhat: string) => {
  const m = median(ms);
  const b = median(base);
  return `| ${id} | ${what} | ${f(m)} ms | ${baseWhat} | ${f(b)} ms | ${(m / b).toFixed(2)}× | < ${target} ms | ${m < target ? 'yes' : 'no'} |`;
};
const section = [
  '## Portal (browser)',
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${machine()}; Debian chromium headless through playwright-core`,
  `- data: the demo, one year up to ${iso(NOW)} (seed 1), SQLite, server in the bench process`,
  `- method: the browser's own performance timings (navigation start, performance.mark after uPlot's draw); medians of ${RUNS} runs after a warm-up; every baseline measured in the same page`,
  `- total time: ${Math.round((Date.now() - started) / 1000)} s`,
  '',
  '| # | work | measured | baseline (same run) | baseline value | ratio | target | met |',
  '|---|---|---|---|---|---|---|---|',
  row('P1', 'site page, month view: navigation start → charts drawn (figures, flow, stacked chart, consumers)', p1, p1base, 1000, "fetching the month's data from the portal API in the page"),
  row('P2', 'switching the period (previous month): click → chart drawn', p2, p2base, 300, "fetching that month's data"),
  row('P3', `meter page, a year at 15 minutes (${yearRows.toLocaleString('en')} validated points + the raw year): route change → chart drawn`, p3, p3base, 500, 'fetching the same two answers'),
  `| P4 | JavaScript and CSS shipped (dist/web/assets), gzipped | ${(gz / 1024).toFixed(1)} KiB | uncompressed | ${(raw / 1024).toFixed(1)} KiB | ${(gz / raw).toFixed(2)}× | ≤ 250 KB | ${gz <= 250_000 ? 'yes' : 'no'} |`,
  '',
  'Run it yourself: `npm run bench:portal`.',
  '',
].join('\n');

const resultsPath = join(here, 'RESULTS.md');
const current = await readFile(resultsPath, 'utf8').catch(() => '# kWhub benchmark results\n');
const start = current.indexOf('## Portal (browser)');
const kept = start === -1 ? current.trimEnd() : current.slice(0, start).trimEnd();
await writeFile(resultsPath, `${kept}\n\n${section}`);
process.stdout.write(`${section}\n`);
