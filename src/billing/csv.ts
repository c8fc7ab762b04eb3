/**
 * CSV exports of a billing run: every invoice line (with VAT, rounding and
 * advance rows, so an accounting import balances per invoice), and the
 * owner's statement. RFC 4180, comma-separated, '.' decimals, amounts in
 * CHF with two decimals; the exact amounts are kept in their own column.
 */
import { formatCentimes, type BillingRun } from '../core/billing/index.js';

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rows(header: string[], data: (string | number | null | undefined)[][]): string {
  return [header, ...data].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One row per invoice line, then VAT, cash rounding, total, advances and balance rows per invoice. */
export function invoiceLinesCsv(run: BillingRun, numbers: Map<string, string> = new Map()): string {
  const data: (string | number | null)[][] = [];
  const base = (participant: string, name: string) => [numbers.get(participant) ?? '', participant, name, iso(run.period.from), iso(run.period.to)];
  for (const inv of run.invoices) {
    const b = base(inv.participant_id, inv.name);
    for (const l of inv.lines) {
      data.push([...b, l.kind, l.tariff_id, l.window, l.fee ?? null, l.quantity, l.unit, l.unit_price, l.vat_percent, l.under_cap ? 'yes' : 'no', formatCentimes(l.amount), l.amount_exact]);
    }
    for (const v of inv.vat) data.push([...b, 'vat', null, null, null, v.base / 100, 'CHF', v.rate_percent / 100, null, 'no', formatCentimes(v.amount), null]);
    data.push([...b, 'cash_rounding', null, null, null, null, null, null, null, 'no', formatCentimes(inv.cash_rounding), null]);
    data.push([...b, 'total', null, null, null, null, null, null, null, null, formatCentimes(inv.total), null]);
    data.push([...b, 'advance_payments', null, null, null, null, null, null, null, null, formatCentimes(-inv.advance_payments), null]);
    data.push([...b, 'balance', null, null, null, null, null, null, null, null, formatCentimes(inv.balance), null]);
  }
  for (const l of run.vacancy.lines) {
    data.push(['', 'owner', 'vacancy', iso(run.period.from), iso(run.period.to), l.kind, l.tariff_id, l.window, null, l.quantity, l.unit, l.unit_price, null, l.under_cap ? 'yes' : 'no', formatCentimes(l.amount), l.amount_exact]);
  }
  return rows(
    ['invoice_number', 'participant_id', 'name', 'period_from', 'period_to', 'kind', 'tariff_id', 'window', 'fee', 'quantity', 'unit', 'unit_price_chf', 'vat_percent', 'under_cap', 'amount_chf', 'amount_exact_chf'],
    data,
  );
}

/** The owner's statement: per participant revenue, grid cost passed on, internal costs and the cap; vacancy; reconciliation. */
export function ownerStatementCsv(run: BillingRun): string {
  const data: (string | number | null)[][] = [];
  const sumKind = (lines: { kind: string; amount: number; under_cap: boolean }[], f: (l: { kind: string; under_cap: boolean }) => boolean) =>
    formatCentimes(lines.filter(f).reduce((s, l) => s + l.amount, 0));
  for (const inv of run.invoices) {
    data.push([
      'participant', inv.participant_id, inv.name,
      inv.energy.self_kwh, inv.energy.ext_kwh, inv.energy.common_self_kwh, inv.energy.common_ext_kwh,
      sumKind(inv.lines, (l) => l.kind === 'grid' || l.kind === 'common_grid'),
      sumKind(inv.lines, (l) => l.under_cap),
      formatCentimes(inv.net), formatCentimes(inv.vat.reduce((s, v) => s + v.amount, 0)), formatCentimes(inv.total),
      formatCentimes(inv.advance_payments), formatCentimes(inv.balance),
      formatCentimes(inv.cap.reference), inv.cap.percent, inv.cap.limit_percent, inv.cap.ok ? 'ok' : inv.cap.override_reason ? 'overridden' : 'exceeded', inv.cap.override_reason,
    ]);
  }
  const v = run.vacancy;
  data.push([
    'vacancy', 'owner', 'vacancy', v.energy.self_kwh, v.energy.ext_kwh, v.energy.common_self_kwh, v.energy.common_ext_kwh,
    sumKind(v.lines, (l) => l.kind === 'grid' || l.kind === 'common_grid'), sumKind(v.lines, (l) => l.under_cap),
    formatCentimes(v.net), null, formatCentimes(v.net), null, null, null, null, null, null, null,
  ]);
  for (const [name, r] of [['ext', run.reconciliation.ext], ['self', run.reconciliation.self]] as const) {
    data.push([`reconciliation_${name}`, null, null, r.participants_kwh, r.vacancy_kwh, r.common_kwh, r.site_kwh, null, null, null, null, null, null, null, null, r.difference_kwh, null, r.ok ? 'ok' : 'difference', null]);
  }
  return rows(
    ['row', 'participant_id', 'name', 'self_kwh', 'ext_kwh', 'common_self_kwh', 'common_ext_kwh', 'grid_passed_on_chf', 'internal_chf', 'net_chf', 'vat_chf', 'total_chf', 'advance_payments_chf', 'balance_chf', 'reference_chf', 'cap_percent', 'cap_limit_percent', 'cap_status', 'override_reason'],
    data,
  );
}
