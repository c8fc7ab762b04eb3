/**
 * The PostgreSQL store's change log (feed, data versions) and webhook
 * deliveries, as in SQLite: entries are written in the allocation's
 * transaction, each history entry queues one delivery per webhook of a
 * developer granted the site. A site's entries are only written under its
 * pipeline lock, so their seqs commit in order: a cursor never skips one.
 * Senders on several instances claim deliveries with FOR UPDATE SKIP LOCKED.
 */
import type pg from 'pg';
import type { ChangeLog, ChangeRow, ClaimedDelivery, Delivery, DeliveryOutcome, Webhook } from '../store.js';
import { PgIngest } from './pg-ingest.js';
import { APPEND_MERGE_MS, changeFromRow, deliveryFromRow } from '../change-mapping.js';
import { HEADER_BYTES, chunkEdge } from '../chunks.js';

type Row = Record<string, unknown>;

const DELIVERY_COLS = `x.pk AS id, w.id AS webhook_id, s.id AS site_id, x.change_seq, x.status, x.attempts, x.next_attempt_at, x.created_at,
  x.last_status, x.last_error, x.last_body, x.log`;

const WEBHOOK_SELECT = `SELECT w.id, d.id AS developer_id, w.url, w.secret, w.created_at, w.failures, w.paused_at, w.paused_reason
  FROM webhooks w JOIN developers d ON d.pk = w.developer_pk`;

function webhookFromRow(r: Row): Webhook {
  return {
    id: r.id as string, developer_id: r.developer_id as string, url: r.url as string, secret: r.secret as string,
    created_at: Number(r.created_at), failures: Number(r.failures), paused_at: r.paused_at === null ? null : Number(r.paused_at),
    paused_reason: (r.paused_reason as string | null) ?? null,
  };
}

export class PgChanges extends PgIngest {
  /** adds a log's entries and prunes it, on the caller's transaction */
  protected async writeChanges(c: pg.ClientBase, sitePk: number, log: ChangeLog): Promise<void> {
    for (const e of log.entries) {
      let { from, to } = e;
      if (e.kind === 'append') {
        // the live edge grows every few minutes: one entry per site and day of it is enough for data versions
        const last = (await c.query('SELECT seq, kind, from_ts, to_ts FROM changes WHERE site_pk = $1 ORDER BY seq DESC LIMIT 1', [sitePk])).rows[0] as Row | undefined;
        if (last && last.kind === 'append' && Number(last.to_ts) >= from && Number(last.from_ts) <= to
          && Math.max(Number(last.to_ts), to) - Math.min(Number(last.from_ts), from) <= APPEND_MERGE_MS) {
          from = Math.min(from, Number(last.from_ts));
          to = Math.max(to, Number(last.to_ts));
          await c.query('DELETE FROM changes WHERE seq = $1', [last.seq]);
        }
      }
      const ins = await c.query(
        'INSERT INTO changes(site_pk, at, kind, meter_ids, from_ts, to_ts, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq',
        [sitePk, e.at, e.kind, JSON.stringify(e.meter_ids), from, to, e.reason],
      );
      if (e.kind === 'append') continue;
      await c.query(
        `INSERT INTO deliveries(webhook_pk, change_seq, site_pk, status, attempts, next_attempt_at, created_at)
         SELECT w.pk, $1, $2, 'pending', 0, $3, $3 FROM webhooks w JOIN grants g ON g.developer_pk = w.developer_pk
         WHERE g.site_pk = $2 AND (g.history_from IS NULL OR g.history_from < $4)`,
        [ins.rows[0].seq, sitePk, e.at, to],
      );
    }
    const old = (await c.query('SELECT max(seq) AS s FROM changes WHERE site_pk = $1 AND at < $2', [sitePk, log.prune_before])).rows[0] as Row;
    // finished deliveries are kept as long as the entries they carried
    await c.query("DELETE FROM deliveries WHERE site_pk = $1 AND status <> 'pending' AND created_at < $2", [sitePk, log.prune_before]);
    if (old.s !== null) {
      await c.query('DELETE FROM changes WHERE site_pk = $1 AND seq <= $2', [sitePk, old.s]);
      await c.query(
        'INSERT INTO change_floors(site_pk, seq) VALUES ($1, $2) ON CONFLICT (site_pk) DO UPDATE SET seq = greatest(change_floors.seq, excluded.seq)',
        [sitePk, old.s],
      );
    }
  }

