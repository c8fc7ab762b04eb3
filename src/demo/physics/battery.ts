/**
 * A 20 kWh home battery with the simplest useful controller: charge from
 * the PV surplus, discharge to cover the site's load when there is none.
 * Power is limited to 10 kW, the state of charge to 10–95 %, and the
 * round-trip efficiency (~90 %) is split evenly between charging and
 * discharging, measured on the AC side (what the battery meter sees).
 */
export interface BatteryStep {
  charge: number;
  discharge: number;
}

export class Battery {
  private readonly eta: number;
  readonly min: number;
  readonly max: number;
  private readonly maxStep: number;

  constructor(readonly capacityKwh: number, public soc: number, maxPowerKw = 10, roundTrip = 0.9) {
    this.eta = Math.sqrt(roundTrip);
    this.min = 0.1 * capacityKwh;
    this.max = 0.95 * capacityKwh;
    this.maxStep = maxPowerKw * 0.25;
  }

  /**
   * One quarter-hour: `surplus` = PV minus load (kWh, either sign). Writes
   * the AC energy into and out of the battery into `out`.
   */
  step(surplus: number, out: BatteryStep): BatteryStep {
    out.charge = 0;
    out.discharge = 0;
    if (surplus > 0) {
      const room = (this.max - this.soc) / this.eta;
      const c = Math.min(surplus, this.maxStep, room > 0 ? room : 0);
      this.soc += c * this.eta;
      out.charge = c;
    } else if (surplus < 0) {
      const avail = (this.soc - this.min) * this.eta;
      const d = Math.min(-surplus, this.maxStep, avail > 0 ? avail : 0);
      this.soc -= d / this.eta;
      out.discharge = d;
    }
    return out;
  }
}
