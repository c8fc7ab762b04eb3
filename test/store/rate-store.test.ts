/**
 * One contract for the rate-limit counters, run on the in-memory store and,
 * when KWHUB_TEST_REDIS_URL is set, on Redis (what several instances share).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryRateStore, type RateStore } from '../../src/server/rate-limit/rate-store.js';
import { createRedisRateStore } from '../../src/server/rate-limit/redis-rate-store.js';

const redisUrl = process.env.KWHUB_TEST_REDIS_URL;
const engines: [string, (() => Promise<RateStore>) | null][] = [
  ['memory', async () => createMemoryRateStore()],
  ['redis', redisUrl ? () => createRedisRateStore(redisUrl, `kwtest:${process.pid}:${Math.random().toString(36).slice(2)}:`) : null],
];

for (const [name, open] of engines) {
  describe.skipIf(open === null)(`RateStore contract: ${name}`, () => {
    let store: RateStore;
    const T = 1_700_000_000_000;
    beforeEach(async () => {
      store = await open!();
    });
    afterEach(async () => {
      await store.close();
    });

    it('should allow one request per interval and refuse the second within it', async () => {
      expect((await store.take('a', T, 1000, 1)).allowed).toBe(true);
      const second = await store.take('a', T + 400, 1000, 1);
      expect(second.allowed).toBe(false);
      expect(second.tat).toBe(T + 1000);
      expect((await store.take('a', T + 1000, 1000, 1)).allowed).toBe(true);
    });

    it('should keep separate budgets per key', async () => {
      expect((await store.take('a', T, 1000, 1)).allowed).toBe(true);
      expect((await store.take('b', T, 1000, 1)).allowed).toBe(true);
      expect((await store.take('a', T + 1, 1000, 1)).allowed).toBe(false);
    });

    it('should allow a burst of N within the window, then one per interval', async () => {
      for (let i = 0; i < 3; i++) expect((await store.take('c', T, 100, 3)).allowed).toBe(true);
      expect((await store.take('c', T, 100, 3)).allowed).toBe(false);
      expect((await store.take('c', T + 100, 100, 3)).allowed).toBe(true);
      expect((await store.take('c', T + 100, 100, 3)).allowed).toBe(false);
    });

    it('should count failures within a window and forget them after it or when cleared', async () => {
      expect(await store.getFailures('f', T)).toBeNull();
      expect(await store.addFailure('f', T, 60_000)).toEqual({ count: 1, resetAt: T + 60_000 });
      expect(await store.addFailure('f', T + 10, 60_000)).toEqual({ count: 2, resetAt: T + 60_000 });
      expect(await store.getFailures('f', T + 20)).toEqual({ count: 2, resetAt: T + 60_000 });
      expect(await store.getFailures('f', T + 60_000)).toBeNull();
      expect(await store.addFailure('f', T + 60_001, 60_000)).toEqual({ count: 1, resetAt: T + 120_001 });
      await store.clearFailures('f');
      expect(await store.getFailures('f', T + 60_002)).toBeNull();
    });
  });
}
