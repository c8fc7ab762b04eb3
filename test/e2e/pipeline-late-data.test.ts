/**
 * The pipeline over time, end to end: a reading arriving a week late changes
 * only the intervals it touches (per meter and in the site's allocation); a
 * lock date freezes billed data and reports late readings as discrepancies;
 * the quality report lists spikes, gaps and meter exchanges; a meter marked
 * `reversed` is re-validated at once; and an operator's revalidation returns
 * its counts. Everything goes through the operator, gateway and developer
 * APIs of a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, QH, createPipelineSite, indexSeries, isoZ, naive, rowTexts, rows, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';

const MONTH_FROM = Date.UTC(2024, 3, 1); // 2024-04-01 00:00Z
const MONTH_TO = Date.UTC(2024, 4, 1); // 2024-05-01 00:00Z
const MONTH = { t_s: naive(MONTH_FROM), t_e: naive(MONTH_TO) };
const NOW = Date.UTC(2024, 4, 1, 12);

/** varying consumption: 0.25, 0.375, 0.5, 0.625 kWh per quarter-hour by UTC hour mod 4 (exact in binary) */
const rate = (t: number) => 0.25 + 0.125 * (new Date(t).getUTCHours() % 4);
const pvHour = (t: number) => new Date(t).getUTCHours() >= 8 && new Date(t).getUTCHours() < 16;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(NOW);
});

afterAll(async () => {
  await server?.close();
});

/** the labels of the rows whose text differs between two answers of the same range */
function changedRows(before: string, after: string): string[] {
  const a = rowTexts(before);
  const b = rowTexts(after);
  expect(b).toHaveLength(a.length);
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(JSON.parse(b[i]).timestamp);
  return out;
}

async function quality(site: PipelineSite) {
  const res = await site.admin.get(`/sites/${site.siteId}/quality`);
  expect(res.status).toBe(200);
  return res.body as {
    site_id: string;
    rejected: { meter_id: string; from: string; to: string; reason: string; detail: string; timestamp: string }[];
    estimated: { meter_id: string; from: string; to: string; reason: string; detail: string }[];
    discrepancies: { meter_id: string; from: string; to: string; reason: string; detail: string }[];
  };
}

