/**
 * The developer API's time series (site_data, meter_data, meter_data_raw,
 * sensor_data) over a small site whose meters were pushed through the
 * gateway with known constant rates, so that every answer can be checked by
 * hand. The data spans 2024-03-28 to 2024-10-29 (both Europe/Zurich DST
 * changes); the test clock is set after it.
 *
 * Per 15-minute interval, by UTC hour h of its start:
 *   apt1 0.25, apt2 0.5, house 1.0 (out of balance) → common = house − apt1 − apt2 = 0.25,
 *   charge point 0.125: consumers sum to 1.125 kWh;
 *   PV 1.5 in h 9–14; battery charges 0.25 in h 9–14 and discharges 0.125 in h 18–21;
 *   grid (introduction): export 0.125 in h 9–14, import 1.0 in h 18–21, import 1.125 otherwise;
 *   heating 2 kWh, hot water 0.0625 m³, cold water 0.125 m³.
 * All are binary fractions: every index and every difference is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, login, devApi, startTestServer, type Api, type ApiResponse, type TestServer } from '../helpers/server.js';
import {
  DAY, HOUR, QH, createPipelineSite, expectAllocationIdentities, expectAtMostSixDecimals, groupRows, indexSeries, isoZ, naive, numbers,
  parseVendorTs, periodLabel, pushAll, rows, singleRegisterSeries, VENDOR_TS, type Freq, type PipelineSite, type Row,
} from '../helpers/pipeline.js';

const ZONE = 'Europe/Zurich';
const FROM = Date.UTC(2024, 2, 28); // first reading
const TO = Date.UTC(2024, 9, 29); // last reading
const NOW = Date.UTC(2024, 10, 1);
const FULL = { t_s: naive(FROM), t_e: naive(TO) };

const hourOf = (t: number) => new Date(t).getUTCHours();
const pvHour = (t: number) => hourOf(t) >= 9 && hourOf(t) <= 14;
const dischargeHour = (t: number) => hourOf(t) >= 18 && hourOf(t) <= 21;

let server: TestServer;
let S: PipelineSite;
let other: PipelineSite;
let dev: Api;
const m = { grid: '', pv: '', apt1: '', apt2: '', battery: '', house: '', common: '', cp: '', heat: '', hot: '', cold: '' };
let otherMeter = '';
let sensor = '';
let pushed: Record<string, Record<string, unknown>[]> = {};
const CONSUMERS = () => [m.apt1, m.apt2, m.common, m.cp];

/** developer API call (POST with a JSON body, or GET with a query when `get`) */
async function call(path: string, body?: Record<string, unknown>, get = false): Promise<ApiResponse> {
  if (get) {
    const q = new URLSearchParams(Object.entries(body ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return dev.get(q ? `${path}?${q}` : path);
  }
  return dev.post(path, body);
}
const siteData = (type: string, body?: Record<string, unknown>) => call(`/site_data/${S.siteId}/${type}`, body);
const meterData = (meter: string, body?: Record<string, unknown>) => call(`/meter_data/${S.siteId}/${meter}`, body);
const rawData = (meter: string, body?: Record<string, unknown>) => call(`/meter_data_raw/${S.siteId}/${meter}`, body);

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(NOW);
  S = await createPipelineSite(server, { timezone: ZONE, name: 'Series site' });
  m.grid = await S.meter({ name: 'Grid', mode: 'introduction', prim_ad: 1 });
  m.pv = await S.meter({ name: 'PV', mode: 'production', prim_ad: 2 });
  m.house = await S.meter({ name: 'House', mode: 'consumption', prim_ad: 3, in_balance: false });
  m.battery = await S.meter({ name: 'Battery', mode: 'battery', prim_ad: 5 });
  m.apt1 = await S.meter({ name: 'Apt 1', prim_ad: 11 });
  m.apt2 = await S.meter({ name: 'Apt 2', prim_ad: 12 });
  m.common = await S.meter({ name: 'Common areas', prim_ad: 90, rule: `${m.house} - ${m.apt1} - ${m.apt2}` });
  m.cp = await S.meter({ name: 'Charge point', type: 'charge_point', prim_ad: 40 });
  m.heat = await S.meter({ name: 'Heating', type: 'heating', prim_ad: 50 });
  m.hot = await S.meter({ name: 'Hot water', type: 'hot_water', prim_ad: 60 });
  m.cold = await S.meter({ name: 'Cold water', type: 'cold_water', prim_ad: 61 });
  sensor = await S.sensor('Boiler');

  const e = (im: number, ex = 0) => ({ im, ex });
  pushed = {
    [m.apt1]: indexSeries(m.apt1, FROM, TO, () => e(0.25), { im: 1000, ex: 0 }),
    [m.apt2]: indexSeries(m.apt2, FROM, TO, () => e(0.5), { im: 2000, ex: 3 }),
    [m.house]: indexSeries(m.house, FROM, TO, () => e(1)),
    [m.cp]: indexSeries(m.cp, FROM, TO, () => e(0.125)),
    [m.pv]: indexSeries(m.pv, FROM, TO, (t) => e(0, pvHour(t) ? 1.5 : 0), { im: 0.5, ex: 10_000 }),
    [m.battery]: indexSeries(m.battery, FROM, TO, (t) => e(pvHour(t) ? 0.25 : 0, dischargeHour(t) ? 0.125 : 0)),
    [m.grid]: indexSeries(m.grid, FROM, TO, (t) => (pvHour(t) ? e(0, 0.125) : dischargeHour(t) ? e(1) : e(1.125)), { im: 50_000, ex: 7_000 }),
    [m.heat]: singleRegisterSeries(m.heat, 'heat_energy_kwh', FROM, TO, () => 2, 4000),
    [m.hot]: singleRegisterSeries(m.hot, 'vol_m3', FROM, TO, () => 0.0625, 100),
    [m.cold]: singleRegisterSeries(m.cold, 'vol_m3', FROM, TO, () => 0.125, 200),
  };
  const all = Object.values(pushed).flat();
  expect(all).toHaveLength(10 * (215 * 96 + 1));
  expect(await pushAll(S, all)).toBe(all.length);

  // sensor readings every 10 minutes, ending a week before now
  const sensors = [];
  for (let t = Date.UTC(2024, 9, 20), i = 0; t <= Date.UTC(2024, 9, 25); t += 600_000, i++) sensors.push({ sensor_id: sensor, timestamp: t, value: 20 + (i % 7) * 0.5 });
  expect((await S.pushOk({ sensors })).stored).toBe(721);

  other = await createPipelineSite(server, { name: 'Other site' });
  otherMeter = await other.meter({ name: 'Other apt', prim_ad: 11 });
  dev = await S.dev();
});

