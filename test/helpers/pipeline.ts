/**
 * Helpers for the pipeline's end-to-end tests: build a site through the
 * operator API, push readings through the gateway API with a gateway token,
 * read the developer API as a granted developer, and the small pieces of
 * arithmetic the tests check answers with (vendor timestamps, local periods,
 * row sums, the allocation identities).
 *
 * Everything goes over HTTP, as a client would; nothing here reads the store.
 */
import { DateTime } from 'luxon';
import { expect } from 'vitest';
import { adminApi, api, devApi, login, type Api, type ApiResponse, type TestServer } from './server.js';

export const QH = 15 * 60 * 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

// ---------------------------------------------------------------------------
// Time

/** ISO-8601 UTC with Z, as a gateway sends it */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString();
}

/** tz-naive UTC "YYYY-MM-DDTHH:MM:SS", as the developer API's t_s / t_e */
export function naive(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** "2022-05-05 17:15:00+02:00" → epoch ms */
export function parseVendorTs(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2})$/.exec(s);
  if (!m) throw new Error(`not a vendor timestamp: ${s}`);
  return Date.parse(`${m[1]}T${m[2]}${m[3]}`);
}

/** the vendor's timestamp form of an instant in a zone, computed independently with luxon */
export function vendorTs(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ssZZ');
}

export type Freq = '15T' | 'H' | 'D' | 'M' | 'Y';

/** label of the row an interval starting at `start` falls into */
export function periodLabel(start: number, freq: Freq, zone: string): string {
  if (freq === '15T') return vendorTs(start + QH, zone);
  const unit = ({ H: 'hour', D: 'day', M: 'month', Y: 'year' } as const)[freq];
  return DateTime.fromMillis(start, { zone }).startOf(unit).toFormat('yyyy-MM-dd HH:mm:ssZZ');
}

export const VENDOR_TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

// ---------------------------------------------------------------------------
// Setting up through the operator API

let counter = 0;

function must(res: ApiResponse, status: number, what: string): ApiResponse {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
  return res;
}

export interface MeterSpec {
  id?: string;
  name?: string;
  type?: string;
  mode?: string;
  prim_ad?: number;
  reading_kind?: 'index' | 'interval';
  rule?: string;
  in_balance?: boolean;
  reversed?: boolean;
  installed_at?: string | number;
  max_power_kw?: number;
  register_max?: number;
}

export interface PipelineSite {
  server: TestServer;
  siteId: string;
  timezone: string;
  admin: Api;
  /** the site's gateway token */
  gatewayToken: string;
  developer: { username: string; password: string };
  /** creates a meter on the site; returns its id */
  meter(spec: MeterSpec): Promise<string>;
  /** creates a sensor on the site; returns its id */
  sensor(name?: string): Promise<string>;
  /** POST /api/gateway/v1/readings with the site's gateway token */
  push(body: unknown): Promise<ApiResponse>;
  /** push that must answer 200 with every reading stored; returns the body */
  pushOk(body: { meters?: unknown[]; sensors?: unknown[] }): Promise<{ stored: number; duplicates: number; rejected: unknown[] }>;
  /** the developer API as the site's developer, logged in at the current test-clock time */
  dev(): Promise<Api>;
}

let primAd = 1;

/**
 * Creates a site (Europe/Zurich unless told), a gateway for it and a developer
 * granted the site (with `historyFrom` if given), all through the operator API.
 */
