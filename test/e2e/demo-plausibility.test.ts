/**
 * The demo community "Sonnenhof" (seed 1, a year up to 2026-11-27 12:00 UTC)
 * created with runDemo through the real gateway path into a test server's
 * store, then judged from the developer API's own answers, as the demo
 * developer would see them: physical plausibility (PV yield, household
 * consumption, self-consumption, heating season, the sun's daily course),
 * every allocation identity of allocation.md on every row, the operator's
 * quality report of the demo's planted imperfections (demoFacts), and the
 * site's meters and sensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JITTER_MS, demoFacts } from '../../src/demo/facts.js';
import { SONNENHOF, demoSite, demoSiteDocument } from '../../src/demo/site.js';
import type { QualityRecord } from '../../src/store/store.js';
import {
  DAY, HOUR, QH, electricityViolations, firstOf, idsWith, isoZ, localHourOf, localMonth, localMs, meanSolarNoonLocal,
  instantOf, localDate, meterData, ok, siteData, sumOf, sumViolations, startDemoServer, type DemoServer, type Row,
} from '../helpers/demo.js';

const SEED = 1;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAYS = 365;

const site = demoSite(SEED);
const doc = demoSiteDocument(SEED);
const facts = demoFacts(SEED, NOW, DAYS);
/** the whole generated year, as the API's t_s / t_e */
const YEAR = { t_s: isoZ(facts.start), t_e: isoZ(facts.end) };
/** the consumers the electricity balance counts: the house meter is a group meter outside it, the common areas a rule meter in it */
const CONSUMERS = [site.heatPump, ...site.chargePoints, ...site.apartments, site.common].sort();
const ELECTRIC_PHYSICAL = doc.meters.filter((m) => (m.type === 'electricity' || m.type === 'charge_point') && m.rule === null).map((m) => m.id);
const HOURLY_PHYSICAL = [...site.heat, ...site.hotWater, ...site.coldWater];

let demo: DemoServer;
/** the store's quality records just before the late outage batch was pushed */
let beforeLateBatch: Promise<(QualityRecord & { recorded_at: number })[]> | null = null;
let yearY: Row[];
let yearM: Row[];

interface QualityView {
  site_id: string;
  rejected: { meter_id: string; from: string; to: string; reason: string; detail: string; timestamp: string }[];
  estimated: { meter_id: string; from: string; to: string; reason: string; detail: string }[];
  discrepancies: unknown[];
}
let quality: QualityView;

beforeAll(async () => {
  demo = await startDemoServer({
    seed: SEED,
    now: NOW,
    days: DAYS,
    progress: (done, _total, server) => {
      // `done` batches are in; the next one is the late outage batch. The
      // SQLite store answers synchronously, so this is a snapshot taken
      // before runDemo pushes the next batch.
      if (done === facts.lateBatchIndex) beforeLateBatch = server.store.listQuality(site.siteId);
    },
  });
  yearY = await siteData(demo.dev, site.siteId, 'electricity', { ...YEAR, sampling_frequency: 'Y' });
  yearM = await siteData(demo.dev, site.siteId, 'electricity', { ...YEAR, sampling_frequency: 'M' });
  quality = ok(await demo.admin.get(`/sites/${site.siteId}/quality`), 'quality report').body as QualityView;
}, 600_000);

afterAll(async () => {
  await demo?.server.close();
});

describe('the demo year: what was pushed', () => {
  it('should have pushed every batch of the year through the gateway path without a rejection', () => {
    expect(demo.result.siteId).toBe(site.siteId);
    expect(demo.result.readings.stored).toBeGreaterThan(1_000_000);
    expect(demo.result.readings.rejected).toBe(0);
    // the monthly duplicated hours come back as duplicates, not as new readings
    expect(demo.result.readings.duplicates).toBeGreaterThan(0);
  });

  it('should serve the generated year as one or two calendar-year rows and twelve or thirteen month rows', () => {
    expect(yearY.length).toBeGreaterThanOrEqual(1);
    expect(yearY.length).toBeLessThanOrEqual(2);
    expect(yearM.length).toBeGreaterThanOrEqual(12);
    expect(yearM.length).toBeLessThanOrEqual(13);
  });
});