afterAll(async () => {
  await server?.close();
});

const sortedKeys = (...keys: string[]) => [...keys].sort().concat('timestamp');

describe('site_data fields', () => {
  it('should give electricity rows exactly the documented fields, per consumer incl. the rule meter and the charge point', async () => {
    const r = rows(await siteData('electricity', { t_s: '2024-06-01T10:00', t_e: '2024-06-01T11:00' }));
    expect(r).toHaveLength(4);
    const expected = sortedKeys(
      'conso_total', 'prod_total', 'from_ext', 'self', 'to_ext', 'storage_charging_total', 'storage_discharging_total', 'storage_charging_self',
      ...CONSUMERS().flatMap((id) => [`total_${id}`, `self_${id}`, `ext_${id}`]),
      `total_${m.pv}`,
    );
    for (const row of r) expect(Object.keys(row)).toEqual(expected);
    // no column for the introduction meter, the battery, the group meter, heat or water
    for (const id of [m.grid, m.battery, m.house, m.heat, m.hot, m.cold]) expect(Object.keys(r[0]).some((k) => k.includes(id))).toBe(false);
  });

  it('should give charge_point rows conso_total, self, from_ext and per-meter total_/self_/ext_', async () => {
    const r = rows(await siteData('charge_point', { t_s: '2024-06-01T10:00', t_e: '2024-06-01T11:00' }));
    expect(r).toHaveLength(4);
    for (const row of r) expect(Object.keys(row)).toEqual(sortedKeys('conso_total', 'self', 'from_ext', `total_${m.cp}`, `self_${m.cp}`, `ext_${m.cp}`));
    // 10:00Z is a PV hour: the charge point is covered locally
    expect(r[0]).toEqual({ conso_total: 0.125, [`ext_${m.cp}`]: 0, from_ext: 0, self: 0.125, [`self_${m.cp}`]: 0.125, [`total_${m.cp}`]: 0.125, timestamp: '2024-06-01 12:15:00+02:00' });
  });

  it('should give heating, hot_water and cold_water rows conso_total and total_<id> only, and cooling no rows', async () => {
    const range = { t_s: '2024-06-01T10:00', t_e: '2024-06-01T10:30' };
    expect(rows(await siteData('heating', range))).toEqual([
      { conso_total: 2, [`total_${m.heat}`]: 2, timestamp: '2024-06-01 12:15:00+02:00' },
      { conso_total: 2, [`total_${m.heat}`]: 2, timestamp: '2024-06-01 12:30:00+02:00' },
    ]);
    expect(rows(await siteData('hot_water', range))).toEqual([
      { conso_total: 0.0625, [`total_${m.hot}`]: 0.0625, timestamp: '2024-06-01 12:15:00+02:00' },
      { conso_total: 0.0625, [`total_${m.hot}`]: 0.0625, timestamp: '2024-06-01 12:30:00+02:00' },
    ]);
    expect(rows(await siteData('cold_water', range))).toEqual([
      { conso_total: 0.125, [`total_${m.cold}`]: 0.125, timestamp: '2024-06-01 12:15:00+02:00' },
      { conso_total: 0.125, [`total_${m.cold}`]: 0.125, timestamp: '2024-06-01 12:30:00+02:00' },
    ]);
    expect(rows(await siteData('cooling', range))).toEqual([]);
    // a day of water is 96 slices
    const d = rows(await siteData('cold_water', { t_s: '2024-06-01T22:00', t_e: '2024-06-02T22:00', sampling_frequency: 'D' }));
    expect(d).toEqual([{ conso_total: 12, [`total_${m.cold}`]: 12, timestamp: '2024-06-02 00:00:00+02:00' }]);
  });

  it('should compute the three kinds of interval by hand: PV surplus with charging, battery discharge, grid only', async () => {
    const one = async (t: number) => rows(await siteData('electricity', { t_s: naive(t), t_e: naive(t + QH) }))[0];
    const byId = (row: Row, id: string) => [row[`total_${id}`], row[`self_${id}`], row[`ext_${id}`]];

    const pv = await one(Date.UTC(2024, 5, 1, 10));
    expect(numbers(pv)).toMatchObject({
      conso_total: 1.125, prod_total: 1.5, from_ext: 0, to_ext: 0.125, self: 1.125,
      storage_charging_total: 0.25, storage_discharging_total: 0, storage_charging_self: 0.25, [`total_${m.pv}`]: 1.5,
    });
    expect(byId(pv, m.apt1)).toEqual([0.25, 0.25, 0]);
    expect(byId(pv, m.common)).toEqual([0.25, 0.25, 0]);

    const evening = await one(Date.UTC(2024, 5, 1, 19, 30));
    expect(evening.timestamp).toBe('2024-06-01 21:45:00+02:00');
    expect(numbers(evening)).toMatchObject({
      conso_total: 1.125, prod_total: 0, from_ext: 1, to_ext: 0, self: 0.125,
      storage_charging_total: 0, storage_discharging_total: 0.125, storage_charging_self: 0, [`total_${m.pv}`]: 0,
    });
    // shares proportional: self_i = 0.125 × C_i / 1.125 = C_i / 9
    expect(byId(evening, m.apt1)).toEqual([0.25, 0.027778, 0.222222]);
    expect(byId(evening, m.apt2)).toEqual([0.5, 0.055556, 0.444444]);
    expect(byId(evening, m.cp)).toEqual([0.125, 0.013889, 0.111111]);

    const night = await one(Date.UTC(2024, 5, 1, 2));
    expect(numbers(night)).toMatchObject({ conso_total: 1.125, prod_total: 0, from_ext: 1.125, to_ext: 0, self: 0, storage_charging_self: 0 });
    expect(byId(night, m.apt2)).toEqual([0.5, 0, 0.5]);
  });

  it('should give a full local day the hand-computed sums', async () => {
    const d = rows(await siteData('electricity', { t_s: '2024-06-14T22:00', t_e: '2024-06-15T22:00', sampling_frequency: 'D' }));
    expect(d).toHaveLength(1);
    expect(d[0].timestamp).toBe('2024-06-15 00:00:00+02:00');
    // 24 PV intervals, 16 discharge intervals, 56 grid-only intervals
    expect(numbers(d[0])).toMatchObject({
      conso_total: 108, prod_total: 36, from_ext: 79, to_ext: 3, self: 29,
      storage_charging_total: 6, storage_discharging_total: 2, storage_charging_self: 6,
      [`total_${m.apt1}`]: 24, [`self_${m.apt1}`]: 6.444444, [`ext_${m.apt1}`]: 17.555556,
      [`total_${m.common}`]: 24, [`total_${m.apt2}`]: 48, [`total_${m.cp}`]: 12, [`total_${m.pv}`]: 36,
    });
  });
});

