import { beforeAll, describe, expect, it } from 'vitest';
import { simulateDemo, type DayPhysics } from '../../src/demo/physics/community.js';
import { copHotWater, copSpaceHeating } from '../../src/demo/physics/heating.js';
import { demoTotals, type DemoTotals } from '../../src/demo/totals.js';
import { demoSite } from '../../src/demo/site.js';

// the calendar year 2024, so months are whole
const END = Date.UTC(2025, 0, 1);
const SEED = 11;
const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
const month = (d: DayPhysics) => new Date(d.t0 + 43_200_000).getUTCMonth();

let days: DayPhysics[] = [];
let totals: DemoTotals;
beforeAll(() => {
  days = [...simulateDemo({ seed: SEED, end: END })];
  totals = demoTotals({ seed: SEED, end: END });
});

describe('demo physics: site totals over several seeds', () => {
  const seeds = [1, 2, 3, 4, 5];
  const all = new Map<number, DemoTotals>();
  beforeAll(() => {
    for (const s of seeds) all.set(s, demoTotals({ seed: s, end: END }));
  });

  it('should produce 900–1,250 kWh per kWp of PV', () => {
    for (const t of all.values()) {
      expect(t.pvProductionKwh / 60).toBeGreaterThan(900);
      expect(t.pvProductionKwh / 60).toBeLessThan(1250);
    }
  });

  it('should give each apartment 1,500–4,500 kWh and the common areas 2–4 MWh', () => {
    for (const [seed, t] of all) {
      const site = demoSite(seed);
      for (const id of site.apartments) {
        expect(t.meters[id].en_im).toBeGreaterThan(1500);
        expect(t.meters[id].en_im).toBeLessThan(4500);
      }
      expect(t.meters[site.common].en_im).toBeGreaterThan(2000);
      expect(t.meters[site.common].en_im).toBeLessThan(4000);
    }
  });

  it('should self-consume 30–80 % of the PV', () => {
    for (const t of all.values()) {
      const ratio = t.selfConsumedKwh / t.pvProductionKwh;
      expect(ratio).toBeGreaterThan(0.3);
      expect(ratio).toBeLessThan(0.8);
    }
  });

  it('should need 50–70 MWh of space heat, with plausible water volumes per flat', () => {
    for (const [seed, t] of all) {
      expect(t.spaceHeatKwh).toBeGreaterThan(50_000);
      expect(t.spaceHeatKwh).toBeLessThan(70_000);
      const site = demoSite(seed);
      const heat = site.heat.reduce((s, id) => s + t.meters[id].heat_energy_kwh!, 0);
      expect(heat).toBeCloseTo(t.spaceHeatKwh, 6);
      for (const id of site.coldWater) {
        expect(t.meters[id].vol_m3).toBeGreaterThan(30);
        expect(t.meters[id].vol_m3).toBeLessThan(60);
      }
      for (const id of site.hotWater) {
        expect(t.meters[id].vol_m3).toBeGreaterThan(10);
        expect(t.meters[id].vol_m3).toBeLessThan(25);
      }
      // seasonal COP of an air-to-water heat pump
      const scop = (t.spaceHeatKwh + t.hotWaterHeatKwh) / t.heatPumpKwh;
      expect(scop).toBeGreaterThan(2.5);
      expect(scop).toBeLessThan(4);
    }
  });

  it('should be deterministic in the seed', () => {
    expect(demoTotals({ seed: 1, end: END })).toEqual(all.get(1));
    expect(all.get(2)!.pvProductionKwh).not.toBe(all.get(1)!.pvProductionKwh);
  });
});