describe('the demo year: physical plausibility (developer API)', () => {
  it('should yield 900–1,250 kWh per kWp from the 60 kWp PV over the year', () => {
    const pvKwh = sumOf(yearY, `total_${site.pv}`);
    const yieldPerKwp = pvKwh / SONNENHOF.pvPeakKw;
    expect(yieldPerKwp, `PV ${pvKwh} kWh in the year`).toBeGreaterThanOrEqual(900);
    expect(yieldPerKwp).toBeLessThanOrEqual(1250);
    // the monthly rows say the same
    expect(Math.abs(sumOf(yearM, `total_${site.pv}`) - pvKwh)).toBeLessThan(1e-3);
  });

  it('should have each of the 12 apartments consume 1,500–4,500 kWh in the year', () => {
    expect(site.apartments).toHaveLength(12);
    const perApartment = Object.fromEntries(site.apartments.map((id, i) => [site.apartmentInfo[i].name, sumOf(yearY, `total_${id}`)]));
    for (const [name, kwh] of Object.entries(perApartment)) {
      expect(kwh, `${name}: ${kwh} kWh (all: ${JSON.stringify(perApartment)})`).toBeGreaterThanOrEqual(1500);
      expect(kwh, `${name}: ${kwh} kWh`).toBeLessThanOrEqual(4500);
    }
  });

  it('should consume 30–80 % of the local production on site (Σ self / Σ prod_total over the year)', () => {
    const ratio = sumOf(yearY, 'self') / sumOf(yearY, 'prod_total');
    expect(ratio).toBeGreaterThanOrEqual(0.3);
    expect(ratio).toBeLessThanOrEqual(0.8);
  });

  it('should heat more in January than in July (site_data heating, M)', async () => {
    const rows = await siteData(demo.dev, site.siteId, 'heating', { ...YEAR, sampling_frequency: 'M' });
    const month = (ym: string) => rows.find((r) => String(r.timestamp).startsWith(`${ym}-01 00:00:00`));
    const january = month('2026-01');
    const july = month('2026-07');
    expect(january, JSON.stringify(rows.map((r) => r.timestamp))).toBeDefined();
    expect(july).toBeDefined();
    expect(january!.conso_total as number).toBeGreaterThan(july!.conso_total as number);
    // the heat meters are the columns, and they add up
    expect(idsWith(january!, 'total')).toEqual([...site.heat].sort());
    for (const r of rows) expect(Math.abs((r.conso_total as number) - site.heat.reduce((s, id) => s + (r[`total_${id}`] as number), 0))).toBeLessThan(1e-5);
  });

  // local weeks clear of the outage (its readings are there, but only since the late batch)
  const weeks = [
    { name: 'a summer week', from: localMs('2026-06-15T00:00'), to: localMs('2026-06-22T00:00') },
    { name: 'a winter week', from: localMs('2025-12-08T00:00'), to: localMs('2025-12-15T00:00') },
  ];
  it.each(weeks)('should produce ~0 PV at night and peak within ±1.5 h of local solar noon in $name (pv meter_data, H)', async ({ from, to }) => {
    expect(facts.outage && from < facts.outage.to && facts.outage.from < to).toBeFalsy();
    const rows = await meterData(demo.dev, site.siteId, site.pv, { t_s: isoZ(from), t_e: isoZ(to), sampling_frequency: 'H' });
    expect(rows).toHaveLength(7 * 24);
    expect(Object.keys(rows[0]).sort()).toEqual(['timestamp', 'total']);
    const byHour = new Map<number, number[]>();
    for (const r of rows) {
      const h = localHourOf(String(r.timestamp));
      if (!byHour.has(h)) byHour.set(h, []);
      byHour.get(h)!.push(r.total as number);
    }
    // night: the hours starting 23:00 to 03:00 local (up to 04:00); the inverter's standby draw makes it slightly negative
    for (const h of [23, 0, 1, 2, 3]) {
      for (const v of byHour.get(h)!) expect(Math.abs(v), `${h}:00 local: ${v} kWh`).toBeLessThan(0.1);
    }
    const mean = [...byHour].map(([h, v]) => ({ h, kwh: v.reduce((s, x) => s + x, 0) / v.length }));
    const peak = mean.reduce((a, b) => (b.kwh > a.kwh ? b : a));
    const noon = meanSolarNoonLocal(SONNENHOF.longitude, (from + to) / 2);
    // an hourly row holds [h, h+1): its centre is h + 0.5
    expect(Math.abs(peak.h + 0.5 - noon), `peak at ${peak.h}:00–${peak.h + 1}:00 local, solar noon ${noon.toFixed(2)} h; means ${JSON.stringify(mean)}`).toBeLessThanOrEqual(1.5);
    expect(peak.kwh).toBeGreaterThan(1);
  });
});

