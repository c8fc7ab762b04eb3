/**
 * The single place where semantic error codes become HTTP statuses, and the
 * one handler that writes every error as {"error", "message"}.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KwhubError, type ErrorCode } from '../core/errors.js';

export const statusOf: Record<ErrorCode, number> = {
  'request.invalid': 400,
  'param.invalid': 400,
  'rule.invalid': 400,
  'meter.no_raw_data': 400,
  'auth.required': 401,
  'auth.invalid_token': 401,
  'auth.bad_credentials': 401,
  'admin.unauthorized': 401,
  'gateway.unauthorized': 401,
  'gateway.forbidden': 403,
  'route.not_found': 404,
  'site.not_found': 404,
  'meter.not_found': 404,
  'sensor.not_found': 404,
  'developer.not_found': 404,
  'grant.not_found': 404,
  'webhook.not_found': 404,
  'webhook.url_refused': 400,
  'changes.gone': 410,
  'method.not_allowed': 405,
  'resident.not_found': 404,
  'tenancy.not_found': 404,
  'tenancy.overlap': 409,
  'email.in_use': 409,
  'invite.invalid': 400,
  'session.required': 401,
  'csrf.invalid': 403,
  'portal.forbidden': 403,
  'billing_setup.not_found': 404,
  'billing_run.not_found': 404,
  'billing_run.finalized': 409,
  'billing_run.cap_exceeded': 409,
  'id.in_use': 409,
  'username.in_use': 409,
  'prim_ad.in_use': 409,
  'body.too_large': 413,
  'media.unsupported': 415,
  'auth.locked': 429,
  'rate.limited': 429,
  internal: 500,
};

/** Fastify's own errors (body parsing, schema validation) translated to ours. */
function fromFastify(err: FastifyError): KwhubError {
  if (err.validation && err.validation.length > 0) {
    const v = err.validation[0] as { instancePath?: string; params?: Record<string, unknown>; message?: string };
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const missing = v.params && typeof v.params.missingProperty === 'string' ? v.params.missingProperty : undefined;
    const where = path || (err.validationContext ?? 'body');
    // strict bodies: an unknown field is named, with where it is
    const unknown = v.params && typeof v.params.additionalProperty === 'string' ? v.params.additionalProperty : undefined;
    if (unknown !== undefined) return new KwhubError('param.invalid', `${where} has an unknown field "${unknown}"`, { param: [path, unknown].filter(Boolean).join('.') });
    const param = [path, missing].filter(Boolean).join('.') || where;
    return new KwhubError('param.invalid', `${param} ${v.message ?? 'is invalid'}`, { param });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KwhubError('body.too_large', 'request body is too large: send smaller requests (split gateway batches)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KwhubError('media.unsupported', 'unsupported Content-Type: send application/json (or application/x-www-form-urlencoded to /auth)');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KwhubError('request.invalid', 'Content-Length does not match the body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KwhubError('request.invalid', `body is not valid JSON: ${err.message}`);
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new KwhubError('request.invalid', `body is not valid JSON: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return new KwhubError('body.too_large', err.message);
  if (status === 415) return new KwhubError('media.unsupported', err.message);
  if (status >= 400 && status < 500) return new KwhubError('request.invalid', err.message);
  return new KwhubError('internal', 'internal error: this is a bug in kWhub, please report it', { cause: err });
}

export function sendError(reply: FastifyReply, e: KwhubError): FastifyReply {
  const status = statusOf[e.code];
  if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  return reply.code(status).type('application/json; charset=utf-8').send({ error: e.code, message: e.message });
}

export interface RouteTable {
  /** the methods the server serves on this concrete path (empty: unknown path) */
  methodsFor(path: string): Set<string>;
}

export function installErrorHandling(app: FastifyInstance, routes: RouteTable): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = err instanceof KwhubError ? err : fromFastify(err);
    if (statusOf[e.code] >= 500) req.log.error({ err }, 'request failed');
    return sendError(reply, e);
  });

  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const allowed = [...routes.methodsFor(path)].sort();
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, new KwhubError('method.not_allowed', `${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`));
    }
    return sendError(reply, new KwhubError('route.not_found', `no such endpoint: ${req.method} ${path}`));
  });
}

/** Remembers every route's pattern so that a known path with a wrong method answers 405, not 404. */
export function collectRoutes(app: FastifyInstance): RouteTable {
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  const byUrl = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (opts) => {
    if (opts.url.includes('*')) return;
    let r = byUrl.get(opts.url);
    if (!r) {
      const src = opts.url
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      r = { pattern: new RegExp(`^${src}/?$`), methods: new Set() };
      byUrl.set(opts.url, r);
      routes.push(r);
    }
    for (const m of Array.isArray(opts.method) ? opts.method : [opts.method]) if (m !== 'HEAD') r.methods.add(m);
  });
  return {
    methodsFor(path) {
      const out = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
      return out;
    },
  };
}