export async function createPipelineSite(
  server: TestServer,
  opts: { timezone?: string; name?: string; historyFrom?: string | null; lockDate?: string } = {},
): Promise<PipelineSite> {
  const admin = adminApi(server);
  const n = ++counter;
  const timezone = opts.timezone ?? 'Europe/Zurich';
  const siteRes = must(
    await admin.post('/sites', {
      site_ref: `CK-PL-${n}`,
      name: opts.name ?? `Pipeline site ${n}`,
      address: { street_name: 'Chemin des Vignes', street_number: String(n), city: 'Sion', postal_code: 1950 },
      latitude: 46.23,
      longitude: 7.36,
      timezone,
      ...(opts.lockDate ? { lock_date: opts.lockDate } : {}),
    }),
    201,
    'create site',
  );
  const siteId = siteRes.body.id as string;
  const gw = must(await admin.post(`/sites/${siteId}/gateways`, { name: `gateway ${n}` }), 201, 'create gateway');
  const gatewayToken = gw.body.token as string;
  const username = `pl${n}-${Math.random().toString(36).slice(2, 8)}`;
  const password = `pw-${username}-secret`;
  must(await admin.post('/developers', { username, password }), 201, 'create developer');
  must(
    await admin.post(`/developers/${username}/grants`, { site_id: siteId, consent_ref: `consent-pl-${n}`, history_from: opts.historyFrom ?? null }),
    201,
    'grant',
  );
  const gateway = api(`${server.url}/api/gateway/v1`, { token: gatewayToken });
  let cached: { at: number; api: Api } | null = null;

  const site: PipelineSite = {
    server,
    siteId,
    timezone,
    admin,
    gatewayToken,
    developer: { username, password },
    async meter(spec) {
      const body = {
        name: spec.name ?? `meter ${primAd}`,
        type: spec.type ?? 'electricity',
        mode: spec.mode ?? 'consumption',
        prim_ad: spec.prim_ad ?? primAd++,
        ...(spec.rule === undefined ? { reading_kind: spec.reading_kind ?? 'index' } : {}),
        ...spec,
      };
      return must(await admin.post(`/sites/${siteId}/meters`, body), 201, `create meter ${body.name}`).body.id as string;
    },
    async sensor(name = 'Boiler temperature') {
      return must(await admin.post(`/sites/${siteId}/sensors`, { name, type: 'temperature', unit: '°C', model: 'PT1000' }), 201, 'create sensor').body.id as string;
    },
    push: (body) => gateway.post('/readings', body),
    async pushOk(body) {
      const res = must(await gateway.post('/readings', body), 200, 'push');
      const count = (body.meters?.length ?? 0) + (body.sensors?.length ?? 0);
      if (res.body.rejected.length !== 0 || res.body.stored !== count) {
        throw new Error(`push: expected ${count} stored, got ${res.text.slice(0, 1000)}`);
      }
      return res.body;
    },
    async dev() {
      const now = server.clock.now();
      // tokens are checked against the test clock: log in again whenever it moved
      if (!cached || cached.at !== now) cached = { at: now, api: devApi(server, await login(server, username, password)) };
      return cached.api;
    },
  };
  return site;
}

// ---------------------------------------------------------------------------
// Readings

export type ElecReading = {
  meter_id?: string;
  prim_ad?: number;
  timestamp: string | number;
  en_im: number;
  en_ex: number;
};

/**
 * Index readings of an electricity meter on every quarter-hour from `from`
 * (inclusive) to `to` (inclusive): registers start at `start` and grow by the
 * energies `perInterval(t)` of the interval starting at t.
 */
export function indexSeries(
  meterId: string,
  from: number,
  to: number,
  perInterval: (t: number) => { im: number; ex: number },
  start: { im: number; ex: number } = { im: 0, ex: 0 },
  step = QH,
): ElecReading[] {
  const out: ElecReading[] = [];
  let im = start.im;
  let ex = start.ex;
  for (let t = from; t <= to; t += step) {
    out.push({ meter_id: meterId, timestamp: isoZ(t), en_im: im, en_ex: ex });
    const e = perInterval(t);
    im += e.im;
    ex += e.ex;
  }
  return out;
}

/** one-register index readings (heat_energy_kwh or vol_m3), same shape as indexSeries */
export function singleRegisterSeries(meterId: string, register: 'heat_energy_kwh' | 'vol_m3', from: number, to: number, perInterval: (t: number) => number, start = 0): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let v = start;
  for (let t = from; t <= to; t += QH) {
    out.push({ meter_id: meterId, timestamp: isoZ(t), [register]: v });
    v += perInterval(t);
  }
  return out;
}

/** pushes readings in batches of at most `size` (the gateway takes up to 100,000 per request) */
export async function pushAll(site: PipelineSite, meters: unknown[], size = 100_000): Promise<number> {
  let stored = 0;
  for (let i = 0; i < meters.length; i += size) stored += (await site.pushOk({ meters: meters.slice(i, i + size) })).stored;
  return stored;
}

