/**
 * End-to-end test helpers: a real kWhub server on 127.0.0.1 over a fresh
 * SQLite file, driven by an injected test clock, plus thin fetch wrappers.
 * Everything a test sets up goes through the HTTP APIs, as a client would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/server/app.js';
import type { AppContext } from '../../src/server/context.js';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createTestClock, type TestClock } from '../../src/core/clock.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { openStore } from '../../src/store/open-store.js';
import { createRedisRateStore } from '../../src/server/rate-limit/redis-rate-store.js';
import type { RateStore } from '../../src/server/rate-limit/rate-store.js';
import { freshPgDatabase } from './pg.js';
import { checkConformance } from './conformance.js';

/** a fixed 32-character operator token for tests */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcde';

export interface TestServer {
  url: string;
  adminToken: string;
  store: Store;
  clock: TestClock;
  ctx: AppContext;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

/**
 * The engine under test: SQLite by default; KWHUB_TEST_ENGINE=postgres runs
 * the same suites on a fresh PostgreSQL database per server (and on Redis
 * for the counters when KWHUB_TEST_REDIS_URL is set).
 */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.KWHUB_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

async function openTestStore(dir: string): Promise<{ store: Store; db: string; rateStore?: RateStore; cleanup(): Promise<void> }> {
  if (TEST_ENGINE === 'postgres') {
    const pgdb = await freshPgDatabase();
    const store = await openStore(pgdb.url);
    const redis = process.env.KWHUB_TEST_REDIS_URL;
    const rateStore = redis ? await createRedisRateStore(redis, `kwtest:${pgdb.name}:`) : undefined;
    return { store, db: pgdb.url, rateStore, cleanup: () => pgdb.drop() };
  }
  const dbPath = join(dir, 'kwhub.sqlite');
  const store = new SqliteStore({ path: dbPath, synchronous: 'NORMAL' });
  await store.migrate();
  return { store, db: dbPath, cleanup: async () => undefined };
}

export async function startTestServer(opts: { clock?: TestClock; config?: Partial<Config> } = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'kwhub-e2e-'));
  const clock = opts.clock ?? createTestClock();
  const { store, db, rateStore, cleanup } = await openTestStore(dir);
  const config = parseConfig({}, { logLevel: 'silent', port: 0, adminToken: TEST_ADMIN_TOKEN, db, ...opts.config });
  const { app, ctx } = await createApp({ config, store, clock, rateStore });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: config.adminToken ?? TEST_ADMIN_TOKEN,
    store,
    clock,
    ctx,
    config,
    dir,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await store.close();
      await cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// HTTP

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** parsed JSON when the body is JSON, else the raw text ('' when empty) */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Bearer token */
  token?: string;
  /** JSON body (serialised, Content-Type application/json) */
  json?: unknown;
  /** form body (Content-Type application/x-www-form-urlencoded) */
  form?: Record<string, string>;
  /** raw body, sent as is with `contentType` (if any) */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function request(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.form !== undefined) {
    body = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  // every answer must be what the server's own OpenAPI document says (status, content type, body)
  await checkConformance({ method, url: baseUrl + path, status: res.status, headers: res.headers, text, json: typeof parsed === 'string' ? undefined : parsed });
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export interface Api {
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  get(path: string, opts?: RequestOptions): Promise<ApiResponse>;
  post(path: string, json?: unknown, opts?: RequestOptions): Promise<ApiResponse>;
  patch(path: string, json?: unknown, opts?: RequestOptions): Promise<ApiResponse>;
  delete(path: string, opts?: RequestOptions): Promise<ApiResponse>;
}

/** fetch wrappers for JSON; `token` (if given) is sent unless a call overrides it */
export function api(baseUrl: string, defaults: { token?: string } = {}): Api {
  const req = (method: string, path: string, opts: RequestOptions = {}) => request(baseUrl, method, path, { token: defaults.token, ...opts });
  return {
    request: req,
    get: (path, opts) => req('GET', path, opts),
    post: (path, json, opts) => req('POST', path, { ...(json === undefined ? {} : { json }), ...opts }),
    patch: (path, json, opts) => req('PATCH', path, { ...(json === undefined ? {} : { json }), ...opts }),
    delete: (path, opts) => req('DELETE', path, opts),
  };
}

/** the operator API of a test server, authenticated with its admin token */
export function adminApi(server: TestServer): Api {
  return api(`${server.url}/api/admin/v1`, { token: server.adminToken });
}

/** the developer API of a test server, with a developer's access token */
export function devApi(server: { url: string }, token?: string): Api {
  return api(`${server.url}/api/v1`, { token });
}

/** asserts a response is an error in the API's one shape; returns the body */
export function errorBody(res: ApiResponse): { error: string; message: string } {
  const b = res.body as Record<string, unknown>;
  if (typeof b !== 'object' || b === null || typeof b.error !== 'string' || typeof b.message !== 'string') {
    throw new Error(`expected a JSON {error, message} body, got ${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 300)}`);
  }
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new Error(`expected an application/json error, got ${res.headers.get('content-type')}`);
  }
  return b as { error: string; message: string };
}

