/**
 * Every SDK method against a real server (default rate limit of 1/s), its
 * answer checked for types and compared with the raw API's answer to the
 * same request: the same rows, key order kept, plus a parsed `time`. The data
 * span the end of DST in Europe/Zurich (2024-10-27), so timestamps carry
 * both +02:00 and +01:00.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, meterShare, type KwhubClient } from '../../packages/sdk/src/index.js';
import { startTestServer, type Api, type TestServer } from '../helpers/server.js';
import { HOUR, QH, createPipelineSite, indexSeries, isoZ, naive, parseVendorTs, pushAll, singleRegisterSeries, VENDOR_TS, type PipelineSite } from '../helpers/pipeline.js';
import { rawReader, sdk, type SdkHarness } from './sdk-helpers.js';

const FROM = Date.UTC(2024, 9, 25);
const TO = Date.UTC(2024, 9, 29);
const NOW = Date.UTC(2024, 10, 1, 12);
const DAY1 = { from: new Date(Date.UTC(2024, 9, 26, 22)), to: new Date(Date.UTC(2024, 9, 27, 23)) }; // 27 October, local

let server: TestServer;
let S: PipelineSite;
let h: SdkHarness;
let client: KwhubClient;
let raw: () => Promise<Api>;
const m = { grid: '', pv: '', house: '', apt: '', common: '', cp: '', heat: '', cold: '' };
let sensor = '';
const bodies: unknown[] = [];

/** the SDK's rows without the `time` it adds */
const withoutTime = (rows: object[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'time')));

beforeAll(async () => {
  server = await startTestServer();
  server.clock.set(NOW);
  S = await createPipelineSite(server, { timezone: 'Europe/Zurich', name: 'SDK site' });
  m.grid = await S.meter({ name: 'Grid', mode: 'introduction', prim_ad: 1 });
  m.pv = await S.meter({ name: 'PV', mode: 'production', prim_ad: 2 });
  m.house = await S.meter({ name: 'House', prim_ad: 3, in_balance: false });
  m.apt = await S.meter({ name: 'Apt 1.1', prim_ad: 11 });
  m.common = await S.meter({ name: 'Common areas', prim_ad: 90, rule: `${m.house} - ${m.apt}` });
  m.cp = await S.meter({ name: 'Charge point', type: 'charge_point', prim_ad: 40 });
  m.heat = await S.meter({ name: 'Heating', type: 'heating', prim_ad: 50 });
  m.cold = await S.meter({ name: 'Cold water', type: 'cold_water', prim_ad: 61 });
  sensor = await S.sensor('Boiler');
  const pvHour = (t: number) => new Date(t).getUTCHours() >= 9 && new Date(t).getUTCHours() <= 14;
  const readings = [
    ...indexSeries(m.apt, FROM, TO, () => ({ im: 0.25, ex: 0 }), { im: 1000, ex: 0 }),
    ...indexSeries(m.house, FROM, TO, () => ({ im: 1, ex: 0 })),
    ...indexSeries(m.cp, FROM, TO, () => ({ im: 0.125, ex: 0 })),
    ...indexSeries(m.pv, FROM, TO, (t) => ({ im: 0, ex: pvHour(t) ? 1.5 : 0 })),
    ...indexSeries(m.grid, FROM, TO, (t) => (pvHour(t) ? { im: 0, ex: 0.375 } : { im: 1.125, ex: 0 }), { im: 500, ex: 70 }),
    ...singleRegisterSeries(m.heat, 'heat_energy_kwh', FROM, TO, () => 2, 4000),
    ...singleRegisterSeries(m.cold, 'vol_m3', FROM, TO, () => 0.125, 200),
  ];
  await pushAll(S, readings);
  const sensors = [];
  for (let t = Date.UTC(2024, 9, 26), i = 0; t <= Date.UTC(2024, 9, 28); t += 600_000, i++) sensors.push({ sensor_id: sensor, timestamp: t, value: 20 + (i % 5) * 0.5 });
  await S.pushOk({ sensors });
  h = sdk(server, S.developer, {
    wrap: (url, init) => {
      if (typeof init?.body === 'string' && !url.endsWith('/auth')) bodies.push(JSON.parse(init.body));
      return [url, init];
    },
  });
  client = h.client;
  raw = await rawReader(server, [S.siteId]);
});

afterAll(async () => {
  await server?.close();
});

