/**
 * Exact money for billing. Floats never add up money here:
 * - energies are integer mWh (1e-6 kWh, the API's six decimals of kWh);
 * - prices are integer µCHF per kWh (six decimals of CHF/kWh, 0.0001 Rp.);
 * - an energy times a price is then an integer number of pCHF (1e-12 CHF),
 *   held as a bigint, since a site-year in pCHF passes 2^53;
 * - an invoice line is rounded once, half away from zero, to whole centimes
 *   (integer numbers), and a total to 0.05 CHF (Swiss cash rounding).
 */
import { paramError } from '../errors.js';

export const MWH_PER_KWH = 1_000_000;
export const MICRO_PER_CHF = 1_000_000;
/** pCHF in one centime */
export const PICO_PER_CENTIME = 10_000_000_000n;
export const PICO_PER_CHF = 1_000_000_000_000n;

/** kWh (float, as the allocation produces it) to integer mWh; NaN stays NaN for the caller to count as missing. */
export function toMwh(kwh: number): number {
  return Math.round(kwh * MWH_PER_KWH);
}

export function mwhToKwh(mwh: number): number {
  return mwh / MWH_PER_KWH;
}

/**
 * A decimal given as a number or a string ("0.2735") to an integer of
 * `decimals` places, refusing more precision than that (a price of
 * 0.12345678 CHF/kWh would otherwise be silently rounded on every invoice).
 */
export function parseDecimal(value: unknown, decimals: number, param: string, opts: { min?: number } = {}): number {
  let s: string;
  if (typeof value === 'number' && Number.isFinite(value)) s = numberToPlain(value);
  else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) s = value.trim();
  else throw paramError(param, `${param} must be a decimal number (got ${describe(value)})`);
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const fracTrim = frac.replace(/0+$/, '');
  if (fracTrim.length > decimals) {
    throw paramError(param, `${param} has more than ${decimals} decimal places (got ${s})`);
  }
  const n = Number(int) * 10 ** decimals + Number(fracTrim.padEnd(decimals, '0') || '0');
  if (!Number.isSafeInteger(n)) throw paramError(param, `${param} is too large (got ${s})`);
  const v = neg ? -n : n;
  if (opts.min !== undefined && v < opts.min * 10 ** decimals) {
    throw paramError(param, `${param} must not be ${opts.min === 0 ? 'negative' : `below ${opts.min}`} (got ${s})`);
  }
  return v === 0 ? 0 : v;
}

/** Like String(x) but never in exponent form (1e-7 -> "0.0000001"). */
function numberToPlain(x: number): string {
  const s = String(x);
  if (!/e/i.test(s)) return s;
  return x.toFixed(20).replace(/\.?0+$/, '');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return v === null ? 'null' : typeof v;
}

/** a / b rounded half away from zero (b > 0). */
export function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a - q * b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** pCHF to whole centimes, half away from zero. */
export function picoToCentimes(pico: bigint): number {
  return Number(divRound(pico, PICO_PER_CENTIME));
}

/** Swiss cash rounding: to the nearest 5 centimes, halves (x.025) away from zero. */
export function cashRound(centimes: number): number {
  return Number(divRound(BigInt(centimes), 5n)) * 5;
}

/** pCHF as a decimal CHF string with all 12 places ("12.345678901234"), for explaining a line exactly. */
export function formatPico(pico: bigint): string {
  const neg = pico < 0n;
  const a = neg ? -pico : pico;
  const int = a / PICO_PER_CHF;
  const frac = (a % PICO_PER_CHF).toString().padStart(12, '0');
  return `${neg ? '-' : ''}${int}.${frac}`;
}

/** Centimes as "1234.50" (no grouping: documents format for their language). */
export function formatCentimes(c: number): string {
  const neg = c < 0;
  const a = Math.abs(c);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** µCHF/kWh as CHF/kWh for display. */
export function microToChf(micro: number): number {
  return micro / MICRO_PER_CHF;
}