describe('the demo year: every identity of allocation.md on every row (developer API)', () => {
  /** every 15-minute row of the year, fetched one local calendar month at a time */
  let quarters: Row[];
  /** the local period (day, month, year) each quarter-hour's interval starts in */
  const periodOf = (r: Row, f: 'day' | 'month' | 'year') => {
    const d = localDate(instantOf(String(r.timestamp)) - QH);
    return f === 'day' ? d : f === 'month' ? d.slice(0, 7) : d.slice(0, 4);
  };
  const groupBy = (rows: Row[], key: (r: Row) => string) => {
    const m = new Map<string, Row[]>();
    for (const r of rows) {
      const k = key(r);
      if (!m.has(k)) m.set(k, []);
      m.get(k)!.push(r);
    }
    return m;
  };
  /** a coarse row against the quarter-hours it sums: every key is their sum, and every identity of a coarse period holds */
  const coarseViolations = (row: Row, fine: Row[]) => {
    if (fine.length === 0) return [`${String(row.timestamp)}: no quarter-hours`];
    // Σ of n values rounded to 6 decimals: at most n × 5e-7 apart
    const tol = fine.length * 5e-7 + 1e-5;
    const shares = fine.reduce((s, r) => s + Math.max(r.self as number, 0), 0);
    return [...sumViolations(row, fine, tol), ...electricityViolations(row, CONSUMERS, { shares: { value: shares, eps: tol } })];
  };

  beforeAll(async () => {
    quarters = [];
    for (let m = localMonth(facts.start); m.from < facts.end; m = localMonth(m.to)) {
      const range = { t_s: isoZ(Math.max(m.from, facts.start)), t_e: isoZ(Math.min(m.to, facts.end)) };
      quarters.push(...(await siteData(demo.dev, site.siteId, 'electricity', { ...range, sampling_frequency: '15T' })));
    }
  }, 300_000);

  it('should list exactly the consumers of the balance (heat pump, charge points, apartments, common areas) and the PV producer', () => {
    const row = yearY[0];
    expect(idsWith(row, 'self')).toEqual(CONSUMERS);
    expect(idsWith(row, 'ext')).toEqual(CONSUMERS);
    expect(idsWith(row, 'total')).toEqual([...CONSUMERS, site.pv].sort());
    for (const k of ['conso_total', 'prod_total', 'from_ext', 'self', 'to_ext', 'storage_charging_total', 'storage_discharging_total', 'storage_charging_self']) {
      expect(typeof row[k], k).toBe('number');
    }
  });

  it('should serve every quarter-hour of the year once, stamped at its end (the outage filled by the late batch)', () => {
    const ends = quarters.map((r) => instantOf(String(r.timestamp)));
    expect(new Set(ends).size).toBe(ends.length);
    const missing: string[] = [];
    for (let t = facts.start + QH, i = 0; t <= facts.end; t += QH) {
      while (i < ends.length && ends[i] < t) i++;
      if (ends[i] !== t) missing.push(isoZ(t));
    }
    // at most the two end intervals, whose outer boundary lies before the first / after the last reading
    expect(missing.filter((t) => Date.parse(t) !== facts.start + QH && Date.parse(t) !== facts.end), `${missing.length} missing`).toEqual([]);
    expect(quarters.length).toBeGreaterThanOrEqual(DAYS * 96 - 2);
  });

  it('should hold every identity on every 15-minute row of the year', () => {
    const violations = quarters.flatMap((r) => electricityViolations(r, CONSUMERS));
    expect(firstOf(violations), `${violations.length} violations in ${quarters.length} rows`).toEqual([]);
  });

  it('should charge the battery from local surplus and derive at the grid connection the production the PV meter measured', () => {
    const notSelf = quarters.filter((r) => r.storage_charging_self !== r.storage_charging_total);
    expect(firstOf(notSelf.map((r) => r.timestamp))).toEqual([]);
    expect(sumOf(quarters, 'storage_charging_total')).toBeGreaterThan(0);
    expect(sumOf(quarters, 'storage_discharging_total')).toBeGreaterThan(0);
    // the demo's balance closes at every quarter-hour, even across the outage, the exchange and the spike
    const pvMismatch = quarters.filter((r) => !(Math.abs((r.prod_total as number) - (r[`total_${site.pv}`] as number)) <= 1e-5));
    expect(firstOf(pvMismatch.map((r) => `${r.timestamp}: prod_total ${r.prod_total} vs PV ${r[`total_${site.pv}`]}`))).toEqual([]);
  });

  const months = [
    { name: 'the outage', at: facts.outage!.from },
    { name: 'the meter exchange', at: facts.exchange.at },
    { name: 'the spike', at: facts.spike.timestamp },
  ];
  it.each(months)('should make the days and the month of $name the sums of their quarter-hours, every identity holding', async ({ at }) => {
    const { from, to, label } = localMonth(at);
    const range = { t_s: isoZ(from), t_e: isoZ(to) };
    const fine = quarters.filter((r) => periodOf(r, 'month') === label);
    expect(fine, label).toHaveLength((to - from) / QH);
    const days = await siteData(demo.dev, site.siteId, 'electricity', { ...range, sampling_frequency: 'D' });
    const month = await siteData(demo.dev, site.siteId, 'electricity', { ...range, sampling_frequency: 'M' });
    const byDay = groupBy(fine, (r) => periodOf(r, 'day'));
    expect(days.map((d) => String(d.timestamp).slice(0, 10))).toEqual([...byDay.keys()]);
    expect(month.map((r) => r.timestamp)).toHaveLength(1);
    expect(String(month[0].timestamp)).toMatch(new RegExp(`^${label}-01 00:00:00\\+0[12]:00$`));
    const violations = [...days.flatMap((d) => coarseViolations(d, byDay.get(String(d.timestamp).slice(0, 10)) ?? [])), ...coarseViolations(month[0], fine)];
    expect(firstOf(violations), `${violations.length} violations`).toEqual([]);
  });

  it('should make every month and year of the year the sums of their quarter-hours, every identity holding', () => {
    const byMonth = groupBy(quarters, (r) => periodOf(r, 'month'));
    const byYear = groupBy(quarters, (r) => periodOf(r, 'year'));
    expect(yearM.map((r) => String(r.timestamp).slice(0, 7))).toEqual([...byMonth.keys()]);
    expect(yearY.map((r) => String(r.timestamp).slice(0, 4))).toEqual([...byYear.keys()]);
    const violations = [
      ...yearM.flatMap((r) => coarseViolations(r, byMonth.get(String(r.timestamp).slice(0, 7)) ?? [])),
      ...yearY.flatMap((r) => coarseViolations(r, byYear.get(String(r.timestamp).slice(0, 4)) ?? [])),
    ];
    expect(firstOf(violations), `${violations.length} violations`).toEqual([]);
  });
});

