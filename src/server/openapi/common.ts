/**
 * What every route schema shares: the error shape per status, response
 * headers, path ids, security schemes and the small helpers the route
 * schemas are written with.
 */
import Type, { type TSchema } from 'typebox';
import type { ErrorCode } from '../../core/errors.js';
import { statusOf } from '../errors.js';
import { component, ref } from './components.js';

export const JSON_TYPE = 'application/json';
export const CSV_TYPE = 'text/csv';

// ---------------------------------------------------------------------------
// Security schemes (components.securitySchemes) and what a route requires

export const securitySchemes = {
  developerToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Developer API: the `access_token` of `POST /api/v1/auth` (a JWT valid 15 minutes), sent as `Authorization: Bearer <token>`.',
  },
  adminToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'Operator API: the admin token (`KWHUB_ADMIN_TOKEN`, or the one the server printed at its first start), sent as `Authorization: Bearer <token>`.',
  },
  gatewayToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'Gateway API: the token `POST /api/admin/v1/sites/{site_id}/gateways` returned once, sent as `Authorization: Bearer <token>`. A gateway pushes for its own site only.',
  },
} as const;

export const developerSecurity = [{ developerToken: [] }];
export const adminSecurity = [{ adminToken: [] }];
export const gatewaySecurity = [{ gatewayToken: [] }];
export const noSecurity: never[] = [];

// ---------------------------------------------------------------------------
// Errors: {"error", "message"}, one named schema per status listing its codes

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad parameter or malformed request: `message` names the parameter and says how to fix it.',
  401: 'Missing, invalid or expired token (or wrong credentials on `/auth`).',
  404: 'Unknown, or not granted to you: a site that exists but is not granted is answered exactly like one that does not exist.',
  405: 'Wrong method for this path: the `Allow` header lists the methods it answers.',
  409: 'The id, username or prim_ad is already in use; or a billing run is finalized already, or its cap check blocks finalizing.',
  410: 'The change feed no longer holds what followed this cursor (older than its retention): resynchronise, then follow the feed again from a fresh cursor.',
  413: 'Body too large: over the body limit (1 MiB by default; only the gateway API takes large batches).',
  415: 'Unsupported Content-Type: send `application/json` (or `application/x-www-form-urlencoded` to `/auth`).',
  429: 'Rate limited, or locked out for a while after repeated failed logins or token attempts: retry after `Retry-After` seconds.',
};

const EXAMPLES: Partial<Record<number, { error: ErrorCode; message: string }>> = {
  400: { error: 'param.invalid', message: 'sampling_frequency must be one of 15T, H, D, M, Y (got "W")' },
  401: { error: 'auth.invalid_token', message: 'access token expired: get a new one from POST /api/v1/auth' },
  404: { error: 'site.not_found', message: 'no site 60dc9374b09d0f23bfaa8400 (or it is not granted to you)' },
  405: { error: 'method.not_allowed', message: 'PUT is not allowed on /api/v1/all_installations; use GET' },
  409: { error: 'id.in_use', message: 'id 60dc9374b09d0f23bfaa841c is already in use' },
  410: { error: 'changes.gone', message: 'cursor a3cxOjEy is older than the change feed keeps (90 days): read the data you keep again, then follow the feed without since' },
  413: { error: 'body.too_large', message: 'request body is too large: send smaller requests (split gateway batches)' },
  415: { error: 'media.unsupported', message: 'unsupported Content-Type: send application/json (or application/x-www-form-urlencoded to /auth)' },
  429: { error: 'rate.limited', message: 'rate limit of 1 request(s) per 1000 ms on this endpoint exceeded: retry after 1 s' },
};

export const ERROR_STATUSES = [400, 401, 404, 405, 409, 410, 413, 415, 429] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

function codesOf(status: number): ErrorCode[] {
  return (Object.keys(statusOf) as ErrorCode[]).filter((c) => statusOf[c] === status);
}

export const ErrorSchemas = Object.fromEntries(
  ERROR_STATUSES.map((status) => [
    status,
    component(
      `Error${status}`,
      Type.Object(
        {
          error: Type.Enum(codesOf(status), { description: 'short machine-readable code' }),
          message: Type.String({ minLength: 1, description: 'what was wrong and how to fix it' }),
        },
        { additionalProperties: false, description: `Every error is JSON in this one shape. ${STATUS_TEXT[status]}`, examples: [EXAMPLES[status]] },
      ),
    ),
  ]),
) as unknown as Record<ErrorStatus, TSchema>;

// ---------------------------------------------------------------------------
// Response headers

const integerHeader = (description: string, required = false) => ({ type: 'integer', minimum: 0, description, ...(required ? { required: true } : {}) });

export const rateLimitHeaders = {
  'RateLimit-Limit': integerHeader('requests allowed per window on this endpoint (1 per second by default)'),
  'RateLimit-Remaining': integerHeader('requests left in the current window'),
  'RateLimit-Reset': integerHeader('seconds until the budget is full again'),
};

const retryAfter = { 'Retry-After': integerHeader('seconds to wait before trying again', true) };
const allow = { Allow: { type: 'string', description: 'the methods this path answers, e.g. `GET, POST`', required: true } };

// ---------------------------------------------------------------------------
// Responses

export interface ResponseOptions {
  /** the developer API's RateLimit-* headers on the answer */
  rateLimited?: boolean;
}

/** a JSON answer */
export function jsonResponse(description: string, schema: unknown, opts: ResponseOptions = {}) {
  return {
    description,
    ...(opts.rateLimited ? { headers: rateLimitHeaders } : {}),
    content: { [JSON_TYPE]: { schema } },
  };
}

/** an answer with no body (204) */
export function emptyResponse(description: string) {
  return { description, type: 'null' };
}

/** the error answers of a route, by status */
export function errorResponses(statuses: readonly ErrorStatus[], opts: ResponseOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const status of statuses) {
    const headers = status === 429 ? { ...retryAfter, ...(opts.rateLimited ? rateLimitHeaders : {}) } : status === 405 ? allow : undefined;
    out[status] = {
      description: STATUS_TEXT[status],
      ...(headers ? { headers } : {}),
      content: { [JSON_TYPE]: { schema: ref(ErrorSchemas[status]) } },
    };
  }
  return out;
}

/** the errors every authenticated route may answer */
export const API_ERRORS = [400, 401, 404, 405, 413, 415, 429] as const satisfies readonly ErrorStatus[];
/** routes without a token */
export const PUBLIC_ERRORS = [400, 404, 405, 413, 415] as const satisfies readonly ErrorStatus[];

// ---------------------------------------------------------------------------
// Request pieces

/** a 24-hex object id in a path; anything else is simply not found (404), never a 400 */
export function idParam(what: string, example: string) {
  return Type.String({
    description: `${what}: a 24-hex-character object id such as \`${example}\`. An id that does not exist (or is not yours to see) is answered 404.`,
    examples: [example],
  });
}

/**
 * Route option for request schemas the handler checks itself, with the same
 * schemas, in the order and words the contract asks for (the token, then
 * 404 for what is not granted, then 400 naming the parameter; a missing or
 * empty body meaning "no parameters"). Fastify's generic validator would
 * answer first and in its own words, so it is not run on top.
 */
export const checkedByHandler = { validatorCompiler: () => () => true } as const;

/** marks an operation whose body may be left out (the generator marks every declared body required) */
export const OPTIONAL_BODY = 'x-kwhub-optional-body';
