/**
 * CSV answers of the series endpoints (`Accept: text/csv`): a month of data
 * pushed through the gateway API, then every answer read both ways. The CSV
 * parsed back (csv-parse) has the JSON rows' keys as its header, in the same
 * order, and the same values and timestamps, written the same way (same
 * rounding), row for row — across the two-week pieces a 15T answer is
 * streamed in, and across the DST change at the end of March. JSON stays the
 * default for no Accept, `*\/*` and anything that does not prefer CSV.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiResponse, type TestServer } from '../helpers/server.js';
import { DAY, createPipelineSite, indexSeries, naive, pushAll, singleRegisterSeries, type PipelineSite } from '../helpers/pipeline.js';
import type { Api } from '../helpers/server.js';

const FROM = Date.UTC(2024, 2, 1); // 2024-03-01 00:00Z
const TO = Date.UTC(2024, 3, 1); // 2024-04-01 00:00Z: a month, with the DST change of 2024-03-31
const MONTH = { t_s: naive(FROM), t_e: naive(TO) };
const CSV = { accept: 'text/csv' };

/** energies that need rounding: irrational per-interval amounts */
const consumption = (t: number, k: number) => 0.1 + 0.05 * Math.sin(t / 3_600_000 + k) ** 2;
const production = (t: number) => {
  const h = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60;
  return h > 6 && h < 17 ? 0.6 * Math.sin(((h - 6) / 11) * Math.PI) : 0;
};

let server: TestServer;
let site: PipelineSite;
let dev: Api;
const m = { grid: '', pv: '', a: '', b: '', heat: '', ev: '', sensor: '' };

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(TO + 12 * 3_600_000);
  site = await createPipelineSite(server, { name: 'CSV residence' });
  m.grid = await site.meter({ name: 'Grid', mode: 'introduction' });
  m.pv = await site.meter({ name: 'PV', mode: 'production' });
  m.a = await site.meter({ name: 'Flat A' });
  m.b = await site.meter({ name: 'Flat B' });
  m.heat = await site.meter({ name: 'Heat A', type: 'heating' });
  m.ev = await site.meter({ name: 'Wallbox', type: 'charge_point' });
  m.sensor = await site.sensor('Outdoor');
  const load = (t: number) => consumption(t, 1) + consumption(t, 2) + (new Date(t).getUTCHours() === 19 ? 2.75 : 0);
  await pushAll(site, [
    ...indexSeries(m.grid, FROM, TO, (t) => ({ im: Math.max(0, load(t) - production(t)), ex: Math.max(0, production(t) - load(t)) }), { im: 1000, ex: 10 }),
    ...indexSeries(m.pv, FROM, TO, (t) => ({ im: 0, ex: production(t) }), { im: 0, ex: 5000 }),
    ...indexSeries(m.a, FROM, TO, (t) => ({ im: consumption(t, 1), ex: 0 }), { im: 300, ex: 0 }),
    ...indexSeries(m.b, FROM, TO, (t) => ({ im: consumption(t, 2), ex: 0 }), { im: 700, ex: 0 }),
    ...indexSeries(m.ev, FROM, TO, (t) => ({ im: new Date(t).getUTCHours() === 19 ? 2.75 : 0, ex: 0 }), { im: 42, ex: 0 }),
    ...singleRegisterSeries(m.heat, 'heat_energy_kwh', FROM, TO, (t) => 0.3 + 0.1 * Math.cos(t / 7_200_000), 12_000),
  ]);
  await site.pushOk({ sensors: Array.from({ length: 48 }, (_, i) => ({ sensor_id: m.sensor, timestamp: FROM + 5 * DAY + i * 1_800_000 + 17_000, value: Math.round(100 * (5 + Math.sin(i / 5))) / 100 })) });
  dev = await site.dev();
});

afterAll(async () => {
  await server?.close();
});

/** the CSV answer parsed back: its header and its records (strings, as written) */
function parseCsv(res: ApiResponse): { header: string[]; records: string[][] } {
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const all = parse(res.text, { record_delimiter: '\r\n', relax_column_count: false }) as string[][];
  expect(res.text.endsWith('\r\n')).toBe(true);
  return { header: all[0], records: all.slice(1) };
}

/**
 * The CSV says exactly what the JSON says: the header is the keys of every
 * JSON row in order; each field is the JSON value as JSON writes it (so the
 * same rounding) and reads back as the same number.
 */