describe('the demo year: the quality report shows the planted imperfections (operator API)', () => {
  const spansOf = (meterId: string) => quality.estimated.filter((s) => s.meter_id === meterId);
  const ms = (iso: string) => Date.parse(iso);

  it('should have estimated the 2-day outage as a gap on every electricity meter while its readings were missing', async () => {
    expect(facts.outage).not.toBeNull();
    const { from, to } = facts.outage!;
    expect(beforeLateBatch, 'runDemo reported the batch before the late one').not.toBeNull();
    const rows = await beforeLateBatch!;
    const missing = ELECTRIC_PHYSICAL.filter((id) => !rows.some((r) =>
      r.meter_id === id && r.kind === 'estimated' && r.reason === 'gap' && r.from <= from && r.to >= to - MAX_JITTER_MS && r.to - r.from <= to - from + 2 * QH,
    ));
    expect(missing, `outage ${isoZ(from)} – ${isoZ(to)}`).toEqual([]);
  });

  it('should serve the outage as measured once its late batch arrived: no estimated span left on the electricity meters there', () => {
    const { from, to } = facts.outage!;
    const left = quality.estimated.filter((s) => ELECTRIC_PHYSICAL.includes(s.meter_id) && ms(s.from) < to && ms(s.to) > from);
    expect(left).toEqual([]);
  });

  it('should report the meter exchange as an estimated meter_exchange span on the exchanged meter, across its instant', () => {
    const ex = facts.exchange;
    const spans = quality.estimated.filter((s) => s.reason === 'meter_exchange' || s.reason === 'baseline_shift');
    expect(spans.map((s) => ({ meter_id: s.meter_id, reason: s.reason, from: s.from, to: s.to }))).toEqual([
      { meter_id: ex.meterId, reason: 'meter_exchange', from: isoZ(ex.lastOldTimestamp), to: isoZ(ex.firstNewTimestamp) },
    ]);
    expect(ms(spans[0].from)).toBeLessThanOrEqual(ex.at);
    expect(ms(spans[0].to)).toBeGreaterThanOrEqual(ex.at);
    expect(ms(spans[0].to) - ms(spans[0].from)).toBeLessThanOrEqual(QH + 2 * MAX_JITTER_MS);
  });

  it('should report the spike as the only rejection, with reason spike, on the spike meter at its timestamp', () => {
    const sp = facts.spike;
    expect(quality.rejected.map((r) => ({ meter_id: r.meter_id, reason: r.reason, timestamp: r.timestamp }))).toEqual([
      { meter_id: sp.meterId, reason: 'spike', timestamp: isoZ(sp.timestamp) },
    ]);
    // the span around it is re-estimated from its neighbours
    expect(spansOf(sp.meterId).some((s) => s.reason === 'rejected_reading' && ms(s.from) < sp.timestamp && ms(s.to) > sp.timestamp)).toBe(true);
    expect(quality.discrepancies).toEqual([]);
  });

  it('should report the hourly-read heat and water meters as estimated over their whole span, with no hole', () => {
    // read once an hour, every quarter-hour of theirs is interpolated (and stored as estimated):
    // the report joins that into one stretch per meter, from about the first reading to the last
    const holes: string[] = [];
    for (const id of HOURLY_PHYSICAL) {
      const spans = spansOf(id).filter((s) => s.reason === 'gap').sort((a, b) => ms(a.from) - ms(b.from));
      if (spans.length === 0) {
        holes.push(`${id}: no estimated span`);
        continue;
      }
      if (ms(spans[0].from) > facts.start + HOUR) holes.push(`${id}: starts at ${spans[0].from}`);
      if (ms(spans[spans.length - 1].to) < facts.end - HOUR) holes.push(`${id}: ends at ${spans[spans.length - 1].to}`);
      for (let i = 1; i < spans.length; i++) {
        if (ms(spans[i].from) > ms(spans[i - 1].to)) holes.push(`${id}: nothing reported from ${spans[i - 1].to} to ${spans[i].from}`);
      }
    }
    expect(firstOf(holes), `${holes.length} holes`).toEqual([]);
  });
});

