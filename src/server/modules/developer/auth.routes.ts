/** POST /api/v1/auth: username and password (JSON or form) for a 15-minute access token. */
import type { FastifyInstance } from 'fastify';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { hashPassword, verifyPassword } from '../../auth/secrets.js';
import { check } from '../../validate.js';
import { ref } from '../../openapi/components.js';
import { API_ERRORS, checkedByHandler, errorResponses, jsonResponse, noSecurity } from '../../openapi/common.js';
import { AuthAnswer, AuthBody } from '../../openapi/developer.js';

const authSchema = {
  operationId: 'login',
  summary: 'Get an access token',
  description:
    'Username and password (issued by the operator) for an access token: a JSON Web Token valid **15 minutes**, ' +
    '`valid_until.$date` in epoch milliseconds. Accepts `application/json` and `application/x-www-form-urlencoded`. ' +
    'Wrong credentials: 401. Repeated failures for one username or one client address are locked out for a while: ' +
    '429 with `Retry-After` *(decided)*. Not rate limited otherwise.',
  tags: ['Authentication'],
  security: noSecurity,
  consumes: ['application/json', 'application/x-www-form-urlencoded'],
  body: ref(AuthBody),
  response: { 200: jsonResponse('the access token', ref(AuthAnswer)), ...errorResponses(API_ERRORS) },
};

// verifying against a real hash even for unknown users keeps response times alike
let dummyHash: Promise<string> | null = null;

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/auth', { schema: authSchema, ...checkedByHandler }, async (req) => {
    const body = check(AuthBody, req.body ?? {});
    const keys = [`user:${body.username}`, `ip:${req.ip}`];
    await ctx.loginLockout.check(keys);
    const dev = await ctx.store.getDeveloperByUsername(body.username);
    if (!dev) {
      dummyHash ??= hashPassword('not-a-real-password');
      await verifyPassword(await dummyHash, body.password);
    }
    const brokenHash = (err: Error) => req.log.error(
      { err, developer: dev?.username },
      `the stored password hash of developer "${dev?.username}" cannot be read (${err.message}): nobody can log in as them; ` +
        'set a new password (kwhub apply with developers[].password)',
    );
    if (!dev || !(await verifyPassword(dev.password_hash, body.password, brokenHash))) {
      await ctx.loginLockout.fail(keys);
      throw new KwhubError('auth.bad_credentials', 'wrong username or password');
    }
    await ctx.loginLockout.clear(`user:${body.username}`);
    const { token, validUntil } = await ctx.tokens.issue(dev.id);
    return { access_token: token, valid_until: { $date: validUntil } };
  });
}