// ---------------------------------------------------------------------------
// Seeding through the operator API

function expectStatus(res: ApiResponse, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
}

export interface SeededSite {
  siteId: string;
  site: Record<string, any>;
  meters: { grid: string; pv: string; house: string; apt1: string; common: string };
  sensors: { temperature: string; humidity: string };
  developer: { id: string; username: string; password: string };
}

let seedCounter = 0;

/**
 * Creates, through the operator API, a site with a grid connection, a PV
 * producer, a group meter `house` (in_balance: false), a flat `apt1`, a rule
 * meter `common = house - apt1`, two sensors, and a developer granted the site.
 * Pass `developer` to grant an existing developer instead of creating one.
 */
export async function seedSite(
  server: TestServer,
  opts: { name?: string; siteRef?: string; username?: string; password?: string; developer?: { id: string; username: string; password: string } } = {},
): Promise<SeededSite> {
  const admin = adminApi(server);
  const n = ++seedCounter;
  const siteRes = await admin.post('/sites', {
    site_ref: opts.siteRef ?? `CK-${1000 + n}`,
    name: opts.name ?? `Residence ${n}`,
    address: { street_name: 'Rue du Lac', street_number: `${n}a`, city: 'Lausanne', postal_code: 1007 },
    latitude: 46.5197,
    longitude: 6.6323,
    timezone: 'Europe/Zurich',
    creation_date: '2021-01-12T08:31:00',
  });
  expectStatus(siteRes, 201, 'create site');
  const siteId = siteRes.body.id as string;

  const meter = async (body: Record<string, unknown>): Promise<string> => {
    const res = await admin.post(`/sites/${siteId}/meters`, body);
    expectStatus(res, 201, `create meter ${String(body.name)}`);
    return res.body.id as string;
  };
  const grid = await meter({ name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 1, reading_kind: 'index' });
  const pv = await meter({ name: 'PV roof', type: 'electricity', mode: 'production', prim_ad: 2, reading_kind: 'index' });
  const house = await meter({ name: 'House', type: 'electricity', mode: 'consumption', prim_ad: 3, reading_kind: 'index', in_balance: false });
  const apt1 = await meter({ name: 'Apt 1.1', type: 'electricity', mode: 'consumption', prim_ad: 11, reading_kind: 'index' });
  const common = await meter({ name: 'Common areas', type: 'electricity', mode: 'consumption', prim_ad: 90, rule: `${house} - ${apt1}` });

  const sensor = async (body: Record<string, unknown>): Promise<string> => {
    const res = await admin.post(`/sites/${siteId}/sensors`, body);
    expectStatus(res, 201, `create sensor ${String(body.name)}`);
    return res.body.id as string;
  };
  const temperature = await sensor({ name: 'Boiler temperature', type: 'temperature', unit: '°C', model: 'PT1000' });
  const humidity = await sensor({ name: 'Cellar humidity', type: 'humidity', unit: '%', model: 'SHT31' });

  let developer = opts.developer;
  if (!developer) {
    const username = opts.username ?? `dev${n}-${Math.random().toString(36).slice(2, 8)}`;
    const password = opts.password ?? `pw-${username}-secret`;
    const devRes = await admin.post('/developers', { username, password });
    expectStatus(devRes, 201, 'create developer');
    developer = { id: devRes.body.id as string, username, password };
  }
  const grantRes = await admin.post(`/developers/${encodeURIComponent(developer.username)}/grants`, { site_id: siteId, consent_ref: `consent-${n}` });
  expectStatus(grantRes, 201, 'grant site');

  return { siteId, site: siteRes.body, meters: { grid, pv, house, apt1, common }, sensors: { temperature, humidity }, developer };
}

/** POST /api/v1/auth with JSON credentials; returns the access token (throws unless 200) */
export async function login(server: { url: string }, username: string, password: string): Promise<string> {
  const res = await devApi(server).post('/auth', { username, password });
  expectStatus(res, 200, `login ${username}`);
  return res.body.access_token as string;
}