function expectSameAnswer(json: ApiResponse, csv: ApiResponse): number {
  expect(json.status, json.text.slice(0, 300)).toBe(200);
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const rows = json.body as Record<string, unknown>[];
  const { header, records } = parseCsv(csv);
  expect(records).toHaveLength(rows.length);
  rows.forEach((row, i) => {
    expect(Object.keys(row), `keys of row ${i}`).toEqual(header);
    const record = records[i];
    header.forEach((key, j) => {
      const v = row[key];
      if (typeof v === 'number') {
        expect(record[j], `${key} of row ${i}`).toBe(JSON.stringify(v));
        expect(Number(record[j])).toBe(v);
      } else {
        expect(record[j], `${key} of row ${i}`).toBe(v === null ? '' : String(v));
      }
    });
  });
  return rows.length;
}

async function both(path: string, body: Record<string, unknown>): Promise<[ApiResponse, ApiResponse]> {
  return [await dev.post(path, body), await dev.post(path, body, { headers: CSV })];
}

describe('site_data as CSV', () => {
  it('should give a month at 15T, streamed in two-week pieces, with the JSON answer\'s header and values exactly', async () => {
    const [json, csv] = await both(`/site_data/${site.siteId}/electricity`, MONTH);
    // 31 days of 96 quarter-hours: the DST change moves labels, not intervals
    expect(expectSameAnswer(json, csv)).toBe(31 * 96);
    const { header } = parseCsv(csv);
    // the vendor's order: keys ascending, timestamp last
    expect(header).toEqual([
      'conso_total', `ext_${m.a}`, `ext_${m.b}`, `ext_${m.ev}`, 'from_ext', 'prod_total', 'self', `self_${m.a}`, `self_${m.b}`, `self_${m.ev}`,
      'storage_charging_self', 'storage_charging_total', 'storage_discharging_total', 'to_ext', `total_${m.a}`, `total_${m.b}`, `total_${m.ev}`, `total_${m.pv}`,
    ].sort().concat('timestamp'));
    // one header line only, however many pieces
    expect(csv.text.split('\r\n').filter((l) => l.startsWith('conso_total'))).toHaveLength(1);
    // values really needed rounding, and got it
    expect(csv.text).toMatch(/\d\.\d{6}[,\r]/);
    expect(csv.text).not.toMatch(/\d\.\d{7}/);
  });

  it('should give the same month at D (a 23-hour day included), H, M and Y', async () => {
    const [json, csv] = await both(`/site_data/${site.siteId}/electricity`, { ...MONTH, sampling_frequency: 'D' });
    // the UTC month covers 31 local days and the first two hours of April 1 (02:00 local)
    expect(expectSameAnswer(json, csv)).toBe(32);
    const days = parseCsv(csv).records.map((r) => r.at(-1));
    expect(days[0]).toBe('2024-03-01 00:00:00+01:00');
    expect(days).toContain('2024-03-31 00:00:00+01:00');
    expect(days.at(-1)).toBe('2024-04-01 00:00:00+02:00');
    for (const freq of ['H', 'M', 'Y']) {
      const [j, c] = await both(`/site_data/${site.siteId}/electricity`, { ...MONTH, sampling_frequency: freq });
      expectSameAnswer(j, c);
    }
  });

  it('should do the same for the other meter types', async () => {
    for (const type of ['heating', 'charge_point']) {
      const [json, csv] = await both(`/site_data/${site.siteId}/${type}`, { t_s: '2024-03-10', t_e: '2024-03-12', sampling_frequency: 'H' });
      expect(expectSameAnswer(json, csv)).toBe(48);
    }
  });

  it('should answer the GET form as CSV too', async () => {
    const q = `?t_s=2024-03-10&t_e=2024-03-11&sampling_frequency=H`;
    const json = await dev.get(`/site_data/${site.siteId}/electricity${q}`);
    const csv = await dev.get(`/site_data/${site.siteId}/electricity${q}`, { headers: CSV });
    expect(expectSameAnswer(json, csv)).toBe(24);
  });

  it('should answer a header row only when no row is selected', async () => {
    const [json, csv] = await both(`/site_data/${site.siteId}/electricity`, { t_s: '2024-03-10T10:00', t_e: '2024-03-10T10:05' });
    expect(json.body).toEqual([]);
    const { header, records } = parseCsv(csv);
    expect(records).toEqual([]);
    expect(header[0]).toBe('conso_total');
    expect(header.at(-1)).toBe('timestamp');
    const [, later] = await both(`/site_data/${site.siteId}/heating`, { t_s: '2024-06-01', t_e: '2024-06-02', sampling_frequency: 'D' });
    expect(parseCsv(later)).toEqual({ header: ['conso_total', `total_${m.heat}`, 'timestamp'], records: [] });
  });
});

