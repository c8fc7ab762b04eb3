/**
 * Copies a deployment from one store to another (an embedded SQLite file to
 * PostgreSQL, typically), ids kept: configuration, people and secrets, then
 * every raw reading, then the validated history of each site before its lock
 * date as it is (it is billed: see copyBilledHistory), then the target
 * validates and allocates the rest itself.
 * Re-running it resumes: every step is idempotent (entities that exist are
 * skipped, readings that exist are duplicates, copied history replaces
 * itself), and per-meter progress is kept in the target.
 */
import { dayBounds } from '../core/time/periods.js';
import { ceilToInterval, floorToInterval } from '../core/time/range.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { AllocationWrite, Meter, QualityRecord, Site, Store } from './store.js';

export interface CopyProgress {
  (phase: 'entities' | 'readings' | 'billed' | 'pipeline', done: number, total: number): void;
}

export interface CopyCounts {
  sites: number;
  meters: number;
  sensors: number;
  gateways: number;
  developers: number;
  grants: number;
  residents: number;
  tenancies: number;
  operators: number;
  readings: number;
  sensorReadings: number;
  discrepancies: number;
  /** validated meter intervals before a lock date, copied as they are */
  billedIntervals: number;
  billingSetups: number;
  /** drafts and finalized runs, with their frozen inputs and outputs */
  billingRuns: number;
}

/** a month of readings per round trip keeps batches far below the stores' limits */
const SPAN_MS = 31 * 24 * 3600 * 1000;

export async function copyDeployment(from: Store, to: Store, pipeline: Pipeline, progress: CopyProgress = () => undefined): Promise<CopyCounts> {
  const counts: CopyCounts = { sites: 0, meters: 0, sensors: 0, gateways: 0, developers: 0, grants: 0, residents: 0, tenancies: 0, operators: 0, readings: 0, sensorReadings: 0, discrepancies: 0, billedIntervals: 0, billingSetups: 0, billingRuns: 0 };
  for (const key of ['admin_token_hash', 'jwt_secret']) {
    const v = await from.getMeta(key);
    if (v !== null) await to.setMetaIfAbsent(key, v);
  }

  const sites = await from.listSites();
  let step = 0;
  for (const site of sites) {
    progress('entities', step++, sites.length);
    if (!(await to.getSite(site.id))) await to.insertSite({ ...site, config_version: undefined });
    counts.sites++;
    const meters = await from.listMeters(site.id);
    // operands before the rule meters that use them: physical meters first
    for (const m of [...meters.filter((x) => x.rule === null), ...meters.filter((x) => x.rule !== null)]) {
      if (!(await to.getMeter(m.id))) await to.insertMeter(m);
      counts.meters++;
    }
    for (const x of await from.listSensors(site.id)) {
      if (!(await to.getSensor(x.id))) await to.insertSensor(x);
      counts.sensors++;
    }
  }
  for (const g of await from.listGateways()) {
    const { token_hash, ...gateway } = g;
    if (!(await to.findGatewayByTokenHash(token_hash))) await to.insertGateway(gateway, token_hash);
    counts.gateways++;
  }
  for (const d of await from.listDevelopers()) {
    if (!(await to.getDeveloperById(d.id))) await to.insertDeveloper(d);
    counts.developers++;
    for (const g of await from.listGrants(d.id)) {
      await to.putGrant(g);
      counts.grants++;
    }
  }
  // the portal's people (sessions and invites are not copied: log in again, invite again)
  for (const r of await from.listResidents()) {
    if (!(await to.getResident(r.id))) await to.insertResident(r);
    counts.residents++;
  }
  for (const t of await from.listTenancies({})) {
    if (!(await to.getTenancy(t.id))) await to.insertTenancy(t);
    counts.tenancies++;
  }
  for (const a of await from.listOperatorAccounts()) {
    if (!(await to.getOperatorAccount(a.username))) await to.insertOperatorAccount(a);
    counts.operators++;
  }
  // billing: each site's setup and its runs as they are (finalized ones stay finalized, numbered, frozen)
  for (const site of sites) {
    const setup = await from.getBillingSetup(site.id);
    if (setup) {
      if (!(await to.getBillingSetup(site.id))) await to.putBillingSetup(setup);
      counts.billingSetups++;
    }
    for (const r of await from.listBillingRuns(site.id)) {
      if (!(await to.getBillingRun(r.id))) await to.insertBillingRun(r);
      counts.billingRuns++;
    }
  }
  progress('entities', sites.length, sites.length);

  // raw readings, meter by meter, a month at a time; the target remembers how far each meter got
  const work: { siteId: string; meterId?: string; sensorId?: string; from: number; to: number }[] = [];
  for (const site of sites) {
    for (const m of await from.listMeters(site.id)) {
      const e = m.rule === null ? await from.rawExtent(m.id) : null;
      if (e) work.push({ siteId: site.id, meterId: m.id, from: e.from, to: e.to });
    }
    for (const x of await from.listSensors(site.id)) {
      const last = await from.latestSensorTs(x.id);
      if (last !== null) work.push({ siteId: site.id, sensorId: x.id, from: Date.UTC(2000, 0, 1), to: last });
    }
  }
  const total = work.reduce((n, w) => n + Math.ceil((w.to - w.from + 1) / SPAN_MS), 0);
  let done = 0;
  for (const w of work) {
    const key = `copy:${w.meterId ?? w.sensorId}`;
    const resumeAt = Number((await to.getMeta(key)) ?? w.from);
    for (let a = w.from; a <= w.to; a += SPAN_MS) {
      progress('readings', done++, total);
      const b = Math.min(w.to, a + SPAN_MS - 1);
      if (b < resumeAt) continue;
      if (w.meterId) {
        const rows = await from.rawReadings(w.meterId, a, b);
        const r = await to.insertReadings(w.siteId, rows, [], Date.now());
        counts.readings += r.meters.length;
      } else {
        const s = await from.sensorReadings(w.sensorId!, a, b);
        const rows = s.ts.map((ts, i) => ({ sensor_id: w.sensorId!, ts, value: s.value[i] }));
        const r = await to.insertReadings(w.siteId, [], rows, Date.now());
        counts.sensorReadings += r.sensors.length;
      }
      await to.setMeta(key, String(b + 1));
    }
  }
  progress('readings', total, total);

  // what validation cannot recompute: late readings the operator's lock date kept out
  for (const site of sites) {
    const have = new Set((await to.listQuality(site.id)).filter((q) => q.kind === 'discrepancy').map((q) => `${q.meter_id}:${q.from}:${q.to}`));
    const missing = (await from.listQuality(site.id)).filter((q) => q.kind === 'discrepancy' && !have.has(`${q.meter_id}:${q.from}:${q.to}`));
    if (missing.length > 0) await to.addQuality(missing);
    counts.discrepancies += missing.length;
  }

  // what validation must not recompute: the billed history before each lock date, as the source serves it
  const billed = sites.filter((x) => x.lock_date !== null);
  step = 0;
  for (const site of billed) {
    progress('billed', step++, billed.length);
    counts.billedIntervals += await copyBilledHistory(from, to, site, await from.listMeters(site.id));
  }
  progress('billed', billed.length, billed.length);

  // the target validates and allocates everything it received (from the lock date on, for a locked site)
  step = 0;
  for (const site of sites) {
    progress('pipeline', step++, sites.length);
    await pipeline.run(site.id);
  }
  progress('pipeline', sites.length, sites.length);
  return counts;
}