describe('allocation identities and sums at every frequency', () => {
  const answers = new Map<Freq, { text: string; rows: Row[] }>();

  beforeAll(async () => {
    for (const freq of ['15T', 'H', 'D', 'M', 'Y'] as const) {
      const res = await siteData('electricity', { ...FULL, sampling_frequency: freq });
      answers.set(freq, { text: res.text, rows: rows(res) });
    }
  });

  it('should serve every 15-minute interval of the data (215 days)', () => {
    expect(answers.get('15T')!.rows).toHaveLength(215 * 96);
  });

  for (const freq of ['15T', 'H', 'D', 'M', 'Y'] as const) {
    it(`should hold the allocation.md identities on every ${freq} row`, () => {
      const list = answers.get(freq)!.rows;
      expect(list.length).toBeGreaterThan(0);
      for (const row of list) expectAllocationIdentities(row, CONSUMERS(), 5e-6);
    });

    it(`should round every ${freq} value to at most 6 decimals`, () => {
      expectAtMostSixDecimals(answers.get(freq)!.text);
    });
  }

  for (const freq of ['H', 'D', 'M', 'Y'] as const) {
    it(`should make each ${freq} row the sum of its 15T rows, labelled with the local period start`, () => {
      const groups = groupRows(answers.get('15T')!.rows, freq, ZONE);
      const coarse = answers.get(freq)!.rows;
      expect(coarse.map((r) => r.timestamp)).toEqual([...groups.keys()]);
      for (const r of coarse) {
        const g = groups.get(r.timestamp)!;
        expect(Object.keys(r)).toEqual(Object.keys(answers.get('15T')!.rows[0]));
        for (const [k, v] of Object.entries(numbers(r))) {
          expect(Math.abs(v - g.sums[k]), `${freq} ${r.timestamp} ${k}`).toBeLessThanOrEqual(g.count * 5e-7 + 1e-9);
        }
      }
    });
  }

  it('should label M and Y rows with the start of the local month and year', () => {
    expect(answers.get('M')!.rows.map((r) => r.timestamp)).toEqual([
      '2024-03-01 00:00:00+01:00', '2024-04-01 00:00:00+02:00', '2024-05-01 00:00:00+02:00', '2024-06-01 00:00:00+02:00',
      '2024-07-01 00:00:00+02:00', '2024-08-01 00:00:00+02:00', '2024-09-01 00:00:00+02:00', '2024-10-01 00:00:00+02:00',
    ]);
    const y = answers.get('Y')!.rows;
    expect(y.map((r) => r.timestamp)).toEqual(['2024-01-01 00:00:00+01:00']);
    expect(y[0][`total_${m.apt1}`]).toBe(215 * 96 * 0.25);
    expect(y[0].conso_total).toBe(215 * 96 * 1.125);
    // June (30 full days) by hand
    const june = answers.get('M')!.rows[3];
    expect(numbers(june)).toMatchObject({ conso_total: 30 * 108, prod_total: 30 * 36, from_ext: 30 * 79, to_ext: 30 * 3, self: 30 * 29 });
  });
});

