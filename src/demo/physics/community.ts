/**
 * The whole Sonnenhof, one day (96 quarter-hours) at a time: weather → sun
 * and PV → households, water, heat pump, cars → battery → grid connection.
 *
 * The grid connection is not simulated but follows from everything else,
 * per step: net = house + heat pump + chargers + battery charge − PV
 * (delivered − standby) − battery discharge; import = max(net, 0), export =
 * max(−net, 0). So the allocation's derived production (consumers + charge
 * + export − import − discharge) equals the PV meter's energy exactly.
 */
import { streamOf } from '../rng.js';
import { SONNENHOF, demoSite, type DemoSite } from '../site.js';
import { RoomAir } from './air.js';
import { Battery, type BatteryStep } from './battery.js';
import { Calendar, DAY_MS, STEPS_PER_DAY, STEP_MS, demoSpan, type DayClock } from './calendar.js';
import { Heating } from './heating.js';
import { Households } from './household.js';
import { ChargePoint } from './mobility.js';
import { elevationDeg, irradianceAt, newIrradiance, pvPowerKw, type PlaneOfArray, type PvPlant } from './solar.js';
import { WaterUse } from './water.js';
import { Weather } from './weather.js';

const PLANE: PlaneOfArray = { latitudeDeg: SONNENHOF.latitude, longitudeDeg: SONNENHOF.longitude, tiltDeg: 30, azimuthDeg: 0 };
const PLANT: PvPlant = { peakKw: SONNENHOF.pvPeakKw, inverterKw: 55, systemLosses: 0.1, standbyKw: 0.012 };
/** flats of the indoor-temperature sensors and of the CO₂ sensor (see site.ts) */
const INDOOR_FLATS: [number, number] = [0, 11];
const CO2_FLAT = 4;

/** Energies are kWh (water m³) per step; sensor values are at each step's start instant. */
export interface DayPhysics {
  t0: number;
  clock: DayClock;
  apartments: Float64Array[];
  /** common areas (the rule meter "Allgemein") */
  common: Float64Array;
  /** group meter: apartments + common areas */
  house: Float64Array;
  heatPump: Float64Array;
  chargePoints: [Float64Array, Float64Array];
  /** PV meter: delivered (en_ex) and inverter standby (en_im) */
  pvOut: Float64Array;
  pvStandby: Float64Array;
  batteryCharge: Float64Array;
  batteryDischarge: Float64Array;
  /** state of charge at each step's end, kWh */
  batterySoc: Float64Array;
  gridImport: Float64Array;
  gridExport: Float64Array;
  heat: Float64Array[];
  hotWater: Float64Array[];
  coldWater: Float64Array[];
  outdoorTemp: Float64Array;
  indoorTemp: [Float64Array, Float64Array];
  co2: Float64Array;
  // diagnostics
  cloud: Float64Array;
  ghi: Float64Array;
  poa: Float64Array;
  sunElevation: Float64Array;
  cop: Float64Array;
  spaceHeat: Float64Array;
  dhwHeat: Float64Array;
}

const arr = () => new Float64Array(STEPS_PER_DAY);
const arrs = (n: number) => Array.from({ length: n }, arr);

export class DemoCommunity {
  readonly site: DemoSite;
  private readonly calendar = new Calendar(SONNENHOF.timezone);
  private readonly weather: Weather;
  private readonly households: Households;
  private readonly water: WaterUse;
  private heating: Heating | null = null;
  private readonly chargePoints: [ChargePoint, ChargePoint];
  private readonly battery = new Battery(SONNENHOF.batteryKwh, 0.5 * SONNENHOF.batteryKwh);
  private readonly air: RoomAir;
  private readonly irr = newIrradiance();
  private readonly batt: BatteryStep = { charge: 0, discharge: 0 };

  constructor(readonly seed: number) {
    this.site = demoSite(seed);
    const info = this.site.apartmentInfo;
    this.weather = new Weather(streamOf(seed, 'weather'), SONNENHOF.longitude);
    this.households = new Households(streamOf(seed, 'households'), info);
    this.water = new WaterUse(streamOf(seed, 'water'), info, (i, doy) => this.households.isAway(i, doy));
    this.chargePoints = [
      new ChargePoint(streamOf(seed, 'charge-point-1'), { weekdayEvening: 0.5, weekendDay: 0.3, weekendEvening: 0.2 }),
      new ChargePoint(streamOf(seed, 'charge-point-2'), { weekdayEvening: 0.3, weekendDay: 0.25, weekendEvening: 0.15 }),
    ];
    this.air = new RoomAir(streamOf(seed, 'air'));
  }

