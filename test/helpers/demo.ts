/**
 * Helpers for the demo's end-to-end tests: the demo community "Sonnenhof"
 * created with `runDemo` into a fresh test server's store (the server's own
 * context is the `Deps`, its test clock set to the demo's `now`), the demo
 * developer logged in over HTTP, and the arithmetic the tests check the
 * developer API's answers with (local periods, the allocation identities,
 * row sums).
 */
import { DateTime } from 'luxon';
import { DEMO_PASSWORD, DEMO_USERNAME, runDemo, type DemoResult } from '../../src/ingest/demo.js';
import { demoFacts, type DemoFacts } from '../../src/demo/facts.js';
import { demoSite, SONNENHOF, type DemoSite } from '../../src/demo/site.js';
import type { Config } from '../../src/config/config.js';
import { adminApi, devApi, login, startTestServer, type Api, type ApiResponse, type TestServer } from './server.js';

export const QH = 15 * 60 * 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const ZONE = SONNENHOF.timezone;

export interface DemoServer {
  server: TestServer;
  seed: number;
  now: number;
  days: number;
  site: DemoSite;
  facts: DemoFacts;
  result: DemoResult;
  /** the developer API, logged in as the demo developer */
  dev: Api;
  /** the operator API (test admin token) */
  admin: Api;
}

export interface DemoServerOptions {
  seed: number;
  now: number;
  days: number;
  config?: Partial<Config>;
  /** called after each pushed batch (runDemo's progress), with the server being filled */
  progress?: (done: number, total: number, server: TestServer) => void;
}

/** A fresh test server (rate limit off unless `config` says otherwise) holding the demo, and the demo developer's API. */
export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  const server = await startTestServer({ config: { rateLimitMax: 0, ...opts.config } });
  try {
    server.clock.set(opts.now);
    const result = await runDemo(server.ctx, { seed: opts.seed, now: opts.now, days: opts.days, progress: opts.progress && ((done, total) => opts.progress!(done, total, server)) });
    await server.ctx.pipeline.idle();
    const token = await login(server, DEMO_USERNAME, DEMO_PASSWORD);
    return {
      server,
      seed: opts.seed,
      now: opts.now,
      days: opts.days,
      site: demoSite(opts.seed),
      facts: demoFacts(opts.seed, opts.now, opts.days),
      result,
      dev: devApi(server, token),
      admin: adminApi(server),
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}

/** throws with the answer's body unless the status is `status` */
export function ok(res: ApiResponse, what: string, status = 200): ApiResponse {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
  return res;
}

export type Row = Record<string, number | string>;

export async function siteData(dev: Api, siteId: string, type: string, body: Record<string, unknown>): Promise<Row[]> {
  return ok(await dev.post(`/site_data/${siteId}/${type}`, body), `site_data ${type} ${JSON.stringify(body)}`).body as Row[];
}

export async function meterData(dev: Api, siteId: string, meterId: string, body: Record<string, unknown>): Promise<Row[]> {
  return ok(await dev.post(`/meter_data/${siteId}/${meterId}`, body), `meter_data ${meterId} ${JSON.stringify(body)}`).body as Row[];
}

// ---------------------------------------------------------------------------
// Time

/** ISO-8601 UTC with Z (the API honours an explicit Z) */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString();
}

/** [start, end) in UTC ms of the site-local calendar month holding `ms` */
export function localMonth(ms: number, zone = ZONE): { from: number; to: number; label: string } {
  const d = DateTime.fromMillis(ms, { zone }).startOf('month');
  return { from: d.toMillis(), to: d.plus({ months: 1 }).toMillis(), label: d.toFormat('yyyy-MM') };
}

/** UTC ms of a site-local wall-clock time */
export function localMs(iso: string, zone = ZONE): number {
  const d = DateTime.fromISO(iso, { zone });
  if (!d.isValid) throw new Error(`bad local time ${iso}`);
  return d.toMillis();
}

/** the local wall-clock hour of a vendor timestamp "YYYY-MM-DD HH:MM:SS+HH:MM" */
export function localHourOf(timestamp: string): number {
  return Number(timestamp.slice(11, 13));
}

/** the site-local calendar date "YYYY-MM-DD" of an instant */
export function localDate(ms: number, zone = ZONE): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd');
}

/** the vendor timestamp's instant */
export function instantOf(timestamp: string): number {
  return DateTime.fromFormat(timestamp, 'yyyy-MM-dd HH:mm:ssZZ', { setZone: true }).toMillis();
}