  async recordChanges(siteId: string, log: ChangeLog): Promise<void> {
    const sitePk = await this.sitePk(siteId);
    await this.tx((c) => this.writeChanges(c, sitePk, log));
  }

  private async floorOf(sitePk: number): Promise<number> {
    const r = await this.one<{ seq: number }>('SELECT seq FROM change_floors WHERE site_pk = $1', [sitePk]);
    return r ? Number(r.seq) : 0;
  }

  async listChanges(siteId: string, after: number, limit: number): Promise<{ changes: ChangeRow[]; floor: number }> {
    const sitePk = await this.sitePk(siteId);
    const rows = await this.q(
      `SELECT seq, at, kind, meter_ids, from_ts, to_ts, reason FROM changes
       WHERE site_pk = $1 AND seq > $2 AND kind <> 'append' ORDER BY seq LIMIT $3`,
      [sitePk, after, limit],
    );
    return { changes: rows.map((r) => changeFromRow(siteId, r)), floor: await this.floorOf(sitePk) };
  }

  async dataVersion(siteId: string, from: number, to: number): Promise<number> {
    const sitePk = await this.sitePk(siteId);
    const r = await this.one<{ v: number | null; f: number | null }>(
      `SELECT (SELECT max(seq) FROM changes WHERE site_pk = $1 AND from_ts < $2 AND to_ts > $3) AS v,
              (SELECT seq FROM change_floors WHERE site_pk = $1) AS f`,
      [sitePk, to, from],
    );
    return Math.max(Number(r?.v ?? 0), Number(r?.f ?? 0));
  }

  async siteExtent(siteId: string): Promise<{ from: number; to: number } | null> {
    const sitePk = await this.sitePk(siteId);
    const r = await this.one<{ f: number | null; t: number | null }>(
      'SELECT (SELECT min(t) FROM site_alloc WHERE site_pk = $1) AS f, (SELECT max(t) FROM site_alloc WHERE site_pk = $1) AS t',
      [sitePk],
    );
    return !r || r.f === null ? null : { from: Number(r.f), to: Number(r.t) + 15 * 60_000 };
  }

  async lastIntervals(meterIds: string[]): Promise<(number | null)[]> {
    if (meterIds.length === 0) return [];
    const pks = await this.pksOf('meters', meterIds);
    // each meter's last chunk: one index probe from the end
    const rows = await this.arrays(
      `SELECT k.i, r.day, r.data FROM unnest($1::int[]) WITH ORDINALITY AS k(pk, i)
       CROSS JOIN LATERAL (SELECT day, substring(data from 1 for ${HEADER_BYTES}) AS data FROM interval_chunks WHERE meter_pk = k.pk ORDER BY day DESC LIMIT 1) AS r`,
      [`{${pks.join(',')}}`],
    );
    const out: (number | null)[] = meterIds.map(() => null);
    for (const r of rows) out[Number(r[0]) - 1] = chunkEdge(r[1] as number, r[2] as Buffer, 'last');
    return out;
  }

  // --- webhooks

  async insertWebhook(w: Webhook): Promise<void> {
    await this.pool.query(
      'INSERT INTO webhooks(id, developer_pk, url, secret, created_at, failures, paused_at, paused_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [w.id, await this.developerPk(w.developer_id), w.url, w.secret, w.created_at, w.failures, w.paused_at, w.paused_reason],
    );
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const r = await this.one(`${WEBHOOK_SELECT} WHERE w.id = $1`, [id]);
    return r ? webhookFromRow(r) : null;
  }

  async listWebhooks(developerId: string): Promise<Webhook[]> {
    return (await this.q(`${WEBHOOK_SELECT} WHERE d.id = $1 ORDER BY w.pk`, [developerId])).map(webhookFromRow);
  }