describe('a reading arriving a week late', () => {
  const MISSING = Date.UTC(2024, 3, 24, 10); // 2024-04-24 10:00Z, a week before the end
  let S: PipelineSite;
  let apt = '';
  let apt2 = '';
  let late: ElecReading;
  let meterBefore = '';
  let siteBefore = '';

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Late data' });
    apt = await S.meter({ name: 'Apt', prim_ad: 11 });
    apt2 = await S.meter({ name: 'Apt 2', prim_ad: 12 });
    // no grid meter: production is shared locally first, so a change of apt moves apt2's shares too
    const pv = await S.meter({ name: 'PV', mode: 'production', prim_ad: 2 });
    const aptReadings = indexSeries(apt, MONTH_FROM, MONTH_TO, (t) => ({ im: rate(t), ex: 0 }), { im: 500, ex: 0 });
    const i = aptReadings.findIndex((r) => r.timestamp === isoZ(MISSING));
    late = aptReadings[i];
    aptReadings.splice(i, 1);
    await S.pushOk({ meters: aptReadings });
    await S.pushOk({ meters: indexSeries(apt2, MONTH_FROM, MONTH_TO, () => ({ im: 0.25, ex: 0 })) });
    await S.pushOk({ meters: indexSeries(pv, MONTH_FROM, MONTH_TO, (t) => ({ im: 0, ex: pvHour(t) ? 0.5 : 0 })) });
    const dev = await S.dev();
    meterBefore = (await dev.post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text;
    siteBefore = (await dev.post(`/site_data/${S.siteId}/electricity`, MONTH)).text;
  });

  it('should first spread the index difference over the two intervals around the missing reading', () => {
    const r = JSON.parse(meterBefore) as { total: number; timestamp: string }[];
    expect(r).toHaveLength(30 * 96);
    // 09:45–10:00 consumes 0.375 and 10:00–10:15 0.5: without the 10:00 reading each gets half of 0.875
    const at = (label: string) => r.find((x) => x.timestamp === label)!.total;
    expect(at('2024-04-24 12:00:00+02:00')).toBe(0.4375);
    expect(at('2024-04-24 12:15:00+02:00')).toBe(0.4375);
    expect(at('2024-04-24 11:45:00+02:00')).toBe(0.375);
    expect(at('2024-04-24 12:30:00+02:00')).toBe(0.5);
    // energy is conserved over the whole month
    const sum = r.reduce((s, x) => s + x.total, 0);
    const want = indexSeries(apt, MONTH_FROM, MONTH_TO, (t) => ({ im: rate(t), ex: 0 })).at(-1)!.en_im;
    expect(sum).toBeCloseTo(want, 6);
  });

  it('should mark the two intervals around the missing reading as estimated in the quality report', async () => {
    // pipeline.md: the index difference is spread over the missing intervals and they are marked estimated;
    // a missing quarter-hour reading leaves a 30-minute span between two real readings
    const report = await quality(S);
    expect(report.estimated).toEqual([expect.objectContaining({ meter_id: apt, from: isoZ(MISSING - QH), to: isoZ(MISSING + QH) })]);
  });

  it('should change only the two intervals the late reading touches, leaving every other row byte-identical', async () => {
    server.clock.set(NOW + HOUR);
    const res = await S.push({ meters: [{ ...late, en_im: late.en_im }] });
    expect(res.body).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    const dev = await S.dev();
    const meterAfter = (await dev.post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text;
    const changed = changedRows(meterBefore, meterAfter);
    expect(changed).toEqual(['2024-04-24 12:00:00+02:00', '2024-04-24 12:15:00+02:00']);
    const after = JSON.parse(meterAfter) as { total: number; timestamp: string }[];
    expect(after.find((x) => x.timestamp === changed[0])!.total).toBe(0.375);
    expect(after.find((x) => x.timestamp === changed[1])!.total).toBe(0.5);

    const siteAfter = (await dev.post(`/site_data/${S.siteId}/electricity`, MONTH)).text;
    expect(changedRows(siteBefore, siteAfter)).toEqual(['2024-04-24 12:00:00+02:00', '2024-04-24 12:15:00+02:00']);
    // the site rows changed by the same amounts: conso_total and apt2's share of production
    const row = (text: string, label: string) => (JSON.parse(text) as any[]).find((x) => x.timestamp === label);
    const b0 = row(siteBefore, changed[0]);
    const a0 = row(siteAfter, changed[0]);
    expect(b0.conso_total).toBe(0.6875);
    expect(a0.conso_total).toBe(0.625);
    expect(a0.self).toBe(0.5);
    expect(a0[`self_${apt2}`]).toBe(0.2);
    expect(b0[`self_${apt2}`]).toBe(0.181818);
    server.clock.set(NOW);
  });

  it('should answer the late reading pushed again as a duplicate and change nothing', async () => {
    const dev = await S.dev();
    const before = (await dev.post(`/site_data/${S.siteId}/electricity`, MONTH)).text;
    const res = await S.push({ meters: [late] });
    expect(res.body).toEqual({ stored: 0, duplicates: 1, rejected: [] });
    expect((await dev.post(`/site_data/${S.siteId}/electricity`, MONTH)).text).toBe(before);
  });
});

