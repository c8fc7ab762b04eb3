/**
 * The period every card of a page reads (one signal, as in Home Assistant's
 * energy panel): a day, week, month, year or custom span of the site's local
 * calendar, what to compare it with, and the bucket of its charts.
 */
import { signal } from '@preact/signals';
import { DateTime } from 'luxon';
import type { Frequency, Range } from './api';

export type PeriodKind = 'day' | 'week' | 'month' | 'year' | 'custom';
export type CompareMode = 'previous' | 'year' | 'none';

export interface Period {
  kind: PeriodKind;
  /** local start (inclusive) and end (exclusive) as ISO dates of the site */
  start: string;
  end: string;
}

export const period = signal<Period | null>(null);
export const compare = signal<CompareMode>('previous');

const UNIT: Record<Exclude<PeriodKind, 'custom'>, 'day' | 'week' | 'month' | 'year'> = { day: 'day', week: 'week', month: 'month', year: 'year' };

/** the period of `kind` holding the instant `at`, in the zone */
export function periodAt(kind: Exclude<PeriodKind, 'custom'>, at: number, zone: string): Period {
  const d = DateTime.fromMillis(at, { zone }).startOf(UNIT[kind]);
  return { kind, start: d.toISODate()!, end: d.plus({ [UNIT[kind]]: 1 }).toISODate()! };
}

export function shift(p: Period, by: number, zone: string): Period {
  const s = DateTime.fromISO(p.start, { zone });
  const e = DateTime.fromISO(p.end, { zone });
  if (p.kind === 'custom') {
    const days = Math.round(e.diff(s, 'days').days);
    return { kind: 'custom', start: s.plus({ days: by * days }).toISODate()!, end: e.plus({ days: by * days }).toISODate()! };
  }
  const u = UNIT[p.kind];
  return { kind: p.kind, start: s.plus({ [u]: by }).toISODate()!, end: e.plus({ [u]: by }).toISODate()! };
}

export function comparePeriod(p: Period, mode: CompareMode, zone: string): Period | null {
  if (mode === 'none') return null;
  if (mode === 'previous') return shift(p, -1, zone);
  const s = DateTime.fromISO(p.start, { zone }).minus({ years: 1 });
  const e = DateTime.fromISO(p.end, { zone }).minus({ years: 1 });
  return { kind: p.kind, start: s.toISODate()!, end: e.toISODate()! };
}

export function rangeOf(p: Period, zone: string): Range {
  return { from: DateTime.fromISO(p.start, { zone }).toMillis(), to: DateTime.fromISO(p.end, { zone }).toMillis() };
}

/** the chart's bucket: 15 minutes for a day, hours for a week, days for a month, months for a year */
export function bucketOf(p: Period): Frequency {
  if (p.kind === 'day') return '15T';
  if (p.kind === 'week') return 'H';
  if (p.kind === 'month') return 'D';
  if (p.kind === 'year') return 'M';
  const days = (Date.parse(p.end) - Date.parse(p.start)) / 86_400_000;
  return days <= 2 ? '15T' : days <= 14 ? 'H' : days <= 92 ? 'D' : 'M';
}

/** the parse of the developer API's timestamps ("2024-05-01 10:15:00+02:00") */
export function instantOf(ts: string): number {
  return Date.parse(ts.replace(' ', 'T'));
}
