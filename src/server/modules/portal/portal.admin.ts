/**
 * The operator's actions in the portal: /api/portal/v1/admin/* is the
 * operator API (/api/admin/v1/*) for an operator's session, with its CSRF
 * token checked on every change; same routes, same checks, same answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { INTERNAL_HEADER, internalSecret } from '../../auth/internal.js';
import { requireOperator } from './portal.session.js';

export async function portalAdminRoutes(app: FastifyInstance, ctx: AppContext, root: FastifyInstance): Promise<void> {
  const secret = internalSecret(ctx);
  app.all('/admin/*', async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    requireOperator(req);
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const res = await root.inject({
      method: req.method as 'GET',
      url: `/api/admin/v1/${req.params['*']}${query}`,
      headers: { [INTERNAL_HEADER]: secret, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(req.body !== undefined ? { payload: JSON.stringify(req.body) } : {}),
      remoteAddress: req.ip,
    });
    const type = res.headers['content-type'];
    if (type) reply.type(String(type));
    return reply.code(res.statusCode).send(res.rawPayload.length > 0 ? res.rawPayload : undefined);
  });
}
