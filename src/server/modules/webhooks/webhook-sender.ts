/**
 * Delivers the queued change-feed entries to the webhooks. Deliveries live in
 * the database (queued in the transaction that records the entry), so every
 * instance runs a sender: each claims due deliveries for a lease, another
 * instance or a restart takes over what a dead one held. At least once:
 * a receiver dedupes with X-Kwhub-Delivery-Id.
 *
 * Per attempt: one POST, no redirect followed, a 5-second timeout, at most
 * 1 KiB of the answer kept. A failure is retried after base × 2^(n−1)
 * (capped, ±20 % jitter so that retries of many deliveries spread out) until
 * the attempts run out; a webhook failing too often in a row is paused.
 * Scheduling uses the wall clock: deliveries are operations, not data time.
 */
import type { FastifyBaseLogger } from 'fastify';
import { createTimestampFormatter } from '../../../core/time/zone.js';
import type { ClaimedDelivery, Store } from '../../../store/store.js';
import { entryView } from '../changes/changes.usecases.js';
import { checkWebhookUrl } from './webhooks.usecases.js';
import { signWebhook } from './webhook-signature.js';

export const WEBHOOK_TIMEOUT_MS = 5000;
export const WEBHOOK_BODY_KEEP = 1024;
/** how long a claimed delivery is held: longer than an attempt can take */
const LEASE_MS = 60_000;
/** deliveries claimed per round, sent concurrently */
const BATCH = 32;

export interface SenderOptions {
  store: Store;
  log: FastifyBaseLogger;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  pauseAfter: number;
  allowLoopbackHttp: boolean;
  /** the wall clock (injectable for tests of the schedule) */
  now?: () => number;
  random?: () => number;
}

export interface WebhookSender {
  start(): void;
  /** stops polling and waits for the attempts under way */
  stop(): Promise<void>;
  /** one round: claims and sends what is due; returns how many were attempted */
  tick(): Promise<number>;
}

/** the delay before attempt n + 1 after n failed ones */
export function retryDelay(failed: number, o: Pick<SenderOptions, 'retryBaseMs' | 'retryMaxMs'>, random: () => number): number {
  const exp = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.max(0, failed - 1));
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** reads at most `keep` bytes of an answer and lets the rest go */
async function bodyStart(res: Response, keep: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < keep) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      n += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, keep).toString('utf8');
}

export function payloadOf(d: ClaimedDelivery): string | null {
  if (!d.change) return null;
  const entry = entryView(d.change, d.history_from, createTimestampFormatter(d.timezone));
  if (!entry) return null;
  return JSON.stringify({ delivery_id: String(d.id), site_id: d.site_id, change: entry });
}

export function createWebhookSender(o: SenderOptions): WebhookSender {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = false;

  const attempt = async (d: ClaimedDelivery): Promise<void> => {
    const started = now();
    const body = payloadOf(d);
    let status: number | null = null;
    let error: string | null = null;
    let kept: string | null = null;
    if (body === null) {
      error = 'the entry is no longer available (older than the feed keeps, or the grant was revoked)';
    } else {
      try {
        checkWebhookUrl(d.url, o.allowLoopbackHttp);
        const timestamp = Math.floor(started / 1000);
        const res = await fetch(d.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'kWhub-Webhooks/1',
            'x-kwhub-signature': signWebhook(d.secret, timestamp, body),
            'x-kwhub-timestamp': String(timestamp),
            'x-kwhub-delivery-id': String(d.id),
          },
          body,
        });
        status = res.status;
        kept = await bodyStart(res, WEBHOOK_BODY_KEEP);
        if (status >= 300 && status < 400) error = `redirect to ${res.headers.get('location') ?? '(no location)'} not followed`;
        else if (status >= 300) error = `HTTP ${status}`;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        error = err.name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : (err.cause?.code ?? err.message);
      }
    }
    const delivered = error === null && status !== null && status >= 200 && status < 300;
    const failed = d.attempts + 1;
    const giveUp = body === null || failed >= o.maxAttempts;
    await o.store.finishDelivery(d.id, {
      attempt: { at: started, status, error, ms: now() - started },
      body: kept,
      delivered,
      next_attempt_at: delivered || giveUp ? null : now() + retryDelay(failed, o, random),
      pause_after: o.pauseAfter,
    });
  };

  const tick = async (): Promise<number> => {
    const due = await o.store.claimDeliveries(now(), LEASE_MS, BATCH);
    await Promise.all(due.map((d) => attempt(d).catch((err) => o.log.error({ err, delivery: d.id }, 'webhook delivery failed to record'))));
    return due.length;
  };

  const loop = (): void => {
    if (stopped) return;
    running = tick().catch((err) => {
      o.log.error({ err }, 'webhook sender round failed');
      return 0;
    });
    void running.then((n) => {
      running = null;
      // a full batch: more may be due at once
      if (!stopped) timer = setTimeout(loop, n >= BATCH ? 0 : o.pollMs);
    });
  };

  return {
    start() {
      if (timer || running) return;
      stopped = false;
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    tick,
  };
}
