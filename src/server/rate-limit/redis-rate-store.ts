/**
 * The rate and lockout counters in Redis, shared by every server instance.
 * Each operation is one Lua script, so concurrent instances never race
 * between reading and updating a counter.
 */
import { Redis } from 'ioredis';
import type { RateStore } from './rate-store.js';

const TAKE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - (burst - 1) * interval > now then return {0, tostring(tat)} end
local nxt = tat + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1000)
return {1, tostring(nxt)}`;

const FAIL = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'count', 'reset')
local count = tonumber(v[1])
local reset = tonumber(v[2])
if (not count) or reset <= now then count = 0; reset = now + window end
count = count + 1
redis.call('HSET', KEYS[1], 'count', count, 'reset', tostring(reset))
redis.call('PEXPIRE', KEYS[1], math.ceil(reset - now) + 1000)
return {count, tostring(reset)}`;

export async function createRedisRateStore(url: string, prefix = 'kwhub:'): Promise<RateStore> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${(e as Error).message}; check --redis / KWHUB_REDIS`);
  }
  redis.defineCommand('kwTake', { numberOfKeys: 1, lua: TAKE });
  redis.defineCommand('kwFail', { numberOfKeys: 1, lua: FAIL });
  const r = redis as Redis & {
    kwTake(key: string, now: number, interval: number, burst: number): Promise<[number, string]>;
    kwFail(key: string, now: number, window: number): Promise<[number, string]>;
  };
  return {
    async take(key, now, intervalMs, burst) {
      const [ok, tat] = await r.kwTake(prefix + key, now, intervalMs, burst);
      return { allowed: ok === 1, tat: Number(tat) };
    },
    async addFailure(key, now, windowMs) {
      const [count, reset] = await r.kwFail(prefix + key, now, windowMs);
      return { count, resetAt: Number(reset) };
    },
    async getFailures(key, now) {
      const [count, reset] = await redis.hmget(prefix + key, 'count', 'reset');
      if (count === null || reset === null || Number(reset) <= now) return null;
      return { count: Number(count), resetAt: Number(reset) };
    },
    async clearFailures(key) {
      await redis.del(prefix + key);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
