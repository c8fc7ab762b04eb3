/**
 * Checks a billing input and turns it into integers on the 15-minute grid:
 * dates to interval indexes, prices to µCHF/kWh, windows to tables. Every
 * error is a param.invalid KwhubError naming the field as the input spells
 * it (`tariffs[1].grid.NT.levies`), so an operator can fix the document.
 */
import { paramError } from '../errors.js';
import { isValidZone } from '../time/zone.js';
import { INTERVAL_MS } from '../types.js';
import { LANGUAGES, SPLIT_KEYS, type BillingInput, type Language, type SplitKey } from './billing-types.js';
import { arr, obj, str } from './input-checks.js';
import { parseLocalInstant } from './local-time.js';
import { parseDecimal } from './money.js';
import { checkIban } from './payment-refs.js';
import { prepareTariff, type PreparedTariff } from './prepare-tariff.js';

export interface PreparedVat {
  k0: number;
  k1: number;
  /** hundredths of a percent (8.1 % -> 810) */
  rateBp: number;
}

export interface PreparedTenancy {
  index: number;
  participantId: string;
  k0: number;
  k1: number;
}

export interface PreparedUnit {
  meterId: string;
  label: string;
  floorArea: number | null;
  /** sorted, disjoint */
  tenancies: PreparedTenancy[];
}

export type { PreparedTariff, PreparedFee } from './prepare-tariff.js';

export interface Prepared {
  input: BillingInput;
  zone: string;
  from: number;
  to: number;
  /** intervals in the period */
  n: number;
  /** index of the period's first interval in the input columns */
  base: number;
  tariffs: PreparedTariff[];
  vat: PreparedVat[];
  participants: Map<string, { id: string; name: string; language: Language; advance: number }>;
  units: PreparedUnit[];
  common: { meterIds: string[]; key: SplitKey } | null;
  overrides: Map<string, string>;
}