describe('meter_data, meter_data_raw and sensor_data as CSV', () => {
  it('should give meter_data of a consumer and of a producer as their JSON', async () => {
    const [json, csv] = await both(`/meter_data/${site.siteId}/${m.a}`, MONTH);
    expect(expectSameAnswer(json, csv)).toBe(31 * 96);
    expect(parseCsv(csv).header).toEqual(['total', 'self', 'ext', 'timestamp']);
    const [pj, pc] = await both(`/meter_data/${site.siteId}/${m.pv}`, { ...MONTH, sampling_frequency: 'D' });
    expect(expectSameAnswer(pj, pc)).toBe(32);
    expect(parseCsv(pc).header).toEqual(['total', 'timestamp']);
  });

  it('should give raw readings as reported (not rounded), as their JSON', async () => {
    const [json, csv] = await both(`/meter_data_raw/${site.siteId}/${m.a}`, { t_s: '2024-03-10', t_e: '2024-03-11' });
    expect(expectSameAnswer(json, csv)).toBe(97);
    expect(parseCsv(csv).header).toEqual(['en_im', 'en_ex', 'timestamp']);
    const [hj, hc] = await both(`/meter_data_raw/${site.siteId}/${m.heat}`, { t_s: '2024-03-10', t_e: '2024-03-10T02:00' });
    expect(expectSameAnswer(hj, hc)).toBe(9);
    expect(parseCsv(hc).header).toEqual(['heat_energy_kwh', 'timestamp']);
  });

  it('should give sensor readings (timestamps in epoch ms) as their JSON', async () => {
    const q = `?t_s=2024-03-06&t_e=2024-03-07`;
    const json = await dev.get(`/${site.siteId}/sensor_data/${m.sensor}${q}`);
    const csv = await dev.get(`/${site.siteId}/sensor_data/${m.sensor}${q}`, { headers: CSV });
    expect(expectSameAnswer(json, csv)).toBe(48);
    expect(parseCsv(csv).header).toEqual(['timestamp', 'value']);
  });
});

describe('content negotiation', () => {
  const path = () => `/meter_data/${site.siteId}/${m.b}`;
  const body = { t_s: '2024-03-10', t_e: '2024-03-10T06:00', sampling_frequency: 'H' };

  it('should answer JSON without Accept, for */*, and when JSON is preferred or CSV not asked for', async () => {
    const want = (await dev.post(path(), body)).text;
    for (const accept of ['*/*', 'application/json', 'application/json, text/csv', 'text/csv;q=0.5, application/json', 'text/html', 'application/*', 'text/csv;q=0']) {
      const res = await dev.post(path(), body, { headers: { accept } });
      expect(res.headers.get('content-type'), accept).toBe('application/json; charset=utf-8');
      expect(res.text, accept).toBe(want);
    }
  });

  it('should answer CSV when CSV is preferred', async () => {
    for (const accept of ['text/csv', 'TEXT/CSV', 'text/csv; charset=utf-8', 'text/*', 'application/json;q=0.5, text/csv', 'text/csv, */*;q=0.1']) {
      const res = await dev.post(path(), body, { headers: { accept } });
      expect(res.headers.get('content-type'), accept).toBe('text/csv; charset=utf-8');
      expect(parseCsv(res).records, accept).toHaveLength(6);
    }
  });

  it('should keep errors JSON, whatever the Accept', async () => {
    const res = await dev.post(`/site_data/${site.siteId}/gas`, {}, { headers: CSV });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.error).toBe('param.invalid');
    const raw = await dev.post(`/meter_data_raw/${site.siteId}/${m.a}`, { t_s: 'soon' }, { headers: CSV });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('should stream nothing but the CSV lines (no JSON punctuation), CRLF-terminated', async () => {
    const res = await dev.post(path(), body, { headers: CSV });
    expect(res.text).not.toMatch(/[[\]{}"]/);
    expect(res.text.split('\r\n').slice(0, -1).every((l) => l.split(',').length === 4)).toBe(true);
  });
});
