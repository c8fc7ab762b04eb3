/**
 * Typed errors from a real server: the status, the server's short code and
 * message, a subclass per status the API documents; network failures and
 * unreadable answers in the same shape; bad inputs refused before any
 * request; aborts.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KwhubApiError, KwhubBadRequestError, KwhubNetworkError, KwhubNotFoundError, KwhubResponseError, createClient, type Frequency,
  type SiteMeterType,
} from '../../packages/sdk/src/index.js';
import { seedSite, startTestServer, type SeededSite, type TestServer } from '../helpers/server.js';
import { sdk, type SdkHarness } from './sdk-helpers.js';

let server: TestServer;
let S: SeededSite;
let stranger: SeededSite;
let h: SdkHarness;
const UNKNOWN = '0123456789abcdef01234567';

beforeAll(async () => {
  server = await startTestServer();
  S = await seedSite(server);
  stranger = await seedSite(server); // another developer's site
  h = sdk(server, S.developer);
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => server.clock.advance(5000));

const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a rejection'), (e: unknown) => e);

describe('API errors', () => {
  it('should throw a KwhubNotFoundError with site.not_found for an unknown site and for one not granted', async () => {
    const e = await failure(h.client.meterInfo(UNKNOWN));
    expect(e).toBeInstanceOf(KwhubNotFoundError);
    expect(e).toBeInstanceOf(KwhubApiError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'KwhubNotFoundError', kind: 'not_found', status: 404, error: 'site.not_found', method: 'GET', path: `/meter_info/${UNKNOWN}` });
    expect((e as Error).message).toBe(`no site ${UNKNOWN} (or it is not granted to you)`);
    const e2 = await failure(h.client.siteData(stranger.siteId, 'electricity'));
    expect(e2).toMatchObject({ status: 404, error: 'site.not_found' });
    expect(await failure(h.client.installationInfo('not-an-id'))).toMatchObject({ status: 404, error: 'site.not_found' });
  });

  it('should say meter.not_found and sensor.not_found for unknown meters and sensors', async () => {
    expect(await failure(h.client.meterData(S.siteId, UNKNOWN))).toMatchObject({ kind: 'not_found', error: 'meter.not_found' });
    expect(await failure(h.client.meterDataRaw(S.siteId, stranger.meters.apt1))).toMatchObject({ status: 404, error: 'meter.not_found' });
    expect(await failure(h.client.sensorData(S.siteId, UNKNOWN))).toMatchObject({ status: 404, error: 'sensor.not_found' });
  });

  it('should throw a KwhubBadRequestError naming the parameter for a bad frequency, meter type or range', async () => {
    const e = await failure(h.client.meterData(S.siteId, S.meters.apt1, { frequency: 'W' as Frequency }));
    expect(e).toBeInstanceOf(KwhubBadRequestError);
    expect(e).toMatchObject({ kind: 'bad_request', status: 400, error: 'param.invalid' });
    expect((e as Error).message).toMatch(/^sampling_frequency must be one of 15T, H, D, M, Y/);
    const t = await failure(h.client.siteData(S.siteId, 'gas' as SiteMeterType));
    expect(t).toMatchObject({ status: 400, error: 'param.invalid' });
    expect((t as Error).message).toMatch(/^meter_type must be one of/);
    const r = await failure(h.client.meterData(S.siteId, S.meters.apt1, { from: '2024-05-02', to: '2024-05-01' }));
    expect(r).toMatchObject({ status: 400, error: 'param.invalid' });
    expect((r as Error).message).toMatch(/^t_s must not be after t_e/);
  });

  it('should refuse raw data of a rule meter with a 400 that says so', async () => {
    const e = await failure(h.client.meterDataRaw(S.siteId, S.meters.common));
    expect(e).toBeInstanceOf(KwhubBadRequestError);
    expect(e).toMatchObject({ error: 'meter.no_raw_data', path: `/meter_data_raw/${S.siteId}/${S.meters.common}` });
    expect((e as Error).message).toMatch(/rule meter/);
  });
});

describe('failures without an API error', () => {
  it('should wrap a refused connection in a KwhubNetworkError', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const c = createClient({ baseUrl: `http://127.0.0.1:${port}/api/v1`, username: 'u', password: 'p' });
    const e = await failure(c.allInstallations());
    expect(e).toBeInstanceOf(KwhubNetworkError);
    expect(e).toBeInstanceOf(KwhubApiError);
    expect(e).toMatchObject({ kind: 'network', status: 0, error: 'network.error', method: 'POST', path: '/auth' });
    expect((e as Error).message).toMatch(/network error calling POST \/auth/);
    expect((e as Error).cause).toBeDefined();
  });

  it('should throw a KwhubResponseError for a 2xx answer that is not the documented shape', async () => {
    // the real server answers; a proxy in between replaces the answer of data calls
    const broken = sdk(server, S.developer, {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (String(input).endsWith('/auth')) return res;
        return new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } });
      },
    });
    const e = await failure(broken.client.meterInfo(S.siteId));
    expect(e).toBeInstanceOf(KwhubResponseError);
    expect(e).toMatchObject({ kind: 'invalid_response', status: 200, error: 'response.invalid' });
    const list = sdk(server, S.developer, {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (String(input).endsWith('/auth')) return res;
        return Response.json([{ total: 1, timestamp: 'yesterday' }]);
      },
    });
    const e2 = await failure(list.client.meterData(S.siteId, S.meters.apt1));
    expect(e2).toBeInstanceOf(KwhubResponseError);
    expect((e2 as Error).message).toMatch(/readable timestamp/);
  });

  it('should refuse an unreadable date before sending anything, naming the option', async () => {
    const c = sdk(server, S.developer);
    await expect(c.client.meterData(S.siteId, S.meters.apt1, { from: '2024-02-30' })).rejects.toThrow(RangeError);
    await expect(c.client.meterData(S.siteId, S.meters.apt1, { to: 'tomorrow' })).rejects.toThrow(/^to: expected a Date/);
    await expect(c.client.sensorData(S.siteId, S.sensors.temperature, { from: new Date(NaN) })).rejects.toThrow(/^from: .*invalid Date/);
    const iter = c.client.iterateMeterData(S.siteId, S.meters.apt1, { from: '2024-05-02', to: '2024-05-01' });
    await expect(iter.next()).rejects.toThrow(/from must not be after to/);
    await expect(c.client.iterateMeterData(S.siteId, S.meters.apt1, { from: '2024-05-01', chunkDays: 0 }).next()).rejects.toThrow(/chunkDays/);
    expect(c.exchanges).toEqual([]);
    expect(() => createClient({ baseUrl: '', username: 'u', password: 'p' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'http://x', username: 'u', password: 'p', minIntervalMs: -1 })).toThrow(RangeError);
  });
});

describe('aborting', () => {
  it('should reject with the signal reason when aborted before the call', async () => {
    const c = sdk(server, S.developer);
    const ac = new AbortController();
    ac.abort();
    await expect(c.client.meterInfo(S.siteId, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.exchanges).toEqual([]);
  });

  it('should stop waiting for a paced slot when aborted, and leave the queue usable', async () => {
    let wake: () => void = () => {};
    const c = sdk(server, S.developer, { sleep: () => new Promise<void>((resolve) => (wake = resolve)) });
    await c.client.sensorsList(S.siteId);
    const ac = new AbortController();
    const waiting = c.client.sensorsList(S.siteId, { signal: ac.signal });
    const queued = c.client.sensorsList(S.siteId);
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error('user gave up'));
    await expect(waiting).rejects.toThrow('user gave up');
    // the call behind it gets its slot once the sleep is over
    server.clock.advance(1000);
    await new Promise((r) => setTimeout(r, 20));
    wake();
    expect(await queued).toHaveLength(2);
    expect(c.to('sensors_list').map((e) => e.status)).toEqual([200, 200]);
  });

  it('should pass the signal to fetch: an abort during the request rejects with an AbortError', async () => {
    const ac = new AbortController();
    const c = sdk(server, S.developer, {
      fetch: async (input, init) => {
        if (!String(input).endsWith('/auth')) ac.abort();
        return fetch(input, init);
      },
    });
    await expect(c.client.meterInfo(S.siteId, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
