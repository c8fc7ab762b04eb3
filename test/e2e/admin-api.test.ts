/**
 * The operator API (/api/admin/v1) against a real server: the admin token and
 * its brute-force lockout, sites, meters (rule formulas, prim_ad), sensors,
 * gateways, developers and grants, and the 400s that name the field at fault.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminApi, api, devApi, errorBody, login, request, seedSite, startTestServer,
  type Api, type ApiResponse, type SeededSite, type TestServer,
} from '../helpers/server.js';

const HEX24 = /^[0-9a-f]{24}$/;

let server: TestServer;
let admin: Api;
let S: SeededSite;
let other: SeededSite;

function siteBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    site_ref: 'CK-ADM',
    name: 'Admin test site',
    address: { street_name: 'Bahnhofstrasse', street_number: '7', city: 'Zürich', postal_code: 8001 },
    latitude: 47.37,
    longitude: 8.54,
    timezone: 'Europe/Zurich',
    ...over,
  };
}

let primAd = 100;
function meterBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `Meter ${primAd}`, type: 'electricity', mode: 'consumption', prim_ad: primAd++, reading_kind: 'index', ...over };
}

/** a fresh 24-hex id nobody uses */
function freshId(): string {
  return createHash('sha256').update(`${Math.random()}-${process.hrtime.bigint()}`).digest('hex').slice(0, 24);
}

function expectError(res: ApiResponse, status: number, error?: string): { error: string; message: string } {
  expect(res.status, res.text).toBe(status);
  const e = errorBody(res);
  if (error) expect(e.error).toBe(error);
  return e;
}

beforeAll(async () => {
  server = await startTestServer();
  admin = adminApi(server);
  S = await seedSite(server, { name: 'Main' });
  other = await seedSite(server, { name: 'Other' });
});

afterAll(async () => {
  await server?.close();
});

