/**
 * A billing run: from plain data (tariffs, tenancies, common areas, the
 * allocation's 15-minute self/ext columns) to invoices with their lines, the
 * cap check per participant, the owner's vacancy and the reconciliation
 * against the site's own figures. Pure: no I/O, no clock; the same input
 * gives the same run, which is what lets a finalized run be re-checked.
 */
import { accumulate, VACANCY, type Holder } from './accumulate.js';
import type { BillingInput, BillingRun, EnergySummary, Invoice, ReconciliationRow } from './billing-types.js';
import { cashRound, divRound, formatCentimes } from './money.js';
import { prepare, type Prepared } from './prepare.js';
import { priceHolder, type ActualCostCharges } from './price.js';
import { buildTimeline, type Timeline } from './timeline.js';

/** Intervals in a 365-day year: the actual-cost method's annual figures are spread over the period by its length. */
const YEAR_INTERVALS = 365n * 96n;
/** A reconciliation difference within this many kWh (1 Wh) is floating-point noise, not a discrepancy. */
const TOLERANCE_KWH = 0.001;

const kwh = (mwh: number) => mwh / 1e6;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function runBilling(input: BillingInput): BillingRun {
  const p = prepare(input);
  const tl = buildTimeline(p);
  const acc = accumulate(p, tl);
  const warnings: string[] = [];
  const blockers: string[] = [];

  for (const [meterId, count] of acc.missingByMeter) {
    warnings.push(`meter ${meterId}: ${count} of ${p.n} intervals have no data and are billed as 0 kWh`);
  }
  if (acc.keyFallback) warnings.push('common area: no unit consumed anything, so the consumption key fell back to equal shares');

  const actual = actualCostCharges(p, tl, [...acc.holders.values()], warnings);

  const invoices: Invoice[] = [];
  for (const part of p.participants.values()) {
    const h = acc.holders.get(part.id);
    if (!h) continue; // no tenancy in the period: nothing to bill
    const priced = priceHolder(p, tl, h, { fees: true, actual });
    const vatSum = priced.vat.reduce((s, v) => s + v.amount, 0);
    const gross = priced.net + vatSum;
    const total = cashRound(gross);
    const override = p.overrides.get(part.id) ?? null;
    if (!priced.cap.ok && override === null) {
      blockers.push(
        `participant ${part.id}: internal costs of CHF ${formatCentimes(priced.cap.charged)} are ${priced.cap.percent ?? '∞'} % of the standard product ` +
          `(CHF ${formatCentimes(priced.cap.reference)}), above the legal ${priced.cap.limit_percent} %; lower the price or override with a reason`,
      );
    }
    if (priced.cap.ok && override !== null) warnings.push(`participant ${part.id}: cap override given but not needed (within the cap)`);
    invoices.push({
      participant_id: part.id,
      name: part.name,
      language: part.language,
      tenancies: h.parts,
      energy: summary(priced.energyMwh, h),
      monthly: priced.monthly,
      common_area:
        p.common && p.common.meterIds.length > 0
          ? {
              key: p.common.key,
              meter_ids: p.common.meterIds,
              share_percent: Math.round((h.keyShareIntervals / p.n) * 1e6) / 1e4,
              self_kwh: kwh(priced.energyMwh.comSelf),
              ext_kwh: kwh(priced.energyMwh.comExt),
            }
          : null,
      lines: priced.lines,
      net: priced.net,
      vat: priced.vat,
      gross,
      cash_rounding: total - gross,
      total,
      advance_payments: part.advance,
      balance: total - part.advance,
      cap: { ...priced.cap, override_reason: priced.cap.ok ? null : override },
    });
  }

  const vh = acc.holders.get(VACANCY);
  const vacancyPriced = vh ? priceHolder(p, tl, vh, { fees: false, actual }) : null;
  const vacancy = {
    parts: vh?.parts ?? [],
    energy: vh && vacancyPriced ? summary(vacancyPriced.energyMwh, vh) : summary({ self: 0, ext: 0, comSelf: 0, comExt: 0 }, null),
    lines: vacancyPriced?.lines ?? [],
    net: vacancyPriced?.net ?? 0,
  };

  const reconciliation = reconcile(p, acc.holders, acc.common);
  for (const [name, row] of Object.entries(reconciliation) as [string, ReconciliationRow | number][]) {
    if (typeof row === 'number' || row.ok) continue;
    warnings.push(
      `reconciliation: billed ${name} differs from the site's by ${round6(row.difference_kwh)} kWh ` +
        '(a consumer meter not billed, a battery charged from the grid, missing data: see the meters\' warnings; or quarter-hours ' +
        'where the grid import exceeded the consumers\' metered consumption, meter tolerance or losses, which the allocation ' +
        'shares as no solar: then self and ext differ by the same amount in opposite directions)',
    );
  }

  const allLines = [...invoices.flatMap((i) => i.lines), ...vacancy.lines];
  const sumKinds = (pred: (l: (typeof allLines)[number]) => boolean) => allLines.filter(pred).reduce((s, l) => s + l.amount, 0);
  return {
    site_id: input.site.id,
    zone: p.zone,
    period: { from: p.from, to: p.to, intervals: p.n },
    community: sumSite(p),
    invoices,
    vacancy,
    reconciliation,
    totals: {
      invoiced: invoices.reduce((s, i) => s + i.total, 0),
      vacancy: vacancy.net,
      grid_passed_on: sumKinds((l) => l.kind === 'grid' || l.kind === 'common_grid'),
      internal: sumKinds((l) => l.under_cap),
    },
    finalizable: blockers.length === 0,
    blockers,
    warnings,
  };
}

