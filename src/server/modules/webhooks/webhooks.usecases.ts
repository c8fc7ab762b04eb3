/**
 * What an operator does with webhooks: register one for a developer (a URL
 * and a secret), list them, read a webhook's delivery log, resume a paused
 * one. Every change-feed entry of the developer's granted sites is then
 * delivered by the sender (webhook-sender.ts).
 */
import { randomBytes } from 'node:crypto';
import Type from 'typebox';
import { KwhubError, paramError } from '../../../core/errors.js';
import type { Delivery, Webhook } from '../../../store/store.js';
import type { Deps } from '../../context.js';
import { check } from '../../validate.js';
import { getDeveloperOr404, isoOrNull } from '../admin/admin.usecases.js';
import { encodeCursor } from '../changes/changes.usecases.js';

export const WebhookCreateSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'https URL the entries are POSTed to (http://127.0.0.1 only when the server allows it, for tests)' }),
  secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'the HMAC key of the signatures; omitted: one is generated and shown once' })),
}, { additionalProperties: false, examples: [{ url: 'https://integrator.example/kwhub-hook', secret: 'a-long-random-secret-of-yours' }] });

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** only https; plain http to the loopback address when the server allows it (tests, local receivers) */
export function checkWebhookUrl(raw: string, allowLoopbackHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw paramError('url', `url must be an absolute https URL (got ${JSON.stringify(raw.slice(0, 80))})`);
  }
  if (url.username !== '' || url.password !== '') throw new KwhubError('webhook.url_refused', 'url must not carry credentials: authenticate deliveries with the signature', { param: 'url' });
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowLoopbackHttp && LOOPBACK.has(url.hostname)) return url;
  throw new KwhubError(
    'webhook.url_refused',
    url.protocol === 'http:' && LOOPBACK.has(url.hostname)
      ? 'plain http is refused: only https URLs, unless the server sets KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP=true (for tests on 127.0.0.1)'
      : 'url must be an https URL',
    { param: 'url' },
  );
}

export function webhookView(w: Webhook, username: string) {
  return {
    id: w.id, username, url: w.url, created_at: isoOrNull(w.created_at), failures: w.failures,
    paused_at: isoOrNull(w.paused_at), paused_reason: w.paused_reason,
  };
}

export function deliveryView(d: Delivery) {
  return {
    id: String(d.id), site_id: d.site_id, cursor: encodeCursor(d.change_seq), status: d.status, attempts: d.attempts,
    next_attempt_at: isoOrNull(d.next_attempt_at), created_at: isoOrNull(d.created_at), last_status: d.last_status,
    last_error: d.last_error, last_body: d.last_body,
    log: d.log.map((a) => ({ at: isoOrNull(a.at), status: a.status, error: a.error, ms: a.ms })),
  };
}

export async function createWebhook(deps: Deps & { allowLoopbackHttp: boolean }, username: string, input: unknown) {
  const dev = await getDeveloperOr404(deps, username);
  const body = check(WebhookCreateSchema, input);
  const url = checkWebhookUrl(body.url, deps.allowLoopbackHttp);
  const secret = body.secret ?? randomBytes(32).toString('base64url');
  // a webhook is told of changes to the data served when it was made: pushes acknowledged before are run first
  for (const g of await deps.store.listGrants(dev.id)) await deps.pipeline.flush(g.site_id);
  const w: Webhook = {
    id: deps.newId(), developer_id: dev.id, url: url.toString(), secret, created_at: deps.clock.now(), failures: 0, paused_at: null, paused_reason: null,
  };
  await deps.store.insertWebhook(w);
  // the secret is shown once, like a gateway token
  return { ...webhookView(w, dev.username), secret };
}

export async function webhookOf(deps: Deps, username: string, id: string): Promise<{ webhook: Webhook; username: string }> {
  const dev = await getDeveloperOr404(deps, username);
  const w = /^[0-9a-f]{24}$/.test(id) ? await deps.store.getWebhook(id) : null;
  if (!w || w.developer_id !== dev.id) throw new KwhubError('webhook.not_found', `developer ${username} has no webhook ${id}`);
  return { webhook: w, username: dev.username };
}

export async function listWebhooks(deps: Deps, username: string) {
  const dev = await getDeveloperOr404(deps, username);
  return (await deps.store.listWebhooks(dev.id)).map((w) => webhookView(w, dev.username));
}

export async function deliveryLog(deps: Deps, username: string, id: string, limit: number) {
  const { webhook, username: name } = await webhookOf(deps, username, id);
  return { webhook: webhookView(webhook, name), deliveries: (await deps.store.listDeliveries(webhook.id, limit)).map(deliveryView) };
}

export async function resumeWebhook(deps: Deps, username: string, id: string) {
  const { webhook, username: name } = await webhookOf(deps, username, id);
  await deps.store.setWebhookPaused(webhook.id, null);
  return webhookView((await deps.store.getWebhook(webhook.id))!, name);
}
