/**
 * Prices one holder's buckets: invoice lines (each the exact sum over its
 * intervals of mWh × µCHF/kWh, rounded once to centimes), monthly fees
 * prorated by intervals occupied, VAT per rate, Swiss cash rounding, and the
 * legal cap check against the standard product priced per interval.
 */
import type { CapCheck, InvoiceLine, LineKind, MonthEnergy, VatLine } from './billing-types.js';
import type { Holder } from './accumulate.js';
import { divRound, formatPico, picoToCentimes } from './money.js';
import type { Prepared } from './prepare.js';
import type { Timeline } from './timeline.js';

/** actual-cost amounts decided for the whole site: per piece ("tariff|vat") and holder id, pCHF for own and common solar */
export type ActualCostCharges = Map<string, Map<string, { own: bigint; common: bigint }>>;

interface LineAcc {
  kind: LineKind;
  tariff: number;
  window: number;
  vat: number;
  fee: number;
  /** mWh, or months for monthly fees */
  qty: number;
  pico: bigint;
  /** set when the amount is not qty × one price (fees per month, actual cost) */
  fixedPico: boolean;
}

const KIND_ORDER: Record<LineKind, number> = { solar: 0, grid: 1, common_solar: 2, common_grid: 3, fee: 4 };

export interface Priced {
  lines: InvoiceLine[];
  monthly: MonthEnergy[];
  energyMwh: { self: number; ext: number; comSelf: number; comExt: number };
  net: number;
  vat: VatLine[];
  /** Σ exact line amounts, pCHF: what the sums are checked against */
  exactTotal: bigint;
  cap: Omit<CapCheck, 'override_reason'>;
}

