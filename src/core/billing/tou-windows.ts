/**
 * Time-of-use windows (high / low tariff, "HT/NT"): which price applies to a
 * 15-minute interval, decided by the local wall time of the interval's start
 * in the site's zone, the weekday and the holidays.
 *
 * A window set is compiled to a table of 8 day types (Monday … Sunday,
 * holiday) × 96 quarter hours, and must fill it exactly once: a gap would
 * leave energy unpriced and an overlap would price it twice, so both are
 * errors naming the rule. Wall time makes DST take care of itself: on the
 * spring-forward day 02:00–03:00 does not occur, on the fall-back day its two
 * passes are priced by the same wall clock.
 */
import { paramError } from '../errors.js';
import { DAY_MS, MINUTE_MS, daysFromCivil } from '../time/civil.js';
import { zoneOffsets } from '../time/zone.js';
import { INTERVAL_MS } from '../types.js';

export const DAY_TYPES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'hol'] as const;
export type DayType = (typeof DAY_TYPES)[number];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'holidays'];
const SLOTS = 96;
const NONE = 255;

export interface WindowRule {
  /** the window's name, e.g. "HT" or "NT" */
  window: string;
  /** "mon-fri", "sat,sun,hol", "all", or a list of day types */
  days: string | string[];
  /** local "HH:MM" on a quarter hour; `to` may be "24:00"; from > to wraps past midnight on the same day types */
  from: string;
  to: string;
}

export interface WindowSet {
  rules: WindowRule[];
  /** local dates ("YYYY-MM-DD") priced as the day type "hol"; without rules for "hol", holidays are priced like Sundays */
  holidays?: string[];
}

export interface CompiledWindows {
  /** window names in order of first appearance in the rules */
  names: string[];
  /** [dayType * 96 + quarter hour] -> index into names */
  table: Uint8Array;
  /** day numbers (days since 1970-01-01) of the holidays */
  holidays: Set<number>;
}

function parseDays(days: unknown, param: string): number[] {
  const parts = typeof days === 'string' ? days.split(',') : Array.isArray(days) ? days : null;
  if (parts === null || parts.length === 0) throw paramError(param, `${param} must name days such as "mon-fri" or "sat,sun,hol"`);
  const out = new Set<number>();
  for (const raw of parts) {
    const p = String(raw).trim().toLowerCase();
    if (p === 'all') {
      for (let d = 0; d < 7; d++) out.add(d);
      continue;
    }
    const range = p.split('-');
    const a = DAY_TYPES.indexOf(range[0] as DayType);
    const b = range.length === 2 ? DAY_TYPES.indexOf(range[1] as DayType) : a;
    if (range.length > 2 || a < 0 || b < 0 || (range.length === 2 && (a > 6 || b > 6 || b < a))) {
      throw paramError(param, `${param}: "${String(raw)}" is not a day (use mon … sun, hol, ranges like mon-fri, or all)`);
    }
    for (let d = a; d <= b; d++) out.add(d);
  }
  return [...out];
}

function parseTime(value: unknown, param: string, allow24: boolean): number {
  const m = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !allow24))) {
    throw paramError(param, `${param} must be a local time "HH:MM" (got ${JSON.stringify(value)})`);
  }
  if (min % 15 !== 0) throw paramError(param, `${param} must fall on a quarter hour, as intervals do (got ${value})`);
  return (h * 60 + min) / 15;
}