describe('timestamps', () => {
  it('should mark the end of the interval at 15T and the start of the local period at H, D, M, Y', async () => {
    const range = { t_s: '2024-06-01T10:00', t_e: '2024-06-01T11:00' };
    expect(rows(await siteData('electricity', range)).map((r) => r.timestamp)).toEqual([
      '2024-06-01 12:15:00+02:00', '2024-06-01 12:30:00+02:00', '2024-06-01 12:45:00+02:00', '2024-06-01 13:00:00+02:00',
    ]);
    expect(rows(await siteData('electricity', { ...range, sampling_frequency: 'H' })).map((r) => r.timestamp)).toEqual(['2024-06-01 12:00:00+02:00']);
    expect(rows(await siteData('electricity', { ...range, sampling_frequency: 'D' })).map((r) => r.timestamp)).toEqual(['2024-06-01 00:00:00+02:00']);
    expect(rows(await siteData('electricity', { ...range, sampling_frequency: 'M' })).map((r) => r.timestamp)).toEqual(['2024-06-01 00:00:00+02:00']);
    expect(rows(await siteData('electricity', { ...range, sampling_frequency: 'Y' })).map((r) => r.timestamp)).toEqual(['2024-01-01 00:00:00+01:00']);
    for (const r of rows(await siteData('heating', { ...FULL, sampling_frequency: 'D' }))) expect(r.timestamp).toMatch(VENDOR_TS);
  });

  it('should use winter offsets in winter', async () => {
    const r = rows(await siteData('electricity', { t_s: '2024-10-28T12:00', t_e: '2024-10-28T12:15' }));
    expect(r.map((x) => x.timestamp)).toEqual(['2024-10-28 13:15:00+01:00']);
  });

  it('should label the spring-forward night without the missing hour', async () => {
    const r = rows(await siteData('electricity', { t_s: '2024-03-31T00:15', t_e: '2024-03-31T01:30' }));
    expect(r.map((x) => x.timestamp)).toEqual([
      '2024-03-31 01:30:00+01:00', '2024-03-31 01:45:00+01:00', '2024-03-31 03:00:00+02:00', '2024-03-31 03:15:00+02:00', '2024-03-31 03:30:00+02:00',
    ]);
    const h = rows(await siteData('electricity', { t_s: '2024-03-31T00:00', t_e: '2024-03-31T02:00', sampling_frequency: 'H' }));
    expect(h.map((x) => x.timestamp)).toEqual(['2024-03-31 01:00:00+01:00', '2024-03-31 03:00:00+02:00']);
  });

  it('should label the fall-back night with the repeated hour twice, once per offset', async () => {
    const r = rows(await siteData('electricity', { t_s: '2024-10-27T00:30', t_e: '2024-10-27T01:30' }));
    expect(r.map((x) => x.timestamp)).toEqual([
      '2024-10-27 02:45:00+02:00', '2024-10-27 02:00:00+01:00', '2024-10-27 02:15:00+01:00', '2024-10-27 02:30:00+01:00',
    ]);
    const h = rows(await siteData('electricity', { t_s: '2024-10-26T23:00', t_e: '2024-10-27T02:00', sampling_frequency: 'H' }));
    expect(h.map((x) => x.timestamp)).toEqual(['2024-10-27 01:00:00+02:00', '2024-10-27 02:00:00+02:00', '2024-10-27 02:00:00+01:00']);
    expect(h.map((x) => x[`total_${m.apt1}`])).toEqual([1, 1, 1]);
  });

  for (const [day, quarters, startUtc, endUtc] of [
    ['2024-03-31', 92, '2024-03-30T23:00', '2024-03-31T22:00'],
    ['2024-10-27', 100, '2024-10-26T22:00', '2024-10-27T23:00'],
  ] as const) {
    it(`should make the DST day ${day} sum ${quarters} quarter-hours at D`, async () => {
      const wide = { t_s: naive(Date.parse(`${startUtc}Z`) - DAY), t_e: naive(Date.parse(`${endUtc}Z`) + DAY) };
      const d = rows(await siteData('electricity', { ...wide, sampling_frequency: 'D' }));
      const row = d.find((r) => r.timestamp.startsWith(day))!;
      expect(row.timestamp).toBe(`${day} 00:00:00+0${day.endsWith('31') ? 1 : 2}:00`);
      expect(row[`total_${m.apt1}`]).toBe(quarters * 0.25);
      expect(row.conso_total).toBe(quarters * 1.125);
      const md = rows(await meterData(m.apt1, { ...wide, sampling_frequency: 'D' })).find((r) => r.timestamp === row.timestamp)!;
      expect(md.total).toBe(quarters * 0.25);
      const heat = rows(await siteData('heating', { ...wide, sampling_frequency: 'D' })).find((r) => r.timestamp === row.timestamp)!;
      expect(heat.conso_total).toBe(quarters * 2);
      // the 15T rows of the local day, and its hours
      const q = rows(await siteData('electricity', { t_s: startUtc, t_e: endUtc }));
      expect(q).toHaveLength(quarters);
      expect(q.every((r) => periodLabel(parseVendorTs(r.timestamp) - QH, 'D', ZONE) === row.timestamp)).toBe(true);
      const h = rows(await siteData('electricity', { t_s: startUtc, t_e: endUtc, sampling_frequency: 'H' }));
      expect(h).toHaveLength(quarters / 4);
      expect(rows(await siteData('electricity', { t_s: startUtc, t_e: endUtc, sampling_frequency: 'D' }))).toEqual([row]);
    });
  }
});

