/**
 * Everything behind one interval of a site's allocation, for an operator
 * ("why did apartment 3 get 0.41 kWh of solar at 12:15?"): each meter's
 * validated energy, measured or estimated, with the raw readings that
 * produced it; the rule formulas evaluated; the balance terms with the
 * formulas of allocation.md; each consumer's share with its formula. The
 * numbers are the stored ones, unrounded, so that they recompute the
 * served site_data row exactly.
 */
import { paramError } from '../../../core/errors.js';
import { participates } from '../../../core/allocation/allocate.js';
import { parseRule } from '../../../core/allocation/rule-formula.js';
import { parseInstant } from '../../../core/time/parse-instant.js';
import { floorToInterval } from '../../../core/time/range.js';
import { createTimestampFormatter } from '../../../core/time/zone.js';
import { INTERVAL_MS, isElectric, registersOf } from '../../../core/types.js';
import { SITE_FIELDS, type Meter } from '../../../store/store.js';
import type { Deps } from '../../context.js';
import { getSiteOr404, isoOrNull } from '../admin/admin.usecases.js';

const num = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);

/** what a meter's `total` is made of, by its role */
function totalFormula(m: Meter): string {
  if (!isElectric(m.type)) return 'total = im (the register difference over the interval)';
  return m.mode === 'production' ? 'total = ex − im (production: export minus own draw)' : 'total = im − ex';
}

export async function auditInterval(deps: Deps, siteId: string, instant: unknown) {
  const site = await getSiteOr404(deps, siteId);
  const at = parseInstant(instant, 't');
  if (at === undefined) throw paramError('t', 't is required: an instant such as 2026-05-05T12:15 (UTC) or with an offset; the interval containing it is audited');
  const from = floorToInterval(at);
  const to = from + INTERVAL_MS;
  const fmt = createTimestampFormatter(site.timezone);
  const meters = await deps.store.listMeters(site.id);
  const validated = await deps.store.readIntervals(meters.map((m) => m.id), from, to);
  const allocs = await Promise.all(meters.map((m) => deps.store.readMeterAlloc(m.id, from, to)));
  const siteRow = await deps.store.readSiteAlloc(site.id, from, to);

  const views = await Promise.all(meters.map(async (m, i) => {
    const v = validated[i];
    const present = v.t.length > 0;
    const a = allocs[i];
    const regs = registersOf(m.type);
    let raw: Record<string, unknown>[] = [];
    if (m.rule === null) {
      // the readings inside the interval and the nearest one on each side: what interpolation used
      const win = await deps.store.rawWindow(m.id, from, to, 1, regs);
      raw = Array.from(win.ts, (ts, k) => ({ timestamp: isoOrNull(ts), [regs[0]]: win.im[k], ...(regs[1] ? { [regs[1]]: win.ex[k] } : {}) }));
    }
    return {
      id: m.id, name: m.name, type: m.type, mode: m.mode, in_balance: m.in_balance, reading_kind: m.rule === null ? m.reading_kind : null,
      rule: m.rule, quality: !present ? 'missing' : v.estimated[0] ? 'estimated' : 'measured',
      im: present ? v.im[0] : null, ex: present ? v.ex[0] : null,
      total: a.t.length > 0 ? a.total[0] : null, self: a.t.length > 0 ? num(a.self[0]) : null, ext: a.t.length > 0 ? num(a.ext[0]) : null,
      total_formula: totalFormula(m),
      raw_readings: raw,
    };
  }));
  const byId = new Map(views.map((v) => [v.id, v]));

  const rules = meters.filter((m) => m.rule !== null).map((m) => {
    const terms = parseRule(m.rule!).map((t) => ({ meter_id: t.meterId, sign: t.sign, im: byId.get(t.meterId)?.im ?? null, ex: byId.get(t.meterId)?.ex ?? null }));
    return {
      meter_id: m.id, formula: m.rule, terms,
      evaluated: 'im = Σ sign × im_term, ex = Σ sign × ex_term; present only where every term is present; estimated where any term is',
      im: byId.get(m.id)!.im, ex: byId.get(m.id)!.ex,
    };
  });

  const part = meters.filter((m) => participates({ mode: m.mode, type: m.type, inBalance: m.in_balance }));
  const withIntroduction = part.some((m) => m.mode === 'introduction');
  const siteValues = siteRow.t.length > 0 ? Object.fromEntries(SITE_FIELDS.map((k) => [k, siteRow.fields[k][0]])) : null;
  const s = siteValues as Record<string, number> | null;
  const ratio = s === null ? null : s.self > 0 && s.conso_total > 0 ? (s.self >= s.conso_total ? 1 : s.self / s.conso_total) : 0;

  return {
    site_id: site.id,
    interval: { from: isoOrNull(from), to: isoOrNull(to), timestamp: fmt(to) },
    meters: views,
    rules,
    balance: {
      mode: withIntroduction ? 'introduction' : 'no_introduction',
      // the terms, in the order the allocation adds them (meter order)
      consumers: part.filter((m) => m.mode === 'consumption').map((m) => m.id),
      producers: part.filter((m) => m.mode === 'production').map((m) => m.id),
      introduction: part.filter((m) => m.mode === 'introduction').map((m) => m.id),
      batteries: part.filter((m) => m.mode === 'battery').map((m) => m.id),
      formulas: withIntroduction
        ? {
          conso_total: 'Σ total_i of the consumers', from_ext: 'Σ im of the introduction meters', to_ext: 'Σ ex of the introduction meters',
          storage_charging_total: 'Σ im of the batteries', storage_discharging_total: 'Σ ex of the batteries',
          prod_total: 'conso_total + storage_charging_total + to_ext − from_ext − storage_discharging_total',
          self: 'conso_total − from_ext', storage_charging_self: 'storage_charging_total',
        }
        : {
          conso_total: 'Σ total_i of the consumers', prod_total: 'P = Σ total_i of the producers',
          storage_charging_total: 'Σ im of the batteries', storage_discharging_total: 'Σ ex of the batteries',
          self: 'min(P, conso_total) + min(storage_discharging_total, conso_total − min(P, conso_total))',
          storage_charging_self: 'min(storage_charging_total, P − min(P, conso_total))',
          from_ext: 'conso_total − self + (storage_charging_total − storage_charging_self)',
          to_ext: 'P − min(P, conso_total) − storage_charging_self + (storage_discharging_total − (self − min(P, conso_total)))',
        },
      values: siteValues,
    },
    shares: {
      ratio,
      ratio_formula: 'r = self / conso_total, capped at 1; 0 when self ≤ 0 or conso_total ≤ 0',
      consumers: part.filter((m) => m.mode === 'consumption').map((m) => {
        const v = byId.get(m.id)!;
        return {
          meter_id: m.id, name: m.name, total: v.total, self: v.self, ext: v.ext,
          formula: ratio === null || v.total === null ? 'self_i = total_i × r; ext_i = total_i − self_i'
            : `self_i = total_i × r = ${v.total} × ${ratio} = ${v.self}; ext_i = total_i − self_i = ${v.ext}`,
        };
      }),
    },
  };
}
