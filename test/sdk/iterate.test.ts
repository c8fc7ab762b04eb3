/**
 * Chunked iteration against a real server: a year (2023, Europe/Zurich, both
 * DST changes) of 15-minute interval readings of one consumer, pushed in four
 * batches of 8,760. Iterating in chunks must give exactly the rows of one
 * request over the whole range — at 15T and at the coarse frequencies, whose
 * periods the chunks must not cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frequency, MeterDataRow } from '../../packages/sdk/src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { QH, createPipelineSite, isoZ, pushAll, type PipelineSite } from '../helpers/pipeline.js';
import { sdk, type SdkHarness } from './sdk-helpers.js';

const FROM = Date.UTC(2023, 0, 1);
const TO = Date.UTC(2024, 0, 1);
const SLICES = 365 * 96;
/** energy of the slice with index i: binary fractions, so every sum is exact */
const energy = (i: number) => 0.125 * (1 + (i % 11));

let server: TestServer;
let site: PipelineSite;
let meter = '';
let expectedTotal = 0;

beforeAll(async () => {
  server = await startTestServer();
  server.clock.set(Date.UTC(2024, 0, 15));
  site = await createPipelineSite(server, { timezone: 'Europe/Zurich', name: 'A year of 15T' });
  meter = await site.meter({ name: 'Flat', mode: 'consumption', prim_ad: 11, reading_kind: 'interval' });
  const slices = [];
  for (let i = 0; i < SLICES; i++) {
    // an interval reading is stamped with the end of its slice
    slices.push({ meter_id: meter, timestamp: isoZ(FROM + (i + 1) * QH), en_im: energy(i), en_ex: 0 });
    expectedTotal += energy(i);
  }
  expect(slices).toHaveLength(35_040);
  expect(await pushAll(site, slices, 8_760)).toBe(35_040);
});

afterAll(async () => {
  await server?.close();
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of it) out.push(row);
  return out;
}

const sum = (rows: { total?: number; conso_total?: number }[]) => rows.reduce((s, r) => s + (r.total ?? r.conso_total ?? 0), 0);

describe('a year of 15T', () => {
  let h: SdkHarness;
  let whole: MeterDataRow[];

  beforeAll(async () => {
    h = sdk(server, site.developer);
    whole = await h.client.meterData(site.siteId, meter, { from: new Date(FROM), to: new Date(TO), frequency: '15T' });
  });

  it('should serve every interval of the year in one request, each 15 minutes after the last across both DST changes', () => {
    expect(whole).toHaveLength(35_040);
    expect(sum(whole)).toBe(expectedTotal);
    expect(whole[0].time.getTime()).toBe(FROM + QH);
    expect(whole[whole.length - 1].time.getTime()).toBe(TO);
    for (let i = 1; i < whole.length; i++) if (whole[i].time.getTime() - whole[i - 1].time.getTime() !== QH) throw new Error(`gap at ${whole[i].timestamp}`);
    expect(new Set(whole.map((r) => r.timestamp.slice(-6)))).toEqual(new Set(['+01:00', '+02:00']));
    expect(whole.map((r) => r.total)).toEqual(whole.map((_, i) => energy(i)));
  });

  it('should iterate meter_data in 31-day chunks (12 requests, paced a second apart) to exactly the rows of the one request', async () => {
    const before = h.to('meter_data').length;
    const sleepsBefore = h.sleeps.length;
    const rows = await collect(h.client.iterateMeterData(site.siteId, meter, { from: FROM, to: TO, frequency: '15T' }));
    expect(rows).toEqual(whole);
    const chunks = h.to('meter_data').slice(before);
    expect(chunks).toHaveLength(12);
    expect(chunks.every((e) => e.status === 200)).toBe(true);
    // the previous meter_data call was the whole-year one, so every chunk waited its second
    expect(h.sleeps.slice(sleepsBefore)).toEqual(Array(12).fill(1000));
  });

  it('should iterate site_data to exactly the rows of one site_data request', async () => {
    const one = await h.client.siteData(site.siteId, 'electricity', { from: FROM, to: TO });
    const rows = await collect(h.client.iterateSiteData(site.siteId, 'electricity', { from: new Date(FROM), to: new Date(TO), frequency: '15T', chunkDays: 45 }));
    expect(rows).toHaveLength(35_040);
    expect(rows).toEqual(one);
    expect(rows[1000][`total_${meter}`]).toBe(energy(1000));
    expect(rows[1000].conso_total).toBe(energy(1000));
  });

  it('should neither overlap nor miss an interval with bounds off the quarter-hours and fractional chunks', async () => {
    const from = FROM + 7 * 60_000 + 12_345;
    const to = TO - 3 * 60_000;
    const one = await h.client.meterData(site.siteId, meter, { from, to });
    const rows = await collect(h.client.iterateMeterData(site.siteId, meter, { from: isoZ(from), to: new Date(to), chunkDays: 10.3 }));
    // intervals lying entirely inside the range: not the first, nor the last
    expect(one).toHaveLength(35_040 - 2);
    expect(rows).toEqual(one);
  });

  it('should stop requesting when the loop stops', async () => {
    const before = h.to('meter_data').length;
    let n = 0;
    for await (const row of h.client.iterateMeterData(site.siteId, meter, { from: FROM, to: TO, chunkDays: 7 })) {
      expect(row.time).toBeInstanceOf(Date);
      if (++n === 10) break;
    }
    expect(h.to('meter_data').length - before).toBe(1);
  });
});