describe('the requested range', () => {
  it('should select only the intervals lying entirely inside [t_s, t_e]', async () => {
    const r = rows(await siteData('electricity', { t_s: '2024-06-01T10:05', t_e: '2024-06-01T11:10' }));
    // 10:15–10:30, 10:30–10:45, 10:45–11:00; 11:00–11:15 ends after t_e, 10:00–10:15 starts before t_s
    expect(r.map((x) => x.timestamp)).toEqual(['2024-06-01 12:30:00+02:00', '2024-06-01 12:45:00+02:00', '2024-06-01 13:00:00+02:00']);
    const h = rows(await siteData('electricity', { t_s: '2024-06-01T10:05', t_e: '2024-06-01T11:10', sampling_frequency: 'H' }));
    // the hour cut by the range holds only its covered part
    expect(h).toHaveLength(1);
    expect(h[0][`total_${m.apt1}`]).toBe(0.75);
    expect(rows(await siteData('electricity', { t_s: '2024-06-01T10:05', t_e: '2024-06-01T10:25' }))).toEqual([]);
    expect(rows(await siteData('electricity', { t_s: '2024-06-01T10:00', t_e: '2024-06-01T10:00' }))).toEqual([]);
  });

  it('should accept YYYY-MM-DD, THH:MM, a space, seconds, fractions, Z and offsets as the same instants', async () => {
    const want = (await siteData('electricity', { t_s: '2024-06-01T10:00:00', t_e: '2024-06-01T11:00:00' })).text;
    expect(JSON.parse(want)).toHaveLength(4);
    for (const [tS, tE] of [
      ['2024-06-01T10:00', '2024-06-01T11:00'],
      ['2024-06-01 10:00', '2024-06-01 11:00'],
      ['2024-06-01 10:00:00', '2024-06-01 11:00:00'],
      ['2024-06-01T10:00:00.000000', '2024-06-01T11:00:00.000'],
      ['2024-06-01T10:00:00Z', '2024-06-01T11:00Z'],
      ['2024-06-01T12:00:00+02:00', '2024-06-01T13:00+02:00'],
      ['2024-06-01T09:00:00-01:00', '2024-06-01T11:00:00+00:00'],
      ['2024-06-01T09:50', '2024-06-01T11:14:59.999'],
    ]) {
      const res = await siteData('electricity', { t_s: tS, t_e: tE });
      expect(res.status, `${tS} ${tE}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(res.text, `${tS} ${tE}`).toBe(want);
    }
    const days = rows(await siteData('electricity', { t_s: '2024-06-01', t_e: '2024-06-02' }));
    expect(days).toHaveLength(96);
    expect(days[0].timestamp).toBe('2024-06-01 02:15:00+02:00');
    expect(days[95].timestamp).toBe('2024-06-02 02:00:00+02:00');
  });

  it('should answer an empty list for a range without data', async () => {
    expect(rows(await siteData('electricity', { t_s: '2023-01-01', t_e: '2023-02-01' }))).toEqual([]);
    expect(rows(await meterData(m.apt1, { t_s: '2024-10-30', t_e: '2024-10-31' }))).toEqual([]);
  });
});

describe('defaults and lenience', () => {
  const INSIDE = Date.UTC(2024, 5, 15, 10, 7);

  async function at<T>(now: number, fn: () => Promise<T>): Promise<T> {
    server.clock.set(now);
    const saved = dev;
    dev = await S.dev();
    try {
      return await fn();
    } finally {
      server.clock.set(NOW);
      dev = saved;
    }
  }

  it('should serve the last 24 hours before now when no range is given', async () => {
    await at(INSIDE, async () => {
      const r = rows(await siteData('electricity'));
      // now − 24 h = 06-14 10:07Z → first whole interval 10:15Z; now 10:07Z → last interval ends 10:00Z
      expect(r).toHaveLength(95);
      expect(r[0].timestamp).toBe('2024-06-14 12:30:00+02:00');
      expect(r[94].timestamp).toBe('2024-06-15 12:00:00+02:00');
      // t_e alone: t_s = t_e − 24 h = 06-14 10:00Z → one interval more at the start
      const only = rows(await siteData('electricity', { t_e: '2024-06-15T10:00' }));
      expect(only).toHaveLength(96);
      expect(only[0].timestamp).toBe('2024-06-14 12:15:00+02:00');
      expect(only.slice(1)).toEqual(r);
    });
  });

  it('should treat a missing body, an empty body, {} and null fields as no parameters, and ignore unknown fields', async () => {
    await at(INSIDE, async () => {
      const path = `/site_data/${S.siteId}/electricity`;
      const want = (await dev.post(path)).text;
      expect(JSON.parse(want)).toHaveLength(95);
      const variants: ApiResponse[] = [
        await dev.post(path, {}),
        await dev.post(path, { t_s: null, t_e: null, sampling_frequency: null }),
        await dev.post(path, { foo: 'bar', nested: { a: 1 } }),
        await dev.post(path, undefined, { raw: '', contentType: 'application/json' }),
        await dev.post(path, undefined, { raw: '   ', contentType: 'application/json' }),
        await dev.get(path),
      ];
      for (const res of variants) {
        expect(res.status, res.text.slice(0, 200)).toBe(200);
        expect(res.text).toBe(want);
      }
      const md = (await dev.post(`/meter_data/${S.siteId}/${m.apt1}`)).text;
      expect(JSON.parse(md)).toHaveLength(95);
      expect((await dev.get(`/meter_data/${S.siteId}/${m.apt1}`)).text).toBe(md);
      // raw readings: instants in [now − 24 h, now] = 06-14 10:07Z … 06-15 10:07Z → 10:15Z … 10:00Z
      const raw = rows(await dev.post(`/meter_data_raw/${S.siteId}/${m.apt1}`));
      expect(raw).toHaveLength(96);
      expect(raw[0].timestamp).toBe('2024-06-14 12:15:00+02:00');
      expect(raw[95].timestamp).toBe('2024-06-15 12:00:00+02:00');
      expect((await dev.get(`/meter_data_raw/${S.siteId}/${m.apt1}`)).body).toEqual(raw);
    });
  });

  it('should ignore unknown fields next to given ones', async () => {
    const base = { t_s: '2024-06-01T10:00', t_e: '2024-06-01T12:00', sampling_frequency: 'H' };
    const want = (await siteData('electricity', base)).text;
    expect((await siteData('electricity', { ...base, limit: 5, meter_type: 'heating', t_x: 'y' })).text).toBe(want);
  });

  it('should answer GET with query parameters exactly like POST with the same body', async () => {
    for (const body of [
      { t_s: '2024-06-01T10:00', t_e: '2024-06-01T12:00' },
      { t_s: '2024-06-01 10:00:00', t_e: '2024-06-02', sampling_frequency: 'H' },
      { ...FULL, sampling_frequency: 'M' },
    ]) {
      for (const path of [`/site_data/${S.siteId}/electricity`, `/site_data/${S.siteId}/charge_point`, `/meter_data/${S.siteId}/${m.apt2}`, `/meter_data/${S.siteId}/${m.heat}`]) {
        const post = await call(path, body);
        const get = await call(path, body, true);
        expect(post.status).toBe(200);
        expect(get.text, `${path} ${JSON.stringify(body)}`).toBe(post.text);
      }
    }
    const post = await call(`/meter_data_raw/${S.siteId}/${m.apt1}`, { t_s: '2024-06-01T10:00', t_e: '2024-06-01T11:00' });
    expect((await call(`/meter_data_raw/${S.siteId}/${m.apt1}`, { t_s: '2024-06-01T10:00', t_e: '2024-06-01T11:00' }, true)).text).toBe(post.text);
  });
});

describe('bad parameters', () => {
  async function expect400(res: ApiResponse, param: string): Promise<void> {
    expect(res.status, res.text).toBe(400);
    const e = errorBody(res);
    expect(e.error).toBe('param.invalid');
    expect(e.message).toContain(param);
  }

  it('should answer 400 naming t_s or t_e for malformed instants', async () => {
    for (const bad of ['yesterday', '2024-13-01', '2024-02-30', '2024-06-01T25:00', '01.06.2024', '2024-06-01T10', '']) {
      await expect400(await siteData('electricity', { t_s: bad }), 't_s');
      await expect400(await siteData('electricity', { t_e: bad }), 't_e');
    }
    await expect400(await siteData('electricity', { t_s: 1717200000000 }), 't_s');
    await expect400(await siteData('electricity', { t_e: ['2024-06-01'] }), 't_e');
    await expect400(await call(`/site_data/${S.siteId}/electricity`, { t_s: 'yesterday' }, true), 't_s');
    await expect400(await meterData(m.apt1, { t_e: 'soon' }), 't_e');
    await expect400(await rawData(m.apt1, { t_s: 'soon' }), 't_s');
    await expect400(await dev.get(`/${S.siteId}/sensor_data/${sensor}?t_e=soon`), 't_e');
  });

  it('should answer 400 naming t_s when t_s is after t_e', async () => {
    await expect400(await siteData('electricity', { t_s: '2024-06-02', t_e: '2024-06-01' }), 't_s');
    await expect400(await meterData(m.apt1, { t_s: '2024-06-02', t_e: '2024-06-01' }), 't_s');
    await expect400(await rawData(m.apt1, { t_s: '2024-06-02', t_e: '2024-06-01' }), 't_s');
    await expect400(await dev.get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-06-02&t_e=2024-06-01`), 't_s');
  });

  it('should answer 400 naming sampling_frequency for an unknown frequency', async () => {
    for (const bad of ['W', 'h', '15min', '1H', 15, true]) {
      await expect400(await siteData('electricity', { sampling_frequency: bad }), 'sampling_frequency');
    }
    await expect400(await meterData(m.apt1, { sampling_frequency: 'W' }), 'sampling_frequency');
  });

  it('should answer 400 naming meter_type for an unknown meter type', async () => {
    for (const bad of ['gas', 'Electricity', 'water']) await expect400(await siteData(bad, {}), 'meter_type');
  });

  it('should answer 400 for a body that is not an object', async () => {
    const res = await dev.post(`/site_data/${S.siteId}/electricity`, ['2024-06-01']);
    expect(res.status).toBe(400);
    errorBody(res);
  });
});

