/**
 * The gateway API (POST /api/gateway/v1/readings) against a real server:
 * token auth, isolation between sites, meters named by id or prim_ad, a
 * 100,000-reading batch, per-reading rejections, idempotent re-pushes,
 * conflicts, sensors and the batch size limit. Results are read back through
 * the developer API, as a client would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, errorBody, login, request, startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, QH, createPipelineSite, indexSeries, isoZ, naive, rows, type PipelineSite } from '../helpers/pipeline.js';

const MISSING = 'ffffffffffffffffffffffff';
const T0 = Date.UTC(2024, 0, 8, 0, 0); // Monday 2024-01-08 00:00Z

let server: TestServer;
let A: PipelineSite;
let B: PipelineSite;
const a = { apt1: '', apt2: '', heat: '', water: '', house: '', common: '', temp: '' };
const b = { apt: '' };

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(Date.UTC(2024, 5, 1, 12));
  A = await createPipelineSite(server, { name: 'Gateway site A' });
  a.apt1 = await A.meter({ name: 'Apt 1', prim_ad: 11 });
  a.apt2 = await A.meter({ name: 'Apt 2', prim_ad: 12 });
  a.heat = await A.meter({ name: 'Heat', type: 'heating', prim_ad: 20 });
  a.water = await A.meter({ name: 'Water', type: 'cold_water', prim_ad: 30 });
  a.house = await A.meter({ name: 'House', prim_ad: 3, in_balance: false });
  a.common = await A.meter({ name: 'Common', prim_ad: 90, rule: `${a.house} - ${a.apt1} - ${a.apt2}` });
  a.temp = await A.sensor('Boiler');
  B = await createPipelineSite(server, { name: 'Gateway site B' });
  // B has a meter on prim_ad 11 too: the same address on another gateway is another meter
  b.apt = await B.meter({ name: 'B Apt', prim_ad: 11 });
});

afterAll(async () => {
  await server?.close();
});

const gateway = (token?: string) => api(`${server.url}/api/gateway/v1`, { token });

async function raw(site: PipelineSite, meter: string, tS: number, tE: number) {
  return rows(await (await site.dev()).post(`/meter_data_raw/${site.siteId}/${meter}`, { t_s: naive(tS), t_e: naive(tE) }));
}

describe('gateway authentication', () => {
  const one = { meters: [{ meter_id: '', timestamp: '2024-01-01T00:00:00Z', en_im: 1, en_ex: 0 }] };

  it('should answer 401 with a JSON error without a token', async () => {
    const res = await gateway().post('/readings', one);
    expect(res.status).toBe(401);
    expect(errorBody(res).error).toBe('gateway.unauthorized');
  });

  it('should answer 401 with a JSON error for a wrong token, the admin token or a developer token', async () => {
    for (const token of [`${A.gatewayToken}x`, server.adminToken, await login(server, A.developer.username, A.developer.password)]) {
      const res = await gateway(token).post('/readings', one);
      expect(res.status).toBe(401);
      expect(errorBody(res).error).toBe('gateway.unauthorized');
    }
  });

  it('should accept the token only as a Bearer token', async () => {
    const res = await request(`${server.url}/api/gateway/v1`, 'POST', '/readings', { json: { meters: [] }, headers: { authorization: `Token ${A.gatewayToken}` } });
    expect(res.status).toBe(401);
    expect(errorBody(res).error).toBe('gateway.unauthorized');
  });

  it('should answer 200 with nothing stored for an empty batch', async () => {
    const res = await A.push({ meters: [], sensors: [] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stored: 0, duplicates: 0, rejected: [] });
    expect((await A.push({})).body).toEqual({ stored: 0, duplicates: 0, rejected: [] });
  });
});

describe('meters of the gateway’s own site only', () => {
  it("should reject another site's meter id as unknown_meter and store nothing there", async () => {
    const t = T0 + 30 * DAY;
    const res = await B.push({ meters: [{ meter_id: a.apt1, timestamp: isoZ(t), en_im: 5, en_ex: 0 }] });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(0);
    expect(res.body.rejected).toEqual([{ kind: 'meter', index: 0, reason: 'unknown_meter', message: expect.stringContaining(a.apt1) }]);
    expect(await raw(A, a.apt1, t - DAY, t + DAY)).toEqual([]);
  });

  it('should resolve a prim_ad on the pushing gateway’s site only', async () => {
    const t = T0 + 31 * DAY;
    const res = await B.push({ meters: [{ prim_ad: 11, timestamp: isoZ(t), en_im: 7.5, en_ex: 0.25 }] });
    expect(res.body).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    expect(await raw(B, b.apt, t - DAY, t + DAY)).toEqual([{ en_im: 7.5, en_ex: 0.25, timestamp: '2024-02-08 01:00:00+01:00' }]);
    expect(await raw(A, a.apt1, t - DAY, t + DAY)).toEqual([]);
  });

  it("should not let a developer of site A read site B's meter through site A's path", async () => {
    const dev = await A.dev();
    for (const path of [`/meter_data/${A.siteId}/${b.apt}`, `/meter_data_raw/${A.siteId}/${b.apt}`]) {
      const res = await dev.post(path, {});
      expect(res.status).toBe(404);
      expect(errorBody(res).error).toBe('meter.not_found');
    }
  });
});

describe('naming meters', () => {
  it('should store readings named by meter_id and by prim_ad for the same meter, with ISO or epoch-ms timestamps', async () => {
    const t = T0 + 40 * DAY;
    const res = await A.push({
      meters: [
        { meter_id: a.apt2, timestamp: isoZ(t), en_im: 100, en_ex: 0 },
        { prim_ad: 12, timestamp: t + QH, en_im: 100.5, en_ex: 0 },
        { prim_ad: 12, timestamp: '2024-02-17T01:30:00+01:00', en_im: 101, en_ex: 0 },
        { prim_ad: 20, timestamp: isoZ(t), heat_energy_kwh: 5123.25 },
        { meter_id: a.water, timestamp: isoZ(t), vol_m3: 12.125 },
      ],
    });
    expect(res.body).toEqual({ stored: 5, duplicates: 0, rejected: [] });
    expect(await raw(A, a.apt2, t, t + HOURS(1))).toEqual([
      { en_im: 100, en_ex: 0, timestamp: '2024-02-17 01:00:00+01:00' },
      { en_im: 100.5, en_ex: 0, timestamp: '2024-02-17 01:15:00+01:00' },
      { en_im: 101, en_ex: 0, timestamp: '2024-02-17 01:30:00+01:00' },
    ]);
    expect(await raw(A, a.heat, t, t)).toEqual([{ heat_energy_kwh: 5123.25, timestamp: '2024-02-17 01:00:00+01:00' }]);
    expect(await raw(A, a.water, t, t)).toEqual([{ vol_m3: 12.125, timestamp: '2024-02-17 01:00:00+01:00' }]);
    // and the validated series follows right after the push
    const md = rows(await (await A.dev()).post(`/meter_data/${A.siteId}/${a.apt2}`, { t_s: naive(t), t_e: naive(t + 2 * QH) }));
    expect(md).toEqual([
      { total: 0.5, self: 0, ext: 0.5, timestamp: '2024-02-17 01:15:00+01:00' },
      { total: 0.5, self: 0, ext: 0.5, timestamp: '2024-02-17 01:30:00+01:00' },
    ]);
  });
});

function HOURS(h: number): number {
  return h * 3_600_000;
}

describe('a batch of 100,000 readings', () => {
  it('should store 10 meters × 10,000 quarter-hours in one request and serve their energies right after', async () => {
    const S = await createPipelineSite(server, { name: 'Bulk site' });
    const ids: string[] = [];
    for (let k = 0; k < 10; k++) ids.push(await S.meter({ name: `Flat ${k}`, prim_ad: 100 + k }));
    const from = Date.UTC(2024, 0, 1);
    const to = from + 9_999 * QH;
    // meter k uses (k + 1) / 8 kWh per quarter-hour: exact in binary, so every index is exact too
    const meters = ids.flatMap((id, k) => indexSeries(id, from, to, () => ({ im: (k + 1) / 8, ex: 0 }), { im: 1000 * k, ex: 0 }));
    expect(meters).toHaveLength(100_000);
    const res = await S.push({ meters });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stored: 100_000, duplicates: 0, rejected: [] });

    const dev = await S.dev();
    for (const k of [0, 3, 9]) {
      const md = rows(await dev.post(`/meter_data/${S.siteId}/${ids[k]}`, { t_s: naive(from), t_e: naive(to) }));
      expect(md).toHaveLength(9_999);
      expect(md.every((r) => r.total === (k + 1) / 8 && r.ext === (k + 1) / 8 && r.self === 0)).toBe(true);
      expect(md[0].timestamp).toBe('2024-01-01 01:15:00+01:00');
      expect(md[9_998].timestamp).toBe('2024-04-14 05:45:00+02:00'); // 2024-04-14 03:45Z
      const monthly = rows(await dev.post(`/meter_data/${S.siteId}/${ids[k]}`, { t_s: naive(from), t_e: naive(to), sampling_frequency: 'M' }));
      // January holds 31 × 96 − 4 quarter-hours (the local month starts at 2023-12-31 23:00Z, data at 00:00Z)
      expect(monthly.map((r) => r.timestamp)).toEqual(['2024-01-01 00:00:00+01:00', '2024-02-01 00:00:00+01:00', '2024-03-01 00:00:00+01:00', '2024-04-01 00:00:00+02:00']);
      expect(monthly[0].total).toBe((31 * 96 - 4) * (k + 1) / 8);
      expect(monthly.reduce((s, r) => s + (r.total as number), 0)).toBe(9_999 * (k + 1) / 8);
    }
    const site = rows(await dev.post(`/site_data/${S.siteId}/electricity`, { t_s: naive(from), t_e: naive(to), sampling_frequency: 'Y' }));
    // Σ_k (k+1)/8 = 55/8 per quarter-hour
    expect(site).toHaveLength(1);
    expect(site[0].conso_total).toBe(9_999 * 55 / 8);
    expect(site[0].from_ext).toBe(9_999 * 55 / 8);
    expect(site[0].prod_total).toBe(0);
  });

  it('should refuse more than 100,000 readings in one request with 400 and store none of them', async () => {
    const t = T0 + 50 * DAY;
    const meters = Array.from({ length: 100_001 }, (_, i) => ({ meter_id: a.apt1, timestamp: t + i * 60_000, en_im: i, en_ex: 0 }));
    const res = await A.push({ meters });
    expect(res.status).toBe(400);
    expect(errorBody(res).message).toContain('100000');
    // meters and sensors count together
    const mixed = await A.push({ meters: meters.slice(0, 50_001), sensors: Array.from({ length: 50_000 }, (_, i) => ({ sensor_id: a.temp, timestamp: t + i * 60_000, value: 20 })) });
    expect(mixed.status).toBe(400);
    expect(await raw(A, a.apt1, t, t + DAY)).toEqual([]);
  });
});

describe('bad readings among good ones', () => {
  const t = T0 + 60 * DAY; // 2024-03-08
  let first: { stored: number; duplicates: number; rejected: any[] };
  let siteBefore: string;
  let batchText: string;

  /** 20 good readings (apt1 and house, every quarter-hour for 2.5 hours) with 10 bad ones interleaved */
  function batch(): string {
    const good: string[] = [];
    for (let i = 0; i < 10; i++) {
      good.push(JSON.stringify({ meter_id: a.apt1, timestamp: isoZ(t + i * QH), en_im: 10 + i / 4, en_ex: 0 }));
      good.push(JSON.stringify({ prim_ad: 3, timestamp: isoZ(t + i * QH), en_im: 50 + i, en_ex: 0 }));
    }
    const bad = [
      JSON.stringify({ meter_id: MISSING, timestamp: isoZ(t), en_im: 1, en_ex: 0 }), // unknown meter
      JSON.stringify({ meter_id: a.heat, timestamp: isoZ(t), heat_energy_kwh: 1, en_im: 1 }), // wrong field for a heat meter
      JSON.stringify({ meter_id: a.apt1, timestamp: isoZ(t + 11 * QH), en_im: 1 }), // missing register en_ex
      JSON.stringify({ meter_id: a.apt1, timestamp: 'yesterday', en_im: 1, en_ex: 0 }), // bad timestamp string
      JSON.stringify({ meter_id: a.apt1, timestamp: naive(t + 12 * QH), en_im: 1, en_ex: 0 }), // naive timestamp, no Z
      `{"meter_id":"${a.apt1}","timestamp":"${isoZ(t + 13 * QH)}","en_im":1e999,"en_ex":0}`, // parses to Infinity
      JSON.stringify({ meter_id: a.apt1, timestamp: isoZ(t + 14 * QH), en_im: '12.5', en_ex: 0 }), // a string value
      JSON.stringify({ meter_id: a.common, timestamp: isoZ(t), en_im: 1, en_ex: 0 }), // rule meter
      '42', // not an object
      JSON.stringify({ meter_id: b.apt, timestamp: isoZ(t), en_im: 1, en_ex: 0 }), // another site's meter
    ];
    // interleave: bad readings at indexes 1, 4, 7, …, 28
    const out: string[] = [];
    let g = 0;
    for (let k = 0; k < bad.length; k++) {
      out.push(good[g++], bad[k]);
      if (g < good.length) out.push(good[g++]);
    }
    while (g < good.length) out.push(good[g++]);
    return `{"meters":[${out.join(',')}]}`;
  }

  beforeAll(async () => {
    batchText = batch();
    const res = await request(`${server.url}/api/gateway/v1`, 'POST', '/readings', { token: A.gatewayToken, raw: batchText, contentType: 'application/json' });
    expect(res.status, res.text).toBe(200);
    first = res.body;
    siteBefore = (await (await A.dev()).post(`/site_data/${A.siteId}/electricity`, { t_s: naive(t - HOURS(1)), t_e: naive(t + HOURS(4)) })).text;
  });

  it('should store the 20 good readings and list exactly the 10 bad indexes with their reasons', () => {
    expect(first.stored).toBe(20);
    expect(first.duplicates).toBe(0);
    expect(first.rejected.map((r) => [r.kind, r.index, r.reason])).toEqual([
      ['meter', 1, 'unknown_meter'],
      ['meter', 4, 'wrong_field'],
      ['meter', 7, 'missing_field'],
      ['meter', 10, 'bad_timestamp'],
      ['meter', 13, 'bad_timestamp'],
      ['meter', 16, 'non_finite_value'],
      ['meter', 19, 'non_finite_value'],
      ['meter', 22, 'rule_meter'],
      ['meter', 25, 'not_an_object'],
      ['meter', 28, 'unknown_meter'],
    ]);
    for (const r of first.rejected) {
      expect(typeof r.message).toBe('string');
      expect(r.message.length).toBeGreaterThan(5);
    }
    expect(first.rejected[2].message).toContain('en_ex');
    expect(first.rejected[4].message).toContain('Z');
  });

  it('should serve the good readings raw and validated', async () => {
    const r = await raw(A, a.apt1, t, t + 20 * QH);
    expect(r).toHaveLength(10);
    expect(r.map((x) => x.en_im)).toEqual([10, 10.25, 10.5, 10.75, 11, 11.25, 11.5, 11.75, 12, 12.25]);
    // common = house − apt1 − apt2; apt2 has no data here, so the rule meter has none either
    const md = rows(await (await A.dev()).post(`/meter_data/${A.siteId}/${a.apt1}`, { t_s: naive(t), t_e: naive(t + 9 * QH) }));
    expect(md.map((x) => x.total)).toEqual(Array(9).fill(0.25));
  });

  it('should answer the same batch pushed twice with stored 0 and duplicates = the first stored, leaving site_data unchanged byte for byte', async () => {
    const res = await request(`${server.url}/api/gateway/v1`, 'POST', '/readings', { token: A.gatewayToken, raw: batchText, contentType: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(0);
    expect(res.body.duplicates).toBe(first.stored);
    expect(res.body.rejected).toEqual(first.rejected);
    const after = (await (await A.dev()).post(`/site_data/${A.siteId}/electricity`, { t_s: naive(t - HOURS(1)), t_e: naive(t + HOURS(4)) })).text;
    expect(after).toBe(siteBefore);
    expect(JSON.parse(after)).toHaveLength(9);
  });

  it('should reject a different value at an already stored instant as a conflict and keep the first value', async () => {
    const res = await A.push({
      meters: [
        { meter_id: a.apt1, timestamp: isoZ(t + 2 * QH), en_im: 99, en_ex: 0 },
        { meter_id: a.apt1, timestamp: isoZ(t + 3 * QH), en_im: 10.75, en_ex: 0 }, // identical: duplicate
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(0);
    expect(res.body.duplicates).toBe(1);
    expect(res.body.rejected).toEqual([{ kind: 'meter', index: 0, reason: 'conflict', message: expect.any(String) }]);
    const r = await raw(A, a.apt1, t + 2 * QH, t + 2 * QH);
    expect(r).toEqual([{ en_im: 10.5, en_ex: 0, timestamp: '2024-03-08 01:30:00+01:00' }]);
    const after = (await (await A.dev()).post(`/site_data/${A.siteId}/electricity`, { t_s: naive(t - HOURS(1)), t_e: naive(t + HOURS(4)) })).text;
    expect(after).toBe(siteBefore);
  });

  it('should count a reading repeated inside one batch once', async () => {
    const u = t + DAY;
    const one = { meter_id: a.apt1, timestamp: isoZ(u), en_im: 500, en_ex: 0 };
    const res = await A.push({ meters: [one, one, { ...one, timestamp: u }] });
    expect(res.body).toEqual({ stored: 1, duplicates: 2, rejected: [] });
  });
});

describe('sensor readings', () => {
  it('should store sensor readings and serve them by sensor_data, rejecting bad ones by index', async () => {
    const t = T0 + 70 * DAY;
    const res = await A.push({
      sensors: [
        { sensor_id: a.temp, timestamp: isoZ(t), value: 21.5 },
        { sensor_id: a.temp, timestamp: t + 600_000, value: -3.25 },
        { sensor_id: MISSING, timestamp: isoZ(t), value: 1 },
        { sensor_id: a.temp, timestamp: 'noon', value: 1 },
        { sensor_id: a.temp, timestamp: isoZ(t + 1_200_000), value: 'warm' },
        { sensor_id: a.temp, timestamp: isoZ(t + 1_800_000), value: 22 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(3);
    expect(res.body.rejected.map((r: any) => [r.kind, r.index, r.reason])).toEqual([
      ['sensor', 2, 'unknown_sensor'],
      ['sensor', 3, 'bad_timestamp'],
      ['sensor', 4, 'non_finite_value'],
    ]);
    const dev = await A.dev();
    const got = await dev.get(`/${A.siteId}/sensor_data/${a.temp}?t_s=${naive(t)}&t_e=${naive(t + HOURS(1))}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual([
      { timestamp: t, value: 21.5 },
      { timestamp: t + 600_000, value: -3.25 },
      { timestamp: t + 1_800_000, value: 22 },
    ]);
    // pushed again: duplicates; another value at the same instant: conflict
    const again = await A.push({ sensors: [{ sensor_id: a.temp, timestamp: isoZ(t), value: 21.5 }, { sensor_id: a.temp, timestamp: isoZ(t), value: 30 }] });
    expect(again.body.stored).toBe(0);
    expect(again.body.duplicates).toBe(1);
    expect(again.body.rejected.map((r: any) => [r.kind, r.index, r.reason])).toEqual([['sensor', 1, 'conflict']]);
  });

  it("should reject another site's sensor", async () => {
    const res = await B.push({ sensors: [{ sensor_id: a.temp, timestamp: isoZ(T0), value: 1 }] });
    expect(res.body.stored).toBe(0);
    expect(res.body.rejected.map((r: any) => r.reason)).toEqual(['unknown_sensor']);
  });
});

describe('malformed pushes', () => {
  it('should answer 400 JSON errors for a body that is not a batch', async () => {
    for (const body of [{ meters: 'all of them' }, { meters: {} }, [1, 2]]) {
      const res = await A.push(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      errorBody(res);
    }
    const bad = await request(`${server.url}/api/gateway/v1`, 'POST', '/readings', { token: A.gatewayToken, raw: '{"meters": [', contentType: 'application/json' });
    expect(bad.status).toBe(400);
    errorBody(bad);
  });

  it('should reject timestamps before 2000 or more than a day ahead of the clock as bad_timestamp', async () => {
    const now = server.clock.now();
    const res = await A.push({
      meters: [
        { meter_id: a.apt1, timestamp: '1999-12-31T23:45:00Z', en_im: 1, en_ex: 0 },
        { meter_id: a.apt1, timestamp: isoZ(now + 2 * DAY), en_im: 1, en_ex: 0 },
      ],
    });
    expect(res.body.stored).toBe(0);
    expect(res.body.rejected.map((r: any) => r.reason)).toEqual(['bad_timestamp', 'bad_timestamp']);
  });
});

describe('guessing gateway tokens', () => {
  let own: TestServer;
  let G: PipelineSite;
  let apt = '';

  beforeAll(async () => {
    own = await startTestServer({ config: { rateLimitMax: 0, authMaxFailures: 3, authLockoutSeconds: 600 } });
    own.clock.set(Date.UTC(2024, 5, 1, 12));
    G = await createPipelineSite(own, { name: 'Lockout site' });
    apt = await G.meter({ name: 'Apt', prim_ad: 11 });
    const wrong = api(`${own.url}/api/gateway/v1`, { token: `${G.gatewayToken}-guess` });
    for (let i = 0; i < 3; i++) expect((await wrong.post('/readings', { meters: [] })).status).toBe(401);
  });

  afterAll(async () => {
    await own?.close();
  });

  const push = () => G.push({ meters: [{ meter_id: apt, timestamp: '2024-05-01T00:00:00Z', en_im: 1, en_ex: 0 }] });

  it('should lock the client address out with 429 and Retry-After after repeated wrong tokens, leaving the operator API usable', async () => {
    const res = await push();
    expect(res.status).toBe(429);
    expect(errorBody(res).error).toBe('auth.locked');
    expect(Number(res.headers.get('retry-after'))).toBe(600);
    expect((await G.admin.get('/sites')).status).toBe(200);
  });

  it('should speak of gateway tokens, not admin tokens, in the lockout message', async () => {
    const res = await push();
    expect(res.status).toBe(429);
    expect(errorBody(res).message).not.toMatch(/admin/);
    expect(errorBody(res).message).toMatch(/gateway/);
  });

  it('should let the gateway push again once the lockout has passed', async () => {
    own.clock.advance(601_000);
    const res = await push();
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(1);
  });
});
