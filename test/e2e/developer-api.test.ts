/**
 * The developer API (/api/v1) against a real server on 127.0.0.1: field names
 * and JSON types of every endpoint, authentication, isolation between
 * developers, the per-endpoint rate limit, login lockout and protocol errors.
 * Time is a test clock: the suite steps it by 1 s before each data call so
 * that the 1 request/s budget never gets in the way of what is being tested.
 */
import net from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminApi, devApi, errorBody, login, request, seedSite, startTestServer,
  type ApiResponse, type SeededSite, type TestServer,
} from '../helpers/server.js';

const HEX24 = /^[0-9a-f]{24}$/;
const MISSING_SITE = 'ffffffffffffffffffffffff';

let server: TestServer;
let A: SeededSite; // granted to developer A
let C: SeededSite; // a second site, also granted to developer A
let B: SeededSite; // granted to developer B
let tokenA: string;
let tokenB: string;

/** step past the rate limit window, then call the developer API */
async function dev(path: string, token: string | null = tokenA, method = 'GET'): Promise<ApiResponse> {
  server.clock.advance(1000);
  return devApi(server, token ?? undefined).request(method, path);
}

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

beforeAll(async () => {
  server = await startTestServer();
  A = await seedSite(server, { name: 'Les Tilleuls', siteRef: 'CK-TIL' });
  C = await seedSite(server, { name: 'Chemin Vert', siteRef: 'CK-CHV', developer: A.developer });
  B = await seedSite(server, { name: 'Bella Vista', siteRef: 'CK-BEL' });
  tokenA = await login(server, A.developer.username, A.developer.password);
  tokenB = await login(server, B.developer.username, B.developer.password);
});

afterAll(async () => {
  await server?.close();
});

describe('POST /api/v1/auth', () => {
  it('should issue exactly {access_token, valid_until: {$date}} for JSON credentials, valid 15 minutes', async () => {
    const res = await devApi(server).post('/auth', { username: A.developer.username, password: A.developer.password });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'valid_until']);
    expect(typeof res.body.access_token).toBe('string');
    expect(res.body.access_token.split('.')).toHaveLength(3);
    expect(Object.keys(res.body.valid_until)).toEqual(['$date']);
    expect(Number.isInteger(res.body.valid_until.$date)).toBe(true);
    expect(res.body.valid_until.$date).toBe(server.clock.now() + 15 * 60 * 1000);
  });

  it('should accept form-encoded credentials', async () => {
    const res = await devApi(server).request('POST', '/auth', { form: { username: A.developer.username, password: A.developer.password } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'valid_until']);
    expect(res.body.valid_until.$date).toBe(server.clock.now() + 900_000);
    // the form token works like any other
    expect((await dev('/all_installations', res.body.access_token)).status).toBe(200);
  });

  it('should issue a token naming the developer in sub, expiring 900 s after iat', async () => {
    const token = await login(server, B.developer.username, B.developer.password);
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(payload.sub).toBe(B.developer.id);
    expect(payload.exp - payload.iat).toBe(900);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
  });

  it('should not be rate limited like the data endpoints', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await devApi(server).post('/auth', { username: B.developer.username, password: B.developer.password });
      expect(res.status).toBe(200);
    }
  });

  it('should not authorize a wrong password, with 401 and a JSON error', async () => {
    const res = await devApi(server).post('/auth', { username: A.developer.username, password: 'not-the-password' });
    expect(res.status).toBe(401);
    expect(errorBody(res).error).toBe('auth.bad_credentials');
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('should not authorize an unknown username, answering exactly as for a wrong password', async () => {
    const wrongPw = await devApi(server).post('/auth', { username: A.developer.username, password: 'nope-nope' });
    const unknown = await devApi(server).post('/auth', { username: 'nobody-here', password: 'nope-nope' });
    expect(unknown.status).toBe(401);
    expect(errorBody(unknown)).toEqual(errorBody(wrongPw));
  });

  it('should answer 400 naming the missing field when the password is absent', async () => {
    const res = await devApi(server).post('/auth', { username: A.developer.username });
    expect(res.status).toBe(400);
    expect(errorBody(res).message).toContain('password');
  });

  it('should answer 400 for credentials of the wrong JSON type', async () => {
    const res = await devApi(server).post('/auth', { username: ['a'], password: 12345678 });
    expect(res.status).toBe(400);
    expect(errorBody(res).error).toBe('param.invalid');
  });
});

