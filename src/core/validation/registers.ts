/**
 * Register arithmetic: the plausibility limit from max power, and the wrap
 * modulus of a register.
 */
import type { MeterValidationConfig } from './types.js';

const HOUR_MS = 3_600_000;

/** 1 % relative slack on max power: meters and clocks are not exact. */
export const MAX_POWER_TOLERANCE = 0.01;

/** Without a configured max power, a wrap is plausible up to this share of the modulus. */
export const WRAP_SHARE_WITHOUT_MAX_POWER = 0.1;

/**
 * The value at which the register reads 0 again: registerMax plus one unit
 * of its last written digit (99999.9 → 100000, 65535 → 65536).
 */
export function registerModulus(registerMax: number): number {
  const s = String(registerMax);
  if (/e/i.test(s)) return registerMax; // no decimal notation: take it as the modulus
  const dot = s.indexOf('.');
  const decimals = dot < 0 ? 0 : s.length - dot - 1;
  return Number((registerMax + 10 ** -decimals).toFixed(decimals));
}

/** One unit of the register's last digit (0.1 for 99999.9), or 0 when unknown. */
export function registerStep(registerMax: number | undefined): number {
  if (registerMax === undefined) return 0;
  const s = String(registerMax);
  const dot = s.indexOf('.');
  if (/e/i.test(s)) return 0;
  return dot < 0 ? 1 : 10 ** -(s.length - dot - 1);
}

/**
 * Largest plausible energy in `dtMs`, or Infinity without max power. One
 * register step is added so that a register's rounding on closely spaced
 * readings is not mistaken for excess power.
 */
export function energyLimiter(cfg: MeterValidationConfig): (dtMs: number) => number {
  const p = cfg.maxPowerKw;
  if (p === undefined || !(p > 0)) return () => Infinity;
  const step = registerStep(cfg.registerMax);
  return (dtMs) => (p * dtMs * (1 + MAX_POWER_TOLERANCE)) / HOUR_MS + step + 1e-9;
}

export function averageKw(energy: number, dtMs: number): number {
  return dtMs > 0 ? (energy * HOUR_MS) / dtMs : Infinity;
}
