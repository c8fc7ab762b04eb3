/**
 * Proleptic-Gregorian calendar arithmetic on day numbers (days since
 * 1970-01-01). Integer-only, so hot paths (parsing, formatting, period
 * boundaries) never allocate a Date or call a library. Algorithms after
 * Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Day number of the civil date (month 1–12). Valid for any year, unlike Date.UTC which maps 0–99 to 1900–1999. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0 … February = 11
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** "00" … "99": formatting a timestamp then costs lookups, not padStart calls. */
export const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/** Zero-padded 4-digit year (years outside 0–9999 are printed as-is with a sign). */
export function fourDigitYear(year: number): string {
  if (year >= 0 && year <= 9999) return TWO_DIGITS[Math.floor(year / 100)] + TWO_DIGITS[year % 100];
  return String(year);
}
