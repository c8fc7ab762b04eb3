/**
 * The true (physics) energies and volumes of the simulated span, per meter
 * and for the site: what a perfect pipeline would recover from the readings
 * (the exchange and the spike are artefacts of the registers, not of the
 * physics, so they do not appear here).
 */
import { demoSite, type DemoSite } from './site.js';
import { simulateDemo, type DayPhysics } from './physics/community.js';
import { STEPS_PER_DAY, demoSpan } from './physics/calendar.js';

export interface MeterTotal {
  en_im?: number;
  en_ex?: number;
  heat_energy_kwh?: number;
  vol_m3?: number;
}

export interface DemoTotals {
  start: number;
  end: number;
  /** every meter, the rule meter included (what its formula yields) */
  meters: Record<string, MeterTotal>;
  /** PV meter en_ex − en_im */
  pvProductionKwh: number;
  /** Σ consumers in the balance: apartments + common areas + heat pump + charge points */
  consumptionKwh: number;
  /** Σ per step of min(PV, consumption + battery charge): local use of local production */
  selfConsumedKwh: number;
  gridImportKwh: number;
  gridExportKwh: number;
  batteryChargeKwh: number;
  batteryDischargeKwh: number;
  spaceHeatKwh: number;
  hotWaterHeatKwh: number;
  heatPumpKwh: number;
}

const sum = (a: Float64Array): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s;
};

export class TotalsAccumulator {
  readonly totals: DemoTotals;

  constructor(private readonly site: DemoSite, start: number, end: number) {
    const meters: Record<string, MeterTotal> = {};
    for (const id of [site.grid, site.pv, site.battery, site.house, site.common, site.heatPump, ...site.chargePoints, ...site.apartments]) meters[id] = { en_im: 0, en_ex: 0 };
    for (const id of site.heat) meters[id] = { heat_energy_kwh: 0 };
    for (const id of [...site.hotWater, ...site.coldWater]) meters[id] = { vol_m3: 0 };
    this.totals = {
      start, end, meters, pvProductionKwh: 0, consumptionKwh: 0, selfConsumedKwh: 0, gridImportKwh: 0, gridExportKwh: 0,
      batteryChargeKwh: 0, batteryDischargeKwh: 0, spaceHeatKwh: 0, hotWaterHeatKwh: 0, heatPumpKwh: 0,
    };
  }

  add(d: DayPhysics): void {
    const s = this.site;
    const t = this.totals;
    const m = t.meters;
    const el = (id: string, im: Float64Array, ex?: Float64Array) => {
      m[id].en_im! += sum(im);
      if (ex) m[id].en_ex! += sum(ex);
    };
    el(s.grid, d.gridImport, d.gridExport);
    el(s.pv, d.pvStandby, d.pvOut);
    el(s.battery, d.batteryCharge, d.batteryDischarge);
    el(s.house, d.house);
    el(s.common, d.common);
    el(s.heatPump, d.heatPump);
    d.chargePoints.forEach((a, i) => el(s.chargePoints[i], a));
    d.apartments.forEach((a, i) => el(s.apartments[i], a));
    d.heat.forEach((a, i) => (m[s.heat[i]].heat_energy_kwh! += sum(a)));
    d.hotWater.forEach((a, i) => (m[s.hotWater[i]].vol_m3! += sum(a)));
    d.coldWater.forEach((a, i) => (m[s.coldWater[i]].vol_m3! += sum(a)));
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const load = d.house[k] + d.heatPump[k] + d.chargePoints[0][k] + d.chargePoints[1][k];
      const pv = d.pvOut[k] - d.pvStandby[k];
      t.pvProductionKwh += pv;
      t.consumptionKwh += load;
      t.selfConsumedKwh += Math.max(0, Math.min(pv, load + d.batteryCharge[k]));
    }
    t.gridImportKwh += sum(d.gridImport);
    t.gridExportKwh += sum(d.gridExport);
    t.batteryChargeKwh += sum(d.batteryCharge);
    t.batteryDischargeKwh += sum(d.batteryDischarge);
    t.spaceHeatKwh += sum(d.spaceHeat);
    t.hotWaterHeatKwh += sum(d.dhwHeat);
    t.heatPumpKwh += sum(d.heatPump);
  }
}

/** The physics totals of the span, without generating readings (cheaper than the readings). */
export function demoTotals(opts: { seed: number; end: number; days?: number }): DemoTotals {
  const span = demoSpan(opts.end, opts.days);
  const acc = new TotalsAccumulator(demoSite(opts.seed), span.start, span.end);
  for (const day of simulateDemo(opts)) acc.add(day);
  return acc.totals;
}