describe('meter_data', () => {
  const range = { t_s: '2024-06-01T19:00', t_e: '2024-06-01T19:30' };

  it('should give a consumer {total, self, ext, timestamp} with total = self + ext', async () => {
    const r = rows(await meterData(m.apt1, range));
    expect(r).toEqual([
      { total: 0.25, self: 0.027778, ext: 0.222222, timestamp: '2024-06-01 21:15:00+02:00' },
      { total: 0.25, self: 0.027778, ext: 0.222222, timestamp: '2024-06-01 21:30:00+02:00' },
    ]);
    for (const row of r) expect(Object.keys(row)).toEqual(['total', 'self', 'ext', 'timestamp']);
    const cp = rows(await meterData(m.cp, { t_s: '2024-06-01T10:00', t_e: '2024-06-01T10:15' }));
    expect(cp).toEqual([{ total: 0.125, self: 0.125, ext: 0, timestamp: '2024-06-01 12:15:00+02:00' }]);
  });

  it('should give the rule meter house − apt1 − apt2 as a consumer', async () => {
    const r = rows(await meterData(m.common, range));
    expect(r).toEqual([
      { total: 0.25, self: 0.027778, ext: 0.222222, timestamp: '2024-06-01 21:15:00+02:00' },
      { total: 0.25, self: 0.027778, ext: 0.222222, timestamp: '2024-06-01 21:30:00+02:00' },
    ]);
  });

  it('should give producers, heat and water meters {total, timestamp}', async () => {
    expect(rows(await meterData(m.pv, { t_s: '2024-06-01T14:45', t_e: '2024-06-01T15:15' }))).toEqual([
      { total: 1.5, timestamp: '2024-06-01 17:00:00+02:00' },
      { total: 0, timestamp: '2024-06-01 17:15:00+02:00' },
    ]);
    expect(rows(await meterData(m.heat, range)).map((r) => Object.keys(r))).toEqual([['total', 'timestamp'], ['total', 'timestamp']]);
    expect(rows(await meterData(m.heat, range)).map((r) => r.total)).toEqual([2, 2]);
    expect(rows(await meterData(m.hot, range)).map((r) => r.total)).toEqual([0.0625, 0.0625]);
    expect(rows(await meterData(m.cold, { ...range, sampling_frequency: 'H' }))).toEqual([{ total: 0.25, timestamp: '2024-06-01 21:00:00+02:00' }]);
  });

  it('should sum a consumer per day and month', async () => {
    const d = rows(await meterData(m.apt1, { t_s: '2024-06-14T22:00', t_e: '2024-06-15T22:00', sampling_frequency: 'D' }));
    expect(d).toEqual([{ total: 24, self: 6.444444, ext: 17.555556, timestamp: '2024-06-15 00:00:00+02:00' }]);
    const mo = rows(await meterData(m.apt2, { t_s: '2024-05-31T22:00', t_e: '2024-06-30T22:00', sampling_frequency: 'M' }));
    // a day: 24 PV intervals fully local (12) + 16 discharge intervals at 1/9 (0.888889); June has 30 such days
    expect(mo).toEqual([{ total: 1440, self: 386.666667, ext: 1053.333333, timestamp: '2024-06-01 00:00:00+02:00' }]);
  });

  it('should answer 404 for an unknown meter, a malformed id and a meter of another site', async () => {
    for (const id of ['ffffffffffffffffffffffff', 'not-a-meter', otherMeter]) {
      const res = await meterData(id, {});
      expect(res.status, id).toBe(404);
      expect(errorBody(res).error).toBe('meter.not_found');
    }
    // the other site itself is not granted to this developer
    const res = await dev.post(`/meter_data/${other.siteId}/${otherMeter}`, {});
    expect(res.status).toBe(404);
    expect(errorBody(res).error).toBe('site.not_found');
  });
});

