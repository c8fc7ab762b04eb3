/** Password hashing (memory-hard), token hashing, and the generated secrets kept in the store. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Store } from '../../store/store.js';

export async function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (19 MiB, t=2): OWASP's recommended floor
  return argonHash(password);
}

/**
 * False for a wrong password. A stored hash that argon2 cannot even read (a
 * corrupt or hand-edited row) is no wrong password: the login still fails,
 * and `onBrokenHash` hears why, so the operator can see it and set a new one.
 */
export async function verifyPassword(stored: string, password: string, onBrokenHash?: (err: Error) => void): Promise<boolean> {
  try {
    return await argonVerify(stored, password);
  } catch (e) {
    onBrokenHash?.(e as Error);
    return false;
  }
}

/** Tokens are high-entropy random strings, so a fast hash is enough to store them safely. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * The admin token: taken from the configuration, or generated once and
 * stored hashed. Returns the hash to check against, and the plain token when
 * it was generated now (to be printed once).
 */
export async function ensureAdminToken(store: Store, configured: string | null): Promise<{ hash: string; generated: string | null }> {
  if (configured) return { hash: hashToken(configured), generated: null };
  const existing = await store.getMeta('admin_token_hash');
  if (existing) return { hash: existing, generated: null };
  const token = newToken('kwa');
  const stored = await store.setMetaIfAbsent('admin_token_hash', hashToken(token));
  return { hash: stored, generated: stored === hashToken(token) ? token : null };
}

/** The JWT signing secret: configured, or generated once and persisted so tokens survive restarts. */
export async function ensureJwtSecret(store: Store, configured: string | null): Promise<string> {
  if (configured) return configured;
  return store.setMetaIfAbsent('jwt_secret', randomBytes(48).toString('base64url'));
}
