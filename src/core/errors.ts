/**
 * The one error type of kWhub. Pure code throws it with a semantic code; only
 * the HTTP layer (server/errors.ts) turns a code into a status.
 */
export type ErrorCode =
  | 'request.invalid'
  | 'param.invalid'
  | 'auth.required'
  | 'auth.invalid_token'
  | 'auth.bad_credentials'
  | 'auth.locked'
  | 'admin.unauthorized'
  | 'gateway.unauthorized'
  | 'gateway.forbidden'
  | 'rate.limited'
  | 'route.not_found'
  | 'method.not_allowed'
  | 'body.too_large'
  | 'media.unsupported'
  | 'site.not_found'
  | 'meter.not_found'
  | 'sensor.not_found'
  | 'developer.not_found'
  | 'grant.not_found'
  | 'id.in_use'
  | 'username.in_use'
  | 'prim_ad.in_use'
  | 'rule.invalid'
  | 'meter.no_raw_data'
  | 'resident.not_found'
  | 'tenancy.not_found'
  | 'tenancy.overlap'
  | 'email.in_use'
  | 'invite.invalid'
  | 'session.required'
  | 'csrf.invalid'
  | 'portal.forbidden'
  | 'changes.gone'
  | 'webhook.not_found'
  | 'webhook.url_refused'
  | 'billing_setup.not_found'
  | 'billing_run.not_found'
  | 'billing_run.finalized'
  | 'billing_run.cap_exceeded'
  | 'internal';

export class KwhubError extends Error {
  readonly code: ErrorCode;
  /** the request parameter at fault, when there is one */
  readonly param?: string;
  /** seconds the client should wait (rate limits, lockouts) */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, opts: { param?: string; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KwhubError';
    this.code = code;
    this.param = opts.param;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function paramError(param: string, message: string): KwhubError {
  return new KwhubError('param.invalid', message, { param });
}

export function isKwhubError(e: unknown): e is KwhubError {
  return e instanceof KwhubError;
}
