/** The gateway API, /api/gateway/v1: a site's gateway pushes what it read. */
import type { FastifyInstance } from 'fastify';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { bearerToken } from '../../auth/tokens.js';
import { hashToken } from '../../auth/secrets.js';
import { ingestBatch } from '../../../ingest/ingest.js';
import type { Gateway } from '../../../store/store.js';
import { check } from '../../validate.js';
import { ref } from '../../openapi/components.js';
import { API_ERRORS, OPTIONAL_BODY, checkedByHandler, errorResponses, gatewaySecurity, jsonResponse } from '../../openapi/common.js';
import { PushBody, PushResult } from '../../openapi/gateway.js';

declare module 'fastify' {
  interface FastifyRequest {
    gateway?: Gateway;
  }
}

const pushSchema = {
  operationId: 'pushReadings',
  summary: 'Push readings',
  description:
    "A batch of meter and sensor readings of the gateway's site (up to 100,000 per request). A meter is named by `meter_id` or " +
    'by its `prim_ad` on the site. The answer counts what was stored and what were duplicates, and lists each rejected reading ' +
    'with its index and reason (unknown meter, wrong field for the meter, bad timestamp, non-finite value, …); one bad reading ' +
    'never loses the good ones next to it. A 200 means everything it counts as stored is durable. Validation and allocation ' +
    'of the touched intervals follow once the site\'s pushes settle (a quarter of a second after a lone push; a burst of pushes, ' +
    'such as a backfill, is run as one); any request for the site\'s validated data waits for them, so it reflects every acknowledged push.',
  tags: ['Gateway'],
  security: gatewaySecurity,
  body: ref(PushBody),
  [OPTIONAL_BODY]: true,
  response: { 200: jsonResponse('what became of the batch', ref(PushResult)), ...errorResponses(API_ERRORS) },
};

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

  app.post('/readings', { bodyLimit: ctx.config.gatewayBodyLimit, schema: pushSchema, ...checkedByHandler }, async (req) => {
    const body = check(PushBody, req.body ?? {});
    return ingestBatch(ctx, req.gateway!.site_id, body);
  });
}
