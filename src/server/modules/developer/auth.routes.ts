/** POST /api/v1/auth: username and password (JSON or form) for a 15-minute access token. */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { verifyPassword } from '../../auth/secrets.js';
import { check } from '../../validate.js';

const AuthBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

// verifying against a real hash even for unknown users keeps response times alike
let dummyHash: Promise<string> | null = null;

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/auth', async (req) => {
    const body = check(AuthBody, req.body ?? {});
    const keys = [`user:${body.username}`, `ip:${req.ip}`];
    await ctx.loginLockout.check(keys);
    const dev = await ctx.store.getDeveloperByUsername(body.username);
    if (!dev) {
      dummyHash ??= import('../../auth/secrets.js').then((m) => m.hashPassword('not-a-real-password'));
      await verifyPassword(await dummyHash, body.password);
    }
    if (!dev || !(await verifyPassword(dev.password_hash, body.password))) {
      await ctx.loginLockout.fail(keys);
      throw new KwhubError('auth.bad_credentials', 'wrong username or password');
    }
    await ctx.loginLockout.clear(`user:${body.username}`);
    const { token, validUntil } = await ctx.tokens.issue(dev.id);
    return { access_token: token, valid_until: { $date: validUntil } };
  });
}
