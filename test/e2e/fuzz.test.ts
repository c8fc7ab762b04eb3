/**
 * Throws random requests at a real server: random methods, paths (real route
 * prefixes, real and fake ids, percent garbage, very long segments), headers
 * (random / admin / developer tokens, every kind of Content-Type) and bodies
 * (valid and broken JSON, huge strings, deep arrays, __proto__ keys, numbers).
 * Whatever comes in: never a 5xx, and every error is JSON {error, message}.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { checkConformance, type ObservedResponse } from '../helpers/conformance.js';
import { adminApi, login, seedSite, startTestServer, type SeededSite, type TestServer } from '../helpers/server.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request over node:http, which (unlike fetch) sends bodies with GET/HEAD/DELETE too.
 * The server may answer (413, 415, 401...) and close before a large body is sent: the
 * answer counts. Status -1: the connection was dropped without any answer, a failure.
 */
function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body: Buffer | null, chunked: boolean): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h: Record<string, string> = { ...headers };
    // node:http frames a GET/HEAD/DELETE/OPTIONS body only when told to: say how, or the body would be read as the next request
    if (body !== null) {
      if (chunked) h['transfer-encoding'] = 'chunked';
      else h['content-length'] = String(body.length);
    }
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: h, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', done);
      // the rest of our body was cut off, not the answer: what arrived is the answer (a cut answer fails its checks)
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (answered) return;
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') resolve({ status: -1, headers: {}, text: `connection dropped without an answer (${e.code})` });
      else reject(e);
    });
    if (body !== null) req.end(body);
    else req.end();
  });
}

/** the answer as the conformance checker reads it */
function observed(url: string, method: string, path: string, res: RawResponse): ObservedResponse {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  // concatenated, not resolved: a path such as //x/y is a path here, not a host
  return { method, url: new URL(url + path).toString(), status: res.status, headers, text: res.text };
}

interface Target {
  server: TestServer;
  site: SeededSite;
  otherSite: SeededSite;
  devToken: string;
  gatewayToken: string;
}

const HEX = '0123456789abcdef';
const SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,;=:@';

