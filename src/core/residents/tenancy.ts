/**
 * Tenancies: a resident lives behind a consumer meter for a period
 * [from, to) (to null: still living there). They decide what a resident may
 * see, and billing will decide who pays for which intervals from them, so the
 * rules live here, pure: no two tenancies of one meter overlap, and a
 * resident's scope is their meters for their tenancy periods only.
 */
import { KwhubError, paramError } from '../errors.js';
import type { IntervalRange } from '../time/range.js';

export interface Tenancy {
  id: string;
  meter_id: string;
  resident_id: string;
  /** first instant of the tenancy (UTC ms) */
  from: number;
  /** first instant after it; null: open-ended */
  to: number | null;
}

/** A half-open window of time; `to` Infinity when open-ended. */
export interface Window {
  from: number;
  to: number;
}

export function windowOf(t: Pick<Tenancy, 'from' | 'to'>): Window {
  return { from: t.from, to: t.to ?? Infinity };
}

export function overlaps(a: Window, b: Window): boolean {
  return a.from < b.to && b.from < a.to;
}

/** throws unless `from` is before `to` */
export function checkTenancyBounds(t: Pick<Tenancy, 'from' | 'to'>): void {
  if (!Number.isFinite(t.from)) throw paramError('from', 'from must be an instant');
  if (t.to !== null && !(t.to > t.from)) {
    throw paramError('to', `to (${new Date(t.to).toISOString()}) must be after from (${new Date(t.from).toISOString()})`);
  }
}

/**
 * Throws tenancy.overlap when `candidate` overlaps another tenancy of the
 * same meter in `existing` (a tenancy being edited is skipped by its id).
 */
export function checkNoOverlap(existing: readonly Tenancy[], candidate: Tenancy): void {
  checkTenancyBounds(candidate);
  const w = windowOf(candidate);
  const clash = existing.find((t) => t.id !== candidate.id && t.meter_id === candidate.meter_id && overlaps(windowOf(t), w));
  if (clash) {
    const end = clash.to === null ? 'open-ended' : `until ${new Date(clash.to).toISOString()}`;
    throw new KwhubError('tenancy.overlap', `meter ${candidate.meter_id} is already let from ${new Date(clash.from).toISOString()} ${end} (tenancy ${clash.id}); end that tenancy first`);
  }
}

/** What one resident may see: per meter, the windows of their tenancies on it, ascending. */
export type ResidentScope = ReadonlyMap<string, readonly Window[]>;

export function residentScope(tenancies: readonly Tenancy[], residentId: string): ResidentScope {
  const scope = new Map<string, Window[]>();
  for (const t of tenancies) {
    if (t.resident_id !== residentId) continue;
    const list = scope.get(t.meter_id) ?? [];
    list.push(windowOf(t));
    scope.set(t.meter_id, list);
  }
  for (const list of scope.values()) list.sort((a, b) => a.from - b.from);
  return scope;
}

/**
 * The parts of `range` a resident may see of one meter: its intersections
 * with their windows there (none: the meter is not theirs for that range).
 * Windows are cut at 15-minute interval starts inward, as ranges are.
 */
export function clipToScope(range: IntervalRange, windows: readonly Window[] | undefined): IntervalRange[] {
  const out: IntervalRange[] = [];
  for (const w of windows ?? []) {
    const from = Math.max(range.from, ceil15(w.from));
    const to = Math.min(range.to, w.to === Infinity ? range.to : floor15(w.to));
    if (from < to) out.push({ from, to });
  }
  return out;
}

const QH = 900_000;
const ceil15 = (ms: number) => Math.ceil(ms / QH) * QH;
const floor15 = (ms: number) => Math.floor(ms / QH) * QH;
