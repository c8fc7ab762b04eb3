/**
 * The demo community's residents with portal logins: most live in one
 * apartment for the whole demo, one moves half-way through (two tenancies,
 * each seen on its own in the portal), another moves into the flat left
 * behind, and one is invited but has not set a password yet.
 */
import { DateTime } from 'luxon';
import type { DemoSite } from './site.js';

export interface DemoResident {
  name: string;
  email: string;
  language: 'de' | 'fr' | 'it' | 'en';
  /** null: invited, no password yet */
  password: string | null;
  tenancies: { meter_id: string; from: string; to: string | null }[];
}

/** long before any demo data: the tenancy covers everything */
const ALWAYS = '2000-01-01';

/** the local date on which the moving resident moves: half-way through the demo's days (at least a day before its end) */
export function demoMoveDate(zone: string, now: number, days: number): string {
  const back = Math.max(1, Math.floor(days / 2));
  return DateTime.fromMillis(now, { zone }).minus({ days: back }).toISODate()!;
}

export function demoResidents(site: DemoSite, zone: string, now: number, days: number): DemoResident[] {
  const move = demoMoveDate(zone, now, days);
  const [a0, a1, a2, , , a5] = site.apartments;
  return [
    { name: 'Anna Keller', email: 'anna@sonnenhof.example', language: 'de', password: 'sonnenhof-anna', tenancies: [{ meter_id: a0, from: ALWAYS, to: null }] },
    {
      name: 'Luca Bernasconi', email: 'luca@sonnenhof.example', language: 'it', password: 'sonnenhof-luca',
      tenancies: [{ meter_id: a1, from: ALWAYS, to: move }, { meter_id: a5, from: move, to: null }],
    },
    { name: 'Claire Dubois', email: 'claire@sonnenhof.example', language: 'fr', password: 'sonnenhof-claire', tenancies: [{ meter_id: a1, from: move, to: null }] },
    { name: 'Jonas Meier', email: 'jonas@sonnenhof.example', language: 'de', password: null, tenancies: [{ meter_id: a2, from: ALWAYS, to: null }] },
  ];
}
