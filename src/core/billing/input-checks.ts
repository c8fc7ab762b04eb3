/** Small shape checks of plain input data, each throwing param.invalid naming the field. */
import { paramError } from '../errors.js';
import { parseDecimal } from './money.js';

export function obj(v: unknown, param: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw paramError(param, `${param} must be an object`);
  return v as Record<string, unknown>;
}

export function arr(v: unknown, param: string): unknown[] {
  if (!Array.isArray(v)) throw paramError(param, `${param} must be a list`);
  return v;
}

export function str(v: unknown, param: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw paramError(param, `${param} must be a non-empty string`);
  return v;
}

/** a price in CHF (per kWh, month or year) with at most 6 decimals, as integer µCHF; never negative */
export function price(v: unknown, param: string): number {
  if (v === undefined) throw paramError(param, `${param} is missing`);
  return parseDecimal(v, 6, param, { min: 0 });
}
