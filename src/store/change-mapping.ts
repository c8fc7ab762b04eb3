/** Rows of the change log and of webhook deliveries as the Store returns them (both engines). */
import type { ChangeKind, ChangeRow, Delivery, DeliveryAttempt, DeliveryStatus } from './store.js';

/** live-edge entries of a site are merged while they span at most a day */
export const APPEND_MERGE_MS = 86_400_000;

type Row = Record<string, unknown>;

export function changeFromRow(siteId: string, r: Row): ChangeRow {
  return {
    seq: Number(r.seq),
    site_id: siteId,
    at: Number(r.at),
    kind: r.kind as ChangeKind,
    meter_ids: JSON.parse(r.meter_ids as string) as string[],
    from: Number(r.from_ts),
    to: Number(r.to_ts),
    reason: r.reason as string,
  };
}

export function deliveryFromRow(r: Row): Delivery {
  return {
    id: Number(r.id),
    webhook_id: r.webhook_id as string,
    site_id: r.site_id as string,
    change_seq: Number(r.change_seq),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    next_attempt_at: r.status === 'pending' ? Number(r.next_attempt_at) : null,
    created_at: Number(r.created_at),
    last_status: r.last_status === null ? null : Number(r.last_status),
    last_error: (r.last_error as string | null) ?? null,
    last_body: (r.last_body as string | null) ?? null,
    log: JSON.parse(r.log as string) as DeliveryAttempt[],
  };
}
