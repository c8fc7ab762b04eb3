/**
 * Every failure of a call is a KwhubApiError: the server's own
 * `{"error", "message"}` for HTTP errors, and the same shape for what has no
 * HTTP answer (network failures, unreadable answers), so callers need one
 * `catch` and can branch on `kind` or on the subclass.
 */

/** What went wrong, one value per subclass (`http` covers the statuses without one: 405, 413, 415, 5xx…). */
export type KwhubErrorKind = 'bad_request' | 'unauthorized' | 'not_found' | 'rate_limited' | 'http' | 'network' | 'invalid_response';

export interface KwhubApiErrorInit {
  /** HTTP status; 0 when no answer was received */
  status: number;
  /** the server's short code (`site.not_found`, `param.invalid`…); the SDK's own: `network.error`, `response.invalid` */
  error: string;
  /** the server's message (what was wrong and how to fix it) */
  message: string;
  method: string;
  /** the request path below the base URL, e.g. `/meter_info/61dfcb4beba4e3563fdf3d9f` */
  path: string;
  cause?: unknown;
}

export class KwhubApiError extends Error {
  readonly kind: KwhubErrorKind = 'http';
  readonly status: number;
  readonly error: string;
  readonly method: string;
  readonly path: string;

  constructor(init: KwhubApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KwhubApiError';
    this.status = init.status;
    this.error = init.error;
    this.method = init.method;
    this.path = init.path;
  }
}

/** 400: a bad parameter; the message names it (e.g. `sampling_frequency must be one of…`) */
export class KwhubBadRequestError extends KwhubApiError {
  override readonly kind = 'bad_request' as const;
  constructor(init: KwhubApiErrorInit) {
    super(init);
    this.name = 'KwhubBadRequestError';
  }
}

/** 401: wrong credentials at login, or a token refused even after logging in again */
export class KwhubUnauthorizedError extends KwhubApiError {
  override readonly kind = 'unauthorized' as const;
  constructor(init: KwhubApiErrorInit) {
    super(init);
    this.name = 'KwhubUnauthorizedError';
  }
}

/** 404: unknown site, meter or sensor — or a site not granted to you, which the API does not tell apart */
export class KwhubNotFoundError extends KwhubApiError {
  override readonly kind = 'not_found' as const;
  constructor(init: KwhubApiErrorInit) {
    super(init);
    this.name = 'KwhubNotFoundError';
  }
}

/** 429: still rate limited after `maxRetries` retries, or a login lockout (never waited out silently) */
export class KwhubRateLimitError extends KwhubApiError {
  override readonly kind = 'rate_limited' as const;
  /** the server's Retry-After, in seconds */
  readonly retryAfterSeconds: number;
  constructor(init: KwhubApiErrorInit & { retryAfterSeconds: number }) {
    super(init);
    this.name = 'KwhubRateLimitError';
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** No HTTP answer: connection refused or reset, DNS, TLS… (`cause` holds fetch's own error) */
export class KwhubNetworkError extends KwhubApiError {
  override readonly kind = 'network' as const;
  constructor(init: Omit<KwhubApiErrorInit, 'status' | 'error'>) {
    super({ ...init, status: 0, error: 'network.error' });
    this.name = 'KwhubNetworkError';
  }
}

/** A 2xx answer the SDK cannot read (not JSON, not the documented shape, a timestamp it cannot parse) */
export class KwhubResponseError extends KwhubApiError {
  override readonly kind = 'invalid_response' as const;
  constructor(init: Omit<KwhubApiErrorInit, 'error'>) {
    super({ ...init, error: 'response.invalid' });
    this.name = 'KwhubResponseError';
  }
}

/** Retry-After in seconds (delta-seconds or an HTTP date); `fallback` when absent or unreadable */
export function retryAfterSeconds(header: string | null, nowMs: number, fallback = 1): number {
  if (header === null || header.trim() === '') return fallback;
  const v = header.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, (at - nowMs) / 1000) : fallback;
}

/** The error for a non-2xx answer whose body text was read. */
export function errorFromResponse(res: Response, text: string, req: { method: string; path: string }, nowMs: number): KwhubApiError {
  let error = `http.${res.status}`;
  let message = text.trim() !== '' ? text.trim().slice(0, 500) : `HTTP ${res.status} ${res.statusText}`.trim();
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null) {
      const b = body as Record<string, unknown>;
      if (typeof b.error === 'string') error = b.error;
      if (typeof b.message === 'string') message = b.message;
    }
  } catch {
    // not JSON (a proxy's HTML page…): keep the text as the message
  }
  const init: KwhubApiErrorInit = { status: res.status, error, message, method: req.method, path: req.path };
  switch (res.status) {
    case 400:
      return new KwhubBadRequestError(init);
    case 401:
      return new KwhubUnauthorizedError(init);
    case 404:
      return new KwhubNotFoundError(init);
    case 429:
      return new KwhubRateLimitError({ ...init, retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after'), nowMs) });
    default:
      return new KwhubApiError(init);
  }
}
