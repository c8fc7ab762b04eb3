/** Developer access tokens: HS256 JWTs, 15 minutes by default, verified against an injected clock. */
import { SignJWT, jwtVerify, errors } from 'jose';
import type { Clock } from '../../core/clock.js';
import { KwhubError } from '../../core/errors.js';

export interface TokenService {
  issue(developerId: string): Promise<{ token: string; validUntil: number }>;
  /** returns the developer id, or throws auth.invalid_token saying why */
  verify(token: string): Promise<string>;
}

const ISSUER = 'kwhub';

export function createTokenService(opts: { secret: string; ttlSeconds: number; clock: Clock }): TokenService {
  const key = new TextEncoder().encode(opts.secret);
  // a signature checked once stays valid: later calls with the same token only re-check expiry
  const verified = new Map<string, { sub: string; exp: number }>();
  const MAX_CACHED = 50_000;
  return {
    async issue(developerId) {
      const iat = Math.floor(opts.clock.now() / 1000);
      const exp = iat + opts.ttlSeconds;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(developerId)
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { token, validUntil: exp * 1000 };
    },
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (opts.clock.now() < hit.exp * 1000) return hit.sub;
        verified.delete(token);
        throw new KwhubError('auth.invalid_token', 'access token expired: get a new one from POST /api/v1/auth');
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          currentDate: new Date(opts.clock.now()),
          requiredClaims: ['sub', 'exp'],
        });
        if (verified.size >= MAX_CACHED) verified.delete(verified.keys().next().value as string);
        verified.set(token, { sub: payload.sub as string, exp: payload.exp as number });
        return payload.sub as string;
      } catch (e) {
        if (e instanceof errors.JWTExpired) {
          throw new KwhubError('auth.invalid_token', 'access token expired: get a new one from POST /api/v1/auth');
        }
        throw new KwhubError('auth.invalid_token', 'access token is invalid: get one from POST /api/v1/auth and send it as "Authorization: Bearer <token>"');
      }
    },
  };
}

/** The token of an "Authorization: Bearer <token>" header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}