function arbitraries(t: Target) {
  const realIds = [
    t.site.siteId, t.otherSite.siteId, ...Object.values(t.site.meters), ...Object.values(t.site.sensors),
    ...Object.values(t.otherSite.meters), t.site.developer.id,
  ];
  const hex24 = fc.string({ unit: fc.constantFrom(...HEX), minLength: 24, maxLength: 24 });
  const id = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...realIds) },
    { weight: 2, arbitrary: hex24 },
    { weight: 1, arbitrary: hex24.map((s) => s.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', 'undefined', '0', '-1', '%00', '..', t.site.developer.username) },
  );
  const word = fc.string({ unit: fc.constantFrom(...SAFE), minLength: 1, maxLength: 12 });
  const percentGarbage = fc.constantFrom('%', '%%', '%zz', '%0', '%00', '%E0%A4%A', '%C0%AF', '%2F', '%2e%2e', '%FF%FE', '%u0041', '%25', '%3F', '%23', '%0A', '%0D%0A', '%C3%A9', '%C3%9F%', '%C3');
  const segment = fc.oneof(
    { weight: 4, arbitrary: id },
    { weight: 3, arbitrary: word },
    { weight: 2, arbitrary: fc.constantFrom('electricity', 'heating', 'cold_water', 'charge_point', 'gas', 'sensors_list', 'sensor_data', 'meters', 'sensors', 'grants', 'gateways', t.site.developer.username) },
    { weight: 2, arbitrary: fc.array(fc.oneof(word, percentGarbage), { minLength: 1, maxLength: 4 }).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.integer({ min: 150, max: 5000 }).map((n) => 'a'.repeat(n)) },
  );
  const prefix = fc.constantFrom(
    '/api/v1/auth', '/api/v1/all_installations', '/api/v1/installation_infos', '/api/v1/meter_info', '/api/v1/site_data',
    '/api/v1/meter_data', '/api/v1/meter_data_raw', '/api/v1', `/api/v1/${t.site.siteId}`, '/api/admin/v1/sites',
    `/api/admin/v1/sites/${t.site.siteId}`, `/api/admin/v1/sites/${t.site.siteId}/meters`, `/api/admin/v1/sites/${t.site.siteId}/sensors`,
    `/api/admin/v1/sites/${t.site.siteId}/gateways`, `/api/admin/v1/sites/${t.site.siteId}/meters/${t.site.meters.apt1}`,
    '/api/admin/v1/developers', `/api/admin/v1/developers/${t.site.developer.username}/grants`, '/api/admin/v1', '/api/gateway/v1/readings',
    '/', '', '/api', '/api/v2',
  );
  const query = fc.oneof(
    { weight: 5, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.constantFrom('?t_s=2024-01-01&t_e=2024-01-02', '?t_s=garbage', '?t_s[]=1&t_s[]=2', '?__proto__[x]=1', '?sampling_frequency=H', '?%zz=%zz', '?') },
    { weight: 1, arbitrary: fc.array(fc.tuple(word, fc.oneof(word, percentGarbage)), { maxLength: 4 }).map((kv) => `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}`) },
  );
  const path = fc
    .tuple(prefix, fc.array(segment, { maxLength: 4 }), fc.boolean(), query)
    .map(([p, segs, slash, q]) => `${p}${segs.map((s) => `/${s}`).join('')}${slash ? '/' : ''}${q}`)
    .map((p) => (p.startsWith('/') ? p : `/${p}`));

  const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');

  const headerValue = fc.string({ unit: fc.constantFrom(...SAFE, ' ', '"', '/', '?'), maxLength: 60 });
  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constant(`Bearer ${t.server.adminToken}`) },
    { weight: 4, arbitrary: fc.constant(`Bearer ${t.devToken}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${t.gatewayToken}`) },
    { weight: 1, arbitrary: fc.constant(`bearer   ${t.devToken}  `) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.') },
    { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
    { weight: 1, arbitrary: headerValue },
  );
  const contentType = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'text/plain; charset=utf-8',
        'multipart/form-data; boundary=----x', 'application/xml', 'application/json; charset=latin1', 'APPLICATION/JSON',
        'application/octet-stream', '*/*', 'application/', ';', 'application/json;;;', 'application/problem+json',
      ),
    },
    { weight: 1, arbitrary: headerValue },
  );

  // bodies --------------------------------------------------------------------
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const instant = fc.oneof(
    fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01', '2024-02-30', '2024-01-01 10:15', 'yesterday', '', null),
    fc.integer(),
    fc.double(),
  );
  const sometimes = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
  const siteLike = fc.record({
    id: sometimes(id),
    site_ref: sometimes(fc.oneof(word, fc.constant(''), fc.integer())),
    name: sometimes(fc.oneof(word, fc.string({ maxLength: 300 }))),
    address: sometimes(fc.oneof(
      fc.record({ street_name: word, street_number: word, city: word, postal_code: fc.oneof(fc.integer({ min: -10, max: 2_000_000 }), fc.double(), word) }),
      anyJson,
    )),
    latitude: sometimes(fc.oneof(fc.double(), fc.integer(), word)),
    longitude: sometimes(fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), word)),
    timezone: sometimes(fc.constantFrom('Europe/Zurich', 'UTC', 'Mars/Base', '', 'Etc/GMT+14', 'europe/zurich')),
    creation_date: sometimes(fc.constantFrom('2021-01-12T08:31:00', '2021-13-45', 'x', '')),
    lock_date: sometimes(instant),
  });
  const meterLike = fc.record({
    id: sometimes(id),
    name: sometimes(fc.oneof(word, fc.constant(''))),
    type: sometimes(fc.constantFrom('electricity', 'heating', 'cooling', 'cold_water', 'hot_water', 'charge_point', 'gas', 1)),
    mode: sometimes(fc.constantFrom('consumption', 'production', 'introduction', 'battery', 'storage')),
    prim_ad: sometimes(fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.double(), word)),
    reading_kind: sometimes(fc.constantFrom('index', 'interval', 'cumulative')),
    rule: sometimes(fc.oneof(
      fc.constant(null),
      fc.tuple(id, fc.constantFrom(' - ', ' + ', '-', ' * ', ' '), id).map(([a, op, b]) => `${a}${op}${b}`),
      id,
      word,
    )),
    in_balance: sometimes(fc.oneof(fc.boolean(), fc.constant('true'), fc.constant(0))),
    reversed: sometimes(fc.boolean()),
    installed_at: sometimes(instant),
    max_power_kw: sometimes(fc.oneof(fc.double(), fc.constant(null), fc.integer())),
    register_max: sometimes(fc.oneof(fc.double({ min: 0.1, max: 1e9, noNaN: true }), fc.constant(null))),
  });
  const grantLike = fc.record({
    site_id: sometimes(id),
    history_from: sometimes(instant),
    consent_ref: sometimes(fc.oneof(word, fc.constant(''), fc.integer())),
  });
  const authLike = fc.record({
    username: sometimes(fc.oneof(word, fc.constant(t.site.developer.username), fc.integer(), fc.array(word))),
    password: sometimes(fc.oneof(word, fc.constant(t.site.developer.password), fc.constant(''))),
  });
  const rangeLike = fc.record({ t_s: sometimes(instant), t_e: sometimes(instant), sampling_frequency: sometimes(fc.constantFrom('15T', 'H', 'D', 'M', 'Y', 'W', 1)) });
  const readingsLike = fc.record({
    meters: sometimes(fc.array(fc.record({ meter_id: sometimes(id), prim_ad: sometimes(fc.integer()), timestamp: sometimes(instant), en_im: sometimes(fc.double()), en_ex: sometimes(fc.double()) }), { maxLength: 5 })),
    sensors: sometimes(fc.array(fc.record({ sensor_id: sometimes(id), timestamp: sometimes(instant), value: sometimes(fc.double()) }), { maxLength: 3 })),
  });
  const withExtraKeys = (a: fc.Arbitrary<Record<string, unknown>>) =>
    fc.tuple(a, fc.dictionary(fc.oneof(word, fc.constantFrom('__proto__', 'constructor', 'site_id', 'is_rule_meter', 'x y', 'name = 1 --')), anyJson, { maxKeys: 2 }))
      .map(([o, extra]) => ({ ...o, ...extra }));

  const structured = fc.oneof(siteLike, meterLike, grantLike, authLike, rangeLike, readingsLike).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
  const body: fc.Arbitrary<string | null> = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: structured.map((o) => JSON.stringify(o)) },
    { weight: 3, arbitrary: withExtraKeys(structured).map((o) => JSON.stringify(o)) },
    { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", 'nul', 'NaN', '{"a":NaN}', '\u0000', '{"a":"\\ud800"}', '1e999999', '-') },
    { weight: 2, arbitrary: fc.constantFrom(
      '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":{"__proto__":null}}',
      '{"username":"a","password":"b","__proto__":{"x":1}}', '[{"__proto__":1}]',
    ) },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)) },
    { weight: 1, arbitrary: fc.constantFrom(1_000, 100_000, 1_100_000).map((n) => JSON.stringify({ username: 'x'.repeat(n), password: 'y' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.dictionary(word, word, { maxKeys: 3 }).map((d) => new URLSearchParams(d).toString() + '&username=a&username=b') },
    { weight: 1, arbitrary: fc.constant('------x\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n------x--\r\n') },
  );

  const random = fc.record({
    method,
    path,
    authorization,
    contentType,
    body,
    chunked: fc.boolean(),
    advanceClock: fc.boolean(),
    accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'), { nil: undefined }),
  });

  // targeted requests: a real route, the right token and a valid body with a few mutations,
  // so that most of them get past validation and into the use cases and the store
  const S = t.site;
  const M = S.meters;
  const validSite = fc.record({
    id: sometimes(hex24),
    site_ref: word,
    name: word,
    address: fc.record({ street_name: word, street_number: word, city: word, postal_code: fc.integer({ min: 0, max: 999999 }) }),
    latitude: fc.double({ min: -90, max: 90, noNaN: true }),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }),
    timezone: fc.constantFrom('Europe/Zurich', 'UTC', 'America/New_York', 'Asia/Kolkata'),
    creation_date: sometimes(fc.constant('2021-01-12T08:31:00')),
    lock_date: sometimes(fc.constantFrom('2024-01-01T00:00:00Z', 1704067200000, null)),
  }, { requiredKeys: ['site_ref', 'name', 'address', 'latitude', 'longitude', 'timezone'] });
  const ruleOver = fc.array(fc.constantFrom(M.grid, M.pv, M.house, M.apt1, M.common, t.otherSite.meters.apt1), { minLength: 1, maxLength: 3 })
    .map((ids) => ids.join(' - '));
  const meterFieldsValid = {
    id: hex24,
    name: word,
    type: fc.constantFrom('electricity', 'heating', 'cooling', 'cold_water', 'hot_water', 'charge_point'),
    mode: fc.constantFrom('consumption', 'production', 'introduction', 'battery'),
    prim_ad: fc.integer({ min: 0, max: 65535 }),
    reading_kind: fc.constantFrom('index', 'interval'),
    rule: fc.oneof(ruleOver, fc.constant(null)),
    in_balance: fc.boolean(),
    reversed: fc.boolean(),
    installed_at: fc.constantFrom('2023-06-01T00:00:00Z', 1685577600000, null),
    max_power_kw: fc.oneof(fc.double({ min: 0.1, max: 1000, noNaN: true }), fc.constant(null)),
    register_max: fc.oneof(fc.constant(99999), fc.constant(null)),
  };
  const validMeter = fc.record(meterFieldsValid, { requiredKeys: ['name', 'type', 'mode', 'prim_ad'] });
  const meterPatch = fc.record(meterFieldsValid, { requiredKeys: [] }).map(({ id: _id, ...rest }) => rest);
  const validSensor = fc.record({ id: hex24, name: word, type: word, unit: word, model: word }, { requiredKeys: ['name', 'type', 'unit', 'model'] });
  const validDeveloper = fc.record({ username: fc.string({ unit: fc.constantFrom(...'abcdefghij0123._-'), minLength: 3, maxLength: 20 }), password: fc.string({ minLength: 8, maxLength: 30 }) });
  const validGrant = fc.record({ site_id: fc.constantFrom(S.siteId, t.otherSite.siteId), consent_ref: word, history_from: fc.constantFrom('2024-01-01T00:00:00Z', 1704067200000, null) }, { requiredKeys: ['site_id', 'consent_ref'] });
  const validAuth = fc.record({ username: fc.constantFrom(S.developer.username, 'nobody'), password: fc.constantFrom(S.developer.password, 'wrong-password') });

  const t0 = t.server.clock.now();
  const ts = fc.oneof(
    fc.integer({ min: -96, max: 4 }).map((q) => new Date(t0 + q * 15 * 60_000).toISOString()),
    fc.integer({ min: -96, max: 4 }).map((q) => t0 + q * 15 * 60_000),
    instant,
  );
  const value = fc.oneof({ weight: 5, arbitrary: fc.double({ min: -10, max: 1e6, noNaN: true }) }, { weight: 1, arbitrary: anyJson });
  const validReadings = fc.record({
    meters: fc.array(fc.record({
      meter_id: fc.constantFrom(...Object.values(M), t.otherSite.meters.apt1, 'nope'),
      prim_ad: fc.constantFrom(1, 2, 3, 11, 90, 999),
      timestamp: ts,
      en_im: value,
      en_ex: value,
      heat_energy_kwh: value,
      vol_m3: value,
    }, { requiredKeys: ['timestamp'] }), { maxLength: 20 }),
    sensors: fc.array(fc.record({ sensor_id: fc.constantFrom(S.sensors.temperature, S.sensors.humidity, 'nope'), timestamp: ts, value }, { requiredKeys: ['sensor_id', 'timestamp'] }), { maxLength: 5 }),
  }, { requiredKeys: [] });

  const admin = `Bearer ${t.server.adminToken}`;
  const gw = `Bearer ${t.gatewayToken}`;
  const devAuth = `Bearer ${t.devToken}`;
  const a = '/api/admin/v1';
  const routes: { method: string; path: fc.Arbitrary<string>; auth: string | undefined; body: fc.Arbitrary<Record<string, unknown> | null> }[] = [
    { method: 'POST', path: fc.constant(`${a}/sites`), auth: admin, body: validSite },
    { method: 'GET', path: fc.constant(`${a}/sites`), auth: admin, body: fc.constant(null) },
    { method: 'GET', path: id.map((i) => `${a}/sites/${i}`), auth: admin, body: fc.constant(null) },
    { method: 'PATCH', path: id.map((i) => `${a}/sites/${i}`), auth: admin, body: validSite.map(({ id: _id, ...rest }) => rest) },
    { method: 'PATCH', path: fc.constant(`${a}/sites/${S.siteId}`), auth: admin, body: fc.record({ name: word, timezone: fc.constantFrom('UTC', 'Bad/Zone'), lock_date: fc.constantFrom(null, '2024-13-01') }, { requiredKeys: [] }) },
    { method: 'POST', path: id.map((i) => `${a}/sites/${i}/meters`), auth: admin, body: validMeter },
    { method: 'POST', path: fc.constant(`${a}/sites/${S.siteId}/meters`), auth: admin, body: validMeter },
    { method: 'GET', path: id.map((i) => `${a}/sites/${S.siteId}/meters/${i}`), auth: admin, body: fc.constant(null) },
    { method: 'PATCH', path: fc.constantFrom(...Object.values(M)).map((i) => `${a}/sites/${S.siteId}/meters/${i}`), auth: admin, body: meterPatch },
    { method: 'PATCH', path: id.map((i) => `${a}/sites/${S.siteId}/meters/${i}`), auth: admin, body: meterPatch },
    { method: 'POST', path: fc.constant(`${a}/sites/${S.siteId}/sensors`), auth: admin, body: validSensor },
    { method: 'GET', path: id.map((i) => `${a}/sites/${i}/sensors`), auth: admin, body: fc.constant(null) },
    { method: 'POST', path: id.map((i) => `${a}/sites/${i}/gateways`), auth: admin, body: fc.record({ name: word }) },
    { method: 'POST', path: fc.constant(`${a}/developers`), auth: admin, body: validDeveloper },
    { method: 'GET', path: fc.constant(`${a}/developers`), auth: admin, body: fc.constant(null) },
    { method: 'POST', path: fc.constantFrom(S.developer.username, 'nobody', '%zz').map((u) => `${a}/developers/${u}/grants`), auth: admin, body: validGrant },
    { method: 'GET', path: fc.constantFrom(S.developer.username, 'nobody').map((u) => `${a}/developers/${u}/grants`), auth: admin, body: fc.constant(null) },
    { method: 'DELETE', path: fc.tuple(fc.constantFrom(S.developer.username, 'nobody'), id).map(([u, i]) => `${a}/developers/${u}/grants/${i}`), auth: admin, body: fc.constant(null) },
    { method: 'POST', path: fc.constant('/api/v1/auth'), auth: undefined, body: validAuth },
    { method: 'GET', path: fc.constant('/api/v1/all_installations'), auth: devAuth, body: fc.constant(null) },
    { method: 'GET', path: id.map((i) => `/api/v1/installation_infos/${i}`), auth: devAuth, body: fc.constant(null) },
    { method: 'GET', path: id.map((i) => `/api/v1/meter_info/${i}`), auth: devAuth, body: fc.constant(null) },
    { method: 'GET', path: id.map((i) => `/api/v1/${i}/sensors_list`), auth: devAuth, body: fc.constant(null) },
    { method: 'POST', path: fc.tuple(id, fc.constantFrom('electricity', 'heating', 'gas')).map(([i, ty]) => `/api/v1/site_data/${i}/${ty}`), auth: devAuth, body: rangeLike },
    { method: 'POST', path: fc.tuple(id, id).map(([i, j]) => `/api/v1/meter_data/${i}/${j}`), auth: devAuth, body: rangeLike },
    { method: 'GET', path: fc.tuple(id, id).map(([i, j]) => `/api/v1/${i}/sensor_data/${j}?t_s=2024-01-01`), auth: devAuth, body: fc.constant(null) },
    { method: 'POST', path: fc.constant('/api/gateway/v1/readings'), auth: gw, body: validReadings },
    { method: 'POST', path: fc.constant('/api/gateway/v1/readings'), auth: gw, body: validReadings },
    { method: 'POST', path: fc.constant(`/api/v1/site_data/${S.siteId}/electricity`), auth: devAuth, body: rangeLike },
    { method: 'POST', path: fc.constantFrom(...Object.values(M)).map((m) => `/api/v1/meter_data/${S.siteId}/${m}`), auth: devAuth, body: rangeLike },
    { method: 'POST', path: fc.constantFrom(...Object.values(M)).map((m) => `/api/v1/meter_data_raw/${S.siteId}/${m}`), auth: devAuth, body: rangeLike },
    { method: 'GET', path: fc.constantFrom(S.sensors.temperature, S.sensors.humidity).map((x) => `/api/v1/${S.siteId}/sensor_data/${x}`), auth: devAuth, body: fc.constant(null) },
    { method: 'POST', path: id.map((i) => `${a}/sites/${i}/revalidate`), auth: admin, body: fc.record({ from: instant, to: instant }, { requiredKeys: [] }) },
    { method: 'GET', path: id.map((i) => `${a}/sites/${i}/quality`), auth: admin, body: fc.constant(null) },
    // trust the numbers: coverage, change feed, webhooks, audit
    { method: 'POST', path: fc.constant(`/api/v1/site_data/${S.siteId}/electricity`), auth: devAuth, body: fc.record({ sampling_frequency: fc.constantFrom('15T', 'D'), with_quality: fc.oneof(fc.boolean(), anyJson) }, { requiredKeys: [] }) },
    { method: 'GET', path: fc.tuple(id, fc.oneof(word, fc.constantFrom('a2MxOjE', 'a2MxOjA', '', '%zz')), fc.constantFrom('', '&limit=0', '&limit=5', '&limit=x')).map(([i, c, l]) => `/api/v1/changes/${i}?since=${c}${l}`), auth: devAuth, body: fc.constant(null) },
    { method: 'POST', path: fc.constantFrom(S.developer.username, 'nobody').map((u) => `${a}/developers/${u}/webhooks`), auth: admin, body: fc.record({ url: fc.oneof(word, fc.constantFrom('https://example.com/h', 'http://127.0.0.1:9/h', 'ftp://x', 'https://u:p@x.example/')), secret: fc.oneof(word, fc.constant('0123456789abcdef0123')) }, { requiredKeys: [] }) },
    { method: 'GET', path: fc.tuple(fc.constantFrom(S.developer.username, 'nobody'), id).map(([u, i]) => `${a}/developers/${u}/webhooks/${i}/deliveries`), auth: admin, body: fc.constant(null) },
    { method: 'POST', path: fc.tuple(fc.constantFrom(S.developer.username, 'nobody'), id).map(([u, i]) => `${a}/developers/${u}/webhooks/${i}/resume`), auth: admin, body: fc.constant(null) },
    { method: 'GET', path: fc.tuple(id, fc.oneof(word, fc.constantFrom('2024-05-01T10:00', '', '1714557600000'))).map(([i, x]) => `${a}/sites/${i}/audit?t=${x}`), auth: admin, body: fc.constant(null) },
  ];
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('id', 'name', 'type', 'site_id', 'username', 'password', 'prim_ad', 'address', 'consent_ref') }),
    fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom('id', 'name', 'type', 'mode', 'prim_ad', 'rule', 'timezone', 'site_id', 'history_from', 'password'), value: anyJson }),
    fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(word, fc.constantFrom('site_id', 'is_rule_meter', 'created_at', 'password_hash', 'x y', 'pk')), value: anyJson }),
  );
  const targeted = fc
    .tuple(
      fc.integer({ min: 0, max: routes.length - 1 }).chain((i) => fc.tuple(fc.constant(routes[i]), routes[i].path, routes[i].body)),
      fc.array(mutation, { maxLength: 2 }),
      fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      fc.boolean(),
    )
    .map(([[route, p, b], mutations, rightAuth, advanceClock]) => {
      let bodyObj = b === null ? null : (JSON.parse(JSON.stringify(b)) as Record<string, unknown>);
      if (bodyObj !== null) {
        for (const m of mutations) {
          if (m.kind === 'delete') delete bodyObj[m.key];
          else bodyObj = { ...bodyObj, [m.key]: m.value };
        }
      }
      return {
        method: route.method,
        path: p,
        authorization: rightAuth ? route.auth : devAuth,
        contentType: bodyObj === null ? undefined : 'application/json',
        body: bodyObj === null ? null : JSON.stringify(bodyObj),
        chunked: false,
        advanceClock,
        accept: undefined as string | undefined,
      };
    });

  const request = fc.oneof(random, targeted);
  return { request };
}