describe('the README example', () => {
  it('should run as written against the server: implicit login, meter_info, a year of 15T iterated', async () => {
    const kwhub = sdk(server, site.developer).client;
    const [first] = await kwhub.allInstallations();
    const meters = await kwhub.meterInfo(first.site_id);
    const flat = meters.find((m) => m.mode === 'consumption' && !m.is_rule_meter)!;
    let kwh = 0;
    for await (const row of kwhub.iterateMeterData(first.site_id, flat.id, { from: '2023-01-01', to: '2024-01-01', frequency: '15T' })) kwh += row.total;
    expect(flat.id).toBe(meter);
    expect(kwh).toBe(expectedTotal);
  });
});

describe('coarse frequencies in chunks', () => {
  const cases: [Frequency, number | undefined][] = [
    ['H', 2],
    ['H', undefined],
    ['D', 5],
    ['D', 31],
    ['M', 40],
    ['Y', 31],
  ];
  for (const [frequency, chunkDays] of cases) {
    it(`should give ${frequency} rows in chunks of ${chunkDays ?? 'default'} days exactly as one request, no period cut`, async () => {
      const h = sdk(server, site.developer);
      const one = await h.client.meterData(site.siteId, meter, { from: FROM, to: TO, frequency });
      const before = h.to('meter_data').length;
      const rows = await collect(h.client.iterateMeterData(site.siteId, meter, { from: FROM, to: TO, frequency, chunkDays }));
      const requests = h.to('meter_data').length - before;
      // a year is one request only for Y (a chunk spans at least two of the longest periods)
      if (frequency === 'Y') expect(requests).toBe(1);
      else expect(requests).toBeGreaterThan(5);
      expect(rows).toEqual(one);
      expect(sum(rows)).toBe(expectedTotal);
      expect(new Set(rows.map((r) => r.timestamp)).size).toBe(rows.length);
    });
  }

  it('should give the DST days of the year 23 and 25 hours in chunked D and H rows', async () => {
    const h = sdk(server, site.developer);
    const days = await collect(h.client.iterateMeterData(site.siteId, meter, { from: FROM, to: TO, frequency: 'D', chunkDays: 3 }));
    expect(days).toHaveLength(366); // 1 January 2024 00:00–01:00 local is inside the UTC year
    const hoursOf = (label: string) => {
      const i = days.findIndex((d) => d.timestamp === label);
      return (days[i + 1].time.getTime() - days[i].time.getTime()) / 3_600_000;
    };
    expect(hoursOf('2023-03-26 00:00:00+01:00')).toBe(23);
    expect(hoursOf('2023-10-29 00:00:00+02:00')).toBe(25);
    const hours = await collect(h.client.iterateSiteData(site.siteId, 'electricity', { from: Date.UTC(2023, 9, 28, 22), to: Date.UTC(2023, 9, 29, 23), frequency: 'H', chunkDays: 0.2 }));
    expect(hours.map((r) => r.timestamp).filter((t) => t.startsWith('2023-10-29 02:'))).toEqual(['2023-10-29 02:00:00+02:00', '2023-10-29 02:00:00+01:00']);
    expect(hours).toHaveLength(25);
    expect(hours).toEqual(await h.client.siteData(site.siteId, 'electricity', { from: Date.UTC(2023, 9, 28, 22), to: Date.UTC(2023, 9, 29, 23), frequency: 'H' }));
  });

  it('should not cut the hours of a +05:30 site, whose hours start at UTC half-hours', async () => {
    const k = await createPipelineSite(server, { timezone: 'Asia/Kolkata', name: 'Kolkata' });
    const flat = await k.meter({ name: 'Flat', prim_ad: 11, reading_kind: 'interval' });
    const from = Date.UTC(2023, 5, 1);
    const slices = [];
    for (let i = 0; i < 3 * 96; i++) slices.push({ meter_id: flat, timestamp: isoZ(from + (i + 1) * QH), en_im: energy(i), en_ex: 0 });
    await k.pushOk({ meters: slices });
    const h = sdk(server, k.developer);
    const range = { from, to: from + 3 * 86_400_000, frequency: 'H' as const };
    const one = await h.client.meterData(k.siteId, flat, range);
    const rows = await collect(h.client.iterateMeterData(k.siteId, flat, { ...range, chunkDays: 0.3 }));
    expect(h.to('meter_data').length).toBeGreaterThan(10);
    expect(rows).toEqual(one);
    // the range starts and ends at 05:30 local: the first and last hours hold half an hour each
    expect(rows).toHaveLength(73);
    expect(rows[0].timestamp).toBe('2023-06-01 05:00:00+05:30');
    expect(rows[1].time.getTime()).toBe(from + 30 * 60_000);
  });

  it('should yield nothing for a range without data, in few requests', async () => {
    const h = sdk(server, site.developer);
    const rows = await collect(h.client.iterateMeterData(site.siteId, meter, { from: '2022-01-01', to: '2022-06-01', frequency: 'D' }));
    expect(rows).toEqual([]);
    expect(h.to('meter_data').length).toBeLessThanOrEqual(6);
  });
});