  /** Simulates the day starting at `t0`; days must be asked for in order. */
  simulateDay(t0: number): DayPhysics {
    const clock = this.calendar.day(t0);
    const n = this.site.apartments.length;
    const d: DayPhysics = {
      t0, clock,
      apartments: arrs(n), common: arr(), house: arr(), heatPump: arr(), chargePoints: [arr(), arr()],
      pvOut: arr(), pvStandby: arr(), batteryCharge: arr(), batteryDischarge: arr(), batterySoc: arr(), gridImport: arr(), gridExport: arr(),
      heat: arrs(n), hotWater: arrs(n), coldWater: arrs(n),
      outdoorTemp: arr(), indoorTemp: [arr(), arr()], co2: arr(),
      cloud: arr(), ghi: arr(), poa: arr(), sunElevation: arr(), cop: arr(), spaceHeat: arr(), dhwHeat: arr(),
    };
    this.weather.day(clock, d.cloud, d.outdoorTemp);

    // PV: three sub-samples per step so sunrise and passing clouds are not a staircase
    const yearStart = Date.UTC(new Date(t0 + DAY_MS / 2).getUTCFullYear(), 0, 1);
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      let power = 0, ghi = 0, poa = 0;
      for (let s = 0; s < 3; s++) {
        const ms = t0 + k * STEP_MS + ((2 * s + 1) * STEP_MS) / 6;
        irradianceAt(ms, yearStart, PLANE, d.cloud[k], this.irr);
        if (s === 1) d.sunElevation[k] = elevationDeg(this.irr.cosZenith);
        power += pvPowerKw(PLANT, this.irr.poa, d.outdoorTemp[k]);
        ghi += this.irr.ghi;
        poa += this.irr.poa;
      }
      d.ghi[k] = ghi / 3;
      d.poa[k] = poa / 3;
      const e = (power / 3) * 0.25;
      d.pvOut[k] = e > 0 ? e : 0;
      d.pvStandby[k] = e < 0 ? -e : 0;
    }

    const occupants = arrs(n);
    this.households.day(clock, d.sunElevation, d.apartments, d.common, occupants);
    for (let k = 0; k < STEPS_PER_DAY; k++) {
      let s = d.common[k];
      for (let i = 0; i < n; i++) s += d.apartments[i][k];
      d.house[k] = s;
    }
    this.water.day(clock, d.hotWater, d.coldWater);
    this.heating ??= new Heating(streamOf(this.seed, 'heating'), this.site.apartmentInfo, d.outdoorTemp[0], INDOOR_FLATS);
    this.heating.day(clock, d.outdoorTemp, d.ghi, d.hotWater, occupants, {
      heat: d.heat, heatPump: d.heatPump, indoor: d.indoorTemp, cop: d.cop, spaceHeat: d.spaceHeat, dhwHeat: d.dhwHeat,
    });
    this.chargePoints[0].day(clock, d.chargePoints[0]);
    this.chargePoints[1].day(clock, d.chargePoints[1]);
    this.air.day(clock, occupants[CO2_FLAT], d.outdoorTemp, d.co2);

    for (let k = 0; k < STEPS_PER_DAY; k++) {
      const load = d.house[k] + d.heatPump[k] + d.chargePoints[0][k] + d.chargePoints[1][k];
      const pv = d.pvOut[k] - d.pvStandby[k];
      const b = this.battery.step(pv - load, this.batt);
      d.batteryCharge[k] = b.charge;
      d.batteryDischarge[k] = b.discharge;
      d.batterySoc[k] = this.battery.soc;
      const net = load + b.charge - b.discharge - pv;
      d.gridImport[k] = net > 0 ? net : 0;
      d.gridExport[k] = net < 0 ? -net : 0;
    }
    return d;
  }
}

/** Every simulated day of the span, in order. */
export function* simulateDemo(opts: { seed: number; end: number; days?: number }): Generator<DayPhysics, void, undefined> {
  const span = demoSpan(opts.end, opts.days);
  const community = new DemoCommunity(opts.seed);
  for (let day = 0; day < span.days; day++) yield community.simulateDay(span.start + day * DAY_MS);
}