describe('GET /api/v1/all_installations', () => {
  it('should list exactly the sites granted to the caller with site_id, site_ref and name', async () => {
    const res = await dev('/all_installations');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    for (const item of res.body) {
      expect(typeof item.site_id).toBe('string');
      expect(item.site_id).toMatch(HEX24);
      expect(typeof item.site_ref).toBe('string');
      expect(typeof item.name).toBe('string');
    }
    const byId = Object.fromEntries(res.body.map((i: any) => [i.site_id, i]));
    expect(Object.keys(byId).sort()).toEqual([A.siteId, C.siteId].sort());
    expect(byId[A.siteId]).toMatchObject({ site_ref: 'CK-TIL', name: 'Les Tilleuls' });
    expect(byId[C.siteId]).toMatchObject({ site_ref: 'CK-CHV', name: 'Chemin Vert' });
  });

  it('should show another developer only their own site', async () => {
    const res = await dev('/all_installations', tokenB);
    expect(res.status).toBe(200);
    expect(res.body.map((i: any) => i.site_id)).toEqual([B.siteId]);
  });
});

describe('GET /api/v1/installation_infos/:site_id', () => {
  it('should return exactly the vendor fields with their JSON types', async () => {
    const res = await dev(`/installation_infos/${A.siteId}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['address', 'creation_date', 'latitude', 'longitude', 'name', 'site_ref', 'timezone']);
    expect(Object.keys(res.body.address).sort()).toEqual(['city', 'postal_code', 'street_name', 'street_number']);
    expect(res.body).toEqual({
      site_ref: 'CK-TIL',
      name: 'Les Tilleuls',
      address: { street_name: 'Rue du Lac', street_number: A.site.address.street_number, city: 'Lausanne', postal_code: 1007 },
      creation_date: '2021-01-12T08:31:00',
      latitude: 46.5197,
      longitude: 6.6323,
      timezone: 'Europe/Zurich',
    });
    expect(Number.isInteger(res.body.address.postal_code)).toBe(true);
    expect(typeof res.body.address.street_number).toBe('string');
    expect(typeof res.body.latitude).toBe('number');
    expect(typeof res.body.longitude).toBe('number');
    expect(Number.isNaN(Date.parse(res.body.creation_date))).toBe(false);
    expect(res.body.creation_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?/);
  });
});

describe('GET /api/v1/meter_info/:site_id', () => {
  it('should list every meter with exactly id, type, name, mode, prim_ad, is_rule_meter', async () => {
    const res = await dev(`/meter_info/${A.siteId}`);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(5);
    for (const m of res.body) {
      expect(Object.keys(m).sort()).toEqual(['id', 'is_rule_meter', 'mode', 'name', 'prim_ad', 'type']);
      expect(m.id).toMatch(HEX24);
      expect(typeof m.type).toBe('string');
      expect(typeof m.name).toBe('string');
      expect(typeof m.mode).toBe('string');
      expect(Number.isInteger(m.prim_ad)).toBe(true);
      expect(typeof m.is_rule_meter).toBe('boolean');
    }
    const byId = Object.fromEntries(res.body.map((m: any) => [m.id, m]));
    expect(byId[A.meters.grid]).toEqual({ id: A.meters.grid, type: 'electricity', name: 'Grid', mode: 'introduction', prim_ad: 1, is_rule_meter: false });
    expect(byId[A.meters.pv]).toEqual({ id: A.meters.pv, type: 'electricity', name: 'PV roof', mode: 'production', prim_ad: 2, is_rule_meter: false });
    expect(byId[A.meters.house]).toMatchObject({ mode: 'consumption', prim_ad: 3, is_rule_meter: false });
    expect(byId[A.meters.apt1]).toMatchObject({ name: 'Apt 1.1', mode: 'consumption', prim_ad: 11, is_rule_meter: false });
    expect(byId[A.meters.common]).toEqual({ id: A.meters.common, type: 'electricity', name: 'Common areas', mode: 'consumption', prim_ad: 90, is_rule_meter: true });
  });

  it('should not leak operator-only meter fields (rule, in_balance, reading_kind)', async () => {
    const res = await dev(`/meter_info/${C.siteId}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('in_balance');
    expect(res.text).not.toContain('reading_kind');
    expect(res.text).not.toContain('"rule"');
  });
});

describe('GET /api/v1/:site_id/sensors_list', () => {
  it('should list sensors with exactly id, name, type, unit, model', async () => {
    const res = await dev(`/${A.siteId}/sensors_list`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: A.sensors.temperature, name: 'Boiler temperature', type: 'temperature', unit: '°C', model: 'PT1000' },
      { id: A.sensors.humidity, name: 'Cellar humidity', type: 'humidity', unit: '%', model: 'SHT31' },
    ]);
    for (const s of res.body) {
      expect(Object.keys(s).sort()).toEqual(['id', 'model', 'name', 'type', 'unit']);
      expect(s.id).toMatch(HEX24);
    }
  });
});