describe('a late slice of an interval meter', () => {
  const FROM = Date.UTC(2024, 3, 20); // 5-minute slices of 0.1 kWh from 00:00Z to 06:00Z
  const LATE = Date.UTC(2024, 3, 20, 3, 5); // the slice ending 03:05Z arrives late
  let S: PipelineSite;
  let iv = '';
  let before = '';

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Interval late' });
    iv = await S.meter({ name: 'Load profile', prim_ad: 21, reading_kind: 'interval' });
    const slices = [];
    for (let t = FROM + 300_000; t <= FROM + 6 * HOUR; t += 300_000) if (t !== LATE) slices.push({ meter_id: iv, timestamp: isoZ(t), en_im: 0.1, en_ex: 0 });
    await S.pushOk({ meters: slices });
    before = (await (await S.dev()).post(`/meter_data/${S.siteId}/${iv}`, { t_s: naive(FROM), t_e: naive(FROM + 6 * HOUR) })).text;
  });

  it('should sum 5-minute slices into their quarter-hour, the one missing a slice holding the other two', () => {
    const r = JSON.parse(before) as { total: number; timestamp: string }[];
    expect(r).toHaveLength(24);
    expect(r.filter((x) => x.total === 0.3)).toHaveLength(23);
    expect(r.find((x) => x.timestamp === '2024-04-20 05:15:00+02:00')!.total).toBe(0.2);
  });

  it('should change only the quarter-hour of the late slice', async () => {
    expect((await S.push({ meters: [{ meter_id: iv, timestamp: isoZ(LATE), en_im: 0.1, en_ex: 0 }] })).body.stored).toBe(1);
    const after = (await (await S.dev()).post(`/meter_data/${S.siteId}/${iv}`, { t_s: naive(FROM), t_e: naive(FROM + 6 * HOUR) })).text;
    expect(changedRows(before, after)).toEqual(['2024-04-20 05:15:00+02:00']);
    expect((JSON.parse(after) as { total: number }[]).every((x) => x.total === 0.3)).toBe(true);
  });
});

