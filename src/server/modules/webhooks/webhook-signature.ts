/**
 * Webhook signatures: `X-Kwhub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`
 * with the webhook's secret, `X-Kwhub-Timestamp` in Unix seconds. Signing the
 * timestamp with the body lets a receiver refuse replays of old deliveries.
 * (The SDK has the same verify for receivers: packages/sdk/src/webhooks.ts.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verifyWebhook(secret: string, timestamp: string | number, body: string, signature: string): boolean {
  const want = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
