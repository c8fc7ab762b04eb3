/** Billing rows to records and back, the same for both engines (JSON kept as text). */
import type { BillingRunRecord } from './billing-store.js';

export function billingRunFromRow(r: Record<string, unknown>): BillingRunRecord {
  const parse = (v: unknown) => (v === null || v === undefined ? null : JSON.parse(String(v)));
  return {
    id: String(r.id),
    site_id: String(r.site_id),
    from: String(r.period_from),
    to: String(r.period_to),
    from_ms: Number(r.from_ms),
    to_ms: Number(r.to_ms),
    status: r.status as BillingRunRecord['status'],
    created_at: Number(r.created_at),
    finalized_at: r.finalized_at === null || r.finalized_at === undefined ? null : Number(r.finalized_at),
    input: parse(r.input_json),
    run: parse(r.run_json),
    numbers: parse(r.numbers_json),
    override: parse(r.override_json),
  };
}

export function billingRunToRow(r: BillingRunRecord): unknown[] {
  return [
    r.id, r.site_id, r.from, r.to, r.from_ms, r.to_ms, r.status, r.created_at, r.finalized_at,
    JSON.stringify(r.input), JSON.stringify(r.run), r.numbers === null ? null : JSON.stringify(r.numbers), r.override === null ? null : JSON.stringify(r.override),
  ];
}

export const BILLING_RUN_COLUMNS = 'id, site_id, period_from, period_to, from_ms, to_ms, status, created_at, finalized_at, input_json, run_json, numbers_json, override_json';
