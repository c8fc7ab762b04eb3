/**
 * The allocation audit on the demo community: for intervals drawn at random
 * (seeded) from two demo weeks, the audit's numbers recompute, with the
 * formulas it states, its own stored balance exactly and the served
 * site_data row (6 decimals) exactly: rule meters from their terms, each
 * meter's total from its registers, the balance terms, every consumer's
 * share. Estimated intervals show the raw readings around them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { round6 } from '../../src/core/time/resample.js';
import { Rng } from '../../src/demo/rng.js';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';

const SEED = 1;
const NOW = Date.UTC(2026, 5, 17, 12);
const DAYS = 14;
const QH = 15 * 60 * 1000;

type M = { id: string; type: string; mode: string; rule: string | null; quality: string; im: number | null; ex: number | null; total: number | null; self: number | null; ext: number | null; raw_readings: { timestamp: string }[] };
type Audit = {
  interval: { from: string; to: string; timestamp: string };
  meters: M[];
  rules: { meter_id: string; terms: { meter_id: string; sign: 1 | -1; im: number | null; ex: number | null }[]; im: number | null; ex: number | null }[];
  balance: { mode: string; consumers: string[]; producers: string[]; introduction: string[]; batteries: string[]; values: Record<string, number> | null };
  shares: { ratio: number | null; consumers: { meter_id: string; total: number; self: number; ext: number }[] };
};

let demo: DemoServer;

beforeAll(async () => {
  demo = await startDemoServer({ seed: SEED, now: NOW, days: DAYS });
}, 300_000);

afterAll(async () => {
  await demo?.server.close();
});

/** the balance of allocation.md recomputed from the audit's meter values, in the order the audit lists the terms */
function recompute(a: Audit): { site: Record<string, number>; shares: Map<string, { self: number; ext: number }>; totals: Map<string, number> } {
  const byId = new Map(a.meters.map((m) => [m.id, m]));
  const totals = new Map<string, number>();
  for (const m of a.meters) {
    if (m.im === null || m.ex === null) continue;
    const electric = m.type === 'electricity' || m.type === 'charge_point';
    totals.set(m.id, !electric ? m.im : m.mode === 'production' ? m.ex - m.im : m.im - m.ex);
  }
  const sum = (ids: string[], f: (m: M) => number) => ids.reduce((s, id) => (byId.get(id)!.im === null ? s : s + f(byId.get(id)!)), 0);
  const conso = a.balance.consumers.reduce((s, id) => s + (totals.get(id) ?? 0), 0);
  const ch = sum(a.balance.batteries, (m) => m.im!);
  const dis = sum(a.balance.batteries, (m) => m.ex!);
  let site: Record<string, number>;
  if (a.balance.mode === 'introduction') {
    const fromExt = sum(a.balance.introduction, (m) => m.im!);
    const toExt = sum(a.balance.introduction, (m) => m.ex!);
    site = {
      conso_total: conso, from_ext: fromExt, to_ext: toExt, storage_charging_total: ch, storage_discharging_total: dis,
      prod_total: conso + ch + toExt - fromExt - dis, self: conso - fromExt, storage_charging_self: ch,
    };
  } else {
    const p = a.balance.producers.reduce((s, id) => s + (totals.get(id) ?? 0), 0);
    const direct = Math.min(p, conso);
    const fromBatt = Math.min(dis, conso - direct);
    const self = direct + fromBatt;
    const chSelf = Math.min(ch, p - direct);
    site = {
      conso_total: conso, prod_total: p, self, storage_charging_total: ch, storage_discharging_total: dis, storage_charging_self: chSelf,
      from_ext: conso - self + (ch - chSelf), to_ext: p - direct - chSelf + (dis - fromBatt),
    };
  }
  const r = site.self > 0 && site.conso_total > 0 ? (site.self >= site.conso_total ? 1 : site.self / site.conso_total) : 0;
  const shares = new Map(a.balance.consumers.map((id) => {
    const t = totals.get(id) ?? 0;
    const s = t * r;
    return [id, { self: s, ext: t - s }];
  }));
  return { site, shares, totals };
}

describe('the allocation audit', () => {
  it('should recompute the served site_data row exactly for random intervals of the demo site', async () => {
    const rng = new Rng(42, 'audit');
    const start = NOW - DAYS * 86_400_000;
    let checked = 0;
    let estimated = 0;
    for (let k = 0; k < 40; k++) {
      const t = start + Math.floor(rng.next() * (DAYS * 96 - 96)) * QH;
      const res = await demo.admin.get(`/sites/${demo.site.siteId}/audit?t=${new Date(t + 7 * 60_000).toISOString()}`);
      expect(res.status, res.text).toBe(200);
      const a = res.body as Audit;
      expect(a.interval.from).toBe(new Date(t).toISOString());
      const rows = (await demo.dev.post(`/site_data/${demo.site.siteId}/electricity`, { t_s: new Date(t).toISOString(), t_e: new Date(t + QH).toISOString() })).body as Record<string, number | string>[];
      if (rows.length === 0) {
        expect(a.balance.values).toBeNull();
        continue;
      }
      const row = rows[0];
      expect(row.timestamp).toBe(a.interval.timestamp);
      // rule meters from their terms, in formula order
      for (const rule of a.rules) {
        if (rule.im === null) continue;
        expect(rule.terms.reduce((s, x) => s + x.sign * x.im!, 0)).toBe(rule.im);
        expect(rule.terms.reduce((s, x) => s + x.sign * x.ex!, 0)).toBe(rule.ex);
      }
      const { site, shares, totals } = recompute(a);
      for (const m of a.meters) if (m.total !== null) expect(totals.get(m.id), m.id).toBe(m.total);
      // the stored balance, bit for bit, and the served row, as served
      expect(site).toEqual(a.balance.values);
      for (const [k, v] of Object.entries(site)) expect(row[k], k).toBe(round6(v));
      for (const c of a.shares.consumers) {
        expect(row[`total_${c.meter_id}`]).toBe(round6(totals.get(c.meter_id)!));
        expect(row[`self_${c.meter_id}`]).toBe(round6(shares.get(c.meter_id)!.self));
        expect(row[`ext_${c.meter_id}`]).toBe(round6(shares.get(c.meter_id)!.ext));
        expect(c.self).toBe(shares.get(c.meter_id)!.self);
      }
      for (const id of a.balance.producers) expect(row[`total_${id}`]).toBe(round6(totals.get(id)!));
      for (const m of a.meters) {
        if (m.rule === null && m.quality !== 'missing') expect(m.raw_readings.length, m.id).toBeGreaterThan(0);
        if (m.quality === 'estimated') estimated++;
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(30);
    // the demo's hourly heat and water meters are estimated between their readings
    expect(estimated).toBeGreaterThan(0);
  });

  it('should answer 400 without t and 404 for an unknown site', async () => {
    expect((await demo.admin.get(`/sites/${demo.site.siteId}/audit`)).status).toBe(400);
    expect((await demo.admin.get(`/sites/${demo.site.siteId}/audit?t=yesterday`)).status).toBe(400);
    expect((await demo.admin.get('/sites/0123456789abcdef01234567/audit?t=2026-06-10T10:00')).status).toBe(404);
  });
});
