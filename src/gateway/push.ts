/**
 * Pushes the queue to kWhub's gateway API, oldest first, in batches; a batch
 * leaves the queue only after a 200, each reading the server rejected goes
 * aside with its reason. While the server cannot be reached: exponential
 * backoff with jitter. Each answer's Date header gives the offset of our
 * clock to the server's.
 */
import type { Clock } from '../core/clock.js';
import type { QueuedReading, ReadingQueue } from './queue/reading-queue.js';

export interface PushLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface PushStatus {
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  lastError: string | null;
  pushedTotal: number;
  duplicatesTotal: number;
  rejectedTotal: number;
  /** server clock minus ours, ms (null before the first answer) */
  clockOffsetMs: number | null;
  consecutiveFailures: number;
}

export interface Pusher {
  status(): PushStatus;
  /** a reading was queued: push soon */
  wake(): void;
  stop(): Promise<void>;
}

interface PushAnswer {
  stored: number;
  duplicates: number;
  rejected: { kind: string; index: number; reason: string; message: string }[];
}

export const CLOCK_WARN_MS = 60_000;

function body(batch: QueuedReading[]) {
  return {
    meters: batch.map((r) =>
      r.kind === 'electricity' ? { prim_ad: r.primAd, timestamp: r.ts, en_im: r.a, en_ex: r.b ?? 0 }
        : r.kind === 'heat' ? { prim_ad: r.primAd, timestamp: r.ts, heat_energy_kwh: r.a }
          : { prim_ad: r.primAd, timestamp: r.ts, vol_m3: r.a }),
  };
}