/** a month of local days per transaction, as the pipeline allocates */
const CHUNK_DAYS = 31;

/**
 * Copies a locked site's validated history before its lock date as it is:
 * every meter's intervals with their allocation, the site's intervals, the
 * day sums, and the rejections and estimated spans found there. The pipeline
 * never validates before a lock date (billed periods are frozen, and late
 * readings stored raw there must stay out of them), so this part cannot be
 * recomputed on the target: validating it there would either be refused or,
 * with late readings, give other answers than the source's. Returns the
 * number of meter intervals copied.
 */
export async function copyBilledHistory(from: Store, to: Store, site: Site, meters: Meter[]): Promise<number> {
  if (site.lock_date === null) return 0;
  // the pipeline's own rule: intervals starting before the lock date, rounded up to an interval, are frozen
  const lock = ceilToInterval(site.lock_date);
  const extents = (await Promise.all(meters.filter((m) => m.rule === null).map((m) => from.rawExtent(m.id)))).filter((e) => e !== null);
  if (extents.length === 0) return 0;
  const start = floorToInterval(Math.min(...extents.map((e) => e.from)));
  const bounds = dayBounds(site.timezone, start, lock);
  let copied = 0;
  for (let i = 0; i < bounds.length - 1; i += CHUNK_DAYS) {
    // whole local days [a, b) for the day sums; their intervals up to the lock date
    const a = bounds[i];
    const b = bounds[Math.min(bounds.length - 1, i + CHUNK_DAYS)];
    const e = Math.min(b, lock);
    const ids = meters.map((m) => m.id);
    const validated = await from.readIntervals(ids, a, e);
    const write: AllocationWrite = {
      site_id: site.id,
      from: a,
      to: e,
      site: await from.readSiteAlloc(site.id, a, e),
      meters: [],
      days: { from: a, to: b, site: await from.readSiteAllocDays(site.id, a, b), meters: [] },
    };
    for (let k = 0; k < meters.length; k++) {
      const v = validated[k];
      const alloc = await from.readMeterAlloc(ids[k], a, e);
      // both read the same rows of the same meter: anything else is a store that changed under the copy
      if (alloc.t.length !== v.t.length || alloc.t.some((t, j) => t !== v.t[j])) {
        throw new Error(`copy: meter ${ids[k]} changed while its billed history was read; run the copy again`);
      }
      write.meters.push({ meter_id: ids[k], cols: { ...v, total: alloc.total, self: alloc.self, ext: alloc.ext } });
      write.days.meters.push({ meter_id: ids[k], cols: await from.readMeterAllocDays(ids[k], a, b) });
      copied += v.t.length;
    }
    await to.applyAllocation(write);
  }

  // the rejections and estimated spans of the frozen part (cut at the lock date: the target finds the rest itself)
  const key = (q: QualityRecord) => `${q.meter_id}:${q.kind}:${q.from}:${q.to}:${q.reason}`;
  const have = new Set((await to.listQuality(site.id)).map(key));
  const frozen = (await from.listQuality(site.id))
    .filter((q) => (q.kind === 'rejection' || q.kind === 'estimated') && q.from < lock)
    .map((q) => ({ ...q, to: Math.min(q.to, q.kind === 'estimated' ? lock : q.to) }))
    .filter((q) => !have.has(key(q)));
  if (frozen.length > 0) await to.addQuality(frozen);
  return copied;
}