describe('admin token', () => {
  it('should not authorize a request without a token', async () => {
    const res = await api(`${server.url}/api/admin/v1`).get('/sites');
    expectError(res, 401, 'admin.unauthorized');
  });

  it('should not authorize a wrong token, nor a developer token', async () => {
    expectError(await admin.get('/sites', { token: `${server.adminToken}x` }), 401, 'admin.unauthorized');
    const devToken = await login(server, S.developer.username, S.developer.password);
    expectError(await admin.get('/sites', { token: devToken }), 401, 'admin.unauthorized');
  });

  it('should not authorize the token under another scheme', async () => {
    const res = await admin.get('/sites', { token: undefined, headers: { authorization: `Token ${server.adminToken}` } });
    expectError(res, 401, 'admin.unauthorized');
  });

  it('should authorize the configured token', async () => {
    const res = await admin.get('/sites');
    expect(res.status).toBe(200);
    expect(res.body.map((s: any) => s.id)).toEqual(expect.arrayContaining([S.siteId, other.siteId]));
  });

  describe('brute-force lockout', () => {
    let guarded: TestServer;

    beforeAll(async () => {
      guarded = await startTestServer({ config: { authMaxFailures: 3, authLockoutSeconds: 120 } });
    });

    afterAll(async () => {
      await guarded?.close();
    });

    it('should answer 429 with Retry-After after the configured failures, even for the right token, until the lock ends', async () => {
      const g = adminApi(guarded);
      for (let i = 0; i < 3; i++) expectError(await g.get('/sites', { token: `wrong-token-${i}-0123456789` }), 401, 'admin.unauthorized');
      const wrong = await g.get('/sites', { token: 'wrong-token-again-0123456789' });
      expectError(wrong, 429, 'auth.locked');
      const retry = Number(wrong.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(120);
      expectError(await g.get('/sites'), 429, 'auth.locked');
      expectError(await g.post('/sites', siteBody()), 429, 'auth.locked');

      guarded.clock.advance(121_000);
      expect((await g.get('/sites')).status).toBe(200);
    });
  });
});

describe('sites', () => {
  it('should create a site with a generated id and return every field', async () => {
    const res = await admin.post('/sites', siteBody({ creation_date: '2021-01-12T08:31:00' }));
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(HEX24);
    expect(res.body).toMatchObject({ ...siteBody(), creation_date: '2021-01-12T08:31:00', lock_date: null });
    const got = await admin.get(`/sites/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('should default creation_date to now as a local ISO date-time', async () => {
    const res = await admin.post('/sites', siteBody());
    expect(res.status).toBe(201);
    expect(res.body.creation_date).toBe(new Date(server.clock.now()).toISOString().slice(0, 19));
  });

  it('should keep a given id', async () => {
    const id = freshId();
    const res = await admin.post('/sites', siteBody({ id }));
    expect(res.status, res.text).toBe(201);
    expect(res.body.id).toBe(id);
    expect((await admin.get(`/sites/${id}`)).body.id).toBe(id);
  });

  it('should answer 409 for an id already in use, by a site or by anything else', async () => {
    expectError(await admin.post('/sites', siteBody({ id: S.siteId })), 409, 'id.in_use');
    expectError(await admin.post('/sites', siteBody({ id: S.meters.apt1 })), 409, 'id.in_use');
    expectError(await admin.post('/sites', siteBody({ id: S.developer.id })), 409, 'id.in_use');
    expect((await admin.get(`/sites/${S.siteId}`)).body.name).toBe('Main');
  });

  it('should answer 400 naming id for a malformed id', async () => {
    for (const id of ['abc', 'ABCDEFABCDEFABCDEFABCDEF', `${freshId()}0`, 12]) {
      const e = expectError(await admin.post('/sites', siteBody({ id })), 400, 'param.invalid');
      expect(e.message).toMatch(/\bid\b/);
    }
  });

  it('should answer 400 naming timezone for a time zone that does not exist', async () => {
    for (const timezone of ['Mars/Olympus_Mons', 'UTC+25', 'Europe/Zurich ']) {
      const e = expectError(await admin.post('/sites', siteBody({ timezone })), 400, 'param.invalid');
      expect(e.message).toContain('timezone');
    }
    const patch = await admin.patch(`/sites/${S.siteId}`, { timezone: 'Nowhere/City' });
    expect(expectError(patch, 400).message).toContain('timezone');
    expect((await admin.get(`/sites/${S.siteId}`)).body.timezone).toBe('Europe/Zurich');
  });

  it('should answer 400 naming the missing field', async () => {
    for (const field of ['site_ref', 'name', 'address', 'latitude', 'longitude', 'timezone']) {
      const body = siteBody();
      delete body[field];
      const e = expectError(await admin.post('/sites', body), 400, 'param.invalid');
      expect(e.message, field).toContain(field);
    }
    const noCity = siteBody({ address: { street_name: 'x', street_number: '1', postal_code: 1000 } });
    expect(expectError(await admin.post('/sites', noCity), 400).message).toContain('city');
  });

  it('should answer 400 for a postal code that is not an integer, or a latitude out of range', async () => {
    const e1 = expectError(await admin.post('/sites', siteBody({ address: { street_name: 'x', street_number: '1', city: 'c', postal_code: '8000' } })), 400);
    expect(e1.message).toContain('postal_code');
    const e2 = expectError(await admin.post('/sites', siteBody({ latitude: 91 })), 400);
    expect(e2.message).toContain('latitude');
  });

  it('should patch only the given fields of a site', async () => {
    const created = (await admin.post('/sites', siteBody({ creation_date: '2020-02-02T02:02:02' }))).body;
    const res = await admin.patch(`/sites/${created.id}`, { name: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...created, name: 'Renamed' });
    const res2 = await admin.patch(`/sites/${created.id}`, { lock_date: '2024-01-01T00:00:00Z' });
    expect(res2.body).toEqual({ ...created, name: 'Renamed', lock_date: '2024-01-01T00:00:00.000Z' });
    expect((await admin.get(`/sites/${created.id}`)).body).toEqual(res2.body);
  });

  it('should answer 404 for a site that does not exist', async () => {
    expectError(await admin.get(`/sites/${freshId()}`), 404, 'site.not_found');
    expectError(await admin.get('/sites/not-an-id'), 404, 'site.not_found');
    expectError(await admin.patch(`/sites/${freshId()}`, { name: 'x' }), 404, 'site.not_found');
    expectError(await admin.post(`/sites/${freshId()}/meters`, meterBody()), 404, 'site.not_found');
  });
});

describe('meters', () => {
  it('should create a meter with defaults and is_rule_meter false', async () => {
    const res = await admin.post(`/sites/${S.siteId}/meters`, { name: 'Apt 2.1', type: 'electricity', mode: 'consumption', prim_ad: 21 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(HEX24), site_id: S.siteId, name: 'Apt 2.1', type: 'electricity', mode: 'consumption', prim_ad: 21,
      reading_kind: 'index', rule: null, in_balance: true, reversed: false, installed_at: null, max_power_kw: null, register_max: null,
      is_rule_meter: false,
    });
  });

  it('should keep a given meter id and every optional field', async () => {
    const id = freshId();
    const res = await admin.post(`/sites/${S.siteId}/meters`, meterBody({
      id, type: 'heating', mode: 'consumption', reading_kind: 'interval', in_balance: false, reversed: true,
      installed_at: '2023-06-01T00:00:00Z', max_power_kw: 15, register_max: 99999,
    }));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      id, type: 'heating', reading_kind: 'interval', in_balance: false, reversed: true,
      installed_at: '2023-06-01T00:00:00.000Z', max_power_kw: 15, register_max: 99999,
    });
  });

  it('should accept a valid rule formula and mark the meter as a rule meter', async () => {
    const res = await admin.post(`/sites/${S.siteId}/meters`, meterBody({ rule: `${S.meters.house} - ${S.meters.apt1} - ${S.meters.common}` }));
    expect(res.status).toBe(201);
    expect(res.body.is_rule_meter).toBe(true);
    expect(res.body.rule).toBe(`${S.meters.house} - ${S.meters.apt1} - ${S.meters.common}`);
  });

  it('should answer 400 rule.invalid for a rule over an unknown id', async () => {
    const e = expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ rule: `${S.meters.house} - ${freshId()}` })), 400, 'rule.invalid');
    expect(e.message.length).toBeGreaterThan(0);
  });

  it("should answer 400 rule.invalid for a rule over another site's meter", async () => {
    expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ rule: `${S.meters.house} - ${other.meters.apt1}` })), 400, 'rule.invalid');
  });

  it('should answer 400 rule.invalid for a formula that does not parse', async () => {
    for (const rule of ['house - apt1', `${S.meters.house} -`, `${S.meters.house} * 2`, `${S.meters.house} ${S.meters.apt1}`]) {
      expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ rule })), 400, 'rule.invalid');
    }
  });

  it('should answer 400 rule.invalid for a meter whose rule refers to itself', async () => {
    const id = freshId();
    expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ id, rule: `${S.meters.house} - ${id}` })), 400, 'rule.invalid');
    const res = await admin.post(`/sites/${S.siteId}/meters`, meterBody({ rule: S.meters.house }));
    expect(res.status).toBe(201);
    expectError(await admin.patch(`/sites/${S.siteId}/meters/${res.body.id}`, { rule: `${S.meters.house} - ${res.body.id}` }), 400, 'rule.invalid');
  });

  it('should answer 400 rule.invalid for a 2-cycle made through PATCH, and keep the old rule', async () => {
    const r1 = (await admin.post(`/sites/${S.siteId}/meters`, meterBody({ name: 'R1', rule: S.meters.house }))).body;
    const r2 = (await admin.post(`/sites/${S.siteId}/meters`, meterBody({ name: 'R2', rule: `${r1.id} - ${S.meters.apt1}` }))).body;
    expect(r2.is_rule_meter).toBe(true);
    const e = expectError(await admin.patch(`/sites/${S.siteId}/meters/${r1.id}`, { rule: `${r2.id}` }), 400, 'rule.invalid');
    expect(e.message).toMatch(/cycle/);
    expect((await admin.get(`/sites/${S.siteId}/meters/${r1.id}`)).body.rule).toBe(S.meters.house);
  });

  it('should answer 409 for a physical meter reusing a prim_ad of the site, also through PATCH', async () => {
    const e = expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ prim_ad: 11 })), 409, 'prim_ad.in_use');
    expect(e.message).toContain('11');
    // the same prim_ad on another site is fine
    expect((await admin.post(`/sites/${other.siteId}/meters`, meterBody({ prim_ad: 21 }))).status).toBe(201);
    expectError(await admin.patch(`/sites/${S.siteId}/meters/${S.meters.pv}`, { prim_ad: 11 }), 409, 'prim_ad.in_use');
    expect((await admin.get(`/sites/${S.siteId}/meters/${S.meters.pv}`)).body.prim_ad).toBe(2);
  });

  it('should patch only the given meter fields and keep the others', async () => {
    const before = (await admin.get(`/sites/${S.siteId}/meters/${S.meters.apt1}`)).body;
    const res = await admin.patch(`/sites/${S.siteId}/meters/${S.meters.apt1}`, { name: 'Apt 1.1 (renamed)', max_power_kw: 8 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...before, name: 'Apt 1.1 (renamed)', max_power_kw: 8 });
    expect((await admin.get(`/sites/${S.siteId}/meters/${S.meters.apt1}`)).body).toEqual(res.body);
    const back = await admin.patch(`/sites/${S.siteId}/meters/${S.meters.apt1}`, { name: 'Apt 1.1', max_power_kw: null });
    expect(back.body).toEqual(before);
  });

  it('should answer 400 naming the field to a PATCH with an unknown or read-only field, and change nothing', async () => {
    const before = (await admin.get(`/sites/${S.siteId}/meters/${S.meters.grid}`)).body;
    for (const body of [{ colour: 'blue' }, { site_id: other.siteId }, { id: freshId() }, { is_rule_meter: true }]) {
      const field = Object.keys(body)[0];
      const e = expectError(await admin.patch(`/sites/${S.siteId}/meters/${S.meters.grid}`, body), 400, 'param.invalid');
      expect(e.message, JSON.stringify(body)).toContain(`unknown field "${field}"`);
    }
    const after = (await admin.get(`/sites/${S.siteId}/meters/${S.meters.grid}`)).body;
    expect(after).toEqual(before);
  });

  it('should answer 400 naming the field for missing or invalid meter fields', async () => {
    for (const field of ['name', 'type', 'mode', 'prim_ad']) {
      const body = meterBody();
      delete body[field];
      expect(expectError(await admin.post(`/sites/${S.siteId}/meters`, body), 400, 'param.invalid').message, field).toContain(field);
    }
    expect(expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ type: 'gas' })), 400).message).toContain('type');
    expect(expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ prim_ad: 1.5 })), 400).message).toContain('prim_ad');
    expect(expectError(await admin.post(`/sites/${S.siteId}/meters`, meterBody({ reading_kind: 'cumulative' })), 400).message).toContain('reading_kind');
  });

  it('should answer 404 for a meter of another site', async () => {
    expectError(await admin.get(`/sites/${S.siteId}/meters/${other.meters.apt1}`), 404, 'meter.not_found');
    expectError(await admin.patch(`/sites/${S.siteId}/meters/${other.meters.apt1}`, { name: 'x' }), 404, 'meter.not_found');
  });

  it('should list the meters of a site with is_rule_meter', async () => {
    const res = await admin.get(`/sites/${other.siteId}/meters`);
    expect(res.status).toBe(200);
    const common = res.body.find((m: any) => m.id === other.meters.common);
    expect(common).toMatchObject({ is_rule_meter: true, rule: `${other.meters.house} - ${other.meters.apt1}` });
    expect(res.body.find((m: any) => m.id === other.meters.house)).toMatchObject({ in_balance: false, is_rule_meter: false });
  });
});

describe('field names of a PATCH body (own server: a failure here corrupts every meter)', () => {
  let own: TestServer;

  beforeAll(async () => {
    own = await startTestServer();
  });

  afterAll(async () => {
    await own?.close();
  });

  it('should not let a field name rewrite other meters or leak password hashes (SQL in keys)', async () => {
    const a = adminApi(own);
    const attackerSite = await seedSite(own, { name: 'Attacker' });
    const victim = await seedSite(own, { name: 'Victim' });
    const before = (await a.get(`/sites/${victim.siteId}/meters`)).body;
    const key = 'name = (SELECT password_hash FROM developers LIMIT 1) --';
    const res = await a.patch(`/sites/${attackerSite.siteId}/meters/${attackerSite.meters.apt1}`, { [key]: 1 });
    expect(res.status).toBeLessThan(500);
    expect((await a.get(`/sites/${victim.siteId}/meters`)).body).toEqual(before);
    const token = await login(own, victim.developer.username, victim.developer.password);
    own.clock.advance(1000);
    const seen = await devApi(own, token).get(`/meter_info/${victim.siteId}`);
    expect(seen.status).toBe(200);
    expect(seen.text).not.toContain('argon2');
  });
});

describe('sensors', () => {
  it('should create a sensor, keep a given id and list it', async () => {
    const id = freshId();
    const res = await admin.post(`/sites/${S.siteId}/sensors`, { id, name: 'Flow temperature', type: 'temperature', unit: '°C', model: 'PT500' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({ id, site_id: S.siteId, name: 'Flow temperature', type: 'temperature', unit: '°C', model: 'PT500' });
    const list = await admin.get(`/sites/${S.siteId}/sensors`);
    expect(list.body).toContainEqual(res.body);
  });

  it('should answer 400 naming a missing sensor field', async () => {
    const e = expectError(await admin.post(`/sites/${S.siteId}/sensors`, { name: 'x', type: 'temperature', model: 'PT' }), 400, 'param.invalid');
    expect(e.message).toContain('unit');
  });
});

describe('gateways', () => {
  it('should return the gateway id and its token once, stored only as a hash', async () => {
    const res = await admin.post(`/sites/${S.siteId}/gateways`, { name: 'Basement' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['gateway_id', 'token']);
    expect(res.body.gateway_id).toMatch(HEX24);
    expect(typeof res.body.token).toBe('string');
    expect(res.body.token.length).toBeGreaterThanOrEqual(32);
    const found = await server.store.findGatewayByTokenHash(createHash('sha256').update(res.body.token).digest('hex'));
    expect(found).toMatchObject({ id: res.body.gateway_id, site_id: S.siteId, name: 'Basement' });
    expect(await server.store.findGatewayByTokenHash(res.body.token)).toBeNull();

    const second = await admin.post(`/sites/${S.siteId}/gateways`, { name: 'Basement' });
    expect(second.body.token).not.toBe(res.body.token);
    expect(second.body.gateway_id).not.toBe(res.body.gateway_id);
    // nothing else the operator API returns shows a token again
    const site = await admin.get(`/sites/${S.siteId}`);
    expect(site.text).not.toContain(res.body.token);
  });

  it('should answer 400 naming name when it is missing, 404 for an unknown site', async () => {
    expect(expectError(await admin.post(`/sites/${S.siteId}/gateways`, {}), 400).message).toContain('name');
    expectError(await admin.post(`/sites/${freshId()}/gateways`, { name: 'g' }), 404, 'site.not_found');
  });
});

describe('developers', () => {
  it('should create a developer and never return the password or its hash', async () => {
    const res = await admin.post('/developers', { username: 'carol.dev', password: 'correct horse battery' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'id', 'username']);
    expect(res.body.id).toMatch(HEX24);
    expect(res.body.username).toBe('carol.dev');
    expect(res.body.created_at).toBe(new Date(server.clock.now()).toISOString());
    expect(res.text).not.toContain('correct horse');
    expect(res.text).not.toContain('argon2');
    const list = await admin.get('/developers');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('correct horse');
    expect(list.text).not.toContain('password');
    expect(list.text).not.toContain('argon2');
    for (const d of list.body) expect(Object.keys(d).sort()).toEqual(['created_at', 'id', 'username']);
    // and the password works
    expect(typeof (await login(server, 'carol.dev', 'correct horse battery'))).toBe('string');
  });

  it('should answer 409 for a username in use', async () => {
    expectError(await admin.post('/developers', { username: S.developer.username, password: 'another-password' }), 409, 'username.in_use');
  });

  it('should answer 400 naming the missing or invalid field', async () => {
    expect(expectError(await admin.post('/developers', { username: 'dave.dev' }), 400, 'param.invalid').message).toContain('password');
    expect(expectError(await admin.post('/developers', { password: 'long-enough-pw' }), 400, 'param.invalid').message).toContain('username');
    expect(expectError(await admin.post('/developers', { username: 'dave.dev', password: 'short' }), 400).message).toContain('password');
    expect(expectError(await admin.post('/developers', { username: 'has space', password: 'long-enough-pw' }), 400).message).toContain('username');
  });
});

describe('grants', () => {
  let dev: { username: string; password: string; id: string };

  beforeAll(async () => {
    const res = await admin.post('/developers', { username: 'erin.grants', password: 'erin-password-1' });
    dev = { username: 'erin.grants', password: 'erin-password-1', id: res.body.id };
  });

  it('should create a grant with history_from and consent_ref, and list it', async () => {
    const res = await admin.post(`/developers/${dev.username}/grants`, { site_id: S.siteId, history_from: '2024-01-01T00:00:00Z', consent_ref: 'contract 2024/17' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      username: dev.username, site_id: S.siteId, history_from: '2024-01-01T00:00:00.000Z', consent_ref: 'contract 2024/17',
      created_at: new Date(server.clock.now()).toISOString(),
    });
    const list = await admin.get(`/developers/${dev.username}/grants`);
    expect(list.body).toEqual([res.body]);
    // the grant opens the site on the developer API
    const token = await login(server, dev.username, dev.password);
    server.clock.advance(1000);
    const sites = await devApi(server, token).get('/all_installations');
    expect(sites.body.map((s: any) => s.site_id)).toEqual([S.siteId]);
  });

  it('should replace a grant given again, without duplicating it', async () => {
    const res = await admin.post(`/developers/${dev.username}/grants`, { site_id: S.siteId, consent_ref: 'contract 2024/18' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ history_from: null, consent_ref: 'contract 2024/18' });
    const list = await admin.get(`/developers/${dev.username}/grants`);
    expect(list.body).toHaveLength(1);
    expect(list.body[0].consent_ref).toBe('contract 2024/18');
  });

  it('should accept history_from as epoch milliseconds', async () => {
    const res = await admin.post(`/developers/${dev.username}/grants`, { site_id: other.siteId, history_from: 1704067200000, consent_ref: 'c-ms' });
    expect(res.status).toBe(201);
    expect(res.body.history_from).toBe('2024-01-01T00:00:00.000Z');
  });

  it('should answer 400 naming the field for a missing consent_ref, a bad site_id or a bad history_from', async () => {
    expect(expectError(await admin.post(`/developers/${dev.username}/grants`, { site_id: S.siteId }), 400, 'param.invalid').message).toContain('consent_ref');
    expect(expectError(await admin.post(`/developers/${dev.username}/grants`, { consent_ref: 'x' }), 400).message).toContain('site_id');
    expect(expectError(await admin.post(`/developers/${dev.username}/grants`, { site_id: 'nope', consent_ref: 'x' }), 400).message).toContain('site_id');
    expect(expectError(await admin.post(`/developers/${dev.username}/grants`, { site_id: S.siteId, consent_ref: 'x', history_from: 'yesterday at noon' }), 400).message).toContain('history_from');
  });

  it('should answer 404 for an unknown developer or site', async () => {
    expectError(await admin.post('/developers/nobody-at-all/grants', { site_id: S.siteId, consent_ref: 'x' }), 404, 'developer.not_found');
    expectError(await admin.post(`/developers/${dev.username}/grants`, { site_id: freshId(), consent_ref: 'x' }), 404, 'site.not_found');
    expectError(await admin.get('/developers/nobody-at-all/grants'), 404, 'developer.not_found');
  });

  it('should revoke with 204 and answer 404 when the grant is gone', async () => {
    const del = await admin.delete(`/developers/${dev.username}/grants/${other.siteId}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectError(await admin.delete(`/developers/${dev.username}/grants/${other.siteId}`), 404, 'grant.not_found');
    expectError(await admin.delete(`/developers/nobody-at-all/grants/${other.siteId}`), 404, 'developer.not_found');
    expect((await admin.get(`/developers/${dev.username}/grants`)).body.map((g: any) => g.site_id)).toEqual([S.siteId]);
  });
});

describe('protocol', () => {
  it('should answer a wrong method with 405 and Allow, an unknown route with 404', async () => {
    const res = await admin.request('PUT', '/sites');
    expectError(res, 405, 'method.not_allowed');
    expect(res.headers.get('allow')).toMatch(/GET/);
    expect(res.headers.get('allow')).toMatch(/POST/);
    expectError(await admin.get('/nothing-here'), 404, 'route.not_found');
  });

  it('should answer malformed JSON with 400 and a form body with 415', async () => {
    expectError(await request(`${server.url}/api/admin/v1`, 'POST', '/sites', { token: server.adminToken, raw: '{"name":', contentType: 'application/json' }), 400, 'request.invalid');
    expectError(await request(`${server.url}/api/admin/v1`, 'POST', '/sites', { token: server.adminToken, form: { name: 'x' } }), 415, 'media.unsupported');
  });
});