// ---------------------------------------------------------------------------
// Reading answers

export type Row = Record<string, number | string> & { timestamp: string };

/** a series endpoint's answer, checked to be 200 and a JSON list */
export function rows(res: ApiResponse): Row[] {
  if (res.status !== 200 || !Array.isArray(res.body)) throw new Error(`expected 200 with a list, got ${res.status} ${res.text.slice(0, 500)}`);
  return res.body as Row[];
}

/** the raw JSON text of each row of an answer (for byte-for-byte comparisons) */
export function rowTexts(text: string): string[] {
  const list = JSON.parse(text) as unknown[];
  return list.map((r) => JSON.stringify(r));
}

/** the numeric fields of a row */
export function numbers(row: Row): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) if (k !== 'timestamp') out[k] = v as number;
  return out;
}

/**
 * Groups 15T rows (timestamp = end of interval) into the rows of a coarser
 * frequency, labelled with the start of the local period, summing every field.
 */
export function groupRows(rows15: Row[], freq: Freq, zone: string): Map<string, { count: number; sums: Record<string, number> }> {
  const out = new Map<string, { count: number; sums: Record<string, number> }>();
  for (const r of rows15) {
    const start = parseVendorTs(r.timestamp) - QH;
    const label = periodLabel(start, freq, zone);
    let g = out.get(label);
    if (!g) out.set(label, (g = { count: 0, sums: {} }));
    g.count++;
    for (const [k, v] of Object.entries(numbers(r))) g.sums[k] = (g.sums[k] ?? 0) + v;
  }
  return out;
}

/** every number in a JSON text has at most 6 decimals and no exponent (throws on the first that does not) */
export function expectAtMostSixDecimals(text: string): void {
  const nums = text.match(/(?<=[:,[]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*[,}\]])/g) ?? [];
  expect(nums.length).toBeGreaterThan(0);
  for (const n of nums) {
    if (/[eE]/.test(n) || (n.split('.')[1] ?? '').length > 6) throw new Error(`number ${n} has more than 6 decimals or an exponent`);
  }
}

/**
 * The identities of allocation.md on one electricity site_data row, to `tol`
 * (each served value is rounded to 6 decimals):
 * conso_total = Σ total_i; self_i + ext_i = total_i, self_i ≥ 0, ext_i ≥ 0;
 * Σ self_i = max(self, 0); conso_total − from_ext = self; and, with an
 * introduction meter, prod_total − to_ext − storage_charging_self
 * + storage_discharging_total = self (the spec's identity without the last
 * term holds only when no battery discharges: see the report).
 * Throws on the first violation, naming the row and the identity.
 */
export function expectAllocationIdentities(row: Row, consumers: string[], tol: number): void {
  const v = numbers(row);
  const at = row.timestamp;
  const fail = (what: string) => {
    throw new Error(`${what} does not hold at ${at}: ${JSON.stringify(row)}`);
  };
  const near = (a: number, b: number, what: string) => {
    if (!(Math.abs(a - b) <= tol)) fail(`${what} (${a} vs ${b})`);
  };
  let sumTotal = 0;
  let sumSelf = 0;
  for (const id of consumers) {
    const t = v[`total_${id}`];
    const s = v[`self_${id}`];
    const e = v[`ext_${id}`];
    if (typeof t !== 'number' || typeof s !== 'number' || typeof e !== 'number') fail(`total_/self_/ext_ of ${id} present`);
    near(s + e, t, `self_+ext_ = total_ of ${id}`);
    if (t >= 0 && (s < 0 || e < -tol)) fail(`self_, ext_ >= 0 of ${id}`);
    sumTotal += t;
    sumSelf += s;
  }
  near(v.conso_total, sumTotal, 'conso_total = Σ total_i');
  near(sumSelf, Math.max(v.self, 0), 'Σ self_i = max(self, 0)');
  near(v.conso_total - v.from_ext, v.self, 'conso_total − from_ext = self');
  near(v.prod_total - v.to_ext - v.storage_charging_self + v.storage_discharging_total, v.self, 'prod_total − to_ext − storage_charging_self + discharge = self');
}