/** `advanceEvery`: step the clock 1 s on about one request in that many (rarely: the rate limit bites) */
async function fuzz(config: Partial<Config>, numRuns: number, seedCounter: { n: number }, advanceEvery: number): Promise<void> {
  const server = await startTestServer({ config });
  try {
    const site = await seedSite(server, { name: 'Fuzz target' });
    const otherSite = await seedSite(server, { name: 'Fuzz other' });
    const devToken = await login(server, site.developer.username, site.developer.password);
    const gw = await adminApi(server).post(`/sites/${site.siteId}/gateways`, { name: 'fuzz gateway' });
    expect(gw.status).toBe(201);
    const { request } = arbitraries({ server, site, otherSite, devToken, gatewayToken: gw.body.token });
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        seedCounter.n++;
        // keep the developer token alive (it lives 15 minutes of test-clock time)
        if (r.advanceClock && seedCounter.n % advanceEvery === 0) server.clock.advance(1000);
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.accept !== undefined) headers.accept = r.accept;
        const body = r.body === null ? null : Buffer.from(r.body, 'utf8');
        const res = await rawRequest(server.url, r.method, r.path, headers, body, r.chunked);
        expect(res.status, `${r.method} ${r.path.slice(0, 200)} [${r.contentType}] body of ${body?.length ?? 0} bytes: ${res.text}`).not.toBe(-1);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);

        expect(res.status, `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
        expect(res.status, `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 300 && r.method !== 'HEAD') {
          const what = `${r.method} ${r.path.slice(0, 200)} [${r.contentType}] body=${(r.body ?? '').slice(0, 100)} -> ${res.status} ${res.headers['content-type']} ${res.text.slice(0, 300)}`;
          expect(res.headers['content-type'] ?? '', what).toMatch(/^application\/json/);
          let parsed: unknown;
          expect(() => {
            parsed = JSON.parse(res.text);
          }, what).not.toThrow();
          const p = parsed as Record<string, unknown>;
          expect(typeof p?.error, what).toBe('string');
          expect(typeof p?.message, what).toBe('string');
          expect((p.message as string).length, what).toBeGreaterThan(0);
          if (res.status === 405) expect(res.headers.allow, what).toBeTruthy();
          if (res.status === 429) expect(res.headers['retry-after'], what).toMatch(/^\d+$/);
        }
        // every answer, as the OpenAPI document describes it (status, content type, body schema, required headers)
        await checkConformance(observed(server.url, r.method, r.path, res));
      }),
      { numRuns, endOnFailure: true },
    );

    // the server is still healthy after the storm
    const ok = await rawRequest(server.url, 'GET', '/api/admin/v1/sites', { authorization: `Bearer ${server.adminToken}` }, null, false);
    expect([200, 429]).toContain(ok.status);
    // and the run reached the handlers, not just the front door
    const reached = [...statuses.entries()].filter(([s]) => s === 200 || s === 201 || s === 400 || s === 404).reduce((a, [, n]) => a + n, 0);
    expect(reached).toBeGreaterThan(numRuns / 4);
  } finally {
    await server.close();
  }
}

describe('fuzzing the HTTP surface', () => {
  const counter = { n: 0 };

  it('should never answer 5xx and always answer errors as JSON {error, message} (rate limit out of the way)', async () => {
    await fuzz({ rateLimitMax: 1_000_000, authMaxFailures: 10_000 }, 300, counter, 2);
  }, 180_000);

  it('should hold the same with the default rate limit and lockouts', async () => {
    await fuzz({}, 100, counter, 8);
  }, 120_000);
});