describe('meter_data_raw', () => {
  const t = Date.UTC(2024, 5, 1, 10);
  const range = { t_s: naive(t), t_e: naive(t + HOUR) };

  function expectedRaw(meter: string, regs: string[]): Record<string, unknown>[] {
    return pushed[meter]
      .filter((r) => Date.parse(r.timestamp as string) >= t && Date.parse(r.timestamp as string) <= t + HOUR)
      .map((r) => ({ ...Object.fromEntries(regs.map((k) => [k, r[k]])), timestamp: periodLabel(Date.parse(r.timestamp as string) - QH, '15T', ZONE) }));
  }

  it('should return exactly en_im, en_ex and timestamp for electricity, as pushed, at the readings’ own instants (both ends included)', async () => {
    const r = rows(await rawData(m.apt2, range));
    expect(r).toHaveLength(5);
    expect(r).toEqual(expectedRaw(m.apt2, ['en_im', 'en_ex']));
    expect(r[0]).toEqual({ en_im: r[0].en_im, en_ex: 3, timestamp: '2024-06-01 12:00:00+02:00' });
    for (const row of r) expect(Object.keys(row)).toEqual(['en_im', 'en_ex', 'timestamp']);
    const idx = pushed[m.apt2].findIndex((x) => x.timestamp === isoZ(t));
    expect(r[0].en_im).toBe(2000 + idx * 0.5);
    expect(rows(await rawData(m.grid, range))).toEqual(expectedRaw(m.grid, ['en_im', 'en_ex']));
    expect(rows(await rawData(m.cp, range))).toEqual(expectedRaw(m.cp, ['en_im', 'en_ex']));
  });

  it('should return heat_energy_kwh for a heat meter and vol_m3 for water meters', async () => {
    const heat = rows(await rawData(m.heat, range));
    expect(heat).toEqual(expectedRaw(m.heat, ['heat_energy_kwh']));
    for (const row of heat) expect(Object.keys(row)).toEqual(['heat_energy_kwh', 'timestamp']);
    const hot = rows(await rawData(m.hot, range));
    expect(hot).toEqual(expectedRaw(m.hot, ['vol_m3']));
    for (const row of hot) expect(Object.keys(row)).toEqual(['vol_m3', 'timestamp']);
    expect(rows(await rawData(m.cold, range))).toEqual(expectedRaw(m.cold, ['vol_m3']));
  });

  it('should answer 400 for a rule meter, saying raw data exists only for physical meters', async () => {
    const res = await rawData(m.common, range);
    expect(res.status).toBe(400);
    const e = errorBody(res);
    expect(e.error).toBe('meter.no_raw_data');
    expect(e.message).toMatch(/physical meters/);
  });

  it('should answer 404 for a meter of another site', async () => {
    const res = await rawData(otherMeter, range);
    expect(res.status).toBe(404);
    expect(errorBody(res).error).toBe('meter.not_found');
  });
});

describe('sensor_data', () => {
  it('should return the last 24 hours that hold data when no range is given, as [{timestamp: epoch ms, value}]', async () => {
    const res = await dev.get(`/${S.siteId}/sensor_data/${sensor}`);
    expect(res.status).toBe(200);
    const list = res.body as { timestamp: number; value: number }[];
    // readings every 10 minutes up to 2024-10-25 00:00Z, a week before now: 24 h of them, both ends included
    expect(list).toHaveLength(145);
    expect(list[0].timestamp).toBe(Date.UTC(2024, 9, 24));
    expect(list[144].timestamp).toBe(Date.UTC(2024, 9, 25));
    for (const x of list) {
      expect(Object.keys(x)).toEqual(['timestamp', 'value']);
      expect(Number.isInteger(x.timestamp)).toBe(true);
    }
    const i0 = (Date.UTC(2024, 9, 24) - Date.UTC(2024, 9, 20)) / 600_000;
    expect(list.slice(0, 3).map((x) => x.value)).toEqual([0, 1, 2].map((k) => 20 + ((i0 + k) % 7) * 0.5));
  });

  it('should return the readings inside [t_s, t_e] when a range is given', async () => {
    const res = await dev.get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-10-20T00:05&t_e=2024-10-20T00:40`);
    expect(res.body).toEqual([
      { timestamp: Date.UTC(2024, 9, 20, 0, 10), value: 20.5 },
      { timestamp: Date.UTC(2024, 9, 20, 0, 20), value: 21 },
      { timestamp: Date.UTC(2024, 9, 20, 0, 30), value: 21.5 },
      { timestamp: Date.UTC(2024, 9, 20, 0, 40), value: 22 },
    ]);
    // a range after the last reading holds nothing
    expect((await dev.get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-10-30`)).body).toEqual([]);
  });

  it('should answer 404 for an unknown sensor or a meter id', async () => {
    for (const id of ['ffffffffffffffffffffffff', m.apt1, 'x']) {
      const res = await dev.get(`/${S.siteId}/sensor_data/${id}`);
      expect(res.status).toBe(404);
      expect(errorBody(res).error).toBe('sensor.not_found');
    }
  });
});

