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
  | 'sensor_data';

export interface ApiCall extends Omit<HttpRequest, 'token'> {
  endpoint: Endpoint;
}

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
  return {
    async call(call) {
      let loggedInAgain = false;
      let retries = 0;
      for (;;) {
        const { res, req, token } = await pacer.run(
          call.endpoint,
          async () => {
            // the token is taken when the slot comes, not when the call was queued: a long queue could outlive it
            const token = await tokens.get(call.signal);
            const req: HttpRequest = { ...call, token };
            return { res: await send(opts.fetch, opts.baseUrl, req), req, token };
          },
          call.signal,
        );
        const text = await readText(res, req);
        if (res.ok) return parseJson(text, res, req);
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
