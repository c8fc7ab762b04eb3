/**
 * A per-process secret with which the portal calls the operator API for an
 * operator logged in to it (app.inject: the request never leaves the
 * process, so the operator API stays the one implementation of the
 * operator's actions). Never sent over a socket, never stored.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const INTERNAL_HEADER = 'x-kwhub-internal';

const secrets = new WeakMap<object, string>();

export function internalSecret(owner: object): string {
  let s = secrets.get(owner);
  if (!s) secrets.set(owner, (s = randomBytes(32).toString('hex')));
  return s;
}

export function isInternalCall(owner: object, header: string | string[] | undefined): boolean {
  const s = secrets.get(owner);
  if (!s || typeof header !== 'string' || header.length !== s.length) return false;
  return timingSafeEqual(Buffer.from(header), Buffer.from(s));
}
