/**
 * Checking a kWhub webhook delivery on the receiving side: the signature is
 * `sha256=<hex HMAC-SHA256 of "<X-Kwhub-Timestamp>.<raw body>">` under the
 * webhook's secret. Web Crypto, so it runs in Node 20+, browsers and edge
 * runtimes alike; the comparison takes the same time wherever it differs.
 */
export interface WebhookSignatureInput {
  secret: string;
  /** the raw request body, exactly as received (not re-serialized JSON) */
  body: string;
  /** the X-Kwhub-Signature header */
  signature: string;
  /** the X-Kwhub-Timestamp header (Unix seconds) */
  timestamp: string | number;
  /** refuse deliveries signed longer ago than this (replays); default 300 s, 0 turns it off */
  toleranceSeconds?: number;
  /** default Date.now() */
  now?: number;
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

export async function verifyWebhookSignature(i: WebhookSignatureInput): Promise<boolean> {
  const ts = Number(i.timestamp);
  if (!Number.isInteger(ts) || typeof i.signature !== 'string') return false;
  const tolerance = i.toleranceSeconds ?? 300;
  if (tolerance > 0 && Math.abs((i.now ?? Date.now()) / 1000 - ts) > tolerance) return false;
  const enc = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(i.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const want = `sha256=${hex(await globalThis.crypto.subtle.sign('HMAC', key, enc.encode(`${ts}.${i.body}`)))}`;
  if (want.length !== i.signature.length) return false;
  let diff = 0;
  for (let k = 0; k < want.length; k++) diff |= want.charCodeAt(k) ^ i.signature.charCodeAt(k);
  return diff === 0;
}
