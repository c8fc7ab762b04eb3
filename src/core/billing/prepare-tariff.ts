/**
 * One tariff of the input, checked and turned into integers: the window
 * table, and per window the grid components, the standard product and the
 * solar price in µCHF/kWh (or the actual-cost inputs), and the fees.
 */
import { paramError } from '../errors.js';
import { FEE_KINDS, type FeeKind } from './billing-types.js';
import { arr, obj, price, str } from './input-checks.js';
import { compileWindows, type CompiledWindows } from './tou-windows.js';

export interface PreparedFee {
  name: string;
  kind: FeeKind;
  per: 'month' | 'kwh';
  /** µCHF per month or per kWh */
  price: number;
  underCap: boolean;
}

export interface PreparedTariff {
  id: string;
  /** interval indexes relative to the period start, clipped to it */
  k0: number;
  k1: number;
  windows: CompiledWindows;
  /** per window index, µCHF/kWh */
  gridEnergy: number[];
  gridUse: number[];
  gridLevies: number[];
  reference: number[];
  /** flat: per window; actual_cost: null */
  solar: number[] | null;
  actualCost: { annualNet: number; savingsShare: number } | null;
  /** 80 or 100 */
  capPercent: number;
  fees: PreparedFee[];
}

export function prepareTariff(o: Record<string, unknown>, p: string, k0: number, k1: number): PreparedTariff {
  const id = str(o.id, `${p}.id`);
  const windows = compileWindows(o.windows as never, `${p}.windows`);
  const grid = obj(o.grid, `${p}.grid`);
  const ref = obj(o.reference, `${p}.reference`);
  const perWindow = (what: Record<string, unknown>, wp: string) => {
    for (const k of Object.keys(what)) {
      if (!windows.names.includes(k)) throw paramError(`${wp}.${k}`, `${wp}.${k}: "${k}" is not a window of ${p}.windows (${windows.names.join(', ')})`);
    }
  };
  perWindow(grid, `${p}.grid`);
  perWindow(ref, `${p}.reference`);
  const gridEnergy: number[] = [];
  const gridUse: number[] = [];
  const gridLevies: number[] = [];
  const reference: number[] = [];
  for (const w of windows.names) {
    const g = obj(grid[w], `${p}.grid.${w}`);
    gridEnergy.push(price(g.energy, `${p}.grid.${w}.energy`));
    gridUse.push(price(g.grid_use, `${p}.grid.${w}.grid_use`));
    gridLevies.push(price(g.levies, `${p}.grid.${w}.levies`));
    reference.push(price(ref[w], `${p}.reference.${w}`));
  }
  const solar = obj(o.solar, `${p}.solar`);
  let flat: number[] | null = null;
  let actualCost: PreparedTariff['actualCost'] = null;
  if (solar.method === 'flat') {
    if (typeof solar.price === 'object' && solar.price !== null) {
      const sp = solar.price as Record<string, unknown>;
      perWindow(sp, `${p}.solar.price`);
      flat = windows.names.map((w) => price(sp[w], `${p}.solar.price.${w}`));
    } else {
      const one = price(solar.price, `${p}.solar.price`);
      flat = windows.names.map(() => one);
    }
  } else if (solar.method === 'actual_cost') {
    const cap = price(solar.annual_capital_cost, `${p}.solar.annual_capital_cost`);
    const op = price(solar.annual_operating_cost, `${p}.solar.annual_operating_cost`);
    const feed = price(solar.annual_feed_in_revenue, `${p}.solar.annual_feed_in_revenue`);
    const share = solar.savings_share === undefined ? 0 : price(solar.savings_share, `${p}.solar.savings_share`);
    if (share > 500_000) throw paramError(`${p}.solar.savings_share`, `${p}.solar.savings_share may be at most 0.5: the owner may add at most half the savings`);
    actualCost = { annualNet: Math.max(0, cap + op - feed), savingsShare: share };
  } else {
    throw paramError(`${p}.solar.method`, `${p}.solar.method must be "flat" or "actual_cost" (got ${JSON.stringify(solar.method)})`);
  }
  const fees = (o.fees === undefined ? [] : arr(o.fees, `${p}.fees`)).map((raw, i): PreparedFee => {
    const fp = `${p}.fees[${i}]`;
    const f = obj(raw, fp);
    const kind = f.kind as FeeKind;
    if (!FEE_KINDS.includes(kind)) throw paramError(`${fp}.kind`, `${fp}.kind must be one of ${FEE_KINDS.join(', ')} (got ${JSON.stringify(f.kind)})`);
    if (f.per !== 'month' && f.per !== 'kwh') throw paramError(`${fp}.per`, `${fp}.per must be "month" or "kwh" (got ${JSON.stringify(f.per)})`);
    return { name: str(f.name, `${fp}.name`), kind, per: f.per, price: price(f.price, `${fp}.price`), underCap: kind !== 'base' };
  });
  return {
    id, k0, k1, windows, gridEnergy, gridUse, gridLevies, reference,
    solar: flat, actualCost, capPercent: actualCost ? 100 : 80, fees,
  };
}
