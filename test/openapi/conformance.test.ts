/**
 * The conformance helper itself: fed answers that break the document (a
 * field added, a field missing, a wrong type, an undocumented status or
 * content type, a per-meter column of the wrong shape), it fails with a
 * message naming the method, path, status and what is wrong; fed the
 * server's real answers, it passes. And request() really runs it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError, checkerFor, type Checker, type ObservedResponse } from '../helpers/conformance.js';
import { devApi, login, request, seedSite, startTestServer, type ApiResponse, type SeededSite, type TestServer } from '../helpers/server.js';
import { createPipelineSite, indexSeries, isoZ, pushAll, QH } from '../helpers/pipeline.js';

let server: TestServer;
let checker: Checker;
let S: SeededSite;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  S = await seedSite(server);
  token = await login(server, S.developer.username, S.developer.password);
  checker = await checkerFor(server.url);
});

afterAll(async () => {
  await server?.close();
});

/** the answer as the checker sees it, with the body replaced */
function observed(method: string, path: string, res: ApiResponse, body?: unknown, over: Partial<ObservedResponse> = {}): ObservedResponse {
  const text = body === undefined ? res.text : JSON.stringify(body);
  return { method, url: server.url + path, status: res.status, headers: res.headers, text, json: body === undefined ? undefined : body, ...over };
}

function failure(r: ObservedResponse): string {
  try {
    checker.check(r);
  } catch (e) {
    expect(e).toBeInstanceOf(ConformanceError);
    return (e as Error).message;
  }
  throw new Error(`expected ${r.method} ${r.url} -> ${r.status} to fail the conformance check`);
}

describe('a JSON object answer (installation_infos)', () => {
  let path: string;
  let res: ApiResponse;
  beforeAll(async () => {
    path = `/api/v1/installation_infos/${S.siteId}`;
    res = await request(server.url, 'GET', path, { token });
    expect(res.status).toBe(200);
  });

  it('should pass as the server gave it', () => {
    expect(() => checker.check(observed('GET', path, res))).not.toThrow();
    expect(() => checker.check(observed('GET', path, res, structuredClone(res.body)))).not.toThrow();
  });

  it('should fail with a field added, naming method, path, status and the field', () => {
    const msg = failure(observed('GET', path, res, { ...res.body, owner: 'someone' }));
    expect(msg).toContain(`GET ${path} -> 200`);
    expect(msg).toMatch(/must NOT have additional properties/);
    expect(msg).toContain('owner');
  });

  it('should fail with a field missing', () => {
    const { timezone: _, ...rest } = res.body;
    expect(failure(observed('GET', path, res, rest))).toMatch(/must have required property 'timezone'/);
  });

  it('should fail with a wrong type, also nested', () => {
    expect(failure(observed('GET', path, res, { ...res.body, latitude: '46.5' }))).toMatch(/latitude must be number/);
    expect(failure(observed('GET', path, res, { ...res.body, address: { ...res.body.address, postal_code: '1007' } }))).toMatch(/postal_code must be integer/);
  });

  it('should fail for a status or a content type the document does not declare', () => {
    expect(failure(observed('GET', path, res, undefined, { status: 418 }))).toMatch(/status 418 is not documented/);
    expect(failure(observed('GET', path, res, undefined, { headers: new Headers({ 'content-type': 'text/plain' }) }))).toMatch(/content type text\/plain is not one the document declares/);
  });
});

describe('errors', () => {
  it('should pass a real 404, and fail an error without message or with a code of another status', async () => {
    const path = '/api/v1/installation_infos/ffffffffffffffffffffffff';
    const res = await request(server.url, 'GET', path, { token });
    expect(res.status).toBe(404);
    expect(() => checker.check(observed('GET', path, res))).not.toThrow();
    expect(failure(observed('GET', path, res, { error: 'site.not_found' }))).toMatch(/must have required property 'message'/);
    expect(failure(observed('GET', path, res, { error: 'rate.limited', message: 'x' }))).toMatch(/error must be equal to one of the allowed values/);
    expect(failure(observed('GET', path, res, { ...res.body, detail: 1 }))).toMatch(/must NOT have additional properties/);
  });

  it('should check answers on paths and methods the document does not have against the error shapes', async () => {
    const unknown = await request(server.url, 'GET', '/api/v1/no_such_endpoint', { token });
    expect(unknown.status).toBe(404);
    expect(failure(observed('GET', '/api/v1/no_such_endpoint', unknown, undefined, { status: 200 }))).toMatch(/not in the document/);
    const wrongMethod = await request(server.url, 'PUT', '/api/v1/all_installations', { token });
    expect(wrongMethod.status).toBe(405);
    expect(failure(observed('PUT', '/api/v1/all_installations', wrongMethod, undefined, { headers: new Headers({ 'content-type': 'application/json' }) }))).toMatch(/405 without an Allow header/);
  });

  it('should fail a 429 without its required Retry-After header', async () => {
    const path = '/api/v1/all_installations';
    const res = await request(server.url, 'GET', path, { token });
    const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
    const limited = { error: 'rate.limited', message: 'retry after 1 s' };
    expect(failure(observed('GET', path, res, limited, { status: 429, headers }))).toMatch(/required header Retry-After is missing/);
    headers.set('retry-after', '1');
    expect(() => checker.check(observed('GET', path, res, limited, { status: 429, headers }))).not.toThrow();
  });
});

