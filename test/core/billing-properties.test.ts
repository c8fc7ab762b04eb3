/**
 * Properties of billing runs on random sites (units, moves, vacancy, common
 * areas under every key, tariff changes, DST days, missing data):
 * - Σ invoices + vacancy = Σ of all energy priced per interval, exactly in
 *   pCHF, and the fees add up;
 * - the flat method never passes 80 % of the reference (computed here per
 *   interval) unless overridden;
 * - billing a period in two halves gives the same energy as billing it whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBilling, type BillingInput, type BillingRun, type SplitKey } from '../../src/core/billing/index.js';
import { hash32 } from '../../src/demo/rng.js';
import { DateTime } from 'luxon';
import { Q, ZONE, baseInput, isHT, local, tariff } from './billing-fixtures.js';

const START_DAYS = ['2024-01-08', '2024-03-27', '2024-06-14', '2024-10-24', '2024-12-29'];

interface Shape {
  start: number;
  days: number;
  units: number;
  participants: number;
  common: number;
  key: SplitKey;
  seed: number;
  tariffChange: number | null;
  vat: boolean;
  fees: boolean;
  /** 0 … 1: how far prices sit below the reference */
  priceLevel: number;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  start: fc.integer({ min: 0, max: START_DAYS.length - 1 }),
  days: fc.integer({ min: 1, max: 12 }),
  units: fc.integer({ min: 1, max: 5 }),
  participants: fc.integer({ min: 1, max: 4 }),
  common: fc.integer({ min: 0, max: 2 }),
  key: fc.constantFrom<SplitKey>('equal', 'floor_area', 'consumption'),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  tariffChange: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { nil: null }),
  vat: fc.boolean(),
  fees: fc.boolean(),
  priceLevel: fc.double({ min: 0.3, max: 1.1, noNaN: true }),
});

const iso = (t: number) => new Date(t).toISOString();
const r = (seed: number, ...k: number[]) => hash32(seed, ...k) / 2 ** 32;
const price = (x: number) => (Math.round(x * 1e6) / 1e6).toFixed(6);

function build(s: Shape): BillingInput {
  const from = local(`${START_DAYS[s.start]}T00:00`);
  const to = local(`${START_DAYS[s.start]}T00:00`) + s.days * 86_400_000 + 7_200_000; // DST-proof: snapped to local midnight below
  const toDay = new Date(to).toISOString().slice(0, 10);
  const end = local(`${toDay}T00:00`);
  const n = (end - from) / Q;
  const meters: BillingInput['meters'] = {};
  const ids = [...Array(s.units).keys()].map((i) => `u${i}`);
  const commonIds = [...Array(s.common).keys()].map((i) => `c${i}`);
  for (const [mi, id] of [...ids, ...commonIds].entries()) {
    const self = new Float64Array(n);
    const ext = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      self[k] = Math.round(r(s.seed, mi, k, 1) * 300) / 1000;
      ext[k] = Math.round(r(s.seed, mi, k, 2) * 500 * 1000) / 1e6; // some with 6 decimals
      if (r(s.seed, mi, k, 3) < 0.01) self[k] = Number.NaN;
    }
    meters[id] = { self, ext };
  }
  const participants = [...Array(s.participants).keys()].map((i) => ({ id: `p${i}`, name: `P ${i}`, language: (['de', 'fr', 'it', 'en'] as const)[i % 4] }));
  const tenancies: BillingInput['tenancies'] = [];
  ids.forEach((id, ui) => {
    // cut points alternate occupied / vacant stretches
    let k = 0;
    let j = 0;
    while (k < n) {
      const len = 1 + Math.floor(r(s.seed, ui, j, 4) * n * 0.6);
      const end = Math.min(n, k + len);
      if (r(s.seed, ui, j, 5) < 0.75) {
        tenancies.push({ meter_id: id, participant_id: `p${Math.floor(r(s.seed, ui, j, 6) * s.participants)}`, from: iso(from + k * Q), to: end === n ? null : iso(from + end * Q) });
      }
      k = end;
      j++;
    }
  });
  const lvl = s.priceLevel;
  const mk = (id: string, validFrom: string, validTo: string | null, f: number) =>
    tariff({
      id,
      valid_from: validFrom,
      valid_to: validTo,
      grid: { HT: { energy: price(0.12 * f), grid_use: price(0.1), levies: price(0.03) }, NT: { energy: price(0.09 * f), grid_use: price(0.06), levies: price(0.03) } },
      reference: { HT: price(0.3 * f), NT: price(0.22 * f) },
      solar: { method: 'flat', price: { HT: price(0.3 * f * lvl * 0.8), NT: price(0.22 * f * lvl * 0.8) } },
      fees: s.fees
        ? [
            { name: 'Messung', kind: 'metering', per: 'month', price: '2.40' },
            { name: 'Admin', kind: 'administration', per: 'kwh', price: '0.003' },
            { name: 'Grund', kind: 'base', per: 'month', price: '1.10' },
          ]
        : [],
    });
  const change = s.tariffChange === null ? null : iso(from + Math.floor(s.tariffChange * n) * Q);
  const tariffs = change === null ? [mk('t1', '2020-01-01', null, 1)] : [mk('t1', '2020-01-01', change, 1), mk('t2', change, null, 1.07)];
  const input = baseInput({
    from,
    n,
    period: { from: iso(from), to: iso(end) },
    meters,
    tariffs,
    vat: s.vat ? [{ valid_from: '2020-01-01', rate_percent: '8.1', registered: true }] : [],
    participants,
    units: ids.map((id, i) => ({ meter_id: id, floor_area_m2: 20 + Math.floor(r(s.seed, i, 7) * 130) })),
    tenancies,
    common_area: s.common > 0 ? { meter_ids: commonIds, key: s.key } : null,
  });
  return input;
}

