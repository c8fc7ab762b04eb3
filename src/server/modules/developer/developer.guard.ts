/** Who is calling the developer API, what they may see, and how often. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KwhubError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import type { Grant, Site } from '../../../store/store.js';
import type { AppContext } from '../../context.js';
import { bearerToken } from '../../auth/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    developerId?: string;
  }
}

/** onRequest hook of every developer endpoint but /auth: a valid token, then the endpoint's budget. */
export function developerGuard(ctx: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      throw new KwhubError('auth.required', 'missing access token: get one from POST /api/v1/auth and send it as "Authorization: Bearer <token>"');
    }
    // the signature and expiry are checked here; whether the developer may see a site is checked per
    // request against the store (grantedSite), so a revoked grant is refused at once
    const developerId = await ctx.tokens.verify(token);
    req.developerId = developerId;
    // one budget per route pattern, whatever the method and ids in the path
    await ctx.limiter.hit(`${developerId}:${req.routeOptions.url}`, reply);
  };
}

/** The site if the caller was granted it; otherwise the same 404 as a site that does not exist. */
export async function grantedSite(ctx: AppContext, req: FastifyRequest, siteId: string): Promise<{ site: Site; grant: Grant }> {
  const found = isObjectId(siteId) ? await ctx.store.getGrantedSite(req.developerId!, siteId) : null;
  if (!found) throw new KwhubError('site.not_found', `no site ${siteId} (or it is not granted to you)`);
  return found;
}
