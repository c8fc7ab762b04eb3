/**
 * Billing dates are local: a tariff "valid from 2025-01-01" starts at local
 * midnight in the site's zone, a move "on 2025-03-15 12:00" at that wall
 * time. These turn such strings into UTC instants, on the 15-minute grid.
 */
import { paramError } from '../errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, daysFromCivil, daysInMonth } from '../time/civil.js';
import { parseInstant } from '../time/parse-instant.js';
import { floorToInterval } from '../time/range.js';
import { zoneOffsets } from '../time/zone.js';

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Wall-clock ms (local time read as if UTC) to the UTC instant; a time in a spring-forward gap moves past it. */
export function wallToUtc(zone: string, wall: number): number {
  const table = zoneOffsets(zone);
  const before = table.offsetAt(wall - 14 * HOUR_MS);
  const after = table.offsetAt(wall + 14 * HOUR_MS);
  let best = Number.POSITIVE_INFINITY;
  for (const o of [before, after]) {
    const t = wall - o;
    // of the two instants a fall-back wall time names, the earlier one
    if (t + table.offsetAt(t) === wall && t < best) best = t;
  }
  return Number.isFinite(best) ? best : wall - before;
}

/**
 * "YYYY-MM-DD" (local midnight), "YYYY-MM-DDTHH:MM[:SS]" (local wall time),
 * or an instant with Z / an offset; floored to the 15-minute interval that
 * contains it, so that one tenancy's end and the next one's start (the same
 * string) fall on the same boundary.
 */
export function parseLocalInstant(zone: string, value: unknown, param: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return floorToInterval(value);
  if (typeof value !== 'string') throw paramError(param, `${param} must be a date such as 2025-01-01 or 2025-01-01T12:00 (got ${typeof value})`);
  const m = LOCAL_RE.exec(value);
  if (m === null) {
    if (/(Z|[+-]\d{2}:?\d{2})$/.test(value)) return floorToInterval(parseInstant(value, param) as number);
    throw paramError(param, `${param} must be a date such as 2025-01-01 or 2025-01-01T12:00 (got ${JSON.stringify(value.slice(0, 40))})`);
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw paramError(param, `${param} is not a date that exists (got ${JSON.stringify(value)})`);
  }
  const wall = daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000;
  return floorToInterval(wallToUtc(zone, wall));
}
