/**
 * Parses the API's t_s / t_e parameters into UTC epoch milliseconds.
 *
 * A strict regex plus integer date arithmetic instead of Date.parse or a
 * library: Date.parse is lenient in engine-specific ways (it reads naive
 * date-times as local time and rolls 2022-02-30 over to March), and a wrong
 * guess here silently shifts a whole answer. Every accepted form is listed in
 * spec/api.md; anything else is a 400 that says how to fix the request.
 */
import { paramError } from '../errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, daysFromCivil, daysInMonth } from './civil.js';

// date [ (T|space) HH:MM [ :SS [ .f{1,9} ] ] [ Z | ±HH:MM | ±HHMM ] ]
// A zone suffix needs a time: "2024-05-01Z" is not a form any client sends.
const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const MAX_ECHO = 40;

/**
 * undefined / null mean "not given" and return undefined; an accepted string
 * returns UTC epoch ms (fractional seconds kept to the millisecond, further
 * digits truncated). Everything else throws a param.invalid KwhubError naming
 * `param`.
 */
export function parseInstant(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(param, describe(value));
  const m = INSTANT_RE.exec(value);
  if (m === null) throw invalid(param, describe(value));

  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offsetMs = m[8] === undefined ? 0 : parseOffset(m[8]);

  // The regex only checks shapes; 2022-02-30, 25:00 or +24:00 fail here.
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Number.isNaN(offsetMs)
  ) {
    throw invalid(param, `${describe(value)}, which does not exist`);
  }

  return daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000 + millis - offsetMs;
}

/** "Z", "±HH:MM" or "±HHMM" to milliseconds east of UTC; NaN when out of range. */
function parseOffset(s: string): number {
  if (s === 'Z') return 0;
  const sign = s[0] === '-' ? -1 : 1;
  const digits = s.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const min = Number(digits.slice(2, 4));
  if (h > 23 || min > 59) return NaN;
  return sign * (h * HOUR_MS + min * MINUTE_MS);
}

function invalid(param: string, got: string) {
  return paramError(
    param,
    `${param} must be an ISO-8601 date-time in UTC such as 2024-05-01 or 2024-05-01T10:15:00 (got ${got})`,
  );
}

/** A short, safe echo of what the client sent: enough to spot the mistake, never a whole payload. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${truncate(String(value))}`;
  }
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function truncate(s: string): string {
  return s.length > MAX_ECHO ? s.slice(0, MAX_ECHO) + '…' : s;
}
