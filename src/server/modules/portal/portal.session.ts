/**
 * Portal sessions: a random id in an HttpOnly, SameSite=Strict cookie
 * (Secure when the request came over TLS), stored hashed with its CSRF token
 * and expiry, so that logout and a resident's removal end it on the server at
 * once. Every change (any method but GET/HEAD) must carry the session's CSRF
 * token in `x-csrf-token`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KwhubError } from '../../../core/errors.js';
import type { PortalSession } from '../../../store/resident-store.js';
import type { AppContext } from '../../context.js';
import { hashToken } from '../../auth/secrets.js';

export const SESSION_COOKIE = 'kwhub_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    portalSession?: PortalSession;
  }
}

export async function startSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, who: Pick<PortalSession, 'kind' | 'subject_id'>): Promise<PortalSession> {
  const id = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const session: PortalSession = {
    id_hash: hashToken(id), ...who, csrf: randomBytes(24).toString('base64url'), created_at: now, expires_at: now + ctx.config.portalSessionTtlSeconds * 1000,
  };
  await ctx.store.insertSession(session);
  reply.setCookie(SESSION_COOKIE, id, {
    path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: ctx.config.portalSessionTtlSeconds,
  });
  return session;
}

export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const id = req.cookies[SESSION_COOKIE];
  if (id) await ctx.store.deleteSession(hashToken(id));
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
}

/** the request's live session, or null (unknown, ended or expired) */
export async function currentSession(ctx: AppContext, req: FastifyRequest): Promise<PortalSession | null> {
  const id = req.cookies[SESSION_COOKIE];
  if (!id || id.length > 100) return null;
  const s = await ctx.store.getSession(hashToken(id));
  if (!s) return null;
  if (s.expires_at <= ctx.clock.now()) {
    await ctx.store.deleteSession(s.id_hash);
    return null;
  }
  return s;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** onRequest hook of every portal route that needs a login: the session, and the CSRF token on changes */
export function sessionGuard(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const s = await currentSession(ctx, req);
    if (!s) throw new KwhubError('session.required', 'not logged in (or the session ended): log in again');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameText(sent, s.csrf)) {
        throw new KwhubError('csrf.invalid', `a change needs the session's CSRF token in the ${CSRF_HEADER} header`);
      }
    }
    req.portalSession = s;
  };
}

export function requireOperator(req: FastifyRequest): void {
  if (req.portalSession?.kind !== 'operator') throw new KwhubError('portal.forbidden', 'only an operator may do this');
}