export function priceHolder(p: Prepared, tl: Timeline, h: Holder, opts: { fees: boolean; actual: ActualCostCharges }): Priced {
  const { segments, months, W } = tl;
  const acc = new Map<string, LineAcc>();
  const line = (kind: LineKind, tariff: number, window: number, vat: number, fee = -1): LineAcc => {
    const key = `${kind}|${tariff}|${window}|${vat}|${fee}`;
    let l = acc.get(key);
    if (!l) {
      l = { kind, tariff, window, vat, fee, qty: 0, pico: 0n, fixedPico: false };
      acc.set(key, l);
    }
    return l;
  };
  const monthly: MonthEnergy[] = months.map((m) => ({ month: m.label, self_kwh: 0, ext_kwh: 0 }));
  const monthMwh = months.map(() => ({ self: 0, ext: 0 }));
  const energyMwh = { self: 0, ext: 0, comSelf: 0, comExt: 0 };
  // solar energy per tariff and window, for the reference
  const refQty = p.tariffs.map((t) => new Float64Array(t.windows.names.length));

  segments.forEach((seg, si) => {
    const t = p.tariffs[seg.tariff];
    let kwhMwh = 0;
    for (let w = 0; w < t.windows.names.length; w++) {
      const b = si * W + w;
      const os = h.ownSelf[b];
      const oe = h.ownExt[b];
      const cs = h.comSelf[b];
      const ce = h.comExt[b];
      if (os !== 0) line('solar', seg.tariff, t.solar ? w : -1, seg.vat).qty += os;
      if (oe !== 0) line('grid', seg.tariff, w, seg.vat).qty += oe;
      if (cs !== 0) line('common_solar', seg.tariff, t.solar ? w : -1, seg.vat).qty += cs;
      if (ce !== 0) line('common_grid', seg.tariff, w, seg.vat).qty += ce;
      refQty[seg.tariff][w] += os + cs;
      monthMwh[seg.month].self += os + cs;
      monthMwh[seg.month].ext += oe + ce;
      energyMwh.self += os;
      energyMwh.ext += oe;
      energyMwh.comSelf += cs;
      energyMwh.comExt += ce;
      kwhMwh += os + oe + cs + ce;
    }
    if (!opts.fees) return;
    t.fees.forEach((f, fi) => {
      if (f.per === 'kwh') {
        if (kwhMwh !== 0) line('fee', seg.tariff, -1, seg.vat, fi).qty += kwhMwh;
      } else if (h.occupied[si] > 0) {
        const N = months[seg.month].intervals;
        const l = line('fee', seg.tariff, -1, seg.vat, fi);
        l.fixedPico = true;
        l.qty += h.occupied[si] / N;
        l.pico += divRound(BigInt(f.price) * 1_000_000n * BigInt(h.occupied[si]), BigInt(N));
      }
    });
  });
  monthMwh.forEach((m, i) => {
    monthly[i].self_kwh = m.self / 1e6;
    monthly[i].ext_kwh = m.ext / 1e6;
  });

  const sorted = [...acc.values()].sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.tariff - b.tariff || a.window - b.window || a.fee - b.fee || a.vat - b.vat,
  );
  const lines: InvoiceLine[] = [];
  let exactTotal = 0n;
  let charged = 0n;
  for (const l of sorted) {
    const t = p.tariffs[l.tariff];
    let unitPrice = 0;
    let components: InvoiceLine['components'];
    let pico = l.pico;
    const solar = l.kind === 'solar' || l.kind === 'common_solar';
    if (solar && t.actualCost) {
      const c = opts.actual.get(`${l.tariff}|${l.vat}`)?.get(h.id);
      pico = c ? (l.kind === 'solar' ? c.own : c.common) : 0n;
      unitPrice = l.qty !== 0 ? Number(divRound(pico, BigInt(l.qty))) / 1e6 : 0;
    } else if (solar) {
      const micro = (t.solar as number[])[l.window];
      pico = BigInt(l.qty) * BigInt(micro);
      unitPrice = micro / 1e6;
    } else if (l.kind === 'grid' || l.kind === 'common_grid') {
      const w = l.window;
      const micro = t.gridEnergy[w] + t.gridUse[w] + t.gridLevies[w];
      pico = BigInt(l.qty) * BigInt(micro);
      unitPrice = micro / 1e6;
      components = { energy: t.gridEnergy[w] / 1e6, grid_use: t.gridUse[w] / 1e6, levies: t.gridLevies[w] / 1e6 };
    } else {
      const f = t.fees[l.fee];
      if (!l.fixedPico) pico = BigInt(l.qty) * BigInt(f.price);
      unitPrice = f.price / 1e6;
    }
    const fee = l.kind === 'fee' ? t.fees[l.fee] : undefined;
    const monthFee = fee?.per === 'month';
    const underCap = solar || (fee?.underCap ?? false);
    exactTotal += pico;
    if (underCap) charged += pico;
    lines.push({
      kind: l.kind,
      tariff_id: t.id,
      window: l.window >= 0 ? t.windows.names[l.window] : null,
      ...(fee ? { fee: fee.name, fee_kind: fee.kind } : {}),
      quantity: monthFee ? Math.round(l.qty * 10_000) / 10_000 : l.qty / 1e6,
      unit: monthFee ? 'month' : 'kWh',
      unit_price: unitPrice,
      ...(components ? { components } : {}),
      amount_exact: formatPico(pico),
      amount: picoToCentimes(pico),
      vat_percent: l.vat >= 0 ? p.vat[l.vat].rateBp / 100 : null,
      under_cap: underCap,
    });
  }

  const net = lines.reduce((s, l) => s + l.amount, 0);
  // VAT per VAT period, on the rounded lines it covers (what the invoice shows)
  const vat: VatLine[] = [];
  p.vat.forEach((v, vi) => {
    let baseC = 0;
    let any = false;
    sorted.forEach((l, i) => {
      if (l.vat !== vi) return;
      any = true;
      baseC += lines[i].amount;
    });
    if (any) vat.push({ rate_percent: v.rateBp / 100, base: baseC, amount: Number(divRound(BigInt(baseC) * BigInt(v.rateBp), 10_000n)) });
  });

  let reference = 0n;
  let allowed = 0n;
  const methods = new Set<string>();
  p.tariffs.forEach((t, ti) => {
    let r = 0n;
    refQty[ti].forEach((q, w) => (r += BigInt(q) * BigInt(t.reference[w])));
    reference += r;
    allowed += divRound(r * BigInt(t.capPercent), 100n);
    if (refQty[ti].some((q) => q !== 0)) methods.add(t.actualCost ? 'actual_cost' : 'flat');
  });
  if (methods.size === 0) methods.add(p.tariffs[0].actualCost ? 'actual_cost' : 'flat');
  const percentOf = (x: bigint) => (reference > 0n ? Number(divRound(x * 1000n, reference)) / 10 : null);
  const method: CapCheck['method'] = methods.size > 1 ? 'mixed' : ([...methods][0] as 'flat' | 'actual_cost');
  const cap = {
    method,
    reference: picoToCentimes(reference),
    charged: picoToCentimes(charged),
    percent: percentOf(charged),
    limit_percent: percentOf(allowed) ?? (method === 'actual_cost' ? 100 : 80),
    allowed: picoToCentimes(allowed),
    ok: charged <= allowed,
  };
  return { lines, monthly, energyMwh, net, vat, exactTotal, cap };
}

