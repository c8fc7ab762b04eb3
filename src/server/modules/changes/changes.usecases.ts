/**
 * The change feed of a site, as a developer sees it: the history rewrites
 * (late data, corrections, revalidations, lock dates) after a cursor, within
 * the grant's history limit, and where the live edge stands. The same entry
 * view goes out through webhooks.
 */
import { KwhubError, paramError } from '../../../core/errors.js';
import { createTimestampFormatter, type TimestampFormatter } from '../../../core/time/zone.js';
import type { ChangeRow, Grant, Site, Store } from '../../../store/store.js';

/** entries per page when the client does not say */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** what a developer sees of one change-log entry */
export interface ChangeEntry {
  cursor: string;
  at: string;
  kind: 'data' | 'correction' | 'lock';
  meter_ids: string[];
  from: string;
  to: string;
  reason: string;
}

const CURSOR_PREFIX = 'kc1:';

/** cursors are opaque to clients: a versioned wrapper around the log's seq, the same on every instance */
export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === null || cursor === '') return 0;
  const text = typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw paramError('since', `since must be a cursor this feed returned (got ${JSON.stringify(cursor)?.slice(0, 40)}); omit it to start from the oldest entry kept`);
  }
  return seq;
}

/** an entry clipped to the grant's history limit; null when it lies entirely before it */
export function entryView(c: ChangeRow, historyFrom: number | null, fmt: TimestampFormatter): ChangeEntry | null {
  if (c.kind === 'append') return null;
  if (historyFrom !== null && c.to <= historyFrom) return null;
  const from = historyFrom === null ? c.from : Math.max(c.from, historyFrom);
  return { cursor: encodeCursor(c.seq), at: fmt(c.at), kind: c.kind, meter_ids: c.meter_ids, from: fmt(from), to: fmt(c.to), reason: c.reason };
}

export function parseLimit(v: unknown): number {
  if (v === undefined || v === null || v === '') return DEFAULT_LIMIT;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw paramError('limit', `limit must be an integer from 1 to ${MAX_LIMIT} (got ${JSON.stringify(v)?.slice(0, 40)})`);
  return n;
}

export async function changesSince(store: Store, site: Site, grant: Pick<Grant, 'history_from'>, since: unknown, limit: number, retentionDays: number) {
  const after = decodeCursor(since);
  const { changes, floor } = await store.listChanges(site.id, after, limit);
  if (since !== undefined && since !== null && since !== '' && after < floor) {
    throw new KwhubError(
      'changes.gone',
      `cursor ${String(since)} is older than the change feed keeps (${retentionDays} days): read the data you keep again, then follow the feed without since`,
    );
  }
  const fmt = createTimestampFormatter(site.timezone);
  const entries = changes.map((c) => entryView(c, grant.history_from, fmt)).filter((e): e is ChangeEntry => e !== null);
  const last = changes.length > 0 ? changes[changes.length - 1].seq : Math.max(after, floor);
  const extent = await store.siteExtent(site.id);
  return {
    site_id: site.id,
    changes: entries,
    cursor: encodeCursor(last),
    has_more: changes.length === limit,
    live_until: extent === null ? null : fmt(extent.to),
  };
}
