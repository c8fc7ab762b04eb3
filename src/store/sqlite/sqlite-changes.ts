/**
 * The SQLite store's change log (feed, data versions) and webhook deliveries.
 * Entries are written inside the allocation's transaction (see
 * SqlitePipeline.applyAllocation), and each history entry queues one
 * delivery per webhook of a developer granted the site, in that same
 * transaction: nothing is announced that was not stored, nor lost.
 */
import type {
  ChangeLog, ChangeRow, ClaimedDelivery, Delivery, DeliveryOutcome, Webhook,
} from '../store.js';
import { SqliteBase } from './sqlite-base.js';
import { HEADER_BYTES, chunkEdge } from '../chunks.js';
import { APPEND_MERGE_MS, changeFromRow, deliveryFromRow } from '../change-mapping.js';

type Row = Record<string, unknown>;

export class SqliteChanges extends SqliteBase {
  /** adds a log's entries and prunes it; runs inside the caller's transaction */
  protected writeChanges(sitePk: number, log: ChangeLog): void {
    const insert = this.stmt('INSERT INTO changes(site_pk, at, kind, meter_ids, from_ts, to_ts, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of log.entries) {
      let { from, to } = e;
      if (e.kind === 'append') {
        // the live edge grows every few minutes: one entry per site and day of it is enough for data versions
        const last = this.stmt('SELECT seq, kind, from_ts, to_ts FROM changes WHERE site_pk = ? ORDER BY seq DESC LIMIT 1').get(sitePk) as Row | undefined;
        if (last && last.kind === 'append' && (last.to_ts as number) >= from && (last.from_ts as number) <= to
          && Math.max(last.to_ts as number, to) - Math.min(last.from_ts as number, from) <= APPEND_MERGE_MS) {
          from = Math.min(from, last.from_ts as number);
          to = Math.max(to, last.to_ts as number);
          this.stmt('DELETE FROM changes WHERE seq = ?').run(last.seq);
        }
      }
      const seq = insert.run(sitePk, e.at, e.kind, JSON.stringify(e.meter_ids), from, to, e.reason).lastInsertRowid;
      if (e.kind === 'append') continue;
      this.stmt(
        `INSERT INTO deliveries(webhook_pk, change_seq, site_pk, status, attempts, next_attempt_at, created_at)
         SELECT w.pk, ?, ?, 'pending', 0, ?, ? FROM webhooks w JOIN grants g ON g.developer_pk = w.developer_pk
         WHERE g.site_pk = ? AND (g.history_from IS NULL OR g.history_from < ?)`,
      ).run(seq, sitePk, e.at, e.at, sitePk, to);
    }
    const old = this.stmt('SELECT max(seq) AS s FROM changes WHERE site_pk = ? AND at < ?').get(sitePk, log.prune_before) as Row;
    // finished deliveries are kept as long as the entries they carried
    this.stmt("DELETE FROM deliveries WHERE site_pk = ? AND status <> 'pending' AND created_at < ?").run(sitePk, log.prune_before);
    if (old.s !== null) {
      this.stmt('DELETE FROM changes WHERE site_pk = ? AND seq <= ?').run(sitePk, old.s);
      this.stmt('INSERT INTO change_floors(site_pk, seq) VALUES (?, ?) ON CONFLICT(site_pk) DO UPDATE SET seq = max(seq, excluded.seq)').run(sitePk, old.s);
    }
  }

  async recordChanges(siteId: string, log: ChangeLog): Promise<void> {
    const sitePk = this.sitePk(siteId);
    this.db.transaction(() => this.writeChanges(sitePk, log)).immediate();
  }

  private floorOf(sitePk: number): number {
    const r = this.stmt('SELECT seq FROM change_floors WHERE site_pk = ?').get(sitePk) as Row | undefined;
    return (r?.seq as number | undefined) ?? 0;
  }

  async listChanges(siteId: string, after: number, limit: number): Promise<{ changes: ChangeRow[]; floor: number }> {
    const sitePk = this.sitePk(siteId);
    const rows = this.stmt(
      `SELECT seq, at, kind, meter_ids, from_ts, to_ts, reason FROM changes
       WHERE site_pk = ? AND seq > ? AND kind <> 'append' ORDER BY seq LIMIT ?`,
    ).all(sitePk, after, limit) as Row[];
    return { changes: rows.map((r) => changeFromRow(siteId, r)), floor: this.floorOf(sitePk) };
  }

  async dataVersion(siteId: string, from: number, to: number): Promise<number> {
    const sitePk = this.sitePk(siteId);
    const r = this.rawStmt('SELECT max(seq) FROM changes WHERE site_pk = ? AND from_ts < ? AND to_ts > ?').get(sitePk, to, from) as [number | null];
    return Math.max(r[0] ?? 0, this.floorOf(sitePk));
  }

  async siteExtent(siteId: string): Promise<{ from: number; to: number } | null> {
    const r = this.rawStmt('SELECT min(t), max(t) FROM site_alloc WHERE site_pk = ?').get(this.sitePk(siteId)) as [number | null, number | null];
    return r[0] === null ? null : { from: r[0], to: (r[1] as number) + 15 * 60_000 };
  }

  async lastIntervals(meterIds: string[]): Promise<(number | null)[]> {
    const q = this.rawStmt(`SELECT day, substr(data, 1, ${HEADER_BYTES}) FROM interval_chunks WHERE meter_pk = ? ORDER BY day DESC LIMIT 1`);
    return meterIds.map((id) => {
      const r = q.get(this.meterPk(id)) as [number, Buffer] | undefined;
      return r ? chunkEdge(r[0], r[1], 'last') : null;
    });
  }

  // --- webhooks