export function startPusher(opts: { queue: ReadingQueue; url: string; token: string; batchSize: number; retryMaxSeconds: number; clock: Clock; log: PushLog }): Pusher {
  const { queue, clock, log } = opts;
  const st: PushStatus = { lastSuccessAt: null, lastAttemptAt: null, lastError: null, pushedTotal: 0, duplicatesTotal: 0, rejectedTotal: 0, clockOffsetMs: null, consecutiveFailures: 0 };
  let batchSize = opts.batchSize;
  let stopped = false;
  // stopping aborts a push in flight: its readings stay queued and go again at the next start
  const stopping = new AbortController();
  let wakeUp: (() => void) | null = null;
  // new readings cut an idle wait short, never a backoff
  let idle = false;
  let lastClockWarning = -Infinity;
  const pause = (ms: number) => new Promise<void>((r) => {
    const t = setTimeout(() => { wakeUp = null; r(); }, ms);
    wakeUp = () => { clearTimeout(t); wakeUp = null; r(); };
  });

  const fail = (msg: string) => {
    st.consecutiveFailures++;
    if (st.lastError !== msg || st.consecutiveFailures === 1) log.warn(`push failed (${queue.depth()} readings wait): ${msg}`);
    st.lastError = msg;
  };
  const backoffMs = () => {
    const max = opts.retryMaxSeconds * 1000;
    const base = Math.min(max, 500 * 2 ** Math.min(20, st.consecutiveFailures - 1));
    // jitter: many gateways coming back after an outage should not push in step
    return base * (0.5 + Math.random() * 0.5);
  };

  /** the next batch, read and serialised while the previous one is in flight */
  let prepared: { batch: QueuedReading[]; body: string } | null = null;
  const prepare = (n: number, afterId?: number) => {
    const batch = queue.oldest(n, afterId);
    return batch.length === 0 ? null : { batch, body: JSON.stringify(body(batch)) };
  };

  const once = async (): Promise<'idle' | 'more' | 'failed'> => {
    // until the server has answered (at start, and while it is away) a small batch probes for it
    const size = st.consecutiveFailures > 0 || st.lastSuccessAt === null ? Math.min(100, batchSize) : batchSize;
    const current = prepared && prepared.batch.length <= size ? prepared : prepare(size);
    prepared = null;
    if (!current) return 'idle';
    const { batch } = current;
    st.lastAttemptAt = clock.now();
    const sentAt = clock.now();
    let res: Response;
    try {
      const sending = fetch(`${opts.url}/api/gateway/v1/readings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: current.body,
        signal: AbortSignal.any([AbortSignal.timeout(120_000), stopping.signal]),
      });
      if (st.consecutiveFailures === 0 && st.lastSuccessAt !== null) prepared = prepare(size, batch[batch.length - 1].id);
      res = await sending;
    } catch (e) {
      prepared = null;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      fail(`${opts.url} cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).message})`);
      return 'failed';
    }
    const text = await res.text().catch(() => '');
    const date = Date.parse(res.headers.get('date') ?? '');
    if (Number.isFinite(date)) {
      // the Date header has whole seconds: the offset is known to about ±0.5 s
      st.clockOffsetMs = date + 500 - (sentAt + clock.now()) / 2;
      if (Math.abs(st.clockOffsetMs) > CLOCK_WARN_MS && Date.now() - lastClockWarning > 600_000) {
        // at most every 10 minutes of real time
        lastClockWarning = Date.now();
        log.error(`THE GATEWAY'S CLOCK IS OFF by ${Math.round(st.clockOffsetMs / 1000)} s against the server (${opts.url}): readings are stamped with this clock. Fix the time (NTP) on this machine.`);
      }
    }
    if (res.status === 200) {
      const answer = JSON.parse(text) as PushAnswer;
      const rejectedIdx = new Set<number>();
      const rejects = answer.rejected.filter((r) => r.kind === 'meter').map((r) => {
        rejectedIdx.add(r.index);
        return { id: batch[r.index].id, reason: r.reason, message: r.message };
      });
      if (rejects.length > 0) {
        queue.reject(rejects, clock.now());
        log.warn(`the server rejected ${rejects.length} reading(s), kept aside in the queue's rejected table: ${rejects[0].reason}: ${rejects[0].message}`);
      }
      queue.remove(batch.filter((_, i) => !rejectedIdx.has(i)).map((r) => r.id));
      st.pushedTotal += answer.stored;
      st.duplicatesTotal += answer.duplicates;
      st.rejectedTotal += rejects.length;
      st.lastSuccessAt = clock.now();
      if (st.consecutiveFailures > 0) log.info(`push works again; ${queue.depth()} readings still wait`);
      st.consecutiveFailures = 0;
      st.lastError = null;
      return 'more';
    }
    if (res.status !== 200) prepared = null;
    if (res.status === 413 && batchSize > 100) {
      batchSize = Math.max(100, Math.floor(batchSize / 2));
      log.warn(`the server found a batch too large: batches of ${batchSize} from now on`);
      return 'more';
    }
    if (res.status === 400 && batch.length === 1) {
      queue.reject([{ id: batch[0].id, reason: 'http_400', message: text.slice(0, 500) }], clock.now());
      return 'more';
    }
    if (res.status === 400) {
      batchSize = Math.max(1, Math.floor(batchSize / 2));
      return 'more';
    }
    if (res.status === 401 || res.status === 403) fail(`the server refused the gateway token (${res.status}): check server.token or KWHUB_GATEWAY_TOKEN`);
    else fail(`the server answered ${res.status}: ${text.slice(0, 200)}`);
    return 'failed';
  };

  const loop = (async () => {
    while (!stopped) {
      let r: 'idle' | 'more' | 'failed';
      try {
        r = await once();
      } catch (e) {
        fail(`unexpected: ${(e as Error).message}`);
        r = 'failed';
      }
      if (stopped) break;
      if (r === 'idle') {
        idle = true;
        await pause(1000);
        idle = false;
      }
      else if (r === 'failed') await pause(backoffMs());
    }
  })();

  return {
    status: () => ({ ...st }),
    wake: () => {
      if (idle) wakeUp?.();
    },
    stop: async () => {
      stopped = true;
      stopping.abort();
      wakeUp?.();
      await loop;
    },
  };
}
