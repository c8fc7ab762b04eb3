/**
 * Creates the demo community "Sonnenhof" with a year of data: the site, its
 * meters and sensors, a demo developer with a grant, then every reading of
 * the generated year pushed day by day through the gateway path (the late
 * outage batch arrives late, as it would from a real gateway).
 */
import { KwhubError } from '../core/errors.js';
import { INTERVAL_MS, registersOf, type MeterType } from '../core/types.js';
import type { Register } from '../demo/live.js';
import type { Store } from '../store/store.js';
import { demoSiteDocument } from '../demo/site.js';
import { generateDemoReadings } from '../demo/readings.js';
import { demoFacts } from '../demo/facts.js';
import { demoResidents, type DemoResident } from '../demo/residents.js';
import { demoObjectId, demoSite } from '../demo/site.js';
import type { Deps } from '../server/context.js';
import { DateTime } from 'luxon';
import { applySiteDocument } from '../server/modules/admin/apply.usecase.js';
import { createBillingRun } from '../server/modules/billing/billing.usecases.js';
import { demoBillingSetup } from '../demo/billing-setup.js';
import { ingestBatch } from './ingest.js';

export const DEMO_USERNAME = 'demo';
export const DEMO_PASSWORD = 'sonnenhof-demo';
export const DEFAULT_DEMO_SEED = 1;

export interface DemoOptions {
  seed: number;
  /** the last reading instant (default: now) */
  now: number;
  days: number;
  /** called after each pushed batch */
  progress?: (done: number, total: number) => void;
}

export interface DemoResult {
  siteId: string;
  username: string;
  password: string;
  readings: { stored: number; duplicates: number; rejected: number };
  /** residents with portal logins (password null: invited, not yet set) */
  residents: DemoResident[];
  /** the draft billing run of the last full quarter */
  billingRun: { id: string; from: string; to: string };
}

export async function runDemo(deps: Deps, opts: DemoOptions): Promise<DemoResult> {
  const doc = demoSiteDocument(opts.seed);
  if (await deps.store.getSite(doc.id)) {
    throw new KwhubError('id.in_use', `the demo site ${doc.id} (seed ${opts.seed}) exists already in this database; use another --db or --seed`);
  }
  const end = Math.floor(opts.now / INTERVAL_MS) * INTERVAL_MS;
  const residents = demoResidents(demoSite(opts.seed), doc.timezone, end, opts.days);
  await applySiteDocument(deps, {
    ...doc,
    developers: [{ username: DEMO_USERNAME, password: DEMO_PASSWORD, consent_ref: 'demo: synthetic community, no personal data' }],
    billing: demoBillingSetup(demoSite(opts.seed)),
    residents: residents.map(({ tenancies, password, ...r }) => ({
      ...r,
      ...(password !== null ? { password } : {}),
      tenancies: tenancies.map((t) => ({ meter_id: t.meter_id, from: t.from, to: t.to })),
    })),
  });
  const total = demoFacts(opts.seed, end, opts.days).batchCount;
  const counts = { stored: 0, duplicates: 0, rejected: 0 };
  let done = 0;
  for (const batch of generateDemoReadings({ seed: opts.seed, end, days: opts.days })) {
    // each batch run before the next, as a gateway's live pushes are: the demo's history holds the outage's gap until its late batch
    const r = await ingestBatch(deps, doc.id, batch, { process: 'now' });
    counts.stored += r.stored;
    counts.duplicates += r.duplicates;
    counts.rejected += r.rejected.length;
    opts.progress?.(++done, total);
  }
  // a draft billing run of the last full quarter, to look at and finalize (data before the demo's days bill as 0 kWh)
  await deps.pipeline.idle();
  const quarter = DateTime.fromMillis(end, { zone: doc.timezone }).startOf('quarter').minus({ quarters: 1 });
  const period = { from: quarter.toISODate()!, to: quarter.plus({ quarters: 1 }).toISODate()! };
  const billingRun = await createBillingRun(deps, doc.id, period, { id: demoObjectId(opts.seed, `billing-run ${period.from}`) });
  return { siteId: doc.id, username: DEMO_USERNAME, password: DEMO_PASSWORD, readings: counts, residents, billingRun: { id: billingRun.id, from: billingRun.from, to: billingRun.to } };
}

/** each measured meter's last stored reading as the live sources continue it: `a`/`b` are its registers (registersOf) */
export async function lastDemoRegisters(store: Store, siteId: string): Promise<Map<string, Register & { type: MeterType }>> {
  const out = new Map<string, Register & { type: MeterType }>();
  for (const meter of await store.listMeters(siteId)) {
    if (meter.rule !== null) continue;
    const extent = await store.rawExtent(meter.id);
    if (!extent) continue;
    const [last] = await store.rawReadings(meter.id, extent.to, extent.to);
    const [first, second] = registersOf(meter.type);
    out.set(meter.id, { type: meter.type, ts: last.ts, a: last[first] ?? 0, b: second ? (last[second] ?? 0) : 0 });
  }
  return out;
}
