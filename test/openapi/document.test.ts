/**
 * The OpenAPI document the server serves: a valid OpenAPI 3.1 document
 * (@readme/openapi-parser), covering every route the server registers, with
 * the semantics of spec/api.md in it, Sonnenhof examples that match their own
 * schemas, and the interactive docs page at /docs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { parseConfig } from '../../src/config/config.js';
import { parseInstant } from '../../src/core/time/parse-instant.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { demoSiteDocument } from '../../src/demo/site.js';
import { EX } from '../../src/server/openapi/examples.js';
import { INSTANT_PATTERN } from '../../src/server/openapi/developer.js';
import { request, startTestServer, type TestServer } from '../helpers/server.js';

type Doc = Record<string, any>;

let server: TestServer;
let doc: Doc;
let app: FastifyInstance;
let store: SqliteStore;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  const res = await request(server.url, 'GET', '/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;

  // a second app of our own, to list the routes it registers
  dir = await mkdtemp(join(tmpdir(), 'kwhub-openapi-'));
  store = new SqliteStore({ path: join(dir, 'db.sqlite') });
  await store.migrate();
  ({ app } = await createApp({ config: parseConfig({}, { logLevel: 'silent', adminToken: 'openapi-test-admin-token-0123456789', db: join(dir, 'db.sqlite') }), store }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Every route of the app, from fastify.printRoutes({ commonPrefix: false }):
 * one line per node, children indented under their parent, methods in brackets.
 */
