/** The gateway API, /api/gateway/v1: a site's gateway pushes what it read. */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { bearerToken } from '../../auth/tokens.js';
import { hashToken } from '../../auth/secrets.js';
import { ingestBatch } from '../../../ingest/ingest.js';
import type { Gateway } from '../../../store/store.js';
import { check } from '../../validate.js';

declare module 'fastify' {
  interface FastifyRequest {
    gateway?: Gateway;
  }
}

const PushBody = Type.Object({
  meters: Type.Optional(Type.Array(Type.Unknown())),
  sensors: Type.Optional(Type.Array(Type.Unknown())),
});

export async function gatewayRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('onRequest', async (req) => {
    const ipKey = `gateway-ip:${req.ip}`;
    await ctx.gatewayLockout.check([ipKey]);
    const token = bearerToken(req.headers.authorization);
    const gateway = token ? await ctx.store.findGatewayByTokenHash(hashToken(token)) : null;
    if (!gateway) {
      await ctx.gatewayLockout.fail([ipKey]);
      throw new KwhubError('gateway.unauthorized', 'gateway API: send the gateway token as "Authorization: Bearer <token>" (POST /api/admin/v1/sites/<site_id>/gateways creates one)');
    }
    req.gateway = gateway;
  });

  app.post('/readings', { bodyLimit: ctx.config.gatewayBodyLimit }, async (req) => {
    const body = check(PushBody, req.body ?? {});
    return ingestBatch(ctx, req.gateway!.site_id, body);
  });
}
