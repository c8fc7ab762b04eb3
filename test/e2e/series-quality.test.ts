/**
 * Coverage per row (`with_quality`), end to end: a site whose flat misses six
 * hours of readings and whose heat meter is read only hourly gives the shares
 * of measured, estimated and missing intervals at 15T, H and D, for
 * site_data and meter_data, in JSON and CSV; without the flag the answers
 * are the same bytes as the rows without their `quality`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, createPipelineSite, indexSeries, isoZ, naive, rows, type PipelineSite } from '../helpers/pipeline.js';

const D0 = Date.UTC(2024, 5, 3); // Monday 2024-06-03 00:00Z
const D1 = D0 + DAY;
const D2 = D1 + DAY;
const GAP_FROM = D1 + 10 * HOUR; // the flat's readings between 10:00Z and 16:00Z of D1 are lost
const GAP_TO = D1 + 16 * HOUR;
const RANGE = { t_s: naive(D1), t_e: naive(D2 + DAY) };

let server: TestServer;
let S: PipelineSite;
let apt = '';
let pv = '';
let heat = '';
let rule = '';

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(D2 + 2 * DAY);
  S = await createPipelineSite(server, { name: 'Coverage', timezone: 'UTC' });
  apt = await S.meter({ name: 'Apt', prim_ad: 11 });
  pv = await S.meter({ name: 'PV', mode: 'production', prim_ad: 2 });
  heat = await S.meter({ name: 'Heat', type: 'heating', prim_ad: 30 });
  rule = await S.meter({ name: 'Flat plus PV', rule: `${apt} + ${pv}`, in_balance: false, prim_ad: 99 });
  // the flat: every quarter-hour until D2 06:00, but nothing strictly between 10:00 and 16:00 on D1
  const aptReadings = indexSeries(apt, D0, D2 + 6 * HOUR, () => ({ im: 0.25, ex: 0 })).filter((r) => {
    const t = Date.parse(r.timestamp as string);
    return t <= GAP_FROM || t >= GAP_TO;
  });
  await S.pushOk({ meters: aptReadings });
  await S.pushOk({ meters: indexSeries(pv, D0, D2 + 12 * HOUR, () => ({ im: 0, ex: 0.125 })) });
  // the heat meter: hourly readings (every quarter-hour is interpolated, so estimated) until D2 00:00
  const heatReadings: Record<string, unknown>[] = [];
  for (let t = D0, v = 100; t <= D2; t += HOUR, v += 2) heatReadings.push({ meter_id: heat, timestamp: isoZ(t), heat_energy_kwh: v });
  await S.pushOk({ meters: heatReadings });
});

afterAll(async () => {
  await server?.close();
});

type Q = { measured: number; estimated: number; missing: number };
const q = (measured: number, estimated: number, missing: number): Q => ({ measured, estimated, missing });

async function withQuality(path: string, freq: string): Promise<Map<string, Q>> {
  const dev = await S.dev();
  const list = rows(await dev.post(path, { ...RANGE, sampling_frequency: freq, with_quality: true })) as unknown as { quality: Q; timestamp: string }[];
  for (const r of list) {
    const keys = Object.keys(r);
    expect(keys.slice(-2)).toEqual(['quality', 'timestamp']);
    expect(r.quality.measured + r.quality.estimated + r.quality.missing).toBeCloseTo(1, 9);
  }
  return new Map(list.map((r) => [r.timestamp, r.quality]));
}

describe('with_quality on site_data', () => {
  it('should give half measured, half estimated in the gap at 15T and H, and 1 measured outside it', async () => {
    const quarter = await withQuality(`/site_data/${S.siteId}/electricity`, '15T');
    // 15T labels are interval ends
    expect(quarter.get('2024-06-04 10:15:00+00:00')).toEqual(q(0.5, 0.5, 0));
    expect(quarter.get('2024-06-04 16:00:00+00:00')).toEqual(q(0.5, 0.5, 0));
    expect(quarter.get('2024-06-04 16:15:00+00:00')).toEqual(q(1, 0, 0));
    expect(quarter.get('2024-06-04 10:00:00+00:00')).toEqual(q(1, 0, 0));

    const hourly = await withQuality(`/site_data/${S.siteId}/electricity`, 'H');
    expect(hourly.get('2024-06-04 09:00:00+00:00')).toEqual(q(1, 0, 0));
    expect(hourly.get('2024-06-04 12:00:00+00:00')).toEqual(q(0.5, 0.5, 0));
    expect(hourly.get('2024-06-04 16:00:00+00:00')).toEqual(q(1, 0, 0));
  });

  it('should count a day over every interval of both meters, the ones after the last reading as missing', async () => {
    const daily = await withQuality(`/site_data/${S.siteId}/electricity`, 'D');
    // D1: 24 of 192 intervals estimated (the flat's six hours)
    expect(daily.get('2024-06-04 00:00:00+00:00')).toEqual(q(0.875, 0.125, 0));
    // D2: the flat until 06:00 (24), the PV until 12:00 (48) of 2 × 96
    expect(daily.get('2024-06-05 00:00:00+00:00')).toEqual(q(0.375, 0, 0.625));
  });

  it('should count an hourly-read heat meter as estimated at every frequency', async () => {
    for (const freq of ['15T', 'H', 'D']) {
      const all = await withQuality(`/site_data/${S.siteId}/heating`, freq);
      expect(all.size, freq).toBeGreaterThan(0);
      const day1 = [...all.entries()].filter(([label]) => label.startsWith('2024-06-04'));
      expect(day1.length, freq).toBeGreaterThan(0);
      for (const [label, share] of day1) expect(share, `${freq} ${label}`).toEqual(q(0, 1, 0));
    }
  });

  it('should add three CSV columns before timestamp', async () => {
    const dev = await S.dev();
    const res = await dev.post(`/site_data/${S.siteId}/electricity`, { ...RANGE, sampling_frequency: 'D', with_quality: true }, { headers: { accept: 'text/csv' } });
    expect(res.status).toBe(200);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0].endsWith(',quality_measured,quality_estimated,quality_missing,timestamp')).toBe(true);
    expect(lines[1].endsWith(',0.875,0.125,0,2024-06-04 00:00:00+00:00')).toBe(true);
    const plain = await dev.post(`/site_data/${S.siteId}/electricity`, { ...RANGE, sampling_frequency: 'D' }, { headers: { accept: 'text/csv' } });
    expect(plain.text.split('\r\n')[0]).not.toContain('quality');
  });
});

describe('with_quality on meter_data', () => {
  it('should count one meter: the flat in its gap, the heat meter estimated', async () => {
    const flat = await withQuality(`/meter_data/${S.siteId}/${apt}`, 'H');
    expect(flat.get('2024-06-04 12:00:00+00:00')).toEqual(q(0, 1, 0));
    expect(flat.get('2024-06-04 09:00:00+00:00')).toEqual(q(1, 0, 0));
    const flatDays = await withQuality(`/meter_data/${S.siteId}/${apt}`, 'D');
    expect(flatDays.get('2024-06-04 00:00:00+00:00')).toEqual(q(0.75, 0.25, 0));
    expect(flatDays.get('2024-06-05 00:00:00+00:00')).toEqual(q(0.25, 0, 0.75));
    const heatHours = await withQuality(`/meter_data/${S.siteId}/${heat}`, 'H');
    expect(heatHours.get('2024-06-04 12:00:00+00:00')).toEqual(q(0, 1, 0));
  });

  it('should count a rule meter over its terms', async () => {
    const hourly = await withQuality(`/meter_data/${S.siteId}/${rule}`, 'H');
    expect(hourly.get('2024-06-04 12:00:00+00:00')).toEqual(q(0.5, 0.5, 0));
    expect(hourly.get('2024-06-04 09:00:00+00:00')).toEqual(q(1, 0, 0));
  });

  it('should take ?with_quality=true on GET', async () => {
    const dev = await S.dev();
    const res = await dev.get(`/meter_data/${S.siteId}/${apt}?t_s=${RANGE.t_s}&t_e=${RANGE.t_e}&sampling_frequency=D&with_quality=true`);
    expect(rows(res)[0].quality).toEqual(q(0.75, 0.25, 0));
  });
});

describe('answers without the flag', () => {
  it('should be the bytes of the rows without their quality, for every frequency and for with_quality: false', async () => {
    const dev = await S.dev();
    for (const path of [`/site_data/${S.siteId}/electricity`, `/site_data/${S.siteId}/heating`, `/meter_data/${S.siteId}/${apt}`]) {
      for (const freq of ['15T', 'H', 'D', 'M']) {
        const plain = await dev.post(path, { ...RANGE, sampling_frequency: freq });
        const off = await dev.post(path, { ...RANGE, sampling_frequency: freq, with_quality: false });
        expect(off.text).toBe(plain.text);
        expect(plain.text).not.toContain('quality');
        const rich = JSON.parse((await dev.post(path, { ...RANGE, sampling_frequency: freq, with_quality: true })).text) as Record<string, unknown>[];
        const stripped = `[${rich.map(({ quality: _q, ...rest }) => JSON.stringify(rest)).join(',')}]`;
        expect(stripped, `${path} ${freq}`).toBe(plain.text);
      }
    }
  });

  it('should reject a with_quality that is not a boolean, naming it', async () => {
    const dev = await S.dev();
    const res = await dev.post(`/site_data/${S.siteId}/electricity`, { ...RANGE, with_quality: 'yes' });
    expect(res.status).toBe(400);
    expect(errorBody(res).message).toContain('with_quality');
  });
});