  async insertWebhook(w: Webhook): Promise<void> {
    this.stmt('INSERT INTO webhooks(id, developer_pk, url, secret, created_at, failures, paused_at, paused_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(w.id, this.developerPk(w.developer_id), w.url, w.secret, w.created_at, w.failures, w.paused_at, w.paused_reason);
  }

  private static readonly WEBHOOK_SELECT = `SELECT w.id, d.id AS developer_id, w.url, w.secret, w.created_at, w.failures, w.paused_at, w.paused_reason
    FROM webhooks w JOIN developers d ON d.pk = w.developer_pk`;

  async getWebhook(id: string): Promise<Webhook | null> {
    return (this.stmt(`${SqliteChanges.WEBHOOK_SELECT} WHERE w.id = ?`).get(id) as Webhook | undefined) ?? null;
  }

  async listWebhooks(developerId: string): Promise<Webhook[]> {
    return this.stmt(`${SqliteChanges.WEBHOOK_SELECT} WHERE d.id = ? ORDER BY w.pk`).all(developerId) as Webhook[];
  }

  async setWebhookPaused(id: string, pause: { at: number; reason: string } | null): Promise<void> {
    if (pause) this.stmt('UPDATE webhooks SET paused_at = ?, paused_reason = ? WHERE id = ?').run(pause.at, pause.reason, id);
    else this.stmt('UPDATE webhooks SET paused_at = NULL, paused_reason = NULL, failures = 0 WHERE id = ?').run(id);
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    // every instance polls this every second: a read first, so that an idle poll takes no write lock
    const due = this.stmt(
      `SELECT 1 FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk WHERE x.status = 'pending' AND x.next_attempt_at <= ?
       AND (x.lease_until IS NULL OR x.lease_until <= ?) AND w.paused_at IS NULL LIMIT 1`,
    ).get(now, now);
    if (due === undefined) return [];
    return this.db.transaction(() => {
      const rows = this.stmt(
        `SELECT x.pk AS id, w.id AS webhook_id, s.id AS site_id, x.change_seq, x.status, x.attempts, x.next_attempt_at, x.created_at,
                x.last_status, x.last_error, x.last_body, x.log, w.url, w.secret, s.timezone, g.history_from, g.site_pk AS granted,
                c.seq, c.at, c.kind, c.meter_ids, c.from_ts, c.to_ts, c.reason
         FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk JOIN sites s ON s.pk = x.site_pk
         LEFT JOIN grants g ON g.developer_pk = w.developer_pk AND g.site_pk = x.site_pk
         LEFT JOIN changes c ON c.seq = x.change_seq
         WHERE x.status = 'pending' AND x.next_attempt_at <= ? AND (x.lease_until IS NULL OR x.lease_until <= ?) AND w.paused_at IS NULL
         ORDER BY x.next_attempt_at, x.pk LIMIT ?`,
      ).all(now, now, limit) as Row[];
      const lease = this.stmt('UPDATE deliveries SET lease_until = ? WHERE pk = ?');
      for (const r of rows) lease.run(now + leaseMs, r.id);
      return rows.map((r) => ({
        ...deliveryFromRow(r),
        url: r.url as string,
        secret: r.secret as string,
        timezone: r.timezone as string,
        history_from: (r.history_from as number | null) ?? null,
        change: r.seq === null || r.granted === null ? null : changeFromRow(r.site_id as string, r),
      }));
    }).immediate();
  }

  async finishDelivery(id: number, o: DeliveryOutcome): Promise<void> {
    this.db.transaction(() => {
      const row = this.stmt('SELECT webhook_pk, log FROM deliveries WHERE pk = ?').get(id) as Row | undefined;
      if (!row) return;
      const log = JSON.parse(row.log as string) as unknown[];
      log.push(o.attempt);
      this.stmt(
        `UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL, last_attempt_at = ?,
         last_status = ?, last_error = ?, last_body = ?, log = ? WHERE pk = ?`,
      ).run(o.delivered ? 'delivered' : o.next_attempt_at === null ? 'failed' : 'pending', o.next_attempt_at ?? o.attempt.at, o.attempt.at,
        o.attempt.status, o.attempt.error, o.body, JSON.stringify(log), id);
      if (o.delivered) {
        this.stmt('UPDATE webhooks SET failures = 0 WHERE pk = ?').run(row.webhook_pk);
        return;
      }
      this.stmt('UPDATE webhooks SET failures = failures + 1 WHERE pk = ?').run(row.webhook_pk);
      const w = this.stmt('SELECT failures, paused_at FROM webhooks WHERE pk = ?').get(row.webhook_pk) as Row;
      if (w.paused_at === null && (w.failures as number) >= o.pause_after) {
        const what = o.attempt.status !== null ? `HTTP ${o.attempt.status}` : (o.attempt.error ?? 'no answer');
        this.stmt('UPDATE webhooks SET paused_at = ?, paused_reason = ? WHERE pk = ?')
          .run(o.attempt.at, `paused after ${w.failures as number} failed attempts in a row; the last: ${what}`, row.webhook_pk);
      }
    }).immediate();
  }

  async listDeliveries(webhookId: string, limit: number): Promise<Delivery[]> {
    const rows = this.stmt(
      `SELECT x.pk AS id, w.id AS webhook_id, s.id AS site_id, x.change_seq, x.status, x.attempts, x.next_attempt_at, x.created_at,
              x.last_status, x.last_error, x.last_body, x.log
       FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk JOIN sites s ON s.pk = x.site_pk
       WHERE w.id = ? ORDER BY x.pk DESC LIMIT ?`,
    ).all(webhookId, limit) as Row[];
    return rows.map(deliveryFromRow);
  }
}
