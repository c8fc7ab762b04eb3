/** Everything a route or use case may depend on, built once at start and injected. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { newObjectId } from '../core/ids.js';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';
import { createPipeline, type Pipeline, type PipelineOptions } from '../pipeline/pipeline.js';
import type { TokenService } from './auth/tokens.js';
import type { Lockout, RateLimiter } from './rate-limit/limiter.js';
import type { RateStore } from './rate-limit/rate-store.js';
import type { MeterCache } from './meter-cache.js';

export interface Deps {
  store: Store;
  clock: Clock;
  /** new 24-hex object id */
  newId(): string;
  /** validation and allocation of pending raw data */
  pipeline: Pipeline;
}

export interface AppContext extends Deps {
  config: Config;
  tokens: TokenService;
  rateStore: RateStore;
  limiter: RateLimiter;
  loginLockout: Lockout;
  adminLockout: Lockout;
  gatewayLockout: Lockout;
  adminTokenHash: string;
  /** a site's meters, cached while its configuration is unchanged */
  meters: MeterCache;
}

export function createDeps(store: Store, clock: Clock, opts: PipelineOptions = {}): Deps {
  return { store, clock, newId: () => newObjectId(clock.now(), (n) => randomBytes(n)), pipeline: createPipeline(store, clock, opts) };
}