function summary(e: { self: number; ext: number; comSelf: number; comExt: number }, h: Holder | null): EnergySummary {
  return { self_kwh: kwh(e.self), ext_kwh: kwh(e.ext), common_self_kwh: kwh(e.comSelf), common_ext_kwh: kwh(e.comExt), missing_intervals: h?.missing ?? 0 };
}

/**
 * Actual-cost method, per (tariff, VAT period) piece: the piece's share of
 * the net annual cost is split by each holder's solar energy; a holder pays
 * min(cost, reference) plus the agreed share (≤ 1/2) of what it saves
 * against the standard product, so never above 100 % of the reference.
 */
function actualCostCharges(p: Prepared, tl: Timeline, holders: Holder[], warnings: string[]): ActualCostCharges {
  const out: ActualCostCharges = new Map();
  const pieces = new Map<string, { tariff: number; intervals: number; segs: number[] }>();
  tl.segments.forEach((s, si) => {
    if (!p.tariffs[s.tariff].actualCost) return;
    const key = `${s.tariff}|${s.vat}`;
    const piece = pieces.get(key) ?? { tariff: s.tariff, intervals: 0, segs: [] };
    piece.intervals += s.k1 - s.k0;
    piece.segs.push(si);
    pieces.set(key, piece);
  });
  for (const [key, piece] of pieces) {
    const t = p.tariffs[piece.tariff];
    const ac = t.actualCost!;
    const cost = divRound(BigInt(ac.annualNet) * 1_000_000n * BigInt(piece.intervals), YEAR_INTERVALS);
    const per = holders.map((h) => {
      let own = 0;
      let com = 0;
      let ref = 0n;
      for (const si of piece.segs) {
        for (let w = 0; w < t.windows.names.length; w++) {
          const b = si * tl.W + w;
          own += h.ownSelf[b];
          com += h.comSelf[b];
          ref += BigInt(h.ownSelf[b] + h.comSelf[b]) * BigInt(t.reference[w]);
        }
      }
      return { h, own, com, ref };
    });
    const energy = per.reduce((s, x) => s + x.own + x.com, 0);
    const charges = new Map<string, { own: bigint; common: bigint }>();
    if (energy <= 0) {
      if (cost > 0n) warnings.push(`tariff ${t.id}: no solar energy was consumed, so the actual cost of its period is not billed`);
      out.set(key, charges);
      continue;
    }
    for (const x of per) {
      const e = x.own + x.com;
      if (e === 0) continue;
      const share = divRound(cost * BigInt(e), BigInt(energy));
      const capped = share < x.ref ? share : x.ref;
      const savings = x.ref > share ? x.ref - share : 0n;
      const charge = capped + divRound(savings * BigInt(ac.savingsShare), 1_000_000n);
      const common = divRound(charge * BigInt(x.com), BigInt(e));
      charges.set(x.h.id, { own: charge - common, common });
    }
    out.set(key, charges);
  }
  return out;
}

function sumSite(p: Prepared): { self_kwh: number; ext_kwh: number } {
  const { self, from_ext } = p.input.site_energy;
  let s = 0;
  let e = 0;
  for (let k = 0; k < p.n; k++) {
    const a = self[p.base + k];
    const b = from_ext[p.base + k];
    if (a === a) s += a;
    if (b === b) e += b;
  }
  return { self_kwh: round6(s), ext_kwh: round6(e) };
}

function reconcile(p: Prepared, holders: Map<string, Holder>, common: { selfKwh: number; extKwh: number }): BillingRun['reconciliation'] {
  const site = sumSite(p);
  let pSelf = 0;
  let pExt = 0;
  for (const h of holders.values()) {
    if (h.id === VACANCY) continue;
    pSelf += h.selfKwh;
    pExt += h.extKwh;
  }
  const v = holders.get(VACANCY);
  const row = (participants: number, vacancy: number, com: number, siteKwh: number): ReconciliationRow => {
    const diff = participants + vacancy + com - siteKwh;
    return {
      participants_kwh: round6(participants),
      vacancy_kwh: round6(vacancy),
      common_kwh: round6(com),
      site_kwh: siteKwh,
      difference_kwh: round6(diff),
      ok: Math.abs(diff) <= TOLERANCE_KWH,
    };
  };
  return {
    ext: row(pExt, v?.extKwh ?? 0, common.extKwh, site.ext_kwh),
    self: row(pSelf, v?.selfKwh ?? 0, common.selfKwh, site.self_kwh),
    tolerance_kwh: TOLERANCE_KWH,
  };
}