const pico = (s: string) => {
  const neg = s.startsWith('-');
  const [i, f] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i) * 10n ** 12n + BigInt(f);
  return neg ? -v : v;
};
const mwh = (x: number) => (Number.isNaN(x) ? 0 : Math.round(x * 1e6));

/** every meter's energy priced interval by interval with the tariff and window of that interval */
function pricedEnergy(input: BillingInput): bigint {
  const from = input.grid.from;
  const tariffAt = (t: number) =>
    input.tariffs.length === 1 || t < Date.parse(input.tariffs[0].valid_to as string) ? input.tariffs[0] : input.tariffs[1];
  let total = 0n;
  for (let k = 0; k < input.grid.n; k++) {
    const t = from + k * Q;
    const tr = tariffAt(t);
    const w = isHT(t) ? 'HT' : 'NT';
    const solar = BigInt(Math.round(Number((tr.solar as { price: Record<string, string> }).price[w]) * 1e6));
    const g = tr.grid[w];
    const grid = BigInt(Math.round(Number(g.energy) * 1e6) + Math.round(Number(g.grid_use) * 1e6) + Math.round(Number(g.levies) * 1e6));
    for (const m of Object.values(input.meters)) total += BigInt(mwh(m.self[k])) * solar + BigInt(mwh(m.ext[k])) * grid;
  }
  return total;
}

/**
 * per participant: the standard product's price of its solar energy, pCHF. Own energy is priced here
 * interval by interval (occupant, tariff and window found afresh); a common-area share, which the run
 * splits in whole mWh, is taken from the run's lines.
 */
function references(input: BillingInput, run: BillingRun): Map<string, bigint> {
  const out = new Map<string, bigint>(run.invoices.map((i) => [i.participant_id, 0n]));
  const refMicro = (id: string, w: string) => BigInt(Math.round(Number(input.tariffs.find((t) => t.id === id)!.reference[w]) * 1e6));
  for (let k = 0; k < input.grid.n; k++) {
    const t = input.grid.from + k * Q;
    const tr = input.tariffs.length === 1 || t < Date.parse(input.tariffs[0].valid_to as string) ? input.tariffs[0] : input.tariffs[1];
    const ref = refMicro(tr.id, isHT(t) ? 'HT' : 'NT');
    for (const u of input.units) {
      const ten = input.tenancies.find((x) => x.meter_id === u.meter_id && Date.parse(x.from) <= t && (x.to === null || x.to === undefined || t < Date.parse(x.to)));
      if (ten) out.set(ten.participant_id, out.get(ten.participant_id)! + BigInt(mwh(input.meters[u.meter_id].self[k])) * ref);
    }
  }
  for (const inv of run.invoices) {
    for (const l of inv.lines.filter((x) => x.kind === 'common_solar')) {
      out.set(inv.participant_id, out.get(inv.participant_id)! + BigInt(Math.round(l.quantity * 1e6)) * refMicro(l.tariff_id, l.window as string));
    }
  }
  return out;
}

