/**
 * createClient: one typed method per developer endpoint of the Climkit
 * Developer API, over an authenticated, paced transport. Time and waiting
 * are injected (`clock`, `sleep`, `fetch`) so that the client runs the same
 * in Node, in browsers and against a test server with a fake clock.
 */
import { createTokenManager } from './auth.js';
import type { FetchFn } from './http.js';
import { DEFAULT_CHUNK_DAYS, iterateRange } from './iterate.js';
import { createPacer, type Clock } from './pacer.js';
import { asList, asObject, withEpochTime, withTime } from './rows.js';
import { toEpochMs, toNaiveUtc } from './time.js';
import { createTransport, type ApiCall, type Endpoint } from './transport.js';
import type {
  CallOptions, ChangesPage, Installation, InstallationInfo, IterateOptions, MeterDataRow, MeterInfo, RangeOptions, RawRow, Sensor,
  SensorReading, SeriesOptions, SiteDataRowOf, SiteMeterType,
} from './types.js';
import { realSleep, type Sleep } from './wait.js';

export interface ClientOptions {
  /** the API's base URL, e.g. `http://127.0.0.1:8080/api/v1` */
  baseUrl: string;
  username: string;
  password: string;
  /** default: the global fetch */
  fetch?: FetchFn;
  /** default: `Date.now` */
  clock?: Clock;
  /** default: setTimeout */
  sleep?: Sleep;
  /** least time between the answer of one call to an endpoint and the next call to it; default 1000 (the API's 1/s); 0 turns pacing off */
  minIntervalMs?: number;
  /** retries of a call answered 429, each after Retry-After; default 3 */
  maxRetries?: number;
  /** log in again this long before the token expires; default 60 s */
  refreshBeforeMs?: number;
  /**
   * site_data and meter_data answers are kept (the last 32 requests) with their ETag and asked for
   * again with If-None-Match: an unchanged range comes back as a 304, without the server building it
   * (a 304 still counts against the rate limit). Default true; false turns it off.
   */
  conditional?: boolean;
}

export interface KwhubClient {
  /** logs in now (calls do it lazily); useful to check credentials early */
  login(opts?: CallOptions): Promise<{ accessToken: string; validUntil: Date }>;
  /** GET /all_installations: the sites granted to you */
  allInstallations(opts?: CallOptions): Promise<Installation[]>;
  /** GET /installation_infos/<site_id> */
  installationInfo(siteId: string, opts?: CallOptions): Promise<InstallationInfo>;
  /** GET /meter_info/<site_id> */
  meterInfo(siteId: string, opts?: CallOptions): Promise<MeterInfo[]>;
  /** POST /site_data/<site_id>/<meter_type>: the site's validated series, allocation included */
  siteData<T extends SiteMeterType>(siteId: string, meterType: T, opts?: SeriesOptions): Promise<SiteDataRowOf<T>[]>;
  /** POST /meter_data/<site_id>/<meter_id>: one meter's validated series */
  meterData(siteId: string, meterId: string, opts?: SeriesOptions): Promise<MeterDataRow[]>;
  /** POST /meter_data_raw/<site_id>/<meter_id>: readings as the gateway reported them (400 for a rule meter) */
  meterDataRaw(siteId: string, meterId: string, opts?: RangeOptions): Promise<RawRow[]>;
  /** GET /changes/<site_id>?since=<cursor> (kWhub): the rewrites of the site's history after the cursor */
  changes(siteId: string, opts?: CallOptions & { since?: string; limit?: number }): Promise<ChangesPage>;
  /** GET /<site_id>/sensors_list */
  sensorsList(siteId: string, opts?: CallOptions): Promise<Sensor[]>;
  /** GET /<site_id>/sensor_data/<sensor_id>; with no range, the last 24 hours that hold data */
  sensorData(siteId: string, sensorId: string, opts?: RangeOptions): Promise<SensorReading[]>;
  /** meter_data over a long range in chunks, row by row (see README "Chunked iteration") */
  iterateMeterData(siteId: string, meterId: string, opts: IterateOptions): AsyncGenerator<MeterDataRow, void, undefined>;
  /** site_data over a long range in chunks, row by row */
  iterateSiteData<T extends SiteMeterType>(siteId: string, meterType: T, opts: IterateOptions): AsyncGenerator<SiteDataRowOf<T>, void, undefined>;
}

const seg = encodeURIComponent;

/** `t_s`/`t_e` (and `sampling_frequency`) as the API reads them; given fields only */
function rangeParams(opts: SeriesOptions): Record<string, string> {
  const p: Record<string, string> = {};
  if (opts.from !== undefined) p.t_s = toNaiveUtc(toEpochMs(opts.from, 'from'));
  if (opts.to !== undefined) p.t_e = toNaiveUtc(toEpochMs(opts.to, 'to'));
  if (opts.frequency !== undefined) p.sampling_frequency = opts.frequency;
  return p;
}

/** a series request's body: the range, and `with_quality` when asked */
function seriesParams(opts: SeriesOptions): Record<string, string | boolean> {
  return opts.withQuality ? { ...rangeParams(opts), with_quality: true } : rangeParams(opts);
}

