/**
 * An authenticated, paced call to a developer endpoint, with the two
 * recoveries the API calls for: a 401 (token expired early, server restarted
 * with a new key, clocks apart) logs in again once and retries; a 429 waits
 * Retry-After (default 1 s) and retries, up to `maxRetries` times. Anything
 * else is thrown as the matching KwhubApiError.
 */
import type { TokenManager } from './auth.js';
import { errorFromResponse, retryAfterSeconds } from './errors.js';
import { parseJson, readText, send, type FetchFn, type HttpRequest } from './http.js';
import type { Clock, Pacer } from './pacer.js';

/** The rate-limit budgets: one per route template of the API. */
export type Endpoint =
  | 'all_installations'
  | 'installation_infos'
  | 'meter_info'
  | 'site_data'
  | 'meter_data'
  | 'meter_data_raw'
  | 'sensors_list'
  | 'sensor_data'
  | 'changes';

export interface ApiCall extends Omit<HttpRequest, 'token' | 'ifNoneMatch'> {
  endpoint: Endpoint;
  /** remember the answer with its ETag and ask with If-None-Match next time (series endpoints) */
  conditional?: boolean;
}

/** answers kept for conditional requests, by request: the text, re-read on a 304 so callers never share rows */
const CONDITIONAL_KEEP = 32;

export interface Transport {
  /** the parsed JSON of the 2xx answer */
  call(call: ApiCall): Promise<unknown>;
}

export function createTransport(opts: {
  fetch: FetchFn;
  baseUrl: string;
  tokens: TokenManager;
  pacer: Pacer;
  clock: Clock;
  maxRetries: number;
}): Transport {
  const { tokens, pacer, clock } = opts;
  const kept = new Map<string, { etag: string; text: string }>();
  return {
    async call(call) {
      let loggedInAgain = false;
      let retries = 0;
      const key = call.conditional ? JSON.stringify([call.method, call.path, call.query ?? null, call.body ?? null]) : '';
      for (;;) {
        const known = call.conditional ? kept.get(key) : undefined;
        const { res, req, token } = await pacer.run(
          call.endpoint,
          async () => {
            // the token is taken when the slot comes, not when the call was queued: a long queue could outlive it
            const token = await tokens.get(call.signal);
            const req: HttpRequest = { ...call, token, ...(known ? { ifNoneMatch: known.etag } : {}) };
            return { res: await send(opts.fetch, opts.baseUrl, req), req, token };
          },
          call.signal,
        );
        const text = await readText(res, req);
        // unchanged since the kept answer: the server built nothing, and neither do we fetch it again
        if (res.status === 304 && known) return parseJson(known.text, res, req);
        if (res.ok) {
          const etag = res.headers.get('etag');
          if (call.conditional && etag) {
            kept.delete(key);
            if (kept.size >= CONDITIONAL_KEEP) kept.delete(kept.keys().next().value as string);
            kept.set(key, { etag, text });
          }
          return parseJson(text, res, req);
        }
        if (res.status === 401 && !loggedInAgain) {
          loggedInAgain = true;
          tokens.invalidate(token);
          continue;
        }
        if (res.status === 429 && retries < opts.maxRetries) {
          retries++;
          // the wait happens in the pacer, so that every queued call of this endpoint waits too
          pacer.defer(call.endpoint, retryAfterSeconds(res.headers.get('retry-after'), clock.now()) * 1000);
          continue;
        }
        throw errorFromResponse(res, text, req, clock.now());
      }
    },
  };
}