  async setWebhookPaused(id: string, pause: { at: number; reason: string } | null): Promise<void> {
    if (pause) await this.pool.query('UPDATE webhooks SET paused_at = $1, paused_reason = $2 WHERE id = $3', [pause.at, pause.reason, id]);
    else await this.pool.query('UPDATE webhooks SET paused_at = NULL, paused_reason = NULL, failures = 0 WHERE id = $1', [id]);
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const rows = await this.tx(async (c) => {
      const due = await c.query(
        `SELECT x.pk FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk
         WHERE x.status = 'pending' AND x.next_attempt_at <= $1 AND (x.lease_until IS NULL OR x.lease_until <= $1) AND w.paused_at IS NULL
         ORDER BY x.next_attempt_at, x.pk LIMIT $2 FOR UPDATE OF x SKIP LOCKED`,
        [now, limit],
      );
      if (due.rows.length === 0) return [];
      const pks = due.rows.map((r) => Number(r.pk));
      await c.query('UPDATE deliveries SET lease_until = $1 WHERE pk = ANY($2::int8[])', [now + leaseMs, `{${pks.join(',')}}`]);
      return (await c.query(
        `SELECT ${DELIVERY_COLS}, w.url, w.secret, s.timezone, g.history_from, g.site_pk AS granted,
                c.seq, c.at, c.kind, c.meter_ids, c.from_ts, c.to_ts, c.reason
         FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk JOIN sites s ON s.pk = x.site_pk
         LEFT JOIN grants g ON g.developer_pk = w.developer_pk AND g.site_pk = x.site_pk
         LEFT JOIN changes c ON c.seq = x.change_seq
         WHERE x.pk = ANY($1::int8[]) ORDER BY x.next_attempt_at, x.pk`,
        [`{${pks.join(',')}}`],
      )).rows as Row[];
    });
    return rows.map((r) => ({
      ...deliveryFromRow(r),
      url: r.url as string,
      secret: r.secret as string,
      timezone: r.timezone as string,
      history_from: r.history_from === null ? null : Number(r.history_from),
      change: r.seq === null || r.granted === null ? null : changeFromRow(r.site_id as string, r),
    }));
  }

  async finishDelivery(id: number, o: DeliveryOutcome): Promise<void> {
    await this.tx(async (c) => {
      const row = (await c.query('SELECT webhook_pk, log FROM deliveries WHERE pk = $1 FOR UPDATE', [id])).rows[0] as Row | undefined;
      if (!row) return;
      const log = JSON.parse(row.log as string) as unknown[];
      log.push(o.attempt);
      await c.query(
        `UPDATE deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, lease_until = NULL, last_attempt_at = $3,
         last_status = $4, last_error = $5, last_body = $6, log = $7 WHERE pk = $8`,
        [o.delivered ? 'delivered' : o.next_attempt_at === null ? 'failed' : 'pending', o.next_attempt_at ?? o.attempt.at, o.attempt.at,
          o.attempt.status, o.attempt.error, o.body, JSON.stringify(log), id],
      );
      if (o.delivered) {
        await c.query('UPDATE webhooks SET failures = 0 WHERE pk = $1', [row.webhook_pk]);
        return;
      }
      const w = (await c.query('UPDATE webhooks SET failures = failures + 1 WHERE pk = $1 RETURNING failures, paused_at', [row.webhook_pk])).rows[0] as Row;
      if (w.paused_at === null && Number(w.failures) >= o.pause_after) {
        const what = o.attempt.status !== null ? `HTTP ${o.attempt.status}` : (o.attempt.error ?? 'no answer');
        await c.query('UPDATE webhooks SET paused_at = $1, paused_reason = $2 WHERE pk = $3',
          [o.attempt.at, `paused after ${Number(w.failures)} failed attempts in a row; the last: ${what}`, row.webhook_pk]);
      }
    });
  }

  async listDeliveries(webhookId: string, limit: number): Promise<Delivery[]> {
    const rows = await this.q(
      `SELECT ${DELIVERY_COLS} FROM deliveries x JOIN webhooks w ON w.pk = x.webhook_pk JOIN sites s ON s.pk = x.site_pk
       WHERE w.id = $1 ORDER BY x.pk DESC LIMIT $2`,
      [webhookId, limit],
    );
    return rows.map(deliveryFromRow);
  }
}