function slotText(slot: number): string {
  const m = slot * 15;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Compiles and checks a window set; `param` names it in errors (e.g. "tariffs[0].windows"). */
export function compileWindows(set: WindowSet, param: string): CompiledWindows {
  if (set === null || typeof set !== 'object' || !Array.isArray(set.rules) || set.rules.length === 0) {
    throw paramError(`${param}.rules`, `${param}.rules must list at least one window rule`);
  }
  const names: string[] = [];
  const table = new Uint8Array(DAY_TYPES.length * SLOTS).fill(NONE);
  const owner = new Int32Array(table.length).fill(-1);
  let holidayRules = false;
  set.rules.forEach((rule, r) => {
    const rp = `${param}.rules[${r}]`;
    if (typeof rule?.window !== 'string' || rule.window.trim() === '') throw paramError(`${rp}.window`, `${rp}.window must be a window name such as "HT"`);
    let w = names.indexOf(rule.window);
    if (w < 0) {
      if (names.length >= 16) throw paramError(`${rp}.window`, `${param} may define at most 16 windows`);
      w = names.push(rule.window) - 1;
    }
    const days = parseDays(rule.days, `${rp}.days`);
    const from = parseTime(rule.from, `${rp}.from`, false);
    const to = parseTime(rule.to, `${rp}.to`, true);
    if (from === to) throw paramError(`${rp}.to`, `${rp} is empty: from and to are both ${rule.from}`);
    const slots: number[] = [];
    if (from < to) for (let s = from; s < to; s++) slots.push(s);
    else for (let s = 0; s < SLOTS; s++) if (s >= from || s < to) slots.push(s);
    for (const d of days) {
      if (d === 7) holidayRules = true;
      for (const s of slots) {
        const k = d * SLOTS + s;
        if (owner[k] >= 0) {
          throw paramError(rp, `${rp} overlaps ${param}.rules[${owner[k]}] on ${DAY_NAMES[d]} at ${slotText(s)}`);
        }
        owner[k] = r;
        table[k] = w;
      }
    }
  });
  for (let d = 0; d < (holidayRules ? 8 : 7); d++) {
    for (let s = 0; s < SLOTS; s++) {
      if (table[d * SLOTS + s] !== NONE) continue;
      let e = s;
      while (e < SLOTS && table[d * SLOTS + e] === NONE) e++;
      throw paramError(`${param}.rules`, `${param} leaves ${DAY_NAMES[d]} ${slotText(s)}–${slotText(e)} uncovered: every quarter hour needs exactly one window`);
    }
  }
  // without rules of their own, holidays are Sundays
  if (!holidayRules) table.copyWithin(7 * SLOTS, 6 * SLOTS, 7 * SLOTS);

  const holidays = new Set<number>();
  (set.holidays ?? []).forEach((h, i) => {
    const m = typeof h === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(h) : null;
    if (!m) throw paramError(`${param}.holidays[${i}]`, `${param}.holidays[${i}] must be a date "YYYY-MM-DD" (got ${JSON.stringify(h)})`);
    holidays.add(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  });
  return { names, table, holidays };
}

/** Day type index (0 = Monday … 6 = Sunday, 7 = holiday) of a local day number. */
export function dayTypeOf(day: number, holidays: Set<number>): number {
  if (holidays.has(day)) return 7;
  return (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** The window index of the interval starting at UTC `t`. */
export function windowAt(w: CompiledWindows, zone: string, t: number): number {
  const local = t + zoneOffsets(zone).offsetAt(t);
  const day = Math.floor(local / DAY_MS);
  const slot = Math.floor((local - day * DAY_MS) / (15 * MINUTE_MS));
  return w.table[dayTypeOf(day, w.holidays) * SLOTS + slot];
}

/**
 * Writes the window index of each interval starting at from + i * 15 min,
 * for i in [i0, i1), into `out`. One offset lookup per zone segment, not per
 * interval.
 */
export function fillWindows(w: CompiledWindows, zone: string, from: number, i0: number, i1: number, out: Uint8Array): void {
  const table = zoneOffsets(zone);
  let i = i0;
  while (i < i1) {
    const t = from + i * INTERVAL_MS;
    const seg = table.segmentAt(t);
    const o = seg.offset;
    const segEnd = seg.end; // read before the next lookup: a held segment may grow
    for (; i < i1; i++) {
      const ti = from + i * INTERVAL_MS;
      if (ti >= segEnd) break;
      const local = ti + o;
      const day = Math.floor(local / DAY_MS);
      const slot = Math.floor((local - day * DAY_MS) / (15 * MINUTE_MS));
      out[i] = w.table[dayTypeOf(day, w.holidays) * SLOTS + slot];
    }
  }
}