describe('the demo site: meters and sensors (developer API)', () => {
  it('should list the 56 meters with their types, modes and addresses, the common areas as the one rule meter', async () => {
    const meters = ok(await demo.dev.get(`/meter_info/${site.siteId}`), 'meter_info').body as Record<string, unknown>[];
    expect(meters).toHaveLength(56);
    const expected = doc.meters.map((m) => ({ id: m.id, type: m.type, name: m.name, mode: m.mode, prim_ad: m.prim_ad, is_rule_meter: m.rule !== null }));
    const served = meters.map((m) => ({ id: m.id, type: m.type, name: m.name, mode: m.mode, prim_ad: m.prim_ad, is_rule_meter: m.is_rule_meter }));
    const byId = (a: { id?: unknown }, b: { id?: unknown }) => String(a.id).localeCompare(String(b.id));
    expect(served.sort(byId)).toEqual(expected.sort(byId));
    expect(meters.filter((m) => m.is_rule_meter === true).map((m) => m.id)).toEqual([site.common]);
    const modeOf = (id: string) => meters.find((m) => m.id === id)!.mode;
    expect(modeOf(site.grid)).toBe('introduction');
    expect(modeOf(site.pv)).toBe('production');
    expect(modeOf(site.battery)).toBe('battery');
    for (const id of [site.house, site.common, site.heatPump, ...site.chargePoints, ...site.apartments, ...site.heat, ...site.hotWater, ...site.coldWater]) expect(modeOf(id), id).toBe('consumption');
    for (const m of meters) expect(m.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('should list the 4 sensors', async () => {
    const sensors = ok(await demo.dev.get(`/${site.siteId}/sensors_list`), 'sensors_list').body as Record<string, unknown>[];
    expect(sensors).toHaveLength(4);
    const byId = (a: { id?: unknown }, b: { id?: unknown }) => String(a.id).localeCompare(String(b.id));
    expect([...sensors].sort(byId)).toEqual([...doc.sensors].sort(byId));
    expect(sensors.map((s) => s.id).sort()).toEqual([site.sensors.outdoor, ...site.sensors.indoor, site.sensors.co2].sort());
  });

  it('should serve the outdoor sensor readings of the last day that holds data, stamped in epoch milliseconds', async () => {
    const readings = ok(await demo.dev.get(`/${site.siteId}/sensor_data/${site.sensors.outdoor}`), 'sensor_data').body as { timestamp: number; value: number }[];
    expect(readings.length).toBeGreaterThan(0);
    for (const r of readings) {
      expect(Object.keys(r).sort()).toEqual(['timestamp', 'value']);
      expect(Number.isInteger(r.timestamp)).toBe(true);
      // milliseconds, not seconds: within the last day of the demo
      expect(r.timestamp).toBeGreaterThanOrEqual(NOW - DAY - 2 * QH);
      expect(r.timestamp).toBeLessThanOrEqual(NOW);
      expect(r.value).toBeGreaterThan(-30);
      expect(r.value).toBeLessThan(45);
    }
    const ts = readings.map((r) => r.timestamp);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });
});
