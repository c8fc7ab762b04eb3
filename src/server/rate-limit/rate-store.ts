/**
 * Counters that limit how fast clients may call. Kept behind this small
 * interface so that several server instances can share one store (Redis)
 * while a single instance keeps them in memory.
 */
export interface RateStore {
  /**
   * Generic cell rate algorithm: one request costs `intervalMs`; at most
   * `burst` requests fit in a window of burst × intervalMs. Returns whether
   * the request is allowed and the key's theoretical arrival time afterwards.
   */
  take(key: string, now: number, intervalMs: number, burst: number): Promise<{ allowed: boolean; tat: number }>;
  /** counts one failure of `key` within a window that starts at the first failure */
  addFailure(key: string, now: number, windowMs: number): Promise<{ count: number; resetAt: number }>;
  getFailures(key: string, now: number): Promise<{ count: number; resetAt: number } | null>;
  clearFailures(key: string): Promise<void>;
  close(): Promise<void>;
}

/** In-process store: a Map swept of expired keys as it grows. */
export function createMemoryRateStore(): RateStore {
  const tats = new Map<string, number>();
  const failures = new Map<string, { count: number; resetAt: number }>();
  let ops = 0;

  function sweep(now: number): void {
    if (++ops % 10_000 !== 0) return;
    for (const [k, tat] of tats) if (tat <= now) tats.delete(k);
    for (const [k, f] of failures) if (f.resetAt <= now) failures.delete(k);
  }

  return {
    async take(key, now, intervalMs, burst) {
      sweep(now);
      const tat = Math.max(tats.get(key) ?? now, now);
      const allowAt = tat - (burst - 1) * intervalMs;
      if (allowAt > now) return { allowed: false, tat };
      const next = tat + intervalMs;
      tats.set(key, next);
      return { allowed: true, tat: next };
    },
    async addFailure(key, now, windowMs) {
      sweep(now);
      let f = failures.get(key);
      if (!f || f.resetAt <= now) {
        f = { count: 0, resetAt: now + windowMs };
        failures.set(key, f);
      }
      f.count++;
      return { ...f };
    },
    async getFailures(key, now) {
      const f = failures.get(key);
      return f && f.resetAt > now ? { ...f } : null;
    },
    async clearFailures(key) {
      failures.delete(key);
    },
    async close() {},
  };
}
