/**
 * Logging in and out of the portal, and the invite links: an operator with
 * the operator token or an operator account, a resident with their e-mail
 * and the password they set through an invite. Failures count towards the
 * same lockouts as the developer API's logins and the operator API's token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { hashPassword, hashToken, sameHash, verifyPassword } from '../../auth/secrets.js';
import { check } from '../../validate.js';
import { acceptInvite, inviteInfo } from '../residents/residents.usecases.js';
import { currentSession, endSession, startSession } from './portal.session.js';
import { whoAmI } from './portal.scope.js';

const LoginBody = Type.Union([
  Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
  Type.Object({ username: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
]);
const InviteBody = Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });

let dummyHash: Promise<string> | null = null;

export async function portalAuthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/login', async (req, reply) => {
    const body = check(LoginBody, req.body ?? {});
    if ('token' in body) {
      const ipKey = `admin-ip:${req.ip}`;
      await ctx.adminLockout.check([ipKey]);
      if (!sameHash(hashToken(body.token), ctx.adminTokenHash)) {
        await ctx.adminLockout.fail([ipKey]);
        throw new KwhubError('auth.bad_credentials', 'wrong operator token');
      }
      return whoAmI(ctx, await startSession(ctx, req, reply, { kind: 'operator', subject_id: 'token' }));
    }
    const username = body.username.trim();
    const keys = [`user:${username.toLowerCase()}`, `ip:${req.ip}`];
    await ctx.loginLockout.check(keys);
    const resident = await ctx.store.getResidentByEmail(username.toLowerCase());
    const operator = resident ? null : await ctx.store.getOperatorAccount(username);
    const hash = resident?.password_hash ?? operator?.password_hash ?? null;
    if (hash === null) {
      // the same work for an unknown login as for a known one
      dummyHash ??= hashPassword('not-a-real-password');
      await verifyPassword(await dummyHash, body.password);
    }
    if (hash === null || !(await verifyPassword(hash, body.password))) {
      await ctx.loginLockout.fail(keys);
      throw new KwhubError('auth.bad_credentials', 'wrong e-mail/username or password');
    }
    await ctx.loginLockout.clear(keys[0]);
    return whoAmI(ctx, await startSession(ctx, req, reply, resident ? { kind: 'resident', subject_id: resident.id } : { kind: 'operator', subject_id: operator!.id }));
  });

  app.post('/logout', async (req, reply) => {
    await endSession(ctx, req, reply);
    return reply.code(204).send();
  });

  /** who is logged in, with the CSRF token for changes; 204 when nobody (the page asks before it knows: not an error) */
  app.get('/session', async (req, reply) => {
    const s = await currentSession(ctx, req);
    if (!s) return reply.code(204).send();
    return whoAmI(ctx, s);
  });

  /** whom a link invites, while it is valid; `valid: false` otherwise (using it is what is refused) */
  app.get('/invites/:token', async (req: FastifyRequest<{ Params: { token: string } }>) => {
    try {
      const r = await inviteInfo(ctx, req.params.token);
      return { valid: true, name: r.name, email: r.email, language: r.language };
    } catch (e) {
      if (e instanceof KwhubError && e.code === 'invite.invalid') return { valid: false, message: e.message };
      throw e;
    }
  });

  app.post('/invites/:token', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const body = check(InviteBody, req.body ?? {});
    const r = await acceptInvite(ctx, req.params.token, body.password);
    return whoAmI(ctx, await startSession(ctx, req, reply, { kind: 'resident', subject_id: r.id }));
  });
}
