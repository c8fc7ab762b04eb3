/**
 * Pacing and 429 handling against a real server with the default limit of
 * 1 request per second per developer and endpoint. The client's sleep
 * advances the server's test clock, so a wait costs no real time and is
 * recorded exactly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KwhubRateLimitError } from '../../packages/sdk/src/index.js';
import { seedSite, startTestServer, type SeededSite, type TestServer } from '../helpers/server.js';
import { sdk, type SdkHarness } from './sdk-helpers.js';

let server: TestServer;
let S: SeededSite;
let other: SeededSite;

beforeAll(async () => {
  server = await startTestServer();
  S = await seedSite(server);
  // a second site granted to the same developer: site_data budgets are per route, not per site
  other = await seedSite(server, { developer: S.developer });
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => server.clock.advance(5000));

const statuses = (h: SdkHarness, endpoint: string) => h.to(endpoint).map((e) => e.status);

describe('pacing (1 request per second per endpoint)', () => {
  it('should wait a second between two quick calls to one endpoint, and both succeed without a 429', async () => {
    const h = sdk(server, S.developer);
    const t0 = server.clock.now();
    await h.client.meterInfo(S.siteId);
    await h.client.meterInfo(S.siteId);
    expect(h.sleeps).toEqual([1000]);
    expect(statuses(h, 'meter_info')).toEqual([200, 200]);
    const [a, b] = h.to('meter_info');
    expect(a.at).toBe(t0);
    expect(b.at - a.at).toBe(1000);
  });

  it('should not wait between different endpoints, but share one budget per route across sites and meter types', async () => {
    const h = sdk(server, S.developer);
    await h.client.meterInfo(S.siteId);
    await h.client.sensorsList(S.siteId);
    await h.client.installationInfo(S.siteId);
    await h.client.siteData(S.siteId, 'electricity');
    expect(h.sleeps).toEqual([]);
    // another site and meter type, the same route: a second later
    await h.client.siteData(other.siteId, 'heating');
    expect(h.sleeps).toEqual([1000]);
    // meter_data and meter_data_raw are routes of their own
    await h.client.meterData(S.siteId, S.meters.apt1);
    await h.client.meterDataRaw(S.siteId, S.meters.apt1);
    expect(h.sleeps).toEqual([1000]);
    await h.client.meterDataRaw(other.siteId, other.meters.grid);
    expect(h.sleeps).toEqual([1000, 1000]);
    expect(h.exchanges.every((e) => e.status === 200)).toBe(true);
  });

  it('should queue concurrent calls to one endpoint a second apart', async () => {
    const h = sdk(server, S.developer);
    const answers = await Promise.all([0, 1, 2, 3].map(() => h.client.sensorsList(S.siteId)));
    expect(answers.every((a) => a.length === 2)).toBe(true);
    expect(h.sleeps).toEqual([1000, 1000, 1000]);
    expect(statuses(h, 'sensors_list')).toEqual([200, 200, 200, 200]);
  });

  it('should honour minIntervalMs', async () => {
    const h = sdk(server, S.developer, { minIntervalMs: 2500 });
    await h.client.meterInfo(S.siteId);
    await h.client.meterInfo(S.siteId);
    expect(h.sleeps).toEqual([2500]);
  });
});

describe('429 handling', () => {
  it('should wait Retry-After (1 s) and retry when the server says 429 (pacing off)', async () => {
    const h = sdk(server, S.developer, { minIntervalMs: 0 });
    const t0 = server.clock.now();
    await h.client.meterInfo(S.siteId);
    const meters = await h.client.meterInfo(S.siteId);
    expect(meters).toHaveLength(5);
    expect(statuses(h, 'meter_info')).toEqual([200, 429, 200]);
    expect(h.sleeps).toEqual([1000]);
    expect(h.to('meter_info').map((e) => e.at - t0)).toEqual([0, 0, 1000]);
  });

  it('should recover when another client of the same developer used the budget', async () => {
    const first = sdk(server, S.developer);
    const second = sdk(server, S.developer);
    await first.client.meterInfo(S.siteId);
    expect(await second.client.meterInfo(S.siteId)).toHaveLength(5);
    expect(statuses(second, 'meter_info')).toEqual([429, 200]);
    expect(second.sleeps).toEqual([1000]);
  });

  it('should throw a KwhubRateLimitError once maxRetries retries are spent', async () => {
    const h = sdk(server, S.developer, { minIntervalMs: 0, maxRetries: 0 });
    await h.client.meterInfo(S.siteId);
    const e = await h.client.meterInfo(S.siteId).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KwhubRateLimitError);
    expect(e).toMatchObject({ status: 429, error: 'rate.limited', kind: 'rate_limited', retryAfterSeconds: 1 });
    expect((e as Error).message).toMatch(/retry after 1 s/);
    expect(h.sleeps).toEqual([]);
  });

  it('should wait a longer Retry-After as told', async () => {
    const slow = await startTestServer({ config: { rateLimitWindowMs: 5000 } });
    try {
      const site = await seedSite(slow);
      const h = sdk(slow, site.developer, { minIntervalMs: 0, maxRetries: 2 });
      await h.client.sensorsList(site.siteId);
      expect(await h.client.sensorsList(site.siteId)).toHaveLength(2);
      expect(statuses(h, 'sensors_list')).toEqual([200, 429, 200]);
      expect(h.sleeps).toEqual([5000]);
    } finally {
      await slow.close();
    }
  });
});