describe('a lock date', () => {
  const LOCK = '2024-04-15T00:00:00.000Z';
  const BEFORE_LOCK = Date.UTC(2024, 3, 10, 10);
  const AFTER_LOCK = Date.UTC(2024, 3, 20, 10);
  let S: PipelineSite;
  let apt = '';
  const held: Record<number, ElecReading> = {};
  let meterBefore = '';

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Locked site' });
    apt = await S.meter({ name: 'Apt', prim_ad: 11 });
    const readings = indexSeries(apt, MONTH_FROM, MONTH_TO, () => ({ im: 0.25, ex: 0 }));
    for (const t of [BEFORE_LOCK, AFTER_LOCK]) {
      const i = readings.findIndex((r) => r.timestamp === isoZ(t));
      held[t] = readings[i];
      readings.splice(i, 1);
    }
    await S.pushOk({ meters: readings });
    const patched = await S.admin.patch(`/sites/${S.siteId}`, { lock_date: LOCK });
    expect(patched.status).toBe(200);
    expect(patched.body.lock_date).toBe(LOCK);
    meterBefore = (await (await S.dev()).post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text;
  });

  it('should store a late reading before the lock date raw but leave validated data unchanged, reporting a discrepancy', async () => {
    // a value off the line: 0.375 of the 0.5 across the two intervals falls in the first
    const reading = { ...held[BEFORE_LOCK], en_im: held[BEFORE_LOCK].en_im + 0.125 };
    const res = await S.push({ meters: [reading] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    const dev = await S.dev();
    const raw = rows(await dev.post(`/meter_data_raw/${S.siteId}/${apt}`, { t_s: naive(BEFORE_LOCK - QH), t_e: naive(BEFORE_LOCK + QH) }));
    expect(raw.map((r) => r.en_im)).toEqual([held[BEFORE_LOCK].en_im - 0.25, reading.en_im, held[BEFORE_LOCK].en_im + 0.25]);
    expect((await dev.post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text).toBe(meterBefore);
    const q = await quality(S);
    expect(q.discrepancies).toHaveLength(1);
    expect(q.discrepancies[0]).toMatchObject({ meter_id: apt, reason: 'after_lock_date', from: isoZ(BEFORE_LOCK) });
    expect(q.discrepancies[0].detail).toContain('lock date');
  });

  it('should still apply late data after the lock date', async () => {
    const reading = { ...held[AFTER_LOCK], en_im: held[AFTER_LOCK].en_im + 0.125 };
    expect((await S.push({ meters: [reading] })).body.stored).toBe(1);
    const after = (await (await S.dev()).post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text;
    expect(changedRows(meterBefore, after)).toEqual(['2024-04-20 12:00:00+02:00', '2024-04-20 12:15:00+02:00']);
    const r = JSON.parse(after) as { total: number; timestamp: string }[];
    expect(r.find((x) => x.timestamp === '2024-04-20 12:00:00+02:00')!.total).toBe(0.375);
    expect(r.find((x) => x.timestamp === '2024-04-20 12:15:00+02:00')!.total).toBe(0.125);
    expect((await quality(S)).discrepancies).toHaveLength(1);
  });

  it('should keep locked intervals unchanged through an operator revalidation', async () => {
    const dev = await S.dev();
    const before = (await dev.post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text;
    const res = await S.admin.post(`/sites/${S.siteId}/revalidate`, {});
    expect(res.status).toBe(200);
    expect((await dev.post(`/meter_data/${S.siteId}/${apt}`, MONTH)).text).toBe(before);
  });

  it('should not report an operator revalidation as late readings after the lock date', async () => {
    const before = (await quality(S)).discrepancies;
    expect((await S.admin.post(`/sites/${S.siteId}/revalidate`, {})).status).toBe(200);
    expect((await quality(S)).discrepancies).toEqual(before);
  });
});

describe('the quality report', () => {
  const SPIKE = Date.UTC(2024, 3, 3, 12);
  const GAP_FROM = Date.UTC(2024, 3, 6);
  const GAP_TO = Date.UTC(2024, 3, 9);
  const EXCHANGE = Date.UTC(2024, 3, 12, 12);
  const END = Date.UTC(2024, 3, 15);
  let S: PipelineSite;
  let q = '';
  let readings: ElecReading[];

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Quality site' });
    q = await S.meter({ name: 'Apt', prim_ad: 11 });
    readings = indexSeries(q, MONTH_FROM, END, (t) => ({ im: rate(t), ex: 0 }), { im: 1000, ex: 0 });
    const ts = (r: ElecReading) => Date.parse(r.timestamp as string);
    const atExchange = readings.find((x) => ts(x) === EXCHANGE)!.en_im;
    readings = readings
      .filter((r) => ts(r) <= GAP_FROM || ts(r) >= GAP_TO)
      .map((r) => (ts(r) === SPIKE ? { ...r, en_im: r.en_im + 500 } : r))
      // a new meter from EXCHANGE on: its register starts again at 3
      .map((r) => (ts(r) >= EXCHANGE ? { ...r, en_im: 3 + r.en_im - atExchange } : r));
    await S.pushOk({ meters: readings });
  });

  it('should list the spike as a rejected reading with reason spike', async () => {
    const report = await quality(S);
    expect(report.site_id).toBe(S.siteId);
    const spikes = report.rejected.filter((r) => r.reason === 'spike');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toMatchObject({ meter_id: q, timestamp: isoZ(SPIKE), from: isoZ(SPIKE) });
    expect(spikes[0].detail).toContain('en_im');
    // the spike costs nothing: the two intervals across it get the index difference of its neighbours
    const md = rows(await (await S.dev()).post(`/meter_data/${S.siteId}/${q}`, { t_s: naive(SPIKE - QH), t_e: naive(SPIKE + QH) }));
    expect(md.map((r) => r.total)).toEqual([(rate(SPIKE - QH) + rate(SPIKE)) / 2, (rate(SPIKE - QH) + rate(SPIKE)) / 2]);
  });

  it('should list the 3-day gap as an estimated span with reason gap, spreading the index difference evenly', async () => {
    const report = await quality(S);
    const gaps = report.estimated.filter((r) => r.reason === 'gap');
    expect(gaps).toEqual([expect.objectContaining({ meter_id: q, from: isoZ(GAP_FROM), to: isoZ(GAP_TO), reason: 'gap' })]);
    const md = rows(await (await S.dev()).post(`/meter_data/${S.siteId}/${q}`, { t_s: naive(GAP_FROM), t_e: naive(GAP_TO) }));
    expect(md).toHaveLength(3 * 96);
    // 3 days of the 4-hour pattern: (0.25 + 0.375 + 0.5 + 0.625) × 4 × 6 × 3 = 126 kWh, spread evenly
    const total = md.reduce((s, r) => s + (r.total as number), 0);
    expect(total).toBeCloseTo(126, 6);
    for (const r of md) expect(r.total).toBeCloseTo(126 / 288, 6);
  });

  it('should list the meter exchange as an estimated span, never producing negative consumption', async () => {
    const report = await quality(S);
    const ex = report.estimated.filter((r) => r.reason === 'meter_exchange');
    expect(ex).toEqual([expect.objectContaining({ meter_id: q, from: isoZ(EXCHANGE - QH), to: isoZ(EXCHANGE), reason: 'meter_exchange' })]);
    const md = rows(await (await S.dev()).post(`/meter_data/${S.siteId}/${q}`, { t_s: naive(MONTH_FROM), t_e: naive(END) }));
    expect(md).toHaveLength(14 * 96);
    expect(md.every((r) => (r.total as number) >= 0)).toBe(true);
    // 11:45–12:00Z is estimated from the neighbouring rates: 11:30–11:45 (0.625) and 12:00–12:15 (0.25)
    const across = md.find((r) => r.timestamp === '2024-04-12 14:00:00+02:00')!;
    expect(across.total).toBe((rate(EXCHANGE - 2 * QH) + rate(EXCHANGE)) / 2);
    const next = md.find((r) => r.timestamp === '2024-04-12 14:15:00+02:00')!;
    expect(next.total).toBe(rate(EXCHANGE));
  });

  it('should list nothing else for this meter', async () => {
    const report = await quality(S);
    expect(report.rejected.map((r) => r.reason)).toEqual(['spike']);
    expect(report.estimated.map((r) => r.reason).sort()).toEqual(['gap', 'meter_exchange', 'rejected_reading'].sort());
    expect(report.discrepancies).toEqual([]);
  });

  it('should answer 404 for an unknown site', async () => {
    const res = await S.admin.get('/sites/ffffffffffffffffffffffff/quality');
    expect(res.status).toBe(404);
    expect(errorBody(res).error).toBe('site.not_found');
  });
});

describe('reversed meters and revalidation', () => {
  const FROM = Date.UTC(2024, 3, 2);
  const TO = FROM + DAY;
  const DAY_RANGE = { t_s: naive(FROM), t_e: naive(TO) };
  let S: PipelineSite;
  let wired = '';
  let apt2 = '';

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Reversed site' });
    wired = await S.meter({ name: 'Wired backwards', prim_ad: 11 });
    apt2 = await S.meter({ name: 'Apt 2', prim_ad: 12 });
    // consumption shows on en_ex: the meter is wired backwards
    await S.pushOk({ meters: indexSeries(wired, FROM, TO, () => ({ im: 0, ex: 0.25 }), { im: 100, ex: 40 }) });
    await S.pushOk({ meters: indexSeries(apt2, FROM, TO, () => ({ im: 0.5, ex: 0 })) });
  });

  it('should count export as negative consumption before the correction', async () => {
    const md = rows(await (await S.dev()).post(`/meter_data/${S.siteId}/${wired}`, DAY_RANGE));
    expect(md).toHaveLength(96);
    expect(md[0]).toEqual({ total: -0.25, self: 0, ext: -0.25, timestamp: '2024-04-02 02:15:00+02:00' });
  });

  it('should swap import and export right after PATCH reversed: true, without touching the raw data', async () => {
    const dev = await S.dev();
    const rawBefore = (await dev.post(`/meter_data_raw/${S.siteId}/${wired}`, DAY_RANGE)).text;
    const res = await S.admin.patch(`/sites/${S.siteId}/meters/${wired}`, { reversed: true });
    expect(res.status).toBe(200);
    expect(res.body.reversed).toBe(true);
    const md = rows(await dev.post(`/meter_data/${S.siteId}/${wired}`, DAY_RANGE));
    expect(md).toHaveLength(96);
    expect(md.every((r) => r.total === 0.25 && r.self === 0 && r.ext === 0.25)).toBe(true);
    const site = rows(await dev.post(`/site_data/${S.siteId}/electricity`, { ...DAY_RANGE, sampling_frequency: 'D' }));
    // local 2024-04-02 holds 00:00Z–22:00Z (88 intervals), 2024-04-03 the last 8
    expect(site.map((r) => r.conso_total)).toEqual([0.75 * 88, 0.75 * 8]);
    expect(site[0][`total_${wired}`]).toBe(0.25 * 88);
    expect((await dev.post(`/meter_data_raw/${S.siteId}/${wired}`, DAY_RANGE)).text).toBe(rawBefore);
    expect(JSON.parse(rawBefore)[1]).toEqual({ en_im: 100, en_ex: 40.25, timestamp: '2024-04-02 02:15:00+02:00' });
  });

  it('should swap back when reversed is set to false again', async () => {
    expect((await S.admin.patch(`/sites/${S.siteId}/meters/${wired}`, { reversed: false })).status).toBe(200);
    const md = rows(await (await S.dev()).post(`/meter_data/${S.siteId}/${wired}`, DAY_RANGE));
    expect(md.every((r) => r.total === -0.25)).toBe(true);
    expect((await S.admin.patch(`/sites/${S.siteId}/meters/${wired}`, { reversed: true })).status).toBe(200);
  });

  it('should return the counts of a full revalidation and change nothing', async () => {
    const dev = await S.dev();
    const before = (await dev.post(`/site_data/${S.siteId}/electricity`, DAY_RANGE)).text;
    const res = await S.admin.post(`/sites/${S.siteId}/revalidate`, {});
    expect(res.status).toBe(200);
    // two physical meters, 96 intervals each, 96 site intervals
    expect(res.body).toEqual({ meters: 2, intervals: 192, allocated: 96 });
    expect((await dev.post(`/site_data/${S.siteId}/electricity`, DAY_RANGE)).text).toBe(before);
  });

  it('should revalidate only around a given range', async () => {
    const res = await S.admin.post(`/sites/${S.siteId}/revalidate`, { from: isoZ(FROM + 6 * HOUR), to: isoZ(FROM + 7 * HOUR) });
    expect(res.status).toBe(200);
    expect(res.body.meters).toBe(2);
    expect(res.body.intervals).toBeGreaterThanOrEqual(2 * 4);
    expect(res.body.intervals).toBeLessThan(192);
    expect(res.body.allocated).toBeGreaterThanOrEqual(4);
    expect(res.body.allocated).toBeLessThan(96);
  });

  it('should revalidate the whole site when the body is missing or empty ({from?, to?} are both optional)', async () => {
    for (const res of [
      await S.admin.request('POST', `/sites/${S.siteId}/revalidate`),
      await S.admin.request('POST', `/sites/${S.siteId}/revalidate`, { raw: '', contentType: 'application/json' }),
    ]) {
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ meters: 2, intervals: 192, allocated: 96 });
    }
  });

  it('should answer zero counts for a range without data, 404 for an unknown site and 400 for a bad instant', async () => {
    expect((await S.admin.post(`/sites/${S.siteId}/revalidate`, { from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' })).body).toEqual({ meters: 0, intervals: 0, allocated: 0 });
    const missing = await S.admin.post('/sites/ffffffffffffffffffffffff/revalidate', {});
    expect(missing.status).toBe(404);
    expect(errorBody(missing).error).toBe('site.not_found');
    const bad = await S.admin.post(`/sites/${S.siteId}/revalidate`, { from: 'last tuesday' });
    expect(bad.status).toBe(400);
    expect(errorBody(bad).message).toContain('from');
  });
});

describe('other corrections an operator sets', () => {
  const FIRST = Date.UTC(2024, 3, 5, 12); // the first reading: 1000 kWh at 12:00Z
  let S: PipelineSite;
  let meter = '';
  let apt2 = '';

  beforeAll(async () => {
    S = await createPipelineSite(server, { name: 'Corrections' });
    meter = await S.meter({ name: 'New meter', prim_ad: 11 });
    apt2 = await S.meter({ name: 'Apt 2', prim_ad: 12 });
    await S.pushOk({ meters: indexSeries(meter, FIRST, FIRST + 4 * HOUR, () => ({ im: 0.25, ex: 0 }), { im: 1000, ex: 0 }) });
    await S.pushOk({ meters: indexSeries(apt2, FIRST - 2 * HOUR, FIRST + 4 * HOUR, () => ({ im: 0.5, ex: 0 })) });
  });

  it('should start consumption at installed_at with a zero index, spreading the first reading over the span', async () => {
    const range = { t_s: naive(FIRST - 2 * HOUR), t_e: naive(FIRST + 4 * HOUR) };
    const dev = await S.dev();
    const before = rows(await dev.post(`/meter_data/${S.siteId}/${meter}`, range));
    expect(before).toHaveLength(16);
    expect(before[0].timestamp).toBe('2024-04-05 14:15:00+02:00');
    const res = await S.admin.patch(`/sites/${S.siteId}/meters/${meter}`, { installed_at: '2024-04-05T11:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body.installed_at).toBe('2024-04-05T11:00:00.000Z');
    const after = rows(await dev.post(`/meter_data/${S.siteId}/${meter}`, range));
    expect(after).toHaveLength(20);
    // 1000 kWh from 0 at 11:00Z to the first reading at 12:00Z: 250 per quarter-hour
    expect(after.slice(0, 4).map((r) => [r.timestamp, r.total])).toEqual([
      ['2024-04-05 13:15:00+02:00', 250], ['2024-04-05 13:30:00+02:00', 250], ['2024-04-05 13:45:00+02:00', 250], ['2024-04-05 14:00:00+02:00', 250],
    ]);
    expect(after.slice(4)).toEqual(before);
    const site = rows(await dev.post(`/site_data/${S.siteId}/electricity`, { t_s: naive(FIRST - HOUR), t_e: naive(FIRST), sampling_frequency: 'H' }));
    expect(site[0].conso_total).toBe(1000 + 4 * 0.5);
    const q = await quality(S);
    expect(q.estimated).toEqual([expect.objectContaining({ meter_id: meter, from: '2024-04-05T11:00:00.000Z', to: '2024-04-05T12:00:00.000Z' })]);
  });

  it('should drop a meter from the site balance when in_balance is set to false', async () => {
    const range = { t_s: naive(FIRST), t_e: naive(FIRST + HOUR) };
    const dev = await S.dev();
    const before = rows(await dev.post(`/site_data/${S.siteId}/electricity`, range));
    expect(Object.keys(before[0])).toContain(`total_${apt2}`);
    expect(before[0].conso_total).toBe(0.75);
    expect((await S.admin.patch(`/sites/${S.siteId}/meters/${apt2}`, { in_balance: false })).status).toBe(200);
    const after = rows(await dev.post(`/site_data/${S.siteId}/electricity`, range));
    expect(after).toHaveLength(4);
    expect(Object.keys(after[0]).some((k) => k.includes(apt2))).toBe(false);
    expect(after.map((r) => r.conso_total)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(rows(await dev.post(`/meter_data/${S.siteId}/${apt2}`, range))[0]).toEqual({ total: 0.5, timestamp: '2024-04-05 14:15:00+02:00' });
  });
});