function nonNegative(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a non-negative number (got ${v})`);
  return v;
}

export function createClient(options: ClientOptions): KwhubClient {
  if (typeof options.baseUrl !== 'string' || options.baseUrl === '') throw new TypeError('baseUrl is required, e.g. "https://api.example.com/api/v1"');
  if (typeof options.username !== 'string' || typeof options.password !== 'string') throw new TypeError('username and password are required');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // looked up at call time, so a fetch installed later (polyfill, test spy) is used
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const sleep = options.sleep ?? realSleep;
  const minIntervalMs = nonNegative('minIntervalMs', options.minIntervalMs, 1000);
  const maxRetries = Math.floor(nonNegative('maxRetries', options.maxRetries, 3));
  const refreshBeforeMs = nonNegative('refreshBeforeMs', options.refreshBeforeMs, 60_000);
  const conditional = options.conditional ?? true;

  const tokens = createTokenManager({ fetch: fetchFn, baseUrl, username: options.username, password: options.password, clock, refreshBeforeMs });
  const pacer = createPacer({ clock, sleep, minIntervalMs });
  const transport = createTransport({ fetch: fetchFn, baseUrl, tokens, pacer, clock, maxRetries });

  const get = (endpoint: Endpoint, path: string, opts: CallOptions = {}, query?: Record<string, string>) => {
    const call: ApiCall = { endpoint, method: 'GET', path, query, signal: opts.signal };
    return transport.call(call).then((body) => ({ body, at: call }));
  };
  const post = (endpoint: Endpoint, path: string, body: Record<string, string | boolean>, opts: CallOptions = {}, conditional = false) => {
    const call: ApiCall = { endpoint, method: 'POST', path, body, signal: opts.signal, conditional };
    return transport.call(call).then((answer) => ({ body: answer, at: call }));
  };

  const client: KwhubClient = {
    async login(opts = {}) {
      const t = await tokens.login(opts.signal);
      return { accessToken: t.accessToken, validUntil: new Date(t.validUntil) };
    },

    async allInstallations(opts) {
      const r = await get('all_installations', '/all_installations', opts);
      return asList<Installation>(r.body, r.at);
    },

    async installationInfo(siteId, opts) {
      const r = await get('installation_infos', `/installation_infos/${seg(siteId)}`, opts);
      return asObject<InstallationInfo>(r.body, r.at);
    },

    async meterInfo(siteId, opts) {
      const r = await get('meter_info', `/meter_info/${seg(siteId)}`, opts);
      return asList<MeterInfo>(r.body, r.at);
    },

    async siteData<T extends SiteMeterType>(siteId: string, meterType: T, opts: SeriesOptions = {}) {
      const r = await post('site_data', `/site_data/${seg(siteId)}/${seg(meterType)}`, seriesParams(opts), opts, conditional);
      return withTime<SiteDataRowOf<T>>(r.body, r.at);
    },

    async meterData(siteId, meterId, opts = {}) {
      const r = await post('meter_data', `/meter_data/${seg(siteId)}/${seg(meterId)}`, seriesParams(opts), opts, conditional);
      return withTime<MeterDataRow>(r.body, r.at);
    },

    async meterDataRaw(siteId, meterId, opts = {}) {
      // no sampling on raw data: only the range is sent
      const r = await post('meter_data_raw', `/meter_data_raw/${seg(siteId)}/${seg(meterId)}`, rangeParams({ from: opts.from, to: opts.to }), opts);
      return withTime<RawRow>(r.body, r.at);
    },

    async changes(siteId, opts = {}) {
      const query: Record<string, string> = {};
      if (opts.since !== undefined) query.since = opts.since;
      if (opts.limit !== undefined) query.limit = String(opts.limit);
      const r = await get('changes', `/changes/${seg(siteId)}`, opts, query);
      return asObject<ChangesPage>(r.body, r.at);
    },

    async sensorsList(siteId, opts) {
      const r = await get('sensors_list', `/${seg(siteId)}/sensors_list`, opts);
      return asList<Sensor>(r.body, r.at);
    },

    async sensorData(siteId, sensorId, opts = {}) {
      const r = await get('sensor_data', `/${seg(siteId)}/sensor_data/${seg(sensorId)}`, opts, rangeParams({ from: opts.from, to: opts.to }));
      return withEpochTime<SensorReading>(r.body, r.at);
    },

    // generators, so that bad options reject the first next() like any other failure of the iteration
    async *iterateMeterData(siteId, meterId, opts) {
      yield* iterateRange(plan(opts), (from, to) => client.meterData(siteId, meterId, { from, to, frequency: opts.frequency, signal: opts.signal }));
    },

    async *iterateSiteData<T extends SiteMeterType>(siteId: string, meterType: T, opts: IterateOptions) {
      yield* iterateRange(plan(opts), (from, to) => client.siteData(siteId, meterType, { from, to, frequency: opts.frequency, signal: opts.signal }));
    },
  };

  function plan(opts: IterateOptions) {
    return {
      from: toEpochMs(opts.from, 'from'),
      to: opts.to === undefined ? clock.now() : toEpochMs(opts.to, 'to'),
      frequency: opts.frequency ?? '15T',
      chunkDays: opts.chunkDays ?? DEFAULT_CHUNK_DAYS,
    };
  }

  return client;
}