describe('demo physics: one year, step by step', () => {
  it('should simulate 365 days of 96 steps from end − 365 days', () => {
    expect(days).toHaveLength(365);
    expect(days[0].t0).toBe(Date.UTC(2024, 0, 2));
    for (const d of days) expect(d.pvOut).toHaveLength(96);
  });

  it('should close the balance at the grid connection in every step', () => {
    let worst = 0, bothWays = 0, houseGap = 0;
    for (const d of days) {
      for (let k = 0; k < 96; k++) {
        const consumers = d.apartments.reduce((s, a) => s + a[k], 0) + d.common[k] + d.heatPump[k] + d.chargePoints[0][k] + d.chargePoints[1][k];
        const pv = d.pvOut[k] - d.pvStandby[k];
        const lhs = consumers + d.batteryCharge[k] - d.batteryDischarge[k] - pv;
        worst = Math.max(worst, Math.abs(lhs - (d.gridImport[k] - d.gridExport[k])));
        bothWays = Math.max(bothWays, Math.min(d.gridImport[k], d.gridExport[k]));
        // the house meter measures the apartments and the common areas
        houseGap = Math.max(houseGap, Math.abs(d.house[k] - (consumers - d.heatPump[k] - d.chargePoints[0][k] - d.chargePoints[1][k])));
      }
    }
    expect(worst).toBeLessThan(1e-9);
    expect(bothWays).toBe(0);
    expect(houseGap).toBeLessThan(1e-9);
  });

  it('should produce nothing at night, with a small standby draw instead', () => {
    let nightSteps = 0, nightOut = 0, nightStandbyMin = Infinity, nightStandbyMax = 0, both = 0, maxOut = 0;
    for (const d of days) {
      for (let k = 0; k < 96; k++) {
        if (d.sunElevation[k] < -2) {
          nightSteps++;
          nightOut = Math.max(nightOut, d.pvOut[k]);
          nightStandbyMin = Math.min(nightStandbyMin, d.pvStandby[k]);
          nightStandbyMax = Math.max(nightStandbyMax, d.pvStandby[k]);
        }
        both = Math.max(both, Math.min(d.pvOut[k], d.pvStandby[k]));
        maxOut = Math.max(maxOut, d.pvOut[k]);
      }
    }
    expect(nightSteps).toBeGreaterThan(365 * 30);
    expect(nightOut).toBe(0);
    expect(nightStandbyMin).toBeGreaterThan(0);
    expect(nightStandbyMax).toBeLessThan(0.01);
    expect(both).toBe(0);
    // the inverters clip at their 55 kW AC rating, and a clear summer noon gets close to it
    expect(maxOut).toBeLessThanOrEqual(55 * 0.25 + 1e-12);
    expect(maxOut).toBeGreaterThan(40 * 0.25);
    const standby = totals.meters[demoSite(SEED).pv].en_im!;
    expect(standby).toBeGreaterThan(10);
    expect(standby).toBeLessThan(150);
  });

  it('should peak near solar noon (≈ 11:25 UTC: 12:25 CET, 13:25 CEST)', () => {
    const profile = new Float64Array(96);
    const juneLocal = new Float64Array(96);
    for (const d of days) {
      for (let k = 0; k < 96; k++) {
        const utcStep = Math.floor(((d.t0 + k * 900_000) % 86_400_000) / 900_000);
        profile[utcStep] += d.pvOut[k];
        if (month(d) === 5) juneLocal[Math.floor(d.clock.localHour[k] * 4)] += d.pvOut[k];
      }
    }
    const argmax = (a: Float64Array) => a.indexOf(Math.max(...a));
    // step starting 11:00 or 11:15 UTC (middles 11:07, 11:22)
    expect([44, 45, 46]).toContain(argmax(profile));
    // in June (CEST), around 13:15 local
    expect(argmax(juneLocal) / 4).toBeGreaterThanOrEqual(12.75);
    expect(argmax(juneLocal) / 4).toBeLessThanOrEqual(13.75);
    // symmetric around noon: 09:25 and 13:25 UTC are alike over a year
    expect(profile[37] / profile[53]).toBeGreaterThan(0.85);
    expect(profile[37] / profile[53]).toBeLessThan(1.15);
  });

  it('should have Winterthur temperatures: ~0 °C in January, ~19 °C in July', () => {
    const mean = (m: number) => {
      const ds = days.filter((d) => month(d) === m);
      return ds.reduce((s, d) => s + sum(d.outdoorTemp), 0) / (ds.length * 96);
    };
    expect(mean(0)).toBeGreaterThan(-4);
    expect(mean(0)).toBeLessThan(4);
    expect(mean(6)).toBeGreaterThan(15);
    expect(mean(6)).toBeLessThan(23);
    // no jumps between steps (weather is continuous)
    let prev = days[0].outdoorTemp[0];
    let jump = 0;
    for (const d of days) for (const t of d.outdoorTemp) {
      jump = Math.max(jump, Math.abs(t - prev));
      prev = t;
    }
    expect(jump).toBeLessThan(3);
  });

  it('should heat much more in January than in July, with a COP of 2.3–4.8', () => {
    const byMonth = new Array(12).fill(0);
    for (const d of days) byMonth[month(d)] += d.heat.reduce((s, a) => s + sum(a), 0);
    expect(byMonth[0]).toBeGreaterThan(20 * byMonth[6] + 5000);
    expect(byMonth[6]).toBeLessThan(300);
    for (const t of [-15, -5, 0, 7, 15, 25]) {
      expect(copSpaceHeating(t)).toBeGreaterThanOrEqual(2.3);
      expect(copSpaceHeating(t)).toBeLessThanOrEqual(4.8);
      expect(copHotWater(t)).toBeLessThanOrEqual(copSpaceHeating(t));
    }
    expect(copSpaceHeating(7)).toBeGreaterThan(copSpaceHeating(-5));
  });

  it('should keep the battery within 10–95 % and charge only from surplus', () => {
    let socMin = Infinity, socMax = -Infinity, power = 0, both = 0, chargeImport = 0, dischargeExport = 0;
    for (const d of days) {
      for (let k = 0; k < 96; k++) {
        socMin = Math.min(socMin, d.batterySoc[k]);
        socMax = Math.max(socMax, d.batterySoc[k]);
        power = Math.max(power, d.batteryCharge[k], d.batteryDischarge[k]);
        both = Math.max(both, Math.min(d.batteryCharge[k], d.batteryDischarge[k]));
        // charging never draws from the grid, discharging never exports
        if (d.batteryCharge[k] > 0) chargeImport = Math.max(chargeImport, d.gridImport[k]);
        if (d.batteryDischarge[k] > 0) dischargeExport = Math.max(dischargeExport, d.gridExport[k]);
      }
    }
    expect(socMin).toBeGreaterThanOrEqual(2 - 1e-9);
    expect(socMax).toBeLessThanOrEqual(19 + 1e-9);
    expect(socMax - socMin).toBeGreaterThan(15); // and it is actually used
    expect(power).toBeLessThanOrEqual(2.5 + 1e-12);
    expect(both).toBe(0);
    expect(chargeImport).toBeLessThan(1e-12);
    expect(dischargeExport).toBeLessThan(1e-12);
    expect(totals.batteryDischargeKwh / totals.batteryChargeKwh).toBeGreaterThan(0.85);
    expect(totals.batteryDischargeKwh / totals.batteryChargeKwh).toBeLessThan(0.95);
  });

  it('should charge cars at up to 11 kW in sessions of 5–30 kWh', () => {
    for (const cp of [0, 1]) {
      let session = 0;
      let peak = 0;
      const sessions: number[] = [];
      for (const d of days) {
        for (const e of d.chargePoints[cp]) {
          peak = Math.max(peak, e);
          if (e > 0) session += e;
          else if (session > 0) {
            sessions.push(session);
            session = 0;
          }
        }
      }
      expect(peak).toBeLessThanOrEqual(11 * 0.25);
      expect(peak).toBeGreaterThan(10 * 0.25);
      expect(sessions.length).toBeGreaterThan(50);
      for (const s of sessions) {
        expect(s).toBeGreaterThan(5 - 1e-9);
        expect(s).toBeLessThan(30 + 1e-9);
      }
    }
  });

  it('should draw water mostly in the morning and the evening, hardly at night', () => {
    const byHour = new Array(24).fill(0);
    for (const d of days) for (let k = 0; k < 96; k++) byHour[Math.floor(d.clock.localHour[k])] += d.coldWater.reduce((s, a) => s + a[k], 0);
    const night = byHour[2] + byHour[3] + byHour[4];
    const morning = byHour[6] + byHour[7] + byHour[8];
    const evening = byHour[18] + byHour[19] + byHour[20];
    expect(morning).toBeGreaterThan(10 * night);
    expect(evening).toBeGreaterThan(10 * night);
  });

  it('should use more household electricity in winter and in the evening', () => {
    const apt = (d: DayPhysics) => d.apartments.reduce((s, a) => s + sum(a), 0);
    const jan = days.filter((d) => month(d) === 0).reduce((s, d) => s + apt(d), 0);
    const jul = days.filter((d) => month(d) === 6).reduce((s, d) => s + apt(d), 0);
    expect(jan).toBeGreaterThan(1.1 * jul);
    const byHour = new Array(24).fill(0);
    for (const d of days) for (let k = 0; k < 96; k++) byHour[Math.floor(d.clock.localHour[k])] += d.apartments.reduce((s, a) => s + a[k], 0);
    expect(byHour[19]).toBeGreaterThan(2 * byHour[3]);
  });

  it('should keep CO2 and indoor temperatures plausible and driven by occupancy', () => {
    let night = 0, nightN = 0, office = 0, officeN = 0;
    let co2Min = Infinity, co2Max = -Infinity, inMin = Infinity, inMax = -Infinity;
    for (const d of days) {
      for (let k = 0; k < 96; k++) {
        co2Min = Math.min(co2Min, d.co2[k]);
        co2Max = Math.max(co2Max, d.co2[k]);
        inMin = Math.min(inMin, d.indoorTemp[0][k], d.indoorTemp[1][k]);
        inMax = Math.max(inMax, d.indoorTemp[0][k], d.indoorTemp[1][k]);
        const h = d.clock.localHour[k];
        if (d.clock.weekend[k] === 0 && h >= 3 && h < 6) { night += d.co2[k]; nightN++; }
        if (d.clock.weekend[k] === 0 && h >= 14 && h < 16) { office += d.co2[k]; officeN++; }
      }
    }
    expect(co2Min).toBeGreaterThan(380);
    expect(co2Max).toBeLessThan(2500);
    expect(inMin).toBeGreaterThan(17);
    expect(inMax).toBeLessThan(30);
    // people sleep at home and work elsewhere on weekdays
    expect(night / nightN).toBeGreaterThan(office / officeN + 100);
  });
});
