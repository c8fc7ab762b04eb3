/** Shared vocabulary of the pure core. Times are UTC epoch milliseconds. */

export const METER_TYPES = ['electricity', 'heating', 'cooling', 'cold_water', 'hot_water', 'charge_point'] as const;
export type MeterType = (typeof METER_TYPES)[number];

export const METER_MODES = ['consumption', 'production', 'introduction', 'battery'] as const;
export type MeterMode = (typeof METER_MODES)[number];

export const READING_KINDS = ['index', 'interval'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

export const FREQUENCIES = ['15T', 'H', 'D', 'M', 'Y'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** One validated interval is 15 minutes; intervals are named by their start (UTC ms). */
export const INTERVAL_MS = 15 * 60 * 1000;

/** Electricity-like types take part in the electricity balance (a charge point is an electricity consumer). */
export function isElectric(type: MeterType): boolean {
  return type === 'electricity' || type === 'charge_point';
}

/**
 * The raw registers a meter of a given type reports. For electricity both
 * registers; for heat/cold one energy register; for water one volume register.
 */
export type Register = 'en_im' | 'en_ex' | 'heat_energy_kwh' | 'vol_m3';
export const REGISTERS: readonly Register[] = ['en_im', 'en_ex', 'heat_energy_kwh', 'vol_m3'];

export function registersOf(type: MeterType): readonly Register[] {
  switch (type) {
    case 'electricity':
    case 'charge_point':
      return ['en_im', 'en_ex'];
    case 'heating':
    case 'cooling':
      return ['heat_energy_kwh'];
    case 'cold_water':
    case 'hot_water':
      return ['vol_m3'];
  }
}