function registeredRoutes(fastify: FastifyInstance): { url: string; methods: string[] }[] {
  const out: { url: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.replace(/\s+$/, ''));
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + m[2];
    stack.push(url);
    if (m[3]) out.push({ url, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('should be served without a token, as JSON, and pass @readme/openapi-parser validate()', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // the served JSON, as the parser's document type (which it checks at run time: that is the test)
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    expect(result.valid, JSON.stringify(result, null, 1).slice(0, 3000)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('should not be rate limited', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(server.url, 'GET', '/api/v1/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('should document every route the server registers, with every method', () => {
    const routes = registeredRoutes(app);
    // the parse must have found the APIs: a changed printRoutes format would otherwise pass vacuously
    expect(routes.length).toBeGreaterThan(25);
    const missing: string[] = [];
    let checked = 0;
    for (const { url, methods } of routes) {
      // @fastify/swagger-ui's own assets and its copies of this document (json, yaml) under /docs/
      if (url.startsWith('/docs/') || url.startsWith('/docs*')) continue;
      // the portal: the page's own session API and its static files, not a documented API (test/e2e/portal-*.test.ts)
      if (url.startsWith('/api/portal/') || !url.startsWith('/api/') && url !== '/docs') continue;
      for (const method of methods) {
        if (method === 'HEAD') continue; // Fastify's automatic HEAD of every GET
        checked++;
        if (!doc.paths[toOpenApiPath(url)]?.[method.toLowerCase()]) missing.push(`${method} ${url}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(30);
    for (const p of ['/api/v1/auth', '/api/v1/site_data/{site_id}/{meter_type}', '/api/admin/v1/sites', '/api/gateway/v1/readings', '/api/v1/openapi.json', '/docs']) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });

  it('should give every API operation a unique operationId, a summary, a tag, its security, and the error answers 400/401/404/405/413/415/429', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Doc>(doc.paths)) {
      for (const [method, op] of Object.entries<Doc>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId), `${where}: ${op.operationId} used twice`).toBe(false);
        ids.add(op.operationId);
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBe(1);
        expect(op.security, where).toBeDefined();
        const statuses = Object.keys(op.responses);
        expect(statuses.some((s) => /^2/.test(s)), where).toBe(true);
        const errors = path.startsWith('/api/') && path !== '/api/v1/openapi.json' ? ['400', '401', '404', '405', '413', '415', '429'] : ['400', '404', '405', '413', '415'];
        for (const s of errors) {
          expect(op.responses[s], `${where} ${s}`).toBeDefined();
          expect(op.responses[s].content['application/json'].schema.$ref, `${where} ${s}`).toBe(`#/components/schemas/Error${s}`);
        }
        if (op.responses['429']) expect(op.responses['429'].headers['Retry-After'].required, where).toBe(true);
        if (op.responses['405']) expect(op.responses['405'].headers.Allow.required, where).toBe(true);
      }
    }
  });

  it('should declare the three bearer schemes and use the right one per API', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.developerToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.gatewayToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries<Doc>(doc.paths)) {
      for (const op of Object.values<Doc>(item)) {
        const want =
          path === '/api/v1/auth' || path === '/api/v1/openapi.json' || path === '/docs' ? [] :
          path.startsWith('/api/admin/') ? [{ adminToken: [] }] :
          path.startsWith('/api/gateway/') ? [{ gatewayToken: [] }] : [{ developerToken: [] }];
        expect(op.security, path).toEqual(want);
      }
    }
  });

  it('should describe the per-meter columns of site_data with patternProperties, refusing anything else', () => {
    const row = doc.components.schemas.SiteDataRow;
    expect(row.patternProperties).toEqual({ '^(total|self|ext)_[0-9a-f]{24}$': expect.objectContaining({ type: 'number' }) });
    expect(row.additionalProperties).toBe(false);
    expect(row.required).toEqual(['conso_total', 'timestamp']);
    const ok = doc.paths['/api/v1/site_data/{site_id}/{meter_type}'].post.responses['200'];
    expect(ok.content['application/json'].schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/SiteDataRow' } });
    expect(ok.content['text/csv'].schema.type).toBe('string');
  });

  it('should offer CSV on the four series endpoints and keep the series bodies optional', () => {
    for (const path of ['/api/v1/site_data/{site_id}/{meter_type}', '/api/v1/meter_data/{site_id}/{meter_id}', '/api/v1/meter_data_raw/{site_id}/{meter_id}', '/api/v1/{site_id}/sensor_data/{sensor_id}']) {
      for (const [method, op] of Object.entries<Doc>(doc.paths[path])) {
        expect(Object.keys(op.responses['200'].content), `${method} ${path}`).toEqual(['application/json', 'text/csv']);
        if (method === 'post') expect(op.requestBody.required, path).toBe(false);
        if (method === 'get') expect(op.parameters.filter((p: Doc) => p.in === 'query').map((p: Doc) => p.name), path).toEqual(expect.arrayContaining(['t_s', 't_e']));
      }
    }
  });

  it("should explain the API's semantics: time zone and timestamps, the range rule, defaults, units, rounding, rate limit, 404, decided items", () => {
    const text = JSON.stringify(doc);
    for (const phrase of [
      '2022-05-05 17:15:00+02:00', '**end** of the interval', '**start** of the local period', 'tz-naive, in UTC',
      'entirely inside [t_s, t_e]', '`t_e` = now', '`t_s` = `t_e` minus 24 hours', 'JSON `null` means', 'kWh', 'm³',
      'rounded to at most 6', '1 request per second per developer and per endpoint', 'Retry-After', 'RateLimit-Remaining',
      'indistinguishable from one that does not exist', '*(decided)*', 'text/csv', 'epoch **milliseconds**',
    ]) {
      expect(text, phrase).toContain(phrase);
    }
  });

  it('should take its ids from the demo site Sonnenhof, and its examples should match their schemas', () => {
    const demo = demoSiteDocument(1);
    expect(EX.site).toBe(demo.id);
    const meterIds = new Set(demo.meters.map((m) => m.id));
    for (const id of [EX.pv, EX.heatPump, EX.apartment, EX.chargePoint, EX.heat, EX.hotWater, EX.common]) expect(meterIds.has(id), id).toBe(true);
    expect(demo.sensors.map((s) => s.id)).toContain(EX.sensor);
    // every per-meter column of the example row is a meter of Sonnenhof
    const row = doc.components.schemas.SiteDataRow.examples[0];
    for (const key of Object.keys(row).filter((k) => /_[0-9a-f]{24}$/.test(k))) expect(meterIds.has(key.slice(-24)), key).toBe(true);

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    const relink = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(relink) : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' ? String(x).replace('#/components/schemas/', 'c#/$defs/') : relink(x)]))
        : v;
    ajv.addSchema({ $id: 'c', $defs: relink(doc.components.schemas) as Record<string, object> });
    let n = 0;
    for (const [name, schema] of Object.entries<Doc>(doc.components.schemas)) {
      const check = ajv.getSchema(`c#/$defs/${name}`)!;
      for (const example of schema.examples ?? []) {
        n++;
        expect(check(example), `${name} example ${JSON.stringify(example).slice(0, 200)}: ${ajv.errorsText(check.errors)}`).toBe(true);
      }
    }
    expect(n).toBeGreaterThan(15);
  });

  it('should document the accepted t_s / t_e forms with a pattern that agrees with the server', () => {
    const re = new RegExp(INSTANT_PATTERN);
    const accepted = ['2024-05-01', '2024-05-01T10:15', '2024-05-01T10:15:00', '2024-05-01 10:15:00.123456', '2024-05-01T10:15:00Z', '2024-05-01T10:15:00+02:00', '2024-05-01T10:15+0200'];
    const refused = ['yesterday', '2024-5-1', '01.05.2024', '2024-05-01T10', '2024-05-01Z', '', '2024-05-01T10:15:00 +02:00'];
    for (const s of accepted) {
      expect(re.test(s), s).toBe(true);
      expect(parseInstant(s, 't_s'), s).toBeTypeOf('number');
    }
    for (const s of refused) {
      expect(re.test(s), s).toBe(false);
      expect(() => parseInstant(s, 't_s'), s).toThrow();
    }
  });
});

describe('/docs', () => {
  it('should answer the interactive docs page as HTML, with its assets served locally', async () => {
    const res = await request(server.url, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(2);
    for (const a of assets) {
      expect(a, 'no external asset').not.toMatch(/^(https?:)?\/\//);
      const asset = await fetch(new URL(a, `${server.url}/docs`));
      expect(asset.status, a).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, a).toBeGreaterThan(0);
    }
    // the page loads the document the server generates
    const spec = await fetch(`${server.url}/docs/json`);
    expect(((await spec.json()) as Doc).paths).toEqual(doc.paths);
  });
});