describe('access tokens', () => {
  const endpoints = () => ['/all_installations', `/installation_infos/${A.siteId}`, `/meter_info/${A.siteId}`, `/${A.siteId}/sensors_list`];

  function expect401(res: ApiResponse): void {
    expect(res.status).toBe(401);
    const e = errorBody(res);
    expect(['auth.required', 'auth.invalid_token']).toContain(e.error);
    expect(e.message.length).toBeGreaterThan(0);
  }

  it('should not authorize any data endpoint without a token', async () => {
    for (const path of endpoints()) {
      const res = await dev(path, null);
      expect401(res);
      expect(res.body.error).toBe('auth.required');
    }
  });

  it('should not authorize a malformed bearer token', async () => {
    for (const path of endpoints()) expect401(await dev(path, 'abc'));
  });

  it('should not authorize other authorization schemes', async () => {
    server.clock.advance(1000);
    const basic = await devApi(server).get('/all_installations', {
      headers: { authorization: `Basic ${Buffer.from(`${A.developer.username}:${A.developer.password}`).toString('base64')}` },
    });
    expect401(basic);
    expect401(await dev('/all_installations', server.adminToken));
  });

  it('should not authorize an expired token, while it works until then', async () => {
    const token = await login(server, A.developer.username, A.developer.password);
    server.clock.advance(14 * 60 * 1000);
    expect((await dev('/all_installations', token)).status).toBe(200);
    server.clock.advance(2 * 60 * 1000);
    const res = await dev('/all_installations', token);
    expect401(res);
    expect(res.body.message).toMatch(/expired/);
    // the suite's own tokens expired too: get fresh ones
    tokenA = await login(server, A.developer.username, A.developer.password);
    tokenB = await login(server, B.developer.username, B.developer.password);
  });

  it('should not authorize a token signed with another secret, though the same claims signed right work', async () => {
    const iat = Math.floor(server.clock.now() / 1000);
    const claims = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(A.developer.id).setIssuer('kwhub').setIssuedAt(iat).setExpirationTime(iat + 600);
    const forged = await claims().sign(new TextEncoder().encode('another-secret-another-secret-another-secret!'));
    const realSecret = await server.store.getMeta('jwt_secret');
    expect(realSecret).toBeTruthy();
    const genuine = await claims().sign(new TextEncoder().encode(realSecret!));
    for (const path of endpoints()) expect401(await dev(path, forged));
    expect((await dev('/all_installations', genuine)).status).toBe(200);
  });

  it('should not authorize an unsigned alg:none token with the right subject', async () => {
    const iat = Math.floor(server.clock.now() / 1000);
    const payload = { sub: A.developer.id, iss: 'kwhub', iat, exp: iat + 600 };
    expect(b64url({ alg: 'none' })).toBe('eyJhbGciOiJub25lIn0');
    for (const header of [{ alg: 'none' }, { alg: 'none', typ: 'JWT' }, { alg: 'NONE' }]) {
      const token = `${b64url(header)}.${b64url(payload)}.`;
      for (const path of endpoints()) expect401(await dev(path, token));
    }
  });

  it("should not authorize a genuine token whose payload was swapped for another developer's", async () => {
    const [h, , s] = tokenA.split('.');
    const pB = tokenB.split('.')[1];
    expect401(await dev('/all_installations', `${h}.${pB}.${s}`));
  });
});

