/**
 * The access token: obtained lazily with POST /auth, kept with its expiry
 * (`valid_until.$date`, epoch ms) and replaced shortly before it, by the
 * injected clock. Concurrent callers share one login. A 429 from /auth is a
 * lockout after failed logins (minutes, not a second): it is reported, never
 * slept through.
 */
import { errorFromResponse } from './errors.js';
import { invalidResponse, parseJson, readText, send, type FetchFn, type HttpRequest } from './http.js';
import type { Clock } from './pacer.js';
import { raceAbort } from './wait.js';

/** the vendor's documented lifetime, assumed when an answer carries no readable expiry */
const DEFAULT_TTL_MS = 15 * 60 * 1000;

export interface Token {
  accessToken: string;
  /** epoch ms */
  validUntil: number;
  /** epoch ms, by the client's clock */
  obtainedAt: number;
}

export interface TokenManager {
  /** a token valid for a while yet, logging in first when needed */
  get(signal?: AbortSignal): Promise<string>;
  /** forgets `accessToken` (refused by the server) unless a newer one already replaced it */
  invalidate(accessToken: string): void;
  /** logs in now, whatever the current token */
  login(signal?: AbortSignal): Promise<Token>;
}

export function createTokenManager(opts: {
  fetch: FetchFn;
  baseUrl: string;
  username: string;
  password: string;
  clock: Clock;
  refreshBeforeMs: number;
}): TokenManager {
  let current: Token | null = null;
  let pending: Promise<Token> | null = null;

  async function doLogin(): Promise<Token> {
    const req: HttpRequest = { method: 'POST', path: '/auth', body: { username: opts.username, password: opts.password } };
    const res = await send(opts.fetch, opts.baseUrl, req);
    const text = await readText(res, req);
    if (!res.ok) throw errorFromResponse(res, text, req, opts.clock.now());
    const body = parseJson(text, res, req) as { access_token?: unknown; valid_until?: { $date?: unknown } } | null;
    if (typeof body !== 'object' || body === null || typeof body.access_token !== 'string' || body.access_token === '') {
      throw invalidResponse(res.status, req, 'no access_token');
    }
    const obtainedAt = opts.clock.now();
    return { accessToken: body.access_token, validUntil: expiryOf(body.valid_until?.$date, obtainedAt), obtainedAt };
  }

  function login(signal?: AbortSignal): Promise<Token> {
    // shared by every caller waiting meanwhile, so it is not tied to one caller's signal
    pending ??= doLogin().then(
      (t) => {
        pending = null;
        current = t;
        return t;
      },
      (e: unknown) => {
        pending = null;
        throw e;
      },
    );
    return raceAbort(pending, signal);
  }

  /** when to log in again: `refreshBeforeMs` ahead, but never earlier than halfway through a (short) lifetime */
  function refreshAt(t: Token): number {
    const lifetime = Math.max(0, t.validUntil - t.obtainedAt);
    return t.validUntil - Math.min(opts.refreshBeforeMs, lifetime / 2);
  }

  return {
    async get(signal) {
      signal?.throwIfAborted();
      if (current && opts.clock.now() < refreshAt(current)) return current.accessToken;
      return (await login(signal)).accessToken;
    },
    invalidate(accessToken) {
      if (current?.accessToken === accessToken) current = null;
    },
    login,
  };
}

/**
 * `$date` as the contract says (epoch ms); an ISO string is tolerated. When it
 * is unreadable, or already past by our clock (our clock and the server's
 * disagree by more than a lifetime), the documented 15 minutes from now are
 * assumed: otherwise every call would log in first. A token the server then
 * refuses early still gets its one re-login on the 401.
 */
function expiryOf(v: unknown, now: number): number {
  let ms = NaN;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') ms = Date.parse(v);
  return Number.isFinite(ms) && ms > now ? ms : now + DEFAULT_TTL_MS;
}
