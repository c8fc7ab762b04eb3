/**
 * Heat pump, per-apartment heat meters and indoor temperatures.
 *
 * Space heating follows heating degree hours: the building (thermal mass,
 * time constant ~30 h) sees a smoothed outdoor temperature; below the
 * heating limit of 15 °C it needs UA·(20 °C − T) minus solar gains, a little
 * less at night (setback). Each flat's heat meter gets its share by area and
 * habits. Domestic hot water is heated centrally from the volumes drawn
 * (10 → 55 °C) plus storage and circulation losses, mostly at midday when
 * the PV produces. The air-to-water heat pump's COP is a fraction of the
 * Carnot limit between the source (outdoor air) and the flow temperature of
 * the heating curve, so it falls in the cold exactly when demand peaks.
 */
import type { Rng } from '../rng.js';
import type { ApartmentInfo } from '../site.js';
import { STEPS_PER_DAY, type DayClock } from './calendar.js';

const Q = 0.25; // hours per step
/** building heat-loss coefficient, kW/K, for ~1,150 m² of heated floor */
const UA_KW_PER_K = 0.78;
const SOLAR_GAIN_KW_PER_WM2 = 0.012;
const HEATING_LIMIT = 15;
const INDOOR = 20;
const CARNOT_FRACTION = 0.42;
const DISTRIBUTION_LOSS = 0.05;
const DHW_LOSSES_KW = 0.35;

export function copSpaceHeating(tOut: number): number {
  const flow = Math.min(45, Math.max(30, 30 + 0.5 * (HEATING_LIMIT - tOut)));
  return carnotCop(flow + 5, tOut - 6);
}

export function copHotWater(tOut: number): number {
  return carnotCop(60, tOut - 6);
}

function carnotCop(sinkC: number, sourceC: number): number {
  const cop = (CARNOT_FRACTION * (sinkC + 273.15)) / Math.max(sinkC - sourceC, 5);
  return Math.min(4.8, Math.max(2.3, cop));
}

export interface HeatingOutput {
  /** space heat per apartment, kWh per step */
  heat: Float64Array[];
  /** heat pump electricity, kWh per step */
  heatPump: Float64Array;
  /** indoor temperature of the two sensor flats, °C */
  indoor: [Float64Array, Float64Array];
  /** diagnostics: COP of space heating, space and hot-water heat (kWh per step) */
  cop: Float64Array;
  spaceHeat: Float64Array;
  dhwHeat: Float64Array;
}

export class Heating {
  private tEff: number;
  private readonly share: number[];
  private readonly indoorNow: [number, number] = [21, 21.5];
  private ghiSmooth = 0;

  constructor(private readonly rng: Rng, apartments: readonly ApartmentInfo[], startTemp: number, private readonly sensorFlats: [number, number]) {
    this.tEff = startTemp;
    const weights = apartments.map((a, i) => {
      // ground and top floors lose more heat; habits differ by ±10 %
      const floor = Math.floor(i / 3);
      return a.areaM2 * (floor === 0 || floor === 3 ? 1.1 : 1) * rng.uniform(0.9, 1.1);
    });
    const total = weights.reduce((s, w) => s + w, 0);
    this.share = weights.map((w) => w / total);
  }

  day(clock: DayClock, tOut: Float64Array, ghi: Float64Array, hotWater: Float64Array[], occupants: Float64Array[], out: HeatingOutput): void {
    const rng = this.rng;
    const keep = Math.exp(-Q / 30);
    const tCold = 11 - 3 * clock.winter;
    let hotM3 = 0;
    for (const h of hotWater) for (let k = 0; k < STEPS_PER_DAY; k++) hotM3 += h[k];
    const dhwDay = hotM3 * 1.163 * (55 - tCold) + DHW_LOSSES_KW * 24;
    // reheating windows: 65 % at midday (PV), 35 % at night
    let nMid = 0, nNight = 0;
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const h = clock.localHour[k];
      if (h >= 11 && h < 15) nMid++;
      else if (h >= 1 && h < 3) nNight++;
    }
    const heatingSeason = clock.winter > -0.35;

    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const hour = clock.localHour[k];
      this.tEff = keep * this.tEff + (1 - keep) * tOut[k];
      this.ghiSmooth = 0.9 * this.ghiSmooth + 0.1 * ghi[k];
      let demandKw = 0;
      // in high summer the controller is in summer mode: only a real cold spell switches heating on
      const limit = clock.winter < -0.5 ? HEATING_LIMIT - 3 : HEATING_LIMIT;
      if (this.tEff < limit) {
        demandKw = UA_KW_PER_K * (INDOOR - this.tEff) - SOLAR_GAIN_KW_PER_WM2 * this.ghiSmooth;
        if (hour >= 22 || hour < 5.5) demandKw *= 0.9;
        if (demandKw < 0) demandKw = 0;
      }
      let space = 0;
      for (let i = 0; i < this.share.length; i++) {
        const e = demandKw > 0 ? Math.max(0, demandKw * this.share[i] * Q * (1 + 0.1 * rng.normal())) : 0;
        out.heat[i][k] = e;
        space += e;
      }
      let dhw = 0;
      if (hour >= 11 && hour < 15) dhw = (dhwDay * (nNight > 0 ? 0.65 : 1)) / nMid;
      else if (hour >= 1 && hour < 3) dhw = (dhwDay * (nMid > 0 ? 0.35 : 1)) / nNight;
      const cop = copSpaceHeating(tOut[k]);
      out.cop[k] = cop;
      out.spaceHeat[k] = space;
      out.dhwHeat[k] = dhw;
      // controller and frost protection draw a little all the time
      out.heatPump[k] = (space * (1 + DISTRIBUTION_LOSS)) / cop + dhw / copHotWater(tOut[k]) + 0.015 * Q;

      // indoor temperatures: setpoint, free-running drift in summer, sun and people
      for (let s = 0; s < 2; s++) {
        const flat = this.sensorFlats[s];
        let target = 20.8 + (s === 1 ? 0.3 : 0);
        if (this.tEff > HEATING_LIMIT) target += 0.3 * (this.tEff - HEATING_LIMIT);
        if (heatingSeason && (hour >= 23 || hour < 5)) target -= 0.5;
        target += (s === 1 ? 0.004 : 0.0025) * this.ghiSmooth + 0.15 * occupants[flat][k];
        this.indoorNow[s] += (target - this.indoorNow[s]) * (1 - Math.exp(-Q / 3)) + 0.02 * rng.normal();
        out.indoor[s][k] = this.indoorNow[s];
      }
    }
  }
}