describe('isolation between developers', () => {
  const paths = (siteId: string) => [`/installation_infos/${siteId}`, `/meter_info/${siteId}`, `/${siteId}/sensors_list`];

  it("should answer 404 on every endpoint for another developer's site, exactly like a site that does not exist", async () => {
    const others = paths(A.siteId);
    const missing = paths(MISSING_SITE);
    for (let i = 0; i < others.length; i++) {
      const other = await dev(others[i], tokenB);
      const none = await dev(missing[i], tokenB);
      expect(other.status).toBe(404);
      expect(none.status).toBe(404);
      const eo = errorBody(other);
      const en = errorBody(none);
      expect(Object.keys(other.body).sort()).toEqual(['error', 'message']);
      expect(eo.error).toBe(en.error);
      expect(eo.message.replaceAll(A.siteId, '<id>')).toBe(en.message.replaceAll(MISSING_SITE, '<id>'));
      expect(other.headers.get('content-type')).toBe(none.headers.get('content-type'));
    }
  });

  it("should not reveal another developer's meters or sensors", async () => {
    const meters = await dev(`/meter_info/${A.siteId}`, tokenB);
    expect(meters.status).toBe(404);
    expect(meters.text).not.toContain(A.meters.grid);
    const sensors = await dev(`/${A.siteId}/sensors_list`, tokenB);
    expect(sensors.text).not.toContain(A.sensors.temperature);
  });

  it('should answer 404 for a site id that is not an object id', async () => {
    for (const id of ['abc', 'FFFFFFFFFFFFFFFFFFFFFFFF', `${A.siteId}0`]) {
      const res = await dev(`/installation_infos/${id}`);
      expect(res.status).toBe(404);
      expect(errorBody(res).error).toBe('site.not_found');
    }
  });

  it('should answer 404 on the very next request once the grant is revoked', async () => {
    const extra = await seedSite(server, { name: 'Temporary', developer: A.developer });
    expect((await dev(`/installation_infos/${extra.siteId}`)).status).toBe(200);
    const del = await adminApi(server).delete(`/developers/${A.developer.username}/grants/${extra.siteId}`);
    expect(del.status).toBe(204);
    for (const path of paths(extra.siteId)) {
      const res = await dev(path);
      expect(res.status).toBe(404);
      expect(errorBody(res).error).toBe('site.not_found');
    }
    const list = await dev('/all_installations');
    expect(list.body.map((i: any) => i.site_id)).not.toContain(extra.siteId);
    // the developer's other grants are untouched
    expect((await dev(`/installation_infos/${A.siteId}`)).status).toBe(200);
  });
});

