/**
 * Compressed answers (C1) against a real server holding four days of the
 * demo, read with raw HTTP requests (no client-side decoding): every JSON and
 * CSV answer of the developer API, the portal and the operator API comes
 * back br or gzip when asked, and decompresses to exactly the bytes of the
 * uncompressed answer; Vary names Accept-Encoding; answers under 1 KB are
 * sent as they are; q-values, `identity` and `*` are honoured; ETags of the
 * compressed variants are their own, and HEAD, 304 and errors still work.
 */
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';
import { TEST_ADMIN_TOKEN, login } from '../helpers/server.js';
import { DEMO_PASSWORD, DEMO_USERNAME } from '../../src/ingest/demo.js';
import { PORTAL, portalClient } from '../helpers/portal.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAYS = 4;
const RANGE = { t_s: '2026-11-24T00:00:00Z', t_e: '2026-11-27T00:00:00Z' };

let demo: DemoServer;
let token: string;
let cookie: string;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** one HTTP request, the answer's bytes exactly as they came over the wire */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<Raw> {
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${demo.server.url}${path}`, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function decode(r: Raw): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'gzip') return gunzipSync(r.body);
  if (enc === 'br') return brotliDecompressSync(r.body);
  if (enc === undefined) return r.body;
  throw new Error(`unexpected content-encoding ${String(enc)}`);
}

const vary = (r: Raw) => String(r.headers.vary ?? '').toLowerCase().split(',').map((v) => v.trim());

/** the answer uncompressed, then br and gzip: each decompresses to exactly its bytes */
async function sameBytesCompressed(path: string, opts: { json?: unknown; headers?: Record<string, string>; method?: string } = {}): Promise<Buffer> {
  const plain = await raw(path, { ...opts, headers: { ...opts.headers, 'accept-encoding': 'identity' } });
  expect(plain.status, plain.body.toString().slice(0, 300)).toBe(200);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.length, `${path} must be big enough to be compressed`).toBeGreaterThanOrEqual(1024);
  for (const enc of ['br', 'gzip']) {
    const packed = await raw(path, { ...opts, headers: { ...opts.headers, 'accept-encoding': enc } });
    expect(packed.status).toBe(200);
    expect(packed.headers['content-encoding'], `${path} ${enc}`).toBe(enc);
    expect(packed.headers['content-type']).toBe(plain.headers['content-type']);
    expect(vary(packed).filter((v) => v === 'accept-encoding')).toHaveLength(1);
    expect(packed.body.length).toBeLessThan(plain.body.length / 2);
    expect(decode(packed).equals(plain.body), `${path} ${enc} decompresses to the uncompressed bytes`).toBe(true);
  }
  return plain.body;
}

beforeAll(async () => {
  demo = await startDemoServer({ seed: 1, now: NOW, days: DAYS });
  token = await login(demo.server, DEMO_USERNAME, DEMO_PASSWORD);
  const operator = portalClient(demo.server.url);
  expect((await operator.login({ token: TEST_ADMIN_TOKEN })).status).toBe(200);
  cookie = operator.cookie!;
}, 120_000);

afterAll(async () => {
  await demo?.server.close();
});

const dev = () => ({ authorization: `Bearer ${token}` });
const siteData = () => `/api/v1/site_data/${demo.site.siteId}/electricity`;

describe('compressed answers', () => {
  it('should compress the developer API\'s series, JSON and CSV, streamed, to exactly the uncompressed bytes', async () => {
    for (const freq of ['15T', 'H']) {
      const json = await sameBytesCompressed(siteData(), { json: { ...RANGE, sampling_frequency: freq }, headers: dev() });
      expect(JSON.parse(json.toString()).length).toBeGreaterThan(10);
      await sameBytesCompressed(siteData(), { json: { ...RANGE, sampling_frequency: freq }, headers: { ...dev(), accept: 'text/csv' } });
    }
    await sameBytesCompressed(`/api/v1/meter_data/${demo.site.siteId}/${demo.site.apartments[0]}`, { json: { ...RANGE, with_quality: true }, headers: dev() });
    await sameBytesCompressed(`/api/v1/meter_data_raw/${demo.site.siteId}/${demo.site.apartments[0]}`, { json: RANGE, headers: dev() });
    await sameBytesCompressed(`/api/v1/meter_data_raw/${demo.site.siteId}/${demo.site.apartments[0]}`, { json: RANGE, headers: { ...dev(), accept: 'text/csv' } });
    await sameBytesCompressed(`/api/v1/meter_info/${demo.site.siteId}`, { headers: dev() });
  });

  it('should compress the portal\'s series (columns JSON and CSV download) and the operator API\'s answers', async () => {
    const q = `?${new URLSearchParams({ ...RANGE, sampling_frequency: '15T' })}`;
    await sameBytesCompressed(`${PORTAL}/sites/${demo.site.siteId}/data/electricity${q}`, { headers: { cookie } });
    await sameBytesCompressed(`${PORTAL}/sites/${demo.site.siteId}/data/electricity${q}&format=csv`, { headers: { cookie } });
    await sameBytesCompressed(`/api/admin/v1/sites/${demo.site.siteId}/meters`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    // the operator's actions through the portal are the operator API's answers
    await sameBytesCompressed(`${PORTAL}/admin/sites/${demo.site.siteId}/meters`, { headers: { cookie } });
  });

  it('should send answers under 1 KB as they are, with their length', async () => {
    // one quarter-hour of one meter: a hundred bytes
    const small = await raw(`/api/v1/meter_data/${demo.site.siteId}/${demo.site.apartments[0]}`, { json: { t_s: '2026-11-25T10:00:00Z', t_e: '2026-11-25T10:15:00Z' }, headers: { ...dev(), 'accept-encoding': 'gzip, br' } });
    expect(small.status).toBe(200);
    expect(small.body.length).toBeGreaterThan(2);
    expect(small.body.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(Number(small.headers['content-length'])).toBe(small.body.length);
    expect(JSON.parse(small.body.toString())).toHaveLength(1);
    const sites = await raw('/api/v1/all_installations', { headers: { ...dev(), 'accept-encoding': 'gzip' } });
    expect(sites.status).toBe(200);
    expect(sites.body.length).toBeLessThan(1024);
    expect(sites.headers['content-encoding']).toBeUndefined();
  });

  it('should follow the client\'s preferences: q-values, identity, * and codings it does not offer', async () => {
    const body = { json: { ...RANGE, sampling_frequency: '15T' } };
    const coding = async (accept: string) => (await raw(siteData(), { ...body, headers: { ...dev(), 'accept-encoding': accept } })).headers['content-encoding'];
    expect(await coding('gzip, br')).toBe('br');
    expect(await coding('br;q=0.5, gzip')).toBe('gzip');
    expect(await coding('gzip;q=0, br')).toBe('br');
    expect(await coding('br;q=0, gzip;q=0.1')).toBe('gzip');
    expect(await coding('identity')).toBeUndefined();
    expect(await coding('deflate')).toBeUndefined();
    expect(await coding('br;q=0, gzip;q=0')).toBeUndefined();
    expect(await coding('*')).toBe('gzip');
    expect(await coding('x-gzip')).toBe('gzip');
    // no Accept-Encoding at all: as they are, and Vary says another request could differ
    const none = await raw(siteData(), { ...body, headers: dev() });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(vary(none)).toContain('accept-encoding');
  });

  it('should give each coding its own ETag, answer If-None-Match with a 304 per coding, and HEAD with the headers of GET', async () => {
    const get = (accept: string, extra: Record<string, string> = {}) =>
      raw(`${siteData()}?${new URLSearchParams({ ...RANGE })}`, { headers: { ...dev(), 'accept-encoding': accept, ...extra } });
    const plain = await get('identity');
    const gz = await get('gzip');
    const br = await get('br');
    const tags = [plain, gz, br].map((r) => String(r.headers.etag));
    expect(tags[0]).toMatch(/^"v\d+-[A-Za-z0-9_-]+"$/);
    expect(tags[1]).toBe(`${tags[0].slice(0, -1)}-gzip"`);
    expect(tags[2]).toBe(`${tags[0].slice(0, -1)}-br"`);
    for (const [accept, tag] of [['identity', tags[0]], ['gzip', tags[1]], ['br', tags[2]]]) {
      const again = await get(accept, { 'if-none-match': tag });
      expect(again.status, accept).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(tag);
      expect(again.headers['content-encoding']).toBeUndefined();
      expect(vary(again)).toContain('accept-encoding');
    }
    // another coding's tag names another representation: the full answer
    const other = await get('gzip', { 'if-none-match': tags[0] });
    expect(other.status).toBe(200);
    expect(decode(other).equals(plain.body)).toBe(true);
    // HEAD: the GET's status and validators, no body
    const head = await raw(`${siteData()}?${new URLSearchParams({ ...RANGE })}`, { method: 'HEAD', headers: { ...dev(), 'accept-encoding': 'gzip' } });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(tags[1]);
    expect(String(head.headers['content-type'])).toMatch(/^application\/json/);
  });

  it('should still answer errors as JSON {error, message}, whatever the client accepts', async () => {
    for (const enc of ['gzip', 'br']) {
      const bad = await raw(siteData(), { json: { sampling_frequency: '7T' }, headers: { ...dev(), 'accept-encoding': enc } });
      expect(bad.status).toBe(400);
      expect(String(bad.headers['content-type'])).toMatch(/^application\/json/);
      expect(JSON.parse(decode(bad).toString())).toMatchObject({ error: 'param.invalid' });
      const unauthorized = await raw(siteData(), { json: RANGE, headers: { 'accept-encoding': enc } });
      expect(unauthorized.status).toBe(401);
      expect(JSON.parse(decode(unauthorized).toString())).toHaveProperty('error');
    }
  });
});
