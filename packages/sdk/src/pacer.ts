/**
 * Client-side pacing: the API allows 1 request per second per developer and
 * per endpoint (the route template: every `site_data` call shares one
 * budget, whatever the site or type). Staying under the limit is cheaper
 * than being told off with a 429 and retrying, so each endpoint gets a queue
 * and a next-free slot.
 *
 * The slot starts `minIntervalMs` after the previous answer's *headers*
 * arrived, not after it was sent: the server counts arrivals, and a request
 * sent exactly 1 s after the previous one can still arrive less than 1 s
 * after it when the first one was slower in transit. Waiting from the answer
 * guarantees the gap at the server at the cost of one round trip per call.
 */
import { raceAbort, sleepFor, type Sleep } from './wait.js';

export interface Clock {
  now(): number;
}

export interface Pacer {
  /** runs `send` in `endpoint`'s budget: waits for its turn and slot; `send` resolves when the answer's headers arrive */
  run<T>(endpoint: string, send: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** moves `endpoint`'s next slot to at least `ms` from now (a 429's Retry-After) */
  defer(endpoint: string, ms: number): void;
}

export function createPacer(opts: { clock: Clock; sleep: Sleep; minIntervalMs: number }): Pacer {
  const { clock, sleep, minIntervalMs } = opts;
  const nextAt = new Map<string, number>();
  const tails = new Map<string, Promise<void>>();

  const push = (endpoint: string, at: number) => nextAt.set(endpoint, Math.max(nextAt.get(endpoint) ?? -Infinity, at));

  async function waitForSlot(endpoint: string, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const target = nextAt.get(endpoint);
      if (target === undefined) return;
      const wait = target - clock.now();
      if (wait <= 0) return;
      await sleepFor(sleep, wait, signal);
      // sleep again only if a 429 moved the slot meanwhile: never spin on a clock the sleep does not advance
      if (nextAt.get(endpoint) === target) return;
    }
  }

  return {
    async run(endpoint, send, signal) {
      if (minIntervalMs <= 0) {
        // pacing off: no queue, but a 429's Retry-After is still honoured
        await waitForSlot(endpoint, signal);
        return send();
      }
      // one request in flight per endpoint: the budget allows no more than that anyway
      const prev = tails.get(endpoint) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      tails.set(endpoint, prev.then(() => mine));
      try {
        await raceAbort(prev, signal);
        await waitForSlot(endpoint, signal);
        try {
          return await send();
        } finally {
          push(endpoint, clock.now() + minIntervalMs);
        }
      } finally {
        release();
      }
    },
    defer(endpoint, ms) {
      push(endpoint, clock.now() + ms);
    },
  };
}