describe('site_data rows (patternProperties)', () => {
  let path: string;
  let res: ApiResponse;
  let csv: ApiResponse;
  beforeAll(async () => {
    const site = await createPipelineSite(server);
    const consumer = await site.meter({ name: 'Flat' });
    const pv = await site.meter({ name: 'PV', mode: 'production' });
    const t0 = Date.UTC(2024, 3, 1);
    await pushAll(site, [
      ...indexSeries(consumer, t0, t0 + 8 * QH, () => ({ im: 0.25, ex: 0 })),
      ...indexSeries(pv, t0, t0 + 8 * QH, () => ({ im: 0, ex: 0.1 })),
    ]);
    path = `/api/v1/site_data/${site.siteId}/electricity`;
    const dev = await site.dev();
    res = await dev.post(path.slice('/api/v1'.length), { t_s: isoZ(t0).slice(0, 16), t_e: isoZ(t0 + 8 * QH).slice(0, 16) });
    csv = await dev.post(path.slice('/api/v1'.length), { t_s: isoZ(t0).slice(0, 16), t_e: isoZ(t0 + 8 * QH).slice(0, 16) }, { headers: { accept: 'text/csv' } });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(8);
  });

  it('should pass the real rows, per-meter columns and all', () => {
    expect(Object.keys(res.body[0]).filter((k) => /^(total|self|ext)_/.test(k))).toHaveLength(4);
    expect(() => checker.check(observed('POST', path, res))).not.toThrow();
  });

  it('should fail a column outside the pattern, a per-meter column that is not a number, or a row without timestamp', () => {
    const rows = res.body as Record<string, unknown>[];
    expect(failure(observed('POST', path, res, [{ ...rows[0], total_nothex: 1 }, ...rows.slice(1)]))).toMatch(/body\/0 must NOT have additional properties/);
    expect(failure(observed('POST', path, res, [{ ...rows[0], total_ffffffffffffffffffffffff: '1' }]))).toMatch(/total_ffffffffffffffffffffffff must be number/);
    const { timestamp: _, ...noTime } = rows[1];
    expect(failure(observed('POST', path, res, [rows[0], noTime]))).toMatch(/body\/1 must have required property 'timestamp'/);
    expect(failure(observed('POST', path, res, [{ ...rows[0], timestamp: '2024-04-01T00:15:00Z' }]))).toMatch(/timestamp must match pattern/);
  });

  it('should accept the CSV answer by its declared content type, and refuse CSV where none is declared', () => {
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(() => checker.check(observed('POST', path, csv))).not.toThrow();
    const info = `/api/v1/installation_infos/${S.siteId}`;
    expect(failure({ method: 'GET', url: server.url + info, status: 200, headers: csv.headers, text: csv.text })).toMatch(/content type text\/csv; charset=utf-8 is not one the document declares \(application\/json\)/);
  });
});

describe('request()', () => {
  let fake: Server;
  let fakeUrl: string;
  beforeAll(async () => {
    // a server that serves kWhub's document but answers all_installations with an extra field
    const doc = (await request(server.url, 'GET', '/api/v1/openapi.json')).text;
    fake = createServer((req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      if (req.url === '/api/v1/openapi.json') return res.end(doc);
      res.end(JSON.stringify([{ site_id: S.siteId, site_ref: 'X', name: 'Y', secret: true }]));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));

  it('should throw on a non-conforming answer, and pass the real server\'s', async () => {
    await expect(devApi({ url: fakeUrl }, 'token').get('/all_installations')).rejects.toThrow(/GET \/api\/v1\/all_installations -> 200 does not conform.*must NOT have additional properties/s);
    const real = await devApi(server, token).get('/all_installations');
    expect(real.status).toBe(200);
  });
});
