/**
 * Instants in and out of the API. In: `t_s`/`t_e` are sent tz-naive in UTC
 * (`YYYY-MM-DDTHH:MM:SS`), the one form every server of the API reads the
 * same way. Out: series timestamps are the site's local time with its UTC
 * offset (`2022-05-05 17:15:00+02:00`), parsed offset included — cutting at
 * the `+` would read local time as UTC and merge the two 02:00 hours of a
 * DST autumn night.
 */
import type { DateInput } from './types.js';

export const QUARTER_MS = 15 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

// date, optional time (T or space), optional fraction, optional Z / ±HH[:MM]
const ISO_IN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** epoch ms of a Date, epoch-ms number or ISO-8601 string; RangeError naming `param` when it is not one */
export function toEpochMs(input: DateInput, param: string): number {
  let ms: number;
  if (input instanceof Date) ms = input.getTime();
  else if (typeof input === 'number') ms = input;
  else if (typeof input === 'string') ms = parseIso(input.trim());
  else ms = NaN;
  if (!Number.isFinite(ms)) {
    throw new RangeError(`${param}: expected a Date, epoch milliseconds or an ISO-8601 date-time such as "2024-05-01T00:00:00", got ${describe(input)}`);
  }
  return ms;
}

function parseIso(s: string): number {
  const m = ISO_IN.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', off] = m;
  const ms = Number((frac + '000').slice(0, 3));
  const utc = civilUtc(+y, +mo, +d, +h, +mi, +sec, ms);
  return utc - offsetMs(off);
}

/** Date.UTC that refuses out-of-range fields (Date.UTC would roll 2024-02-30 over to March) */
function civilUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return NaN;
  return t;
}

/** milliseconds east of UTC of `Z`, `+HH`, `+HHMM` or `+HH:MM` (none: UTC, the API's tz-naive convention) */
function offsetMs(off: string | undefined): number {
  if (off === undefined || off === 'Z' || off === 'z') return 0;
  const sign = off[0] === '-' ? -1 : 1;
  const digits = off.slice(1).replace(':', '');
  const hh = Number(digits.slice(0, 2));
  const mm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hh > 23 || mm > 59) return NaN;
  return sign * (hh * 60 + mm) * 60_000;
}

function describe(v: unknown): string {
  if (v instanceof Date) return 'an invalid Date';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * The wire form of `t_s` / `t_e`: `YYYY-MM-DDTHH:MM:SS`, with `.mmm` only
 * when the instant has milliseconds (the API reads fractions), so that the
 * range sent is exactly the range asked for — rounding to seconds could
 * select an extra raw reading or invert a sub-second range.
 */
export function toNaiveUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? iso.slice(0, 19) : iso.slice(0, 23);
}

// "2022-05-05 17:15:00+02:00"; also tolerated: a T, a fraction, Z, +HHMM or no offset (read as UTC)
const VENDOR_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** epoch ms of a series timestamp, or NaN when it is not one */
export function parseTimestamp(ts: string): number {
  const m = VENDOR_TS.exec(ts);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec = '0', frac = '', off] = m;
  const ms = Number((frac + '000').slice(0, 3));
  return civilUtc(+y, +mo, +d, +h, +mi, +sec, ms) - offsetMs(off);
}

/** the 15-minute boundary at or before `ms` (UTC quarter-hours are quarter-hours in every zone the API serves) */
export function floorQuarter(ms: number): number {
  return Math.floor(ms / QUARTER_MS) * QUARTER_MS;
}