describe('login and listings', () => {
  it('should log in lazily: creating a client sends nothing, login() answers the token and its expiry', async () => {
    expect(h.exchanges).toEqual([]);
    const t = await client.login();
    expect(typeof t.accessToken).toBe('string');
    expect(t.accessToken.split('.')).toHaveLength(3);
    expect(t.validUntil).toBeInstanceOf(Date);
    expect(t.validUntil.getTime()).toBe(server.clock.now() + 15 * 60_000);
    expect(h.exchanges.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /auth 200']);
  });

  it('should list the granted sites (all_installations)', async () => {
    const sites = await client.allInstallations();
    expect(sites).toEqual([{ site_id: S.siteId, site_ref: expect.any(String), name: 'SDK site' }]);
    expect(sites).toEqual((await (await raw()).get('/all_installations')).body);
  });

  it('should read installation_infos with its numbers as numbers', async () => {
    const info = await client.installationInfo(S.siteId);
    expect(info).toEqual((await (await raw()).get(`/installation_infos/${S.siteId}`)).body);
    expect(info.timezone).toBe('Europe/Zurich');
    expect(typeof info.address.postal_code).toBe('number');
    expect(typeof info.latitude).toBe('number');
    expect(typeof info.longitude).toBe('number');
    expect(typeof info.creation_date).toBe('string');
  });

  it('should read meter_info field for field', async () => {
    const meters = await client.meterInfo(S.siteId);
    expect(meters).toEqual((await (await raw()).get(`/meter_info/${S.siteId}`)).body);
    expect(meters).toHaveLength(8);
    for (const x of meters) {
      expect(Object.keys(x).sort()).toEqual(['id', 'is_rule_meter', 'mode', 'name', 'prim_ad', 'type']);
      expect(x.id).toMatch(/^[0-9a-f]{24}$/);
      expect(typeof x.prim_ad).toBe('number');
      expect(typeof x.is_rule_meter).toBe('boolean');
    }
    expect(meters.find((x) => x.id === m.common)).toMatchObject({ is_rule_meter: true, mode: 'consumption', type: 'electricity', prim_ad: 90 });
    expect(meters.find((x) => x.id === m.grid)).toMatchObject({ is_rule_meter: false, mode: 'introduction' });
  });

  it('should list sensors and read their epoch-ms readings with a Date each', async () => {
    expect(await client.sensorsList(S.siteId)).toEqual([{ id: sensor, name: 'Boiler', type: 'temperature', unit: '°C', model: 'PT1000' }]);
    const r = await client.sensorData(S.siteId, sensor, { from: '2024-10-27T00:00:00', to: new Date(Date.UTC(2024, 9, 27, 1)) });
    expect(r).toHaveLength(7);
    expect(withoutTime(r)).toEqual((await (await raw()).get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-10-27T00:00:00&t_e=2024-10-27T01:00:00`)).body);
    for (const x of r) {
      expect(typeof x.timestamp).toBe('number');
      expect(typeof x.value).toBe('number');
      expect(x.time.getTime()).toBe(x.timestamp);
    }
    expect(r[0].time.toISOString()).toBe('2024-10-27T00:00:00.000Z');
    // no range: the last 24 hours that hold data
    const last = await client.sensorData(S.siteId, sensor);
    expect(last[last.length - 1].time.toISOString()).toBe('2024-10-28T00:00:00.000Z');
    expect(last).toHaveLength(145);
  });
});

describe('series', () => {
  it('should read electricity site_data: every field a number, per-meter columns, time parsed from the offset', async () => {
    const rows = await client.siteData(S.siteId, 'electricity', DAY1);
    expect(rows).toHaveLength(100); // the 25-hour day
    const rawRows = (await (await raw()).post(`/site_data/${S.siteId}/electricity`, { t_s: naive(DAY1.from.getTime()), t_e: naive(DAY1.to.getTime()) })).body;
    expect(withoutTime(rows)).toEqual(rawRows);
    expect(Object.keys(rows[0])).toEqual([...Object.keys(rawRows[0]), 'time']);
    for (const r of rows) {
      expect(r.timestamp).toMatch(VENDOR_TS);
      expect(r.time.getTime()).toBe(parseVendorTs(r.timestamp));
      for (const f of ['conso_total', 'prod_total', 'from_ext', 'self', 'to_ext', 'storage_charging_total', 'storage_discharging_total', 'storage_charging_self'] as const) {
        expect(typeof r[f]).toBe('number');
      }
    }
    const noon = rows.find((r) => r.timestamp === '2024-10-27 12:15:00+01:00')!; // 11:00Z–11:15Z, a PV hour
    expect(noon.time.toISOString()).toBe('2024-10-27T11:15:00.000Z');
    expect(noon).toMatchObject({ conso_total: 1.125, prod_total: 1.5, to_ext: 0.375, self: 1.125, from_ext: 0 });
    expect(meterShare(noon, m.apt)).toEqual({ total: 0.25, self: 0.25, ext: 0 });
    expect(noon[`total_${m.common}`]).toBe(0.75);
    expect(meterShare(noon, m.pv)).toEqual({ total: 1.5 });
    expect(meterShare(noon, m.grid)).toBeUndefined();
  });

  it('should read the other types of site_data', async () => {
    const range = { from: '2024-10-27T11:00:00Z', to: '2024-10-27T11:30' };
    const cp = await client.siteData(S.siteId, 'charge_point', range);
    expect(withoutTime(cp)).toEqual([
      { conso_total: 0.125, [`ext_${m.cp}`]: 0, from_ext: 0, self: 0.125, [`self_${m.cp}`]: 0.125, [`total_${m.cp}`]: 0.125, timestamp: '2024-10-27 12:15:00+01:00' },
      { conso_total: 0.125, [`ext_${m.cp}`]: 0, from_ext: 0, self: 0.125, [`self_${m.cp}`]: 0.125, [`total_${m.cp}`]: 0.125, timestamp: '2024-10-27 12:30:00+01:00' },
    ]);
    expect(cp[0].self).toBe(0.125);
    const heat = await client.siteData(S.siteId, 'heating', { ...range, frequency: 'H' });
    expect(withoutTime(heat)).toEqual([{ conso_total: 4, [`total_${m.heat}`]: 4, timestamp: '2024-10-27 12:00:00+01:00' }]);
    expect(heat[0].time.toISOString()).toBe('2024-10-27T11:00:00.000Z');
    const water = await client.siteData(S.siteId, 'cold_water', { ...DAY1, frequency: 'D' });
    expect(withoutTime(water)).toEqual([{ conso_total: 12.5, [`total_${m.cold}`]: 12.5, timestamp: '2024-10-27 00:00:00+02:00' }]);
    expect(await client.siteData(S.siteId, 'cooling', range)).toEqual([]);
  });

  it('should read meter_data: self/ext for a consumer, total only for a producer or heat', async () => {
    const apt = await client.meterData(S.siteId, m.apt, { ...DAY1, frequency: 'D' });
    expect(withoutTime(apt)).toEqual([{ total: 25, self: expect.any(Number), ext: expect.any(Number), timestamp: '2024-10-27 00:00:00+02:00' }]);
    expect(apt[0].self! + apt[0].ext!).toBeCloseTo(25, 5);
    expect(apt[0].time.toISOString()).toBe('2024-10-26T22:00:00.000Z');
    const pv = await client.meterData(S.siteId, m.pv, { from: '2024-10-27 11:00', to: '2024-10-27 11:15' });
    expect(withoutTime(pv)).toEqual([{ total: 1.5, timestamp: '2024-10-27 12:15:00+01:00' }]);
    const common = await client.meterData(S.siteId, m.common, { from: '2024-10-27 11:00', to: '2024-10-27 11:15' });
    expect(common[0]).toMatchObject({ total: 0.75, self: 0.75, ext: 0 });
    const raw15 = (await (await raw()).post(`/meter_data/${S.siteId}/${m.apt}`, { t_s: '2024-10-27', t_e: '2024-10-28' })).body;
    expect(withoutTime(await client.meterData(S.siteId, m.apt, { from: '2024-10-27', to: '2024-10-28' }))).toEqual(raw15);
  });

  it('should read meter_data_raw at the readings own instants, registers as numbers', async () => {
    const r = await client.meterDataRaw(S.siteId, m.apt, { from: new Date(Date.UTC(2024, 9, 27)), to: new Date(Date.UTC(2024, 9, 27, 1)) });
    expect(r).toHaveLength(5);
    expect(withoutTime(r)).toEqual((await (await raw()).post(`/meter_data_raw/${S.siteId}/${m.apt}`, { t_s: '2024-10-27T00:00:00', t_e: '2024-10-27T01:00:00' })).body);
    expect(r.map((x) => x.time.toISOString())).toEqual([0, 1, 2, 3, 4].map((i) => isoZ(Date.UTC(2024, 9, 27) + i * QH)));
    expect(r[0]).toMatchObject({ en_im: 1000 + 2 * 96 * 0.25, en_ex: 0, timestamp: '2024-10-27 02:00:00+02:00' });
    expect(r[4].timestamp).toBe('2024-10-27 02:00:00+01:00');
    const heat = await client.meterDataRaw(S.siteId, m.heat, { from: '2024-10-25T00:00', to: '2024-10-25T00:00' });
    expect(withoutTime(heat)).toEqual([{ heat_energy_kwh: 4000, timestamp: '2024-10-25 02:00:00+02:00' }]);
  });
});

describe('time in and out', () => {
  it('should send every accepted form of an instant as the same tz-naive UTC t_s / t_e', async () => {
    const at = Date.UTC(2024, 9, 27, 10, 0, 0);
    const forms = [new Date(at), at, '2024-10-27T10:00:00', '2024-10-27 10:00', '2024-10-27T10:00:00.000Z', '2024-10-27T11:00:00+01:00', '2024-10-27T12:00+0200'];
    bodies.length = 0;
    for (const f of forms) await client.meterData(S.siteId, m.apt, { from: f, to: f });
    expect(bodies).toEqual(forms.map(() => ({ t_s: '2024-10-27T10:00:00', t_e: '2024-10-27T10:00:00' })));
    bodies.length = 0;
    await client.meterData(S.siteId, m.apt, { from: '2024-10-27', to: at + 999, frequency: 'H' });
    await client.meterData(S.siteId, m.apt, { from: at + 1, to: at + 1 });
    // milliseconds only when there are some: the range sent is exactly the one asked for
    expect(bodies).toEqual([
      { t_s: '2024-10-27T00:00:00', t_e: '2024-10-27T10:00:00.999', sampling_frequency: 'H' },
      { t_s: '2024-10-27T10:00:00.001', t_e: '2024-10-27T10:00:00.001' },
    ]);
  });

  it('should parse timestamps across the end of DST by their offsets: 15 minutes apart, the repeated hour told apart', async () => {
    const rows = await client.meterData(S.siteId, m.apt, { from: '2024-10-27T00:00', to: '2024-10-27T02:00' });
    expect(rows.map((r) => r.timestamp)).toEqual([
      '2024-10-27 02:15:00+02:00', '2024-10-27 02:30:00+02:00', '2024-10-27 02:45:00+02:00', '2024-10-27 02:00:00+01:00',
      '2024-10-27 02:15:00+01:00', '2024-10-27 02:30:00+01:00', '2024-10-27 02:45:00+01:00', '2024-10-27 03:00:00+01:00',
    ]);
    expect(rows.map((r) => r.time.toISOString())).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => isoZ(Date.UTC(2024, 9, 27) + i * QH)));
    const hours = await client.siteData(S.siteId, 'electricity', { ...DAY1, frequency: 'H' });
    expect(hours).toHaveLength(25);
    const twoAm = hours.filter((r) => r.timestamp.startsWith('2024-10-27 02:00:00'));
    expect(twoAm.map((r) => r.time.getTime() - DAY1.from.getTime())).toEqual([2 * HOUR, 3 * HOUR]);
    const days = await client.meterData(S.siteId, m.apt, { from: '2024-10-25T22:00', to: '2024-10-28T23:00', frequency: 'D' });
    expect(days.map((d) => [d.timestamp, d.time.toISOString(), d.total])).toEqual([
      ['2024-10-26 00:00:00+02:00', '2024-10-25T22:00:00.000Z', 24],
      ['2024-10-27 00:00:00+02:00', '2024-10-26T22:00:00.000Z', 25],
      ['2024-10-28 00:00:00+01:00', '2024-10-27T23:00:00.000Z', 24],
    ]);
  });

  it('should work with the default clock, sleep and fetch (real time)', async () => {
    const plain = createClient({ baseUrl: `${server.url}/api/v1/`, username: S.developer.username, password: S.developer.password });
    expect(await plain.sensorsList(S.siteId)).toHaveLength(1);
  });
});
