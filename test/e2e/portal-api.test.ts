/**
 * The portal's HTTP side against a real server holding a few days of the
 * demo: the operator API's residents and tenancies, logins and sessions
 * (cookies, CSRF, logout, lockouts), invites, and what a resident may see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';
import { TEST_ADMIN_TOKEN, errorBody } from '../helpers/server.js';
import { frameRows, portalClient, type PortalClient } from '../helpers/portal.js';
import { demoMoveDate } from '../../src/demo/residents.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAYS = 4;
const ZONE = 'Europe/Zurich';

let demo: DemoServer;
let operator: PortalClient;

beforeAll(async () => {
  demo = await startDemoServer({ seed: 1, now: NOW, days: DAYS, config: { authMaxFailures: 5, portalInviteTtlSeconds: 3600 } });
  operator = portalClient(demo.server.url);
  expect((await operator.login({ token: TEST_ADMIN_TOKEN })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await demo?.server.close();
});

const residentLogin = async (email: string, password: string) => {
  const c = portalClient(demo.server.url);
  const r = await c.login({ username: email, password });
  expect(r.status, r.text).toBe(200);
  return c;
};

describe('residents and tenancies on the operator API', () => {
  it('should create a resident, let a meter to them, refuse an overlapping tenancy, and end it', async () => {
    const { admin, site } = demo;
    const r = await admin.post('/residents', { name: 'Test Person', email: 'Test@Example.ch', language: 'en' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: 'test@example.ch', has_password: false });
    expect(errorBody(await admin.post('/residents', { name: 'Again', email: 'test@example.ch' }))).toMatchObject({ error: 'email.in_use' });

    const meter = site.apartments[7];
    const t = await admin.post('/tenancies', { meter_id: meter, resident_id: r.body.id, from: '2026-11-01' });
    expect(t.status, t.text).toBe(201);
    // a date is midnight in the site's zone
    expect(t.body).toMatchObject({ site_id: site.siteId, from: '2026-10-31T23:00:00.000Z', to: null });
    const clash = await admin.post('/tenancies', { meter_id: meter, resident_id: r.body.id, from: '2026-11-20', to: '2026-12-01' });
    expect(clash.status).toBe(409);
    expect(errorBody(clash).error).toBe('tenancy.overlap');
    expect((await admin.patch(`/tenancies/${t.body.id}`, { to: '2026-11-20' })).body).toMatchObject({ to: '2026-11-19T23:00:00.000Z' });
    expect((await admin.post('/tenancies', { meter_id: meter, resident_id: r.body.id, from: '2026-11-20', to: '2026-12-01' })).status).toBe(201);
    expect(errorBody(await admin.post('/tenancies', { meter_id: site.pv, resident_id: r.body.id, from: '2026-11-01' })).error).toBe('param.invalid');
    expect(errorBody(await admin.post('/tenancies', { meter_id: meter, resident_id: r.body.id, from: '2026-11-01', to: '2026-10-01' })).message).toMatch(/after from/);

    const listed = await admin.get(`/tenancies?resident_id=${r.body.id}`);
    expect(listed.body.map((x: { from: string }) => x.from)).toEqual(['2026-10-31T23:00:00.000Z', '2026-11-19T23:00:00.000Z']);
    expect((await admin.delete(`/residents/${r.body.id}`)).status).toBe(204);
    expect((await admin.get(`/tenancies?resident_id=${r.body.id}`)).body).toEqual([]);
    expect(errorBody(await admin.get(`/residents/${r.body.id}`)).error).toBe('resident.not_found');
  });

  it('should hold the demo residents, the one who moved with two tenancies', async () => {
    const list = (await demo.admin.get(`/tenancies?site_id=${demo.site.siteId}`)).body as { resident_id: string; meter_id: string; from: string; to: string | null }[];
    const residents = (await demo.admin.get('/residents')).body as { id: string; email: string }[];
    const luca = residents.find((r) => r.email === 'luca@sonnenhof.example')!;
    const his = list.filter((t) => t.resident_id === luca.id);
    expect(his).toHaveLength(2);
    const move = DateTime.fromISO(demoMoveDate(ZONE, NOW, DAYS), { zone: ZONE }).toUTC().toISO({ suppressMilliseconds: false });
    expect(his.map((t) => t.meter_id).sort()).toEqual([demo.site.apartments[1], demo.site.apartments[5]].sort());
    expect(his.find((t) => t.meter_id === demo.site.apartments[1])!.to).toBe(move);
  });
});

describe('what a resident sees', () => {
  const range = { t_s: new Date(NOW - DAYS * 86_400_000).toISOString(), t_e: new Date(NOW).toISOString() };
  const q = (o: Record<string, string>) => `?${new URLSearchParams(o)}`;

  it('should answer 404 for another resident\'s meter and for a site without their meters, as for ids that do not exist', async () => {
    const anna = await residentLogin('anna@sonnenhof.example', 'sonnenhof-anna');
    const { site } = demo;
    const own = await anna.get(`/sites/${site.siteId}/meters/${site.apartments[0]}/data${q({ ...range, sampling_frequency: 'H' })}`);
    expect(own.status).toBe(200);
    for (const path of [`/sites/${site.siteId}/meters/${site.apartments[3]}/data`, `/sites/${site.siteId}/meters/${site.apartments[3]}/raw`, `/sites/${site.siteId}/meters/${'0'.repeat(24)}/data`]) {
      const r = await anna.get(path);
      expect(r.status, path).toBe(404);
      expect(r.body.error).toBe('meter.not_found');
    }
    expect((await anna.get(`/sites/${'1'.repeat(24)}`)).status).toBe(404);
    const info = await anna.get(`/sites/${site.siteId}`);
    expect(info.body.meters.map((m: { id: string }) => m.id)).toEqual([site.apartments[0]]);
    // site totals only: no other meter's column
    const data = await anna.get(`/sites/${site.siteId}/data/electricity${q({ ...range, sampling_frequency: 'D' })}`);
    expect(Object.keys(data.body.columns).sort()).toEqual(['conso_total', 'from_ext', 'prod_total', 'self', 'storage_charging_self', 'storage_charging_total', 'storage_discharging_total', 'to_ext']);
    expect((await anna.get(`/sites/${site.siteId}/quality`)).status).toBe(403);
  });

  it('should show the resident who moved nothing of the old flat after the move, and the new flat only from it', async () => {
    const luca = await residentLogin('luca@sonnenhof.example', 'sonnenhof-luca');
    const move = DateTime.fromISO(demoMoveDate(ZONE, NOW, DAYS), { zone: ZONE });
    const { site } = demo;
    const old = frameRows((await luca.get(`/sites/${site.siteId}/meters/${site.apartments[1]}/data${q({ ...range, sampling_frequency: 'H' })}`)).body);
    const fresh = frameRows((await luca.get(`/sites/${site.siteId}/meters/${site.apartments[5]}/data${q({ ...range, sampling_frequency: 'H' })}`)).body);
    expect(old.length).toBeGreaterThan(0);
    expect(fresh.length).toBeGreaterThan(0);
    // hourly rows are labelled by their start
    const at = (r: Record<string, unknown>) => DateTime.fromFormat(String(r.timestamp), 'yyyy-MM-dd HH:mm:ssZZ', { setZone: true }).toMillis();
    expect(Math.max(...old.map(at))).toBeLessThan(move.toMillis());
    expect(Math.min(...fresh.map(at))).toBeGreaterThanOrEqual(move.toMillis());
    const raw = (await luca.get(`/sites/${site.siteId}/meters/${site.apartments[1]}/raw${q(range)}`)).body;
    expect(raw.ts.length).toBeGreaterThan(0);
    expect(Math.max(...raw.ts)).toBeLessThan(move.toMillis());
    // the new tenant of the old flat sees it from the move only
    const claire = await residentLogin('claire@sonnenhof.example', 'sonnenhof-claire');
    const hers = frameRows((await claire.get(`/sites/${site.siteId}/meters/${site.apartments[1]}/data${q({ ...range, sampling_frequency: 'H' })}`)).body);
    expect(Math.min(...hers.map(at))).toBeGreaterThanOrEqual(move.toMillis());
    // and the site's totals from then on
    const totals = frameRows((await claire.get(`/sites/${site.siteId}/data/electricity${q({ ...range, sampling_frequency: 'H' })}`)).body);
    expect(Math.min(...totals.map(at))).toBeGreaterThanOrEqual(move.toMillis());
  });
});

describe('the same numbers as the developer API', () => {
  const body = { t_s: new Date(NOW - 3 * 86_400_000).toISOString(), t_e: new Date(NOW).toISOString() };

  it('should serve site_data and meter_data values equal to the developer API, and the identical CSV', async () => {
    const { dev, site } = demo;
    for (const freq of ['15T', 'H', 'D', 'M']) {
      const q = `?${new URLSearchParams({ ...body, sampling_frequency: freq })}`;
      const mine = frameRows((await operator.get(`/sites/${site.siteId}/data/electricity${q}`)).body);
      const theirs = (await dev.post(`/site_data/${site.siteId}/electricity`, { ...body, sampling_frequency: freq })).body as Record<string, unknown>[];
      expect(mine, freq).toEqual(theirs.map((r) => ({ ...r })));
      const csv = await operator.get(`/sites/${site.siteId}/data/electricity${q}`, 'text/csv');
      const devCsv = await dev.post(`/site_data/${site.siteId}/electricity`, { ...body, sampling_frequency: freq }, { headers: { accept: 'text/csv' } });
      expect(csv.headers.get('content-disposition')).toMatch(/attachment/);
      expect(csv.text).toBe(devCsv.text);
      const meter = frameRows((await operator.get(`/sites/${site.siteId}/meters/${site.apartments[2]}/data${q}`)).body);
      expect(meter).toEqual((await dev.post(`/meter_data/${site.siteId}/${site.apartments[2]}`, { ...body, sampling_frequency: freq })).body);
    }
  });

  it('should give the operator an overview line per site with production and data health', async () => {
    const list = (await operator.get('/sites')).body as { id: string; month: { prod_total: number }; health: { silent_meters: unknown[]; last_reading_age_s: number } }[];
    expect(list).toHaveLength(1);
    expect(list[0].month.prod_total).toBeGreaterThan(0);
    expect(list[0].health.last_reading_age_s).toBeLessThan(3600);
  });
});

// last: these move the test clock forward (lockouts, expiring invites)
describe('logins and sessions', () => {
  it('should set an HttpOnly, SameSite=Strict session cookie, not Secure over plain HTTP', async () => {
    const c = await residentLogin('anna@sonnenhof.example', 'sonnenhof-anna');
    expect(c.setCookie).toMatch(/HttpOnly/i);
    expect(c.setCookie).toMatch(/SameSite=Strict/i);
    expect(c.setCookie).not.toMatch(/Secure/i);
    const me = await c.get('/session');
    expect(me.body).toMatchObject({ kind: 'resident', name: 'Anna Keller', language: 'de' });
    expect((await portalClient(demo.server.url).get('/session')).status).toBe(204);
  });

  it('should refuse a change without the CSRF token, or with another session\'s', async () => {
    const other = await residentLogin('anna@sonnenhof.example', 'sonnenhof-anna');
    const body = { name: 'Nobody', email: 'csrf@example.ch' };
    const missing = await operator.request('POST', '/admin/residents', { json: body, csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe('csrf.invalid');
    expect((await operator.request('POST', '/admin/residents', { json: body, csrf: other.csrf })).status).toBe(403);
    expect((await demo.admin.get('/residents')).body.some((r: { email: string }) => r.email === 'csrf@example.ch')).toBe(false);
    const ok = await operator.request('POST', '/admin/residents', { json: body });
    expect(ok.status, ok.text).toBe(201);
  });

  it('should refuse the cookie of a logged-out session', async () => {
    const c = await residentLogin('claire@sonnenhof.example', 'sonnenhof-claire');
    const stale = c.cookie;
    expect((await c.get('/sites')).status).toBe(200);
    expect((await c.post('/logout')).status).toBe(204);
    c.cookie = stale;
    const r = await c.get('/sites');
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('session.required');
  });

  it('should let only an operator use the operator actions', async () => {
    const anna = await residentLogin('anna@sonnenhof.example', 'sonnenhof-anna');
    expect((await anna.post('/admin/residents', { name: 'X', email: 'x@example.ch' })).status).toBe(403);
    expect((await anna.get('/admin/residents')).status).toBe(403);
    expect((await operator.get('/admin/residents')).body.length).toBeGreaterThanOrEqual(4);
  });

  it('should lock out a login after repeated failures, as the developer API does', async () => {
    const c = portalClient(demo.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.login({ username: 'jonas@sonnenhof.example', password: `wrong-${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    demo.server.clock.advance(demo.server.config.authLockoutSeconds * 1000 + 1000);
  });
});

describe('invites', () => {
  it('should let an invited resident set a password once, then log in; a reused or expired link is refused', async () => {
    const residents = (await demo.admin.get('/residents')).body as { id: string; email: string; has_password: boolean }[];
    const jonas = residents.find((r) => r.email === 'jonas@sonnenhof.example')!;
    expect(jonas.has_password).toBe(false);
    const inv = await operator.post(`/admin/residents/${jonas.id}/invite`);
    expect(inv.status, inv.text).toBe(201);
    expect(inv.body.path).toBe(`/#/invite/${inv.body.token}`);
    const c = portalClient(demo.server.url);
    expect((await c.get(`/invites/${inv.body.token}`)).body).toMatchObject({ valid: true, name: 'Jonas Meier' });
    expect((await c.post(`/invites/${inv.body.token}`, { password: 'short' })).status).toBe(400);
    const set = await c.post(`/invites/${inv.body.token}`, { password: 'a-good-long-password' });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ kind: 'resident', name: 'Jonas Meier' });
    const reused = await portalClient(demo.server.url).post(`/invites/${inv.body.token}`, { password: 'another-long-password' });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invite.invalid');
    await residentLogin('jonas@sonnenhof.example', 'a-good-long-password');

    const old = await operator.post(`/admin/residents/${jonas.id}/invite`);
    demo.server.clock.advance(demo.server.config.portalInviteTtlSeconds * 1000 + 1);
    expect((await portalClient(demo.server.url).get(`/invites/${old.body.token}`)).body).toMatchObject({ valid: false });
    expect((await portalClient(demo.server.url).post(`/invites/${old.body.token}`, { password: 'yet-another-password' })).body.error).toBe('invite.invalid');
  });
});
