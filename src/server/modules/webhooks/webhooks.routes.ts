/** The operator API's webhooks: /developers/:username/webhooks (inside the admin scope: same token, same lockout). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { API_ERRORS, adminSecurity, errorResponses, jsonResponse } from '../../openapi/common.js';
import { component, ref } from '../../openapi/components.js';
import { paramError } from '../../../core/errors.js';
import * as uc from './webhooks.usecases.js';

const Iso = Type.Union([Type.String(), Type.Null()]);

const WebhookView = component('WebhookView', Type.Object({
  id: Type.String(),
  username: Type.String(),
  url: Type.String(),
  created_at: Iso,
  failures: Type.Integer({ description: 'failed attempts in a row (reset by a success)' }),
  paused_at: Iso,
  paused_reason: Type.Union([Type.String(), Type.Null()], { description: 'why the webhook was paused (too many failures in a row, and the last one)' }),
  secret: Type.Optional(Type.String({ description: 'only in the answer that created it' })),
}, { additionalProperties: false }));

const DeliveryView = component('DeliveryView', Type.Object({
  id: Type.String({ description: 'also sent as X-Kwhub-Delivery-Id: the same on every attempt' }),
  site_id: Type.String(),
  cursor: Type.String({ description: 'the change-feed cursor of the entry delivered' }),
  status: Type.Enum(['pending', 'delivered', 'failed']),
  attempts: Type.Integer(),
  next_attempt_at: Iso,
  created_at: Iso,
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_body: Type.Union([Type.String(), Type.Null()], { description: 'the first 1 KiB of the receiver\'s last answer' }),
  log: Type.Array(Type.Object({ at: Iso, status: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]), ms: Type.Number() }, { additionalProperties: false })),
}, { additionalProperties: false }));

const username = Type.String({ description: "the developer's username", examples: ['demo'] });
const webhookId = Type.String({ description: 'the webhook id', examples: ['66de72c03f4833db01916c32'] });

function op(operationId: string, summary: string, description: string, path: Record<string, unknown>, ok: [number, string, unknown], body?: unknown) {
  return {
    operationId, summary, description, tags: ['Webhooks'], security: adminSecurity,
    params: Type.Object(path as Record<string, typeof username>),
    ...(body ? { body } : {}),
    response: { [ok[0]]: jsonResponse(ok[1], ok[2]), ...errorResponses(API_ERRORS) },
  };
}

type P<T> = FastifyRequest<{ Params: T; Querystring: { limit?: string } }>;

export async function webhookRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const deps = { ...ctx, allowLoopbackHttp: ctx.config.webhookAllowLoopbackHttp };
  app.post('/developers/:username/webhooks', {
    schema: op('adminCreateWebhook', 'Register a webhook for a developer',
      'Every change-feed entry (late data, corrections, lock dates) of the sites granted to the developer is POSTed to `url` as JSON ' +
      '`{delivery_id, site_id, change}`, signed: `X-Kwhub-Signature: sha256=<hex HMAC-SHA256 of "<X-Kwhub-Timestamp>.<body>">` with the ' +
      'secret, `X-Kwhub-Timestamp` (Unix seconds), `X-Kwhub-Delivery-Id`. Any 2xx within 5 s is a success; redirects are not followed. ' +
      'Failures are retried with exponential backoff and jitter for more than 24 h; a webhook failing too often in a row is paused. ' +
      'Only https URLs (http://127.0.0.1 only when the server allows it). The secret is shown once.',
      { username }, [201, 'the webhook, with its secret', ref(WebhookView)], uc.WebhookCreateSchema),
  }, async (req: P<{ username: string }>, reply) => reply.code(201).send(await uc.createWebhook(deps, req.params.username, req.body)));

  app.get('/developers/:username/webhooks', {
    schema: op('adminListWebhooks', "List a developer's webhooks", 'With their state: failures in a row, paused and why.', { username }, [200, 'the webhooks', Type.Array(ref(WebhookView))]),
  }, async (req: P<{ username: string }>) => uc.listWebhooks(deps, req.params.username));

  app.get('/developers/:username/webhooks/:webhook_id/deliveries', {
    schema: {
      ...op('adminWebhookDeliveries', 'The delivery log of a webhook', 'Newest first: status, attempts with their HTTP status codes and errors, the next attempt, the start of the last answer.',
        { username, webhook_id: webhookId }, [200, 'the webhook and its deliveries', Type.Object({ webhook: ref(WebhookView), deliveries: Type.Array(ref(DeliveryView)) }, { additionalProperties: false })]),
      querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'deliveries at most (1–1000, default 100)' })) }),
    },
  }, async (req: P<{ username: string; webhook_id: string }>) => {
    const raw = req.query?.limit;
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw paramError('limit', 'limit must be an integer from 1 to 1000');
    return uc.deliveryLog(deps, req.params.username, req.params.webhook_id, limit);
  });

  app.post('/developers/:username/webhooks/:webhook_id/resume', {
    schema: op('adminResumeWebhook', 'Resume a paused webhook', 'Its failures are reset and the deliveries it held are sent again.', { username, webhook_id: webhookId }, [200, 'the webhook', ref(WebhookView)]),
  }, async (req: P<{ username: string; webhook_id: string }>) => uc.resumeWebhook(deps, req.params.username, req.params.webhook_id));
}