describe('rate limit (1 request per second per developer and endpoint)', () => {
  it('should answer the 2nd call within a second with 429, Retry-After and RateLimit-* headers, and the next one after 1 s', async () => {
    server.clock.advance(1000);
    const api = devApi(server, tokenA);
    const first = await api.get(`/meter_info/${A.siteId}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('1');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    expect(first.headers.get('ratelimit-reset')).toMatch(/^\d+$/);

    const second = await api.get(`/meter_info/${A.siteId}`);
    expect(second.status).toBe(429);
    expect(errorBody(second).error).toBe('rate.limited');
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.headers.get('ratelimit-limit')).toBe('1');
    expect(second.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(second.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);

    server.clock.advance(999);
    expect((await api.get(`/meter_info/${A.siteId}`)).status).toBe(429);
    server.clock.advance(1);
    const third = await api.get(`/meter_info/${A.siteId}`);
    expect(third.status).toBe(200);
    expect(third.body).toHaveLength(5);
  });

  it('should give each endpoint its own budget', async () => {
    server.clock.advance(1000);
    const api = devApi(server, tokenA);
    const results = [
      await api.get('/all_installations'),
      await api.get(`/installation_infos/${A.siteId}`),
      await api.get(`/meter_info/${A.siteId}`),
      await api.get(`/${A.siteId}/sensors_list`),
    ];
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await api.get('/all_installations')).status).toBe(429);
  });

  it('should share one budget between all sites of one endpoint', async () => {
    server.clock.advance(1000);
    const api = devApi(server, tokenA);
    expect((await api.get(`/installation_infos/${A.siteId}`)).status).toBe(200);
    const other = await api.get(`/installation_infos/${C.siteId}`);
    expect(other.status).toBe(429);
    expect(other.headers.get('retry-after')).toBe('1');
  });

  it('should give each developer their own budget', async () => {
    server.clock.advance(1000);
    expect((await devApi(server, tokenA).get('/all_installations')).status).toBe(200);
    expect((await devApi(server, tokenB).get('/all_installations')).status).toBe(200);
    expect((await devApi(server, tokenA).get('/all_installations')).status).toBe(429);
  });

  it('should not count requests refused for a missing token against the budget', async () => {
    server.clock.advance(1000);
    expect((await devApi(server).get('/all_installations')).status).toBe(401);
    expect((await devApi(server).get('/all_installations')).status).toBe(401);
    expect((await devApi(server, tokenA).get('/all_installations')).status).toBe(200);
  });
});

describe('protocol errors', () => {
  it('should answer an unknown route with 404 and a JSON error', async () => {
    // `/` is the portal's page (test/portal); a path beside it is still a JSON 404
    for (const path of ['/api/v1/nope', '/api/v1/meter_info', '/api/v2/all_installations', '/nope.html']) {
      const res = await request(server.url, 'GET', path, { token: tokenA });
      expect(res.status).toBe(404);
      expect(errorBody(res).error).toBe('route.not_found');
    }
  });

  it('should answer a wrong method with 405, an Allow header and a JSON error', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/v1/all_installations', 'GET'],
      ['POST', `/api/v1/meter_info/${A.siteId}`, 'GET'],
      ['PUT', `/api/v1/${A.siteId}/sensors_list`, 'GET'],
      ['GET', '/api/v1/auth', 'POST'],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await request(server.url, method, path, { token: tokenA });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')?.split(/,\s*/)).toContain(allowed);
      expect(res.headers.get('allow')).not.toContain(method);
      expect(errorBody(res).error).toBe('method.not_allowed');
    }
  });

  it('should answer a body over 1 MiB with 413 and a JSON error', async () => {
    const big = JSON.stringify({ username: A.developer.username, password: 'x'.repeat(1024 * 1024 + 10) });
    const res = await request(server.url, 'POST', '/api/v1/auth', { raw: big, contentType: 'application/json' });
    expect(res.status).toBe(413);
    expect(errorBody(res).error).toBe('body.too_large');
  });

  it('should accept a body just under 1 MiB (then judge its content)', async () => {
    const body = JSON.stringify({ username: A.developer.username, password: 'x'.repeat(2000), pad: 'y'.repeat(1000 * 1000) });
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const res = await request(server.url, 'POST', '/api/v1/auth', { raw: body, contentType: 'application/json' });
    expect(res.status).toBe(400); // password longer than 1024: judged, not refused for size
    expect(errorBody(res).message).toContain('password');
  });

  it('should answer Content-Type text/plain with 415 and a JSON error', async () => {
    const res = await request(server.url, 'POST', '/api/v1/auth', {
      raw: JSON.stringify({ username: A.developer.username, password: A.developer.password }),
      contentType: 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(errorBody(res).error).toBe('media.unsupported');
  });

  it('should answer malformed JSON with 400 and a JSON error', async () => {
    for (const raw of ['{"username": "a", "password": ', '{username: a}', '[1,2', 'nul']) {
      const res = await request(server.url, 'POST', '/api/v1/auth', { raw, contentType: 'application/json' });
      expect(res.status, raw).toBe(400);
      expect(errorBody(res).error).toBe('request.invalid');
    }
  });

  it('should refuse a JSON body with a __proto__ key with 400', async () => {
    const res = await request(server.url, 'POST', '/api/v1/auth', {
      raw: `{"username": "${A.developer.username}", "password": "${A.developer.password}", "__proto__": {"admin": true}}`,
      contentType: 'application/json',
    });
    expect(res.status).toBe(400);
    errorBody(res);
  });

  it('should answer a request the HTTP parser cannot read with 400 and a JSON error', async () => {
    const port = Number(new URL(server.url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      let out = '';
      const sock = net.connect(port, '127.0.0.1', () => sock.write('GET /api/v1/all_installations\u00ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      sock.on('data', (d) => (out += d.toString('latin1')));
      sock.on('close', () => resolve(out));
      sock.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400/);
    expect(head.toLowerCase()).toContain('content-type: application/json');
    const parsed = JSON.parse(body);
    expect(typeof parsed.error).toBe('string');
    expect(typeof parsed.message).toBe('string');
  });

  it('should answer an empty JSON body on /auth with 400 naming the missing field', async () => {
    const res = await request(server.url, 'POST', '/api/v1/auth', { raw: '', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(errorBody(res).message).toMatch(/username|password/);
  });
});

describe('login lockout', () => {
  let locked: TestServer;
  let site: SeededSite;

  beforeAll(async () => {
    locked = await startTestServer({ config: { authMaxFailures: 3, authLockoutSeconds: 60 } });
    site = await seedSite(locked);
  });

  afterAll(async () => {
    await locked?.close();
  });

  it('should lock out repeated wrong passwords with 429 + Retry-After, refusing even the right password until the lock ends', async () => {
    const { username, password } = site.developer;
    for (let i = 0; i < 3; i++) {
      const res = await devApi(locked).post('/auth', { username, password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const wrong = await devApi(locked).post('/auth', { username, password: 'wrong-again' });
    expect(wrong.status).toBe(429);
    expect(errorBody(wrong).error).toBe('auth.locked');
    const retryAfter = Number(wrong.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const right = await devApi(locked).post('/auth', { username, password });
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(right.body).not.toHaveProperty('access_token');

    const form = await devApi(locked).request('POST', '/auth', { form: { username, password } });
    expect(form.status).toBe(429);

    locked.clock.advance(61_000);
    const after = await devApi(locked).post('/auth', { username, password });
    expect(after.status).toBe(200);
    expect(typeof after.body.access_token).toBe('string');
  });
});
