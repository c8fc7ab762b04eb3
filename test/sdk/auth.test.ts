/**
 * The SDK's token handling against a real server whose tokens expire by the
 * injected test clock: lazy login, one login for concurrent first calls,
 * refresh ahead of valid_until, one re-login on a 401, typed failures. Every
 * exchange is counted by a wrapping fetch. The server locks a client address
 * out after 4 failed logins: the lockout test comes last.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KwhubApiError, KwhubRateLimitError, KwhubUnauthorizedError } from '../../packages/sdk/src/index.js';
import { seedSite, startTestServer, type SeededSite, type TestServer } from '../helpers/server.js';
import { sdk } from './sdk-helpers.js';

const MIN = 60_000;
let server: TestServer;
let S: SeededSite;

beforeAll(async () => {
  server = await startTestServer({ config: { authMaxFailures: 4 } });
  S = await seedSite(server);
});

afterAll(async () => {
  await server?.close();
});

// the server's budget is per developer and endpoint: each test starts with a fresh one
beforeEach(() => server.clock.advance(5000));

const trace = (h: ReturnType<typeof sdk>) => h.exchanges.map((e) => `${e.method} ${e.path.replace(S.siteId, '<site>')} ${e.status}`);

describe('login', () => {
  it('should log in on the first call only, once for concurrent first calls', async () => {
    const h = sdk(server, S.developer);
    expect(h.exchanges).toHaveLength(0);
    const [meters, sensors, sites] = await Promise.all([h.client.meterInfo(S.siteId), h.client.sensorsList(S.siteId), h.client.allInstallations()]);
    expect(meters).toHaveLength(5);
    expect(sensors).toHaveLength(2);
    expect(sites).toHaveLength(1);
    expect(h.to('auth')).toHaveLength(1);
    expect(h.exchanges[0].path).toBe('/auth');
    await h.client.meterInfo(S.siteId);
    expect(h.to('auth')).toHaveLength(1);
  });

  it('should refresh the token refreshBeforeMs (default 60 s) before valid_until, by the injected clock', async () => {
    const h = sdk(server, S.developer);
    const { validUntil } = await h.client.login();
    expect(validUntil.getTime()).toBe(server.clock.now() + 15 * MIN);
    await h.client.meterInfo(S.siteId);
    // just before valid_until − 60 s: the token is kept
    server.clock.set(validUntil.getTime() - MIN - 1000);
    await h.client.sensorsList(S.siteId);
    expect(h.to('auth')).toHaveLength(1);
    // past it: a new /auth precedes the call, which succeeds at the first attempt
    server.clock.advance(1001);
    await h.client.meterInfo(S.siteId);
    expect(trace(h)).toEqual(['POST /auth 200', 'GET /meter_info/<site> 200', 'GET /<site>/sensors_list 200', 'POST /auth 200', 'GET /meter_info/<site> 200']);
  });

  it('should honour a custom refreshBeforeMs, and never refresh before half a lifetime', async () => {
    const h = sdk(server, S.developer, { refreshBeforeMs: 5 * MIN });
    await h.client.meterInfo(S.siteId);
    server.clock.advance(10 * MIN - 1000);
    await h.client.meterInfo(S.siteId);
    expect(h.to('auth')).toHaveLength(1);
    server.clock.advance(2000);
    await h.client.meterInfo(S.siteId);
    expect(h.to('auth')).toHaveLength(2);
    // refreshing 20 minutes ahead of a 15-minute token would log in on every call: half the lifetime at most
    const eager = sdk(server, S.developer, { refreshBeforeMs: 20 * MIN });
    await eager.client.sensorsList(S.siteId);
    server.clock.advance(7 * MIN);
    await eager.client.sensorsList(S.siteId);
    expect(eager.to('auth')).toHaveLength(1);
    server.clock.advance(MIN);
    await eager.client.sensorsList(S.siteId);
    expect(eager.to('auth')).toHaveLength(2);
  });

  it('should log in again once and retry when the server refuses a token the client thinks valid (clock skew)', async () => {
    // the client's clock stands still while the server's runs past the token's expiry
    const frozen = server.clock.now();
    const h = sdk(server, S.developer, { clock: { now: () => frozen } });
    await h.client.meterInfo(S.siteId);
    server.clock.advance(16 * MIN);
    const meters = await h.client.meterInfo(S.siteId);
    expect(meters).toHaveLength(5);
    expect(trace(h)).toEqual(['POST /auth 200', 'GET /meter_info/<site> 200', 'GET /meter_info/<site> 401', 'POST /auth 200', 'GET /meter_info/<site> 200']);
  });

  it('should not log in before every call when its clock runs more than a token lifetime ahead of the server', async () => {
    const h = sdk(server, S.developer, { clock: { now: () => server.clock.now() + 120 * MIN } });
    await h.client.meterInfo(S.siteId);
    await h.client.sensorsList(S.siteId);
    server.clock.advance(5 * MIN);
    await h.client.meterInfo(S.siteId);
    expect(trace(h)).toEqual(['POST /auth 200', 'GET /meter_info/<site> 200', 'GET /<site>/sensors_list 200', 'GET /meter_info/<site> 200']);
  });

  it('should give up with a KwhubUnauthorizedError when the fresh token is refused too', async () => {
    // a proxy that mangles the Authorization header: every data call answers 401
    const h = sdk(server, S.developer, {
      wrap: (url, init) => (url.endsWith('/auth') ? [url, init] : [url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: 'Bearer not.a.token' } }]),
    });
    const e = await h.client.meterInfo(S.siteId).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KwhubUnauthorizedError);
    expect(e).toBeInstanceOf(KwhubApiError);
    expect(e).toMatchObject({ status: 401, error: 'auth.invalid_token', kind: 'unauthorized', method: 'GET', path: `/meter_info/${S.siteId}` });
    expect((e as Error).message).toMatch(/access token is invalid/);
    expect(trace(h)).toEqual(['POST /auth 200', 'GET /meter_info/<site> 401', 'POST /auth 200', 'GET /meter_info/<site> 401']);
  });

  it('should reject a wrong password with a KwhubUnauthorizedError, from login() and from any call, sending no data request', async () => {
    const h = sdk(server, { username: S.developer.username, password: 'wrong' });
    const e = await h.client.login().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KwhubUnauthorizedError);
    expect(e).toMatchObject({ status: 401, error: 'auth.bad_credentials', message: 'wrong username or password', path: '/auth' });
    const e2 = await h.client.meterInfo(S.siteId).catch((x: unknown) => x);
    expect(e2).toBeInstanceOf(KwhubUnauthorizedError);
    expect((e2 as KwhubUnauthorizedError).error).toBe('auth.bad_credentials');
    expect(trace(h)).toEqual(['POST /auth 401', 'POST /auth 401']);
    // the password is in no error
    expect(JSON.stringify(e) + String(e) + (e as Error).stack).not.toContain(S.developer.password);
  });

  it('should report a login lockout as a KwhubRateLimitError at once, without sleeping through it (last: it locks the address)', async () => {
    const h = sdk(server, { username: 'nobody', password: 'wrong' });
    for (let i = 0; i < 2; i++) await expect(h.client.login()).rejects.toBeInstanceOf(KwhubUnauthorizedError);
    const e = await h.client.meterInfo(S.siteId).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KwhubRateLimitError);
    expect(e).toMatchObject({ status: 429, error: 'auth.locked', kind: 'rate_limited' });
    expect((e as KwhubRateLimitError).retryAfterSeconds).toBeGreaterThan(60);
    expect(h.sleeps).toEqual([]);
    expect(h.to('auth').map((x) => x.status)).toEqual([401, 401, 429]);
  });
});
