/**
 * Copies a deployment from one store to another (an embedded SQLite file to
 * PostgreSQL, typically), ids kept: configuration, people and secrets, then
 * every raw reading, then the target validates and allocates them itself.
 * Re-running it resumes: every step is idempotent (entities that exist are
 * skipped, readings that exist are duplicates), and per-meter progress is
 * kept in the target.
 */
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Store } from './store.js';

export interface CopyProgress {
  (phase: 'entities' | 'readings' | 'pipeline', done: number, total: number): void;
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
}

/** a month of readings per round trip keeps batches far below the stores' limits */
const SPAN_MS = 31 * 24 * 3600 * 1000;

export async function copyDeployment(from: Store, to: Store, pipeline: Pipeline, progress: CopyProgress = () => undefined): Promise<CopyCounts> {
  const counts: CopyCounts = { sites: 0, meters: 0, sensors: 0, gateways: 0, developers: 0, grants: 0, residents: 0, tenancies: 0, operators: 0, readings: 0, sensorReadings: 0, discrepancies: 0 };
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

  // the target validates and allocates everything it received
  step = 0;
  for (const site of sites) {
    progress('pipeline', step++, sites.length);
    await pipeline.run(site.id);
  }
  progress('pipeline', sites.length, sites.length);
  return counts;
}