describe('billing properties', () => {
  it('should bill exactly the energy priced per interval: Σ invoices + vacancy = Σ all priced energy; fees add up', () => {
    fc.assert(
      fc.property(shapeArb, (s) => {
        const input = build(s);
        const run = runBilling(input);
        const lines = [...run.invoices.flatMap((i) => i.lines), ...run.vacancy.lines];
        const energy = lines.filter((l) => l.kind !== 'fee').reduce((a, l) => a + pico(l.amount_exact), 0n);
        expect(energy).toBe(pricedEnergy(input));
        // rounded lines stay within half a centime each of the exact sum
        const rounded = lines.reduce((a, l) => a + l.amount, 0);
        expect(Math.abs(rounded * 1e10 - Number(lines.reduce((a, l) => a + pico(l.amount_exact), 0n)))).toBeLessThanOrEqual(lines.length * 0.5e10);
        // each invoice: lines + VAT + shown rounding = total; balance = total - advances
        for (const inv of run.invoices) {
          expect(inv.net).toBe(inv.lines.reduce((a, l) => a + l.amount, 0));
          expect(inv.total).toBe(inv.net + inv.vat.reduce((a, v) => a + v.amount, 0) + inv.cash_rounding);
          expect(inv.total % 5).toBe(0);
        }
        // per-kWh fees on every kWh a participant is billed; monthly fees for the share of each month occupied
        for (const inv of run.invoices) {
          for (const l of inv.lines.filter((x) => x.kind === 'fee' && x.unit === 'kWh')) {
            const billed = inv.lines.filter((x) => x.kind !== 'fee' && x.tariff_id === l.tariff_id).reduce((a, x) => a + Math.round(x.quantity * 1e6), 0);
            expect(Math.round(l.quantity * 1e6)).toBe(billed);
          }
        }
        // monthly fees: Σ over participants = the fee × Σ over tenancies of the share of each local month occupied
        if (s.fees) {
          let months = 0;
          for (const t of input.tenancies) {
            const a = Math.max(Date.parse(t.from), input.grid.from);
            const b = Math.min(t.to ? Date.parse(t.to) : Infinity, input.grid.from + input.grid.n * Q);
            for (let x = a; x < b; x += Q) {
              const d = DateTime.fromMillis(x, { zone: ZONE }).startOf('month');
              months += 1 / ((d.plus({ months: 1 }).toMillis() - d.toMillis()) / Q);
            }
          }
          const billed = run.invoices.flatMap((i) => i.lines).filter((l) => l.fee === 'Messung').reduce((a, l) => a + pico(l.amount_exact), 0n);
          expect(Number(billed) / 1e12).toBeCloseTo(2.4 * months, 6);
        }
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('should never pass 80 % of the reference with the flat method unless overridden', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), (s, override) => {
        const input = build(s);
        if (override) input.cap_overrides = input.participants.map((p) => ({ participant_id: p.id, reason: 'contract' }));
        const run = runBilling(input);
        const refs = references(input, run);
        let over = false;
        for (const inv of run.invoices) {
          expect(inv.cap.reference).toBe(Number((refs.get(inv.participant_id)! + 5_000_000_000n) / 10_000_000_000n));
          const internal = inv.lines.filter((l) => l.under_cap).reduce((a, l) => a + pico(l.amount_exact), 0n);
          const exceeds = internal * 100n > refs.get(inv.participant_id)! * 80n;
          expect(inv.cap.ok).toBe(!exceeds);
          if (exceeds) {
            over = true;
            expect(inv.cap.override_reason).toBe(override ? 'contract' : null);
            if (!override) expect(run.blockers.some((b) => b.startsWith(`participant ${inv.participant_id}:`))).toBe(true);
          }
        }
        expect(run.finalizable).toBe(override || !over);
        return true;
      }),
      { numRuns: 40 },
    );
  });

  it('should give the same energy billing a period in two halves as billing it whole', () => {
    fc.assert(
      fc.property(shapeArb, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (s, cut) => {
        const input = build(s);
        const n = input.grid.n;
        const mid = iso(input.grid.from + Math.max(1, Math.floor(cut * n)) * Q);
        const whole = runBilling(input);
        const a = runBilling({ ...input, period: { from: input.period.from, to: mid } });
        const b = runBilling({ ...input, period: { from: mid, to: input.period.to } });
        type Sum = { self: number; ext: number; cs: number; ce: number };
        const sums = (...runs: BillingRun[]) => {
          const m = new Map<string, Sum>();
          for (const run of runs) {
            const rows: [string, BillingRun['vacancy']['energy']][] = [...run.invoices.map((i) => [i.participant_id, i.energy] as [string, typeof i.energy]), ['vacancy', run.vacancy.energy]];
            for (const [id, e] of rows) {
              const x = m.get(id) ?? { self: 0, ext: 0, cs: 0, ce: 0 };
              x.self += Math.round(e.self_kwh * 1e6);
              x.ext += Math.round(e.ext_kwh * 1e6);
              x.cs += Math.round(e.common_self_kwh * 1e6);
              x.ce += Math.round(e.common_ext_kwh * 1e6);
              m.set(id, x);
            }
          }
          return m;
        };
        const w = sums(whole);
        const h = sums(a, b);
        let total = { w: 0, h: 0 };
        for (const id of new Set([...w.keys(), ...h.keys()])) {
          const x = w.get(id) ?? { self: 0, ext: 0, cs: 0, ce: 0 };
          const y = h.get(id) ?? { self: 0, ext: 0, cs: 0, ce: 0 };
          // own energy: exactly the same
          expect([id, y.self, y.ext]).toEqual([id, x.self, x.ext]);
          // common-area shares: the same up to the whole-mWh split of each bucket, except that a
          // consumption key is computed over the period billed (so halves may weigh differently)
          if (s.key !== 'consumption') {
            expect(Math.abs(y.cs - x.cs)).toBeLessThanOrEqual(64);
            expect(Math.abs(y.ce - x.ce)).toBeLessThanOrEqual(64);
          }
          total = { w: total.w + x.self + x.ext + x.cs + x.ce, h: total.h + y.self + y.ext + y.cs + y.ce };
        }
        expect(total.h).toBe(total.w);
        return true;
      }),
      { numRuns: 40 },
    );
  });
});
