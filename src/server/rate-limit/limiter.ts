/**
 * The developer API's budget: N requests per window per developer per
 * endpoint (the route, whatever the method or ids in the path), and the
 * lockout counters that slow down password and token guessing.
 */
import type { FastifyReply } from 'fastify';
import { KwhubError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { RateStore } from './rate-store.js';

export interface RateLimiter {
  /** consumes one request of `key`'s budget, sets RateLimit-* headers, throws 429 when over */
  hit(key: string, reply: FastifyReply): Promise<void>;
}

export function createRateLimiter(opts: { store: RateStore; clock: Clock; max: number; windowMs: number }): RateLimiter {
  const { store, clock, max, windowMs } = opts;
  const interval = windowMs / Math.max(max, 1);
  return {
    async hit(key, reply) {
      if (max === 0) return;
      const now = clock.now();
      const { allowed, tat } = await store.take(`rl:${key}`, now, interval, max);
      const backlog = Math.max(0, tat - now);
      const remaining = Math.max(0, Math.floor((windowMs - backlog) / interval));
      const resetSeconds = Math.max(0, Math.ceil(backlog / 1000));
      reply.header('ratelimit-limit', String(max));
      reply.header('ratelimit-remaining', String(allowed ? remaining : 0));
      reply.header('ratelimit-reset', String(resetSeconds));
      if (!allowed) {
        const waitMs = tat - (max - 1) * interval - now;
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        throw new KwhubError('rate.limited', `rate limit of ${max} request(s) per ${windowMs} ms on this endpoint exceeded: retry after ${retryAfter} s`, {
          retryAfterSeconds: retryAfter,
        });
      }
    },
  };
}

export interface Lockout {
  /** throws 429 while any of the keys is locked out */
  check(keys: string[]): Promise<void>;
  fail(keys: string[]): Promise<void>;
  clear(key: string): Promise<void>;
}

export function createLockout(opts: { store: RateStore; clock: Clock; maxFailures: number; windowSeconds: number; what: string }): Lockout {
  const { store, clock, maxFailures, windowSeconds, what } = opts;
  return {
    async check(keys) {
      const now = clock.now();
      for (const key of keys) {
        const f = await store.getFailures(`lo:${key}`, now);
        if (f && f.count >= maxFailures) {
          const retryAfter = Math.max(1, Math.ceil((f.resetAt - now) / 1000));
          throw new KwhubError('auth.locked', `too many failed ${what}: try again in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
        }
      }
    },
    async fail(keys) {
      const now = clock.now();
      for (const key of keys) await store.addFailure(`lo:${key}`, now, windowSeconds * 1000);
    },
    async clear(key) {
      await store.clearFailures(`lo:${key}`);
    },
  };
}
