/**
 * npm run bench:billing: a 60-participant site billed for a year at
 * 15-minute resolution. The billing run (pure core: windows, pricing, cap,
 * splits, reconciliation) is timed against reading the same intervals
 * through the developer API in the same run (site_data/electricity at 15T,
 * month by month, parsed into columns), and against a plain pass over the
 * arrays; then a PDF invoice's size and render time. Appends (or replaces)
 * its section of bench/RESULTS.md.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderInvoicePdf } from '../src/billing/index.js';
import { runBilling, wallToUtc, type BillingInput, type BillingRun } from '../src/core/billing/index.js';
import { systemClock } from '../src/core/clock.js';
import { DAY_MS, daysFromCivil } from '../src/core/time/civil.js';
import { SAMPLE_HTNT, sampleBillingInput } from '../src/demo/billing-sample.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { createDeps } from '../src/server/context.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { freePort } from '../test/helpers/cli.js';
import { benchReadings, benchSite } from './data.js';
import { machine, medianMs, mediansInTurns, startProcess, timeIt } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const ZONE = 'Europe/Zurich';
const Q = 900_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const UNITS = 60;
const START = Date.UTC(2025, 0, 1);
const YEAR_STEPS = 365 * 96;
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtMs = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const localMidnight = (y: number, m: number, d: number) => wallToUtc(ZONE, daysFromCivil(y, m, d) * DAY_MS);

interface Columns {
  meters: Map<string, { self: Float64Array; ext: Float64Array }>;
  self: Float64Array;
  fromExt: Float64Array;
}

/** site_data/electricity at 15T, month by month, into one column per meter on the billing grid */
async function readYear(url: string, token: string, siteId: string, meterIds: string[], from: number, n: number): Promise<Columns> {
  const nan = () => new Float64Array(n).fill(Number.NaN);
  const cols: Columns = { meters: new Map(meterIds.map((id) => [id, { self: nan(), ext: nan() }])), self: nan(), fromExt: nan() };
  const keyed = meterIds.map((id) => ({ c: cols.meters.get(id)!, self: `self_${id}`, ext: `ext_${id}` }));
  for (let m = 1; m <= 12; m++) {
    const a = localMidnight(2025, m, 1);
    const b = m === 12 ? localMidnight(2026, 1, 1) : localMidnight(2025, m + 1, 1);
    const r = await fetch(`${url}/api/v1/site_data/${siteId}/electricity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'identity' },
      body: JSON.stringify({ t_s: new Date(a).toISOString(), t_e: new Date(b).toISOString(), sampling_frequency: '15T' }),
    });
    if (r.status !== 200) throw new Error(`site_data: ${r.status} ${(await r.text()).slice(0, 200)}`);
    const rows = (await r.json()) as Record<string, number | string>[];
    for (const row of rows) {
      // 15T rows carry the END of their interval
      const k = (Date.parse(String(row.timestamp).replace(' ', 'T')) - Q - from) / Q;
      if (k < 0 || k >= n) continue;
      cols.self[k] = row.self as number;
      cols.fromExt[k] = row.from_ext as number;
      for (const m of keyed) {
        m.c.self[k] = row[m.self] as number;
        m.c.ext[k] = row[m.ext] as number;
      }
    }
  }
  return cols;
}

function billingInput(site: ReturnType<typeof benchSite>, cols: Columns, from: number, n: number): BillingInput {
  // the sample's tariffs, residents and owner, on the bench site's meters
  const sample = sampleBillingInput({ units: UNITS, from: '2025-01-01', to: '2026-01-01' });
  const units = site.consumers.slice(0, UNITS);
  const common = site.consumers[UNITS];
  const rename = new Map(sample.units.map((u, i) => [u.meter_id, units[i]]));
  const meters: BillingInput['meters'] = {};
  for (const [id, c] of cols.meters) meters[id] = c;
  return {
    ...sample,
    site: { id: site.id, name: 'Bench site (60 flats)', zone: ZONE },
    period: { from: '2025-01-01', to: '2026-01-01' },
    grid: { from, n },
    meters,
    site_energy: { self: cols.self, from_ext: cols.fromExt },
    tariffs: sample.tariffs.map((t, i) => ({ ...t, windows: SAMPLE_HTNT, valid_from: i === 0 ? '2020-01-01' : '2025-07-01', valid_to: i === 0 ? '2025-07-01' : null })),
    units: sample.units.map((u) => ({ ...u, meter_id: rename.get(u.meter_id)! })),
    // the sample's residents, with its moves (each followed by a few days' vacancy)
    tenancies: sample.tenancies.map((t) => ({ ...t, meter_id: rename.get(t.meter_id)! })),
    common_area: { meter_ids: [common], key: 'consumption' },
    cap_overrides: sample.participants.map((p) => ({ participant_id: p.id, reason: 'bench' })),
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-bench-billing-'));
  const db = join(dir, 'bench.db');
  const site = benchSite(13, UNITS + 1);
  try {
    log('importing a year of 15-minute readings for 61 consumers …');
    const store = new SqliteStore({ path: db });
    await store.migrate();
    const deps = createDeps(store, systemClock);
    await applySiteDocument(deps, { ...site.doc, developers: [{ username: 'bench', password: 'bench-password', consent_ref: 'bench' }] });
    for (const b of benchReadings(site, START, YEAR_STEPS, 20_000)) await ingestBatch(deps, site.id, { meters: b }, { process: false });
    await deps.pipeline.run(site.id);
    await store.close();

    const port = await freePort();
    const server = await startProcess(join(root, 'bin/kwhub.js'), ['serve', '--db', db, '--port', String(port)], { KWHUB_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef', KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn' }, /listening on/, `http://127.0.0.1:${port}`);
    try {
      const auth = await fetch(`${server.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
      const token = ((await auth.json()) as { access_token: string }).access_token;
      const from = localMidnight(2025, 1, 1);
      const n = (localMidnight(2026, 1, 1) - from) / Q;
      let cols = await readYear(server.url, token, site.id, site.consumers, from, n);
      const input = billingInput(site, cols, from, n);
      let run: BillingRun = runBilling(input);
      let sink = 0;
      const plainPass = () => {
        let s = 0;
        for (const c of cols.meters.values()) for (let k = 0; k < n; k++) s += c.self[k] + c.ext[k];
        sink += s;
      };
      log('timing: API read, billing run, plain pass (in turns) …');
      const [read, bill, plain] = await mediansInTurns(RUNS, [
        async () => (cols = await readYear(server.url, token, site.id, site.consumers, from, n)),
        () => (run = runBilling(input)),
        plainPass,
      ], 1);
      const inv = run.invoices[0];
      const participant = input.participants.find((p) => p.id === inv.participant_id)!;
      const creditor = { name: input.owner.name, iban: input.owner.iban!, address: input.owner.address! };
      let pdf: Buffer = Buffer.alloc(0);
      const render = async () => (pdf = await renderInvoicePdf({ run, invoice: inv, participant, site: input.site, creditor, invoiceNumber: '2025-0001', issuedAt: Date.UTC(2026, 0, 5) }));
      const pdfMs = await medianMs(RUNS, render);
      const allMs = await timeIt(async () => {
        for (const i of run.invoices) {
          await renderInvoicePdf({ run, invoice: i, participant: input.participants.find((p) => p.id === i.participant_id)!, site: input.site, creditor, invoiceNumber: '2025-0001', issuedAt: Date.UTC(2026, 0, 5) });
        }
      });
      const values = UNITS * 2 * n;
      const md = [
        '<!-- billing -->',
        '## Billing (`npm run bench:billing`)',
        '',
        `- date: ${new Date().toISOString()}`,
        `- machine: ${machine()}`,
        `- site: ${UNITS} flats with ${run.invoices.length} participants (moves with vacancy) + 1 common-area meter (consumption key), HT/NT with holidays, a tariff change on 1 July, fees, VAT; ${n.toLocaleString('en')} intervals (2025, local year)`,
        `- method: medians of ${RUNS} runs taken in turns (API read, billing run, plain pass), after a warm-up; total time ${((Date.now() - t0) / 1000).toFixed(0)} s`,
        '',
        '| work | measured | baseline (same run) | baseline value | ratio | target | met |',
        '|---|---|---|---|---|---|---|',
        `| billing run, 1 year at 15T, ${UNITS} units (${values.toLocaleString('en')} self/ext values): invoices, cap, vacancy, reconciliation | ${fmtMs(bill)} | reading the same intervals through the developer API (site_data/electricity 15T, 12 monthly requests, JSON parsed into columns) | ${fmtMs(read)} | ${(bill / read).toFixed(3)}× | < 2 s | ${bill < 2000 ? 'yes' : 'no'} |`,
        `| billing run (as above) | ${fmtMs(bill)} | a plain pass adding every self/ext value of the same arrays | ${fmtMs(plain)} | ${(bill / plain).toFixed(1)}× | — | — |`,
        `| one PDF invoice (12-month chart, QR bill): render time | ${fmtMs(pdfMs)}, ${(pdf.length / 1024).toFixed(1)} KiB | the billing run | ${fmtMs(bill)} | ${(pdfMs / bill).toFixed(2)}× | — | — |`,
        `| all ${run.invoices.length} PDF invoices of the run, one after another | ${fmtMs(allMs)} | — | — | — | — | — |`,
        '<!-- /billing -->',
        '',
      ].join('\n');
      if (sink === 42) log('');
      const path = join(here, 'RESULTS.md');
      const old = await readFile(path, 'utf8').catch(() => '# kWhub benchmark results\n');
      const kept = old.replace(/\n?<!-- billing -->[\s\S]*?<!-- \/billing -->\n?/, '\n');
      await writeFile(path, `${kept.trimEnd()}\n\n${md}`);
      process.stdout.write(`${md}\n`);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
