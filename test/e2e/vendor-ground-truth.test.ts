/**
 * Ground truth: the vendor's real site_data answer for a live site (1,438
 * 15-minute rows, four consumers, one producer, the grid connection). Its
 * meters' figures are pushed through the gateway API as 15-minute interval
 * readings, and the developer API must give back the vendor's answer: the
 * same rows, timestamps byte for byte, keys in the same order, every value
 * within 1e-6.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  QH, createPipelineSite, groupRows, isoZ, naive, numbers, parseVendorTs, periodLabel, rows, type PipelineSite, type Row,
} from '../helpers/pipeline.js';

const FIXTURE = new URL('../fixtures/vendor-site-data/site-data-15T.json', import.meta.url);
const vendor = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Row[];

const CONSUMERS = ['61dfcb4beba4e3563fdf3d9f', '61dfcb80eba4e3563fdf3da2', '61dfcb8ceba4e3564021f374', '61dfcb97eba4e3564021f377'];
const PRODUCER = '61dfca85eba4e3564021f36f';
const ZONE = 'Europe/Zurich';

const firstEnd = parseVendorTs(vendor[0].timestamp);
const lastEnd = parseVendorTs(vendor[vendor.length - 1].timestamp);
const T_S = naive(firstEnd - QH);
const T_E = naive(lastEnd);

let server: TestServer;
let site: PipelineSite;
let introduction: string;
let postText: string;
let served: Row[];

beforeAll(async () => {
  // the gateway accepts readings up to a day ahead of the server's clock: put "now" after the data
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(Date.UTC(2022, 5, 1, 12));
  site = await createPipelineSite(server, { timezone: ZONE, name: 'Vendor ground truth' });
  let prim = 11;
  for (const id of CONSUMERS) await site.meter({ id, name: `Consumer ${id.slice(-4)}`, mode: 'consumption', prim_ad: prim++, reading_kind: 'interval' });
  await site.meter({ id: PRODUCER, name: 'PV', mode: 'production', prim_ad: 2, reading_kind: 'interval' });
  introduction = await site.meter({ name: 'Grid connection', mode: 'introduction', prim_ad: 1, reading_kind: 'interval' });

  const meters: unknown[] = [];
  for (const row of vendor) {
    // the vendor's 15T timestamp is the END of the interval: the slice ends there
    const ts = isoZ(parseVendorTs(row.timestamp));
    for (const id of CONSUMERS) meters.push({ meter_id: id, timestamp: ts, en_im: row[`total_${id}`], en_ex: 0 });
    meters.push({ meter_id: PRODUCER, timestamp: ts, en_im: 0, en_ex: row[`total_${PRODUCER}`] });
    meters.push({ meter_id: introduction, timestamp: ts, en_im: row.from_ext, en_ex: row.to_ext });
  }
  const pushed = await site.pushOk({ meters });
  expect(pushed.stored).toBe(vendor.length * 6);

  const res = await (await site.dev()).post(`/site_data/${site.siteId}/electricity`, { t_s: T_S, t_e: T_E });
  postText = res.text;
  served = rows(res);
});

afterAll(async () => {
  await server?.close();
});

describe('site_data against the vendor output', () => {
  it('should compute the request range from the fixture as the 15 minutes before the first row to the last row end', () => {
    expect(vendor).toHaveLength(1438);
    expect(T_S).toBe('2022-05-05T14:45:00');
    expect(T_E).toBe('2022-05-20T14:15:00');
  });

  it('should keep the producer slices that are negative (standby draw) as pushed', () => {
    // 751 slices are negative, 519 of them beyond rounding to 6 decimals (down to -0.04 kWh)
    const negative = vendor.filter((r) => (r[`total_${PRODUCER}`] as number) < -5e-7);
    expect(negative).toHaveLength(519);
    const byTs = new Map(served.map((r) => [r.timestamp, r]));
    for (const r of negative) {
      const got = byTs.get(r.timestamp)![`total_${PRODUCER}`] as number;
      expect(Math.abs(got - (r[`total_${PRODUCER}`] as number))).toBeLessThanOrEqual(1e-6);
      expect(got).toBeLessThan(0);
    }
  });

  it('should return exactly as many rows as the vendor, with the same timestamps byte for byte', () => {
    expect(served).toHaveLength(vendor.length);
    expect(served.map((r) => r.timestamp)).toEqual(vendor.map((r) => r.timestamp));
  });

  it('should return the same keys in the same order in every row', () => {
    const vendorKeys = Object.keys(vendor[0]);
    expect(vendorKeys[vendorKeys.length - 1]).toBe('timestamp');
    for (let i = 0; i < served.length; i++) {
      expect(Object.keys(served[i]), `row ${i}`).toEqual(Object.keys(vendor[i]));
    }
    // no column for the introduction meter
    expect(Object.keys(served[0]).some((k) => k.endsWith(introduction))).toBe(false);
  });

  it('should match every field of every row within 1e-6, including small negative prod_total and self', () => {
    let worst = 0;
    let negativeSiteValues = 0;
    for (let i = 0; i < vendor.length; i++) {
      const want = numbers(vendor[i]);
      const got = numbers(served[i]);
      for (const k of Object.keys(want)) {
        const d = Math.abs(got[k] - want[k]);
        if (!(d <= 1e-6)) throw new Error(`row ${i} (${vendor[i].timestamp}) ${k}: served ${got[k]}, vendor ${want[k]}`);
        worst = Math.max(worst, d);
      }
      if (got.prod_total < 0 || got.self < 0) negativeSiteValues++;
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    // the vendor keeps small negative site-level values; so must we
    const vendorNegatives = vendor.filter((r) => round6(r.prod_total as number) < 0 || round6(r.self as number) < 0).length;
    expect(vendorNegatives).toBeGreaterThan(0);
    expect(negativeSiteValues).toBe(vendorNegatives);
  });

  it('should answer GET with the same query parameters byte for byte like POST', async () => {
    const res = await (await site.dev()).get(`/site_data/${site.siteId}/electricity?t_s=${T_S}&t_e=${T_E}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(postText);
  });

  it('should answer GET with the explicit sampling_frequency=15T like POST without it', async () => {
    const res = await (await site.dev()).get(`/site_data/${site.siteId}/electricity?t_s=${encodeURIComponent(T_S)}&t_e=${encodeURIComponent(T_E)}&sampling_frequency=15T`);
    expect(res.text).toBe(postText);
  });

  for (const freq of ['H', 'D'] as const) {
    it(`should give ${freq} rows equal to the sums of their 15T rows, labelled with the local period start`, async () => {
      const dev = await site.dev();
      const res = await dev.post(`/site_data/${site.siteId}/electricity`, { t_s: T_S, t_e: T_E, sampling_frequency: freq });
      const coarse = rows(res);
      const groups = groupRows(served, freq, ZONE);
      const vendorGroups = groupRows(vendor, freq, ZONE);
      expect(coarse.map((r) => r.timestamp)).toEqual([...groups.keys()]);
      // H: 1,438 quarter-hours from 16:45 local to 16:15 local 15 days later
      if (freq === 'H') expect(coarse).toHaveLength(361);
      if (freq === 'D') {
        expect(coarse).toHaveLength(16);
        expect(coarse[0].timestamp).toBe('2022-05-05 00:00:00+02:00');
        expect(groups.get('2022-05-05 00:00:00+02:00')!.count).toBe(29); // 16:45 → 24:00
        expect(groups.get('2022-05-06 00:00:00+02:00')!.count).toBe(96);
      }
      for (const r of coarse) {
        const g = groups.get(r.timestamp)!;
        const vg = vendorGroups.get(r.timestamp)!;
        expect(Object.keys(r)).toEqual(Object.keys(vendor[0]));
        for (const [k, v] of Object.entries(numbers(r))) {
          // against the sum of the served (rounded) 15T values, and the vendor's exact sums
          expect(Math.abs(v - g.sums[k]), `${r.timestamp} ${k}`).toBeLessThanOrEqual(g.count * 5e-7 + 1e-9);
          expect(Math.abs(v - vg.sums[k]), `${r.timestamp} ${k} vs vendor`).toBeLessThanOrEqual(1e-6);
        }
      }
    });
  }

  it('should label the first and last 15T rows as the vendor and sum the whole range consistently at D and H', async () => {
    expect(served[0].timestamp).toBe('2022-05-05 17:00:00+02:00');
    expect(served[served.length - 1].timestamp).toBe('2022-05-20 16:15:00+02:00');
    expect(periodLabel(firstEnd - QH, 'H', ZONE)).toBe('2022-05-05 16:00:00+02:00');
    const dev = await site.dev();
    const total = (list: Row[], k: string) => list.reduce((s, r) => s + (r[k] as number), 0);
    const d = rows(await dev.post(`/site_data/${site.siteId}/electricity`, { t_s: T_S, t_e: T_E, sampling_frequency: 'D' }));
    const h = rows(await dev.post(`/site_data/${site.siteId}/electricity`, { t_s: T_S, t_e: T_E, sampling_frequency: 'H' }));
    for (const k of ['conso_total', 'from_ext', 'to_ext', `total_${CONSUMERS[0]}`]) {
      const want = total(vendor, k);
      expect(Math.abs(total(d, k) - want)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(total(h, k) - want)).toBeLessThanOrEqual(1e-4);
    }
  });
});

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