export function prepare(input: BillingInput): Prepared {
  const site = obj(input.site, 'site');
  const zone = str(site.zone, 'site.zone');
  if (!isValidZone(zone)) throw paramError('site.zone', `site.zone is not a known IANA time zone (got ${JSON.stringify(zone)})`);
  const period = obj(input.period, 'period');
  const from = parseLocalInstant(zone, period.from, 'period.from');
  const to = parseLocalInstant(zone, period.to, 'period.to');
  if (!(from < to)) throw paramError('period.to', 'period.to must be after period.from');
  const grid = obj(input.grid, 'grid');
  const gFrom = grid.from as number;
  const gN = grid.n as number;
  if (!Number.isInteger(gFrom) || gFrom % INTERVAL_MS !== 0 || !Number.isInteger(gN) || gN < 0) {
    throw paramError('grid', 'grid must be { from: a UTC ms on a 15-minute boundary, n: a count }');
  }
  const n = (to - from) / INTERVAL_MS;
  const base = (from - gFrom) / INTERVAL_MS;
  if (base < 0 || base + n > gN) throw paramError('period', 'period lies outside the energy columns given (grid)');

  const kOf = (t: number) => Math.min(n, Math.max(0, (t - from) / INTERVAL_MS));

  // tariffs: sorted by start, disjoint, covering the period
  const rawTariffs = arr(input.tariffs, 'tariffs');
  const spans = rawTariffs.map((t, i) => {
    const p = `tariffs[${i}]`;
    const o = obj(t, p);
    const a = parseLocalInstant(zone, o.valid_from, `${p}.valid_from`);
    const b = o.valid_to === undefined || o.valid_to === null ? Number.POSITIVE_INFINITY : parseLocalInstant(zone, o.valid_to, `${p}.valid_to`);
    if (!(a < b)) throw paramError(`${p}.valid_to`, `${p}.valid_to must be after its valid_from`);
    return { i, a, b };
  });
  checkOverlaps(spans, (x) => `tariffs[${x.i}]`, 'valid_from');
  const tariffs: PreparedTariff[] = [];
  for (const s of [...spans].sort((x, y) => x.a - y.a)) {
    if (s.b <= from || s.a >= to) continue;
    tariffs.push(prepareTariff(rawTariffs[s.i] as Record<string, unknown>, `tariffs[${s.i}]`, kOf(s.a), kOf(s.b)));
  }
  let covered = 0;
  for (const t of tariffs) {
    if (t.k0 > covered) break;
    covered = Math.max(covered, t.k1);
  }
  if (covered < n) {
    throw paramError('tariffs', `no tariff is in force from ${new Date(from + covered * INTERVAL_MS).toISOString()}: tariffs must cover the whole period`);
  }

  const rawVat = input.vat === undefined ? [] : arr(input.vat, 'vat');
  const vatSpans = rawVat.map((v, i) => {
    const p = `vat[${i}]`;
    const o = obj(v, p);
    const a = parseLocalInstant(zone, o.valid_from, `${p}.valid_from`);
    const b = o.valid_to === undefined || o.valid_to === null ? Number.POSITIVE_INFINITY : parseLocalInstant(zone, o.valid_to, `${p}.valid_to`);
    if (!(a < b)) throw paramError(`${p}.valid_to`, `${p}.valid_to must be after its valid_from`);
    const rateBp = parseDecimal(o.rate_percent, 2, `${p}.rate_percent`, { min: 0 });
    if (rateBp > 10000) throw paramError(`${p}.rate_percent`, `${p}.rate_percent must be a percentage (got ${o.rate_percent})`);
    if (typeof o.registered !== 'boolean') throw paramError(`${p}.registered`, `${p}.registered must be true or false`);
    return { i, a, b, rateBp, registered: o.registered };
  });
  checkOverlaps(vatSpans, (x) => `vat[${x.i}]`, 'valid_from');
  const vat: PreparedVat[] = vatSpans
    .filter((v) => v.registered && v.b > from && v.a < to)
    .sort((x, y) => x.a - y.a)
    .map((v) => ({ k0: kOf(v.a), k1: kOf(v.b), rateBp: v.rateBp }));

  const participants = new Map<string, { id: string; name: string; language: Language; advance: number }>();
  arr(input.participants, 'participants').forEach((raw, i) => {
    const p = `participants[${i}]`;
    const o = obj(raw, p);
    const id = str(o.id, `${p}.id`);
    if (participants.has(id)) throw paramError(`${p}.id`, `${p}.id "${id}" is listed twice`);
    if (!LANGUAGES.includes(o.language as Language)) {
      throw paramError(`${p}.language`, `${p}.language must be one of ${LANGUAGES.join(', ')} (got ${JSON.stringify(o.language)})`);
    }
    const advance = o.advance_payments === undefined ? 0 : parseDecimal(o.advance_payments, 2, `${p}.advance_payments`);
    participants.set(id, { id, name: str(o.name, `${p}.name`), language: o.language as Language, advance });
  });

  const units: PreparedUnit[] = [];
  const unitOf = new Map<string, PreparedUnit>();
  arr(input.units, 'units').forEach((raw, i) => {
    const p = `units[${i}]`;
    const o = obj(raw, p);
    const meterId = str(o.meter_id, `${p}.meter_id`);
    if (unitOf.has(meterId)) throw paramError(`${p}.meter_id`, `${p}.meter_id "${meterId}" is listed twice`);
    checkColumns(input, meterId, `${p}.meter_id`, gN);
    const floorArea = o.floor_area_m2 === undefined ? null : parseDecimal(o.floor_area_m2, 3, `${p}.floor_area_m2`, { min: 0 }) / 1000;
    const u: PreparedUnit = { meterId, label: typeof o.label === 'string' ? o.label : meterId, floorArea, tenancies: [] };
    units.push(u);
    unitOf.set(meterId, u);
  });

  const spansOf = new Map<string, { index: number; participantId: string; a: number; b: number }[]>();
  arr(input.tenancies, 'tenancies').forEach((raw, i) => {
    const p = `tenancies[${i}]`;
    const o = obj(raw, p);
    const meterId = str(o.meter_id, `${p}.meter_id`);
    const u = unitOf.get(meterId);
    if (!u) throw paramError(`${p}.meter_id`, `${p}.meter_id "${meterId}" is not one of the units`);
    const participantId = str(o.participant_id, `${p}.participant_id`);
    if (!participants.has(participantId)) throw paramError(`${p}.participant_id`, `${p}.participant_id "${participantId}" is not one of the participants`);
    const a = parseLocalInstant(zone, o.from, `${p}.from`);
    const b = o.to === undefined || o.to === null ? Number.POSITIVE_INFINITY : parseLocalInstant(zone, o.to, `${p}.to`);
    if (!(a < b)) throw paramError(`${p}.to`, `${p}.to must be at least 15 minutes after its from`);
    const spans = spansOf.get(meterId) ?? [];
    spansOf.set(meterId, spans);
    for (const other of spans) {
      if (a < other.b && other.a < b) {
        throw paramError(p, `${p} overlaps tenancies[${other.index}] on meter ${meterId}: one meter has one resident at a time`);
      }
    }
    spans.push({ index: i, participantId, a, b });
  });
  for (const u of units) {
    u.tenancies = (spansOf.get(u.meterId) ?? [])
      .filter((t) => t.b > from && t.a < to)
      .sort((x, y) => x.a - y.a)
      .map((t) => ({ index: t.index, participantId: t.participantId, k0: kOf(t.a), k1: kOf(t.b) }));
  }

  let common: Prepared['common'] = null;
  if (input.common_area !== undefined && input.common_area !== null) {
    const o = obj(input.common_area, 'common_area');
    const key = o.key as SplitKey;
    if (!SPLIT_KEYS.includes(key)) throw paramError('common_area.key', `common_area.key must be one of ${SPLIT_KEYS.join(', ')} (got ${JSON.stringify(o.key)})`);
    const meterIds = arr(o.meter_ids, 'common_area.meter_ids').map((m, i) => {
      const id = str(m, `common_area.meter_ids[${i}]`);
      if (unitOf.has(id)) throw paramError(`common_area.meter_ids[${i}]`, `common_area.meter_ids[${i}] "${id}" is also a unit`);
      checkColumns(input, id, `common_area.meter_ids[${i}]`, gN);
      return id;
    });
    if (new Set(meterIds).size !== meterIds.length) throw paramError('common_area.meter_ids', 'common_area.meter_ids lists a meter twice');
    if (meterIds.length > 0 && units.length === 0) throw paramError('common_area', 'common_area needs units to split it between');
    if (key === 'floor_area') {
      units.forEach((u, i) => {
        if (!(u.floorArea !== null && u.floorArea > 0)) throw paramError(`units[${i}].floor_area_m2`, `units[${i}].floor_area_m2 must be given and positive for the floor_area key`);
      });
    }
    common = { meterIds, key };
  }

  const se = obj(input.site_energy, 'site_energy');
  for (const f of ['self', 'from_ext'] as const) {
    const c = se[f] as ArrayLike<number> | undefined;
    if (!c || typeof c.length !== 'number' || c.length !== gN) throw paramError(`site_energy.${f}`, `site_energy.${f} must have one value per interval of the grid (${gN})`);
  }

  const owner = obj(input.owner, 'owner');
  str(owner.name, 'owner.name');
  if (owner.language !== undefined && !LANGUAGES.includes(owner.language as Language)) {
    throw paramError('owner.language', `owner.language must be one of ${LANGUAGES.join(', ')} (got ${JSON.stringify(owner.language)})`);
  }
  if (owner.iban !== undefined) checkIban(owner.iban, 'owner.iban');

  const overrides = new Map<string, string>();
  (input.cap_overrides === undefined ? [] : arr(input.cap_overrides, 'cap_overrides')).forEach((raw, i) => {
    const p = `cap_overrides[${i}]`;
    const o = obj(raw, p);
    const id = str(o.participant_id, `${p}.participant_id`);
    if (!participants.has(id)) throw paramError(`${p}.participant_id`, `${p}.participant_id "${id}" is not one of the participants`);
    overrides.set(id, str(o.reason, `${p}.reason`));
  });

  return { input, zone, from, to, n, base, tariffs, vat, participants, units, common, overrides };
}

function checkColumns(input: BillingInput, meterId: string, param: string, n: number): void {
  const m = input.meters?.[meterId];
  if (!m) throw paramError(param, `${param}: no energy columns for meter "${meterId}" in meters`);
  if (m.self?.length !== n || m.ext?.length !== n) throw paramError(param, `${param}: meter "${meterId}" needs self and ext with one value per interval of the grid (${n})`);
}

function checkOverlaps<T extends { a: number; b: number }>(spans: T[], name: (s: T) => string, field: string): void {
  const sorted = [...spans].sort((x, y) => x.a - y.a);
  for (let j = 1; j < sorted.length; j++) {
    if (sorted[j].a < sorted[j - 1].b) {
      throw paramError(`${name(sorted[j])}.${field}`, `${name(sorted[j])} overlaps ${name(sorted[j - 1])}: validity periods must not overlap`);
    }
  }
}