describe("a grant's history_from", () => {
  const LIMIT = '2024-05-31T22:00:00Z'; // local midnight, 2024-06-01
  let limited: Api;

  beforeAll(async () => {
    const username = `hist-${Math.random().toString(36).slice(2, 8)}`;
    expect((await S.admin.post('/developers', { username, password: 'history-password' })).status).toBe(201);
    expect((await S.admin.post(`/developers/${username}/grants`, { site_id: S.siteId, consent_ref: 'c-hist', history_from: LIMIT })).status).toBe(201);
    limited = devApi(server, await login(server, username, 'history-password'));
    // two sensor readings, one before the limit and one after
    await S.pushOk({ sensors: [{ sensor_id: sensor, timestamp: '2024-05-31T21:50:00Z', value: 5 }, { sensor_id: sensor, timestamp: '2024-05-31T22:00:00Z', value: 6 }] });
  });

  const before = { t_s: '2024-05-30', t_e: '2024-06-02' };

  it('should clip site_data at every frequency: no row before the limit', async () => {
    for (const type of ['electricity', 'charge_point', 'heating', 'cold_water']) {
      const q = rows(await limited.post(`/site_data/${S.siteId}/${type}`, before));
      expect(q[0].timestamp).toBe('2024-06-01 00:15:00+02:00');
      expect(q).toHaveLength(104); // 05-31 22:00Z to 06-02 00:00Z
      const full = rows(await dev.post(`/site_data/${S.siteId}/${type}`, before));
      expect(full).toHaveLength(288); // 05-30 00:00Z to 06-02 00:00Z
      expect(q).toEqual(full.slice(full.length - q.length));
    }
    const d = rows(await limited.post(`/site_data/${S.siteId}/electricity`, { ...before, sampling_frequency: 'D' }));
    expect(d.map((r) => r.timestamp)).toEqual(['2024-06-01 00:00:00+02:00', '2024-06-02 00:00:00+02:00']);
    expect(d[0].conso_total).toBe(108);
    const mo = rows(await limited.post(`/site_data/${S.siteId}/electricity`, { ...FULL, sampling_frequency: 'M' }));
    expect(mo[0].timestamp).toBe('2024-06-01 00:00:00+02:00');
    const y = rows(await limited.post(`/site_data/${S.siteId}/electricity`, { ...FULL, sampling_frequency: 'Y' }));
    // from 2024-05-31 22:00Z to 2024-10-29 00:00Z
    const quarters = (TO - Date.parse(LIMIT)) / QH;
    expect(y[0][`total_${m.apt1}`]).toBe(quarters * 0.25);
  });

  it('should clip meter_data, meter_data_raw and sensor_data', async () => {
    const md = rows(await limited.post(`/meter_data/${S.siteId}/${m.apt1}`, before));
    expect(md[0].timestamp).toBe('2024-06-01 00:15:00+02:00');
    const raw = rows(await limited.post(`/meter_data_raw/${S.siteId}/${m.apt1}`, before));
    expect(raw[0].timestamp).toBe('2024-06-01 00:00:00+02:00');
    expect(raw).toHaveLength(105); // instants 05-31 22:00Z … 06-02 00:00Z
    const s = await limited.get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-05-31&t_e=2024-06-01`);
    expect(s.body).toEqual([{ timestamp: Date.parse(LIMIT), value: 6 }]);
    const all = await dev.get(`/${S.siteId}/sensor_data/${sensor}?t_s=2024-05-31&t_e=2024-06-01`);
    expect(all.body).toEqual([{ timestamp: Date.parse('2024-05-31T21:50:00Z'), value: 5 }, { timestamp: Date.parse(LIMIT), value: 6 }]);
  });

  it('should answer an empty list for a range entirely before the limit', async () => {
    const old = { t_s: '2024-04-01', t_e: '2024-05-01' };
    expect(rows(await limited.post(`/site_data/${S.siteId}/electricity`, old))).toEqual([]);
    expect(rows(await limited.post(`/meter_data/${S.siteId}/${m.apt1}`, old))).toEqual([]);
    expect(rows(await limited.post(`/meter_data_raw/${S.siteId}/${m.apt1}`, old))).toEqual([]);
    expect(rows(await dev.post(`/meter_data/${S.siteId}/${m.apt1}`, old))).toHaveLength(30 * 96);
  });
});

describe('sites in other time zones', () => {
  async function zoneSite(zone: string, from: number, to: number) {
    const site = await createPipelineSite(server, { timezone: zone, name: `Site in ${zone}` });
    const id = await site.meter({ name: 'Flat', prim_ad: 11, reading_kind: 'interval' });
    const slices = [];
    for (let t = from + QH; t <= to; t += QH) slices.push({ meter_id: id, timestamp: isoZ(t), en_im: 0.25, en_ex: 0 });
    await site.pushOk({ meters: slices });
    return { site, id, dev: await site.dev() };
  }

  it('should label New York rows with its offsets and give its spring-forward day 92 quarter-hours', async () => {
    const { site, id, dev: d } = await zoneSite('America/New_York', Date.UTC(2024, 2, 9, 5), Date.UTC(2024, 2, 12, 4));
    const range = { t_s: '2024-03-09T05:00', t_e: '2024-03-12T04:00' };
    const days = rows(await d.post(`/meter_data/${site.siteId}/${id}`, { ...range, sampling_frequency: 'D' }));
    expect(days).toEqual([
      { total: 24, self: 0, ext: 24, timestamp: '2024-03-09 00:00:00-05:00' },
      { total: 23, self: 0, ext: 23, timestamp: '2024-03-10 00:00:00-05:00' },
      { total: 24, self: 0, ext: 24, timestamp: '2024-03-11 00:00:00-04:00' },
    ]);
    const q = rows(await d.post(`/site_data/${site.siteId}/electricity`, { t_s: '2024-03-10T06:30', t_e: '2024-03-10T07:15' }));
    expect(q.map((r) => r.timestamp)).toEqual(['2024-03-10 01:45:00-05:00', '2024-03-10 03:00:00-04:00', '2024-03-10 03:15:00-04:00']);
  });

  it('should label Kolkata rows with +05:30 and start its hours and days at local boundaries', async () => {
    const { site, id, dev: d } = await zoneSite('Asia/Kolkata', Date.UTC(2024, 4, 31, 18, 30), Date.UTC(2024, 5, 1, 18, 30));
    const range = { t_s: '2024-05-31T18:30', t_e: '2024-06-01T18:30' };
    expect(rows(await d.post(`/meter_data/${site.siteId}/${id}`, { ...range, sampling_frequency: 'D' }))).toEqual([
      { total: 24, self: 0, ext: 24, timestamp: '2024-06-01 00:00:00+05:30' },
    ]);
    const h = rows(await d.post(`/meter_data/${site.siteId}/${id}`, { ...range, sampling_frequency: 'H' }));
    expect(h).toHaveLength(24);
    expect(h[0]).toEqual({ total: 1, self: 0, ext: 1, timestamp: '2024-06-01 00:00:00+05:30' });
    expect(h[23].timestamp).toBe('2024-06-01 23:00:00+05:30');
    const q = rows(await d.post(`/meter_data/${site.siteId}/${id}`, { t_s: '2024-06-01T00:00', t_e: '2024-06-01T00:15' }));
    expect(q).toEqual([{ total: 0.25, self: 0, ext: 0.25, timestamp: '2024-06-01 05:45:00+05:30' }]);
    // the hour cut by a UTC-aligned range holds only its covered half
    const cut = rows(await d.post(`/meter_data/${site.siteId}/${id}`, { t_s: '2024-06-01T00:00', t_e: '2024-06-01T01:00', sampling_frequency: 'H' }));
    expect(cut).toEqual([
      { total: 0.5, self: 0, ext: 0.5, timestamp: '2024-06-01 05:00:00+05:30' },
      { total: 0.5, self: 0, ext: 0.5, timestamp: '2024-06-01 06:00:00+05:30' },
    ]);
  });
});