/** local mean solar noon at a longitude, in local wall-clock hours at an instant (ignores the equation of time, ±16 min) */
export function meanSolarNoonLocal(longitude: number, at: number, zone = ZONE): number {
  const offsetH = DateTime.fromMillis(at, { zone }).offset / 60;
  return 12 - longitude / 15 + offsetH;
}

// ---------------------------------------------------------------------------
// Rows

const num = (r: Row, k: string): number => {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`row ${String(r.timestamp)}: ${k} is ${JSON.stringify(v)}, expected a number`);
  return v;
};

/** Σ over rows of one key (missing: 0) */
export function sumOf(rows: Row[], key: string): number {
  let s = 0;
  for (const r of rows) s += typeof r[key] === 'number' ? (r[key] as number) : 0;
  return s;
}

/** the meter ids of a row's `<prefix>_<id>` columns */
export function idsWith(row: Row, prefix: 'total' | 'self' | 'ext'): string[] {
  return Object.keys(row).filter((k) => k.startsWith(`${prefix}_`)).map((k) => k.slice(prefix.length + 1)).sort();
}

/**
 * Every identity of allocation.md ("Invariants every test suite should
 * hold") checked on one electricity row of a site with an introduction
 * meter and a battery; returns what is violated (empty when all hold).
 * `eps` absorbs the 6-decimal rounding of every value.
 *
 * `Σ self_i = max(self, 0)` is an identity of one 15-minute interval. A
 * coarser row is the sum of its intervals, so there Σ self_i is
 * Σ_t max(self_t, 0), which exceeds max(self, 0) when some intervals have a
 * negative `self` (e.g. the PV inverter's standby draw at night): pass
 * `shares` = Σ_t max(self_t, 0) over the row's intervals (and its tolerance)
 * to check that form instead.
 */
export function electricityViolations(row: Row, consumers: string[], opts: { eps?: number; shares?: { value: number; eps: number } } = {}): string[] {
  const eps = opts.eps ?? 1e-5;
  const out: string[] = [];
  const at = String(row.timestamp);
  const near = (what: string, a: number, b: number, tol = eps) => {
    if (!(Math.abs(a - b) <= tol)) out.push(`${at}: ${what}: ${a} vs ${b} (diff ${a - b})`);
  };
  const conso = num(row, 'conso_total');
  const prod = num(row, 'prod_total');
  const self = num(row, 'self');
  const fromExt = num(row, 'from_ext');
  const toExt = num(row, 'to_ext');
  const chargeSelf = num(row, 'storage_charging_self');
  const discharge = num(row, 'storage_discharging_total');
  num(row, 'storage_charging_total');
  let sumTotal = 0;
  let sumSelf = 0;
  for (const id of consumers) {
    const t = num(row, `total_${id}`);
    const s = num(row, `self_${id}`);
    const e = num(row, `ext_${id}`);
    sumTotal += t;
    sumSelf += s;
    near(`self_i + ext_i = total_i (${id})`, s + e, t);
    if (!(s >= 0)) out.push(`${at}: self_${id} = ${s} < 0`);
    if (t >= 0 && !(e >= 0)) out.push(`${at}: ext_${id} = ${e} < 0 with total ${t}`);
  }
  near('conso_total = Σ total_i', conso, sumTotal);
  if (opts.shares) near('Σ self_i = Σ over its intervals of max(self_t, 0)', sumSelf, opts.shares.value, opts.shares.eps);
  else near('Σ self_i = max(self, 0)', sumSelf, Math.max(self, 0));
  near('prod_total − to_ext − storage_charging_self + storage_discharging_total = self', prod - toExt - chargeSelf + discharge, self);
  near('conso_total − from_ext = self', conso - fromExt, self);
  return out;
}

/** every key of `coarse` (numbers) equals the sum of that key over `fine` */
export function sumViolations(coarse: Row, fine: Row[], eps: number): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(coarse)) {
    if (k === 'timestamp') continue;
    const s = sumOf(fine, k);
    if (!(Math.abs((v as number) - s) <= eps)) out.push(`${String(coarse.timestamp)} ${k}: ${v} vs Σ ${s} over ${fine.length} rows`);
  }
  return out;
}

/** the first few of a list, for a readable failure */
export function firstOf<T>(list: T[], n = 15): T[] {
  return list.slice(0, n);
}

// ---------------------------------------------------------------------------
// Output of shell commands

/** Parses consecutive JSON values written back to back (curl -s prints no newline between answers). */
export function jsonSequence(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    const open = text[i];
    if (open !== '[' && open !== '{') throw new Error(`expected a JSON array or object at ${i}: ${text.slice(i, i + 80)}`);
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    out.push(JSON.parse(text.slice(start, i)));
  }
  return out;
}
