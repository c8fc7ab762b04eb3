/**
 * The portal: its JSON API under /api/portal/v1 (sessions, data, the
 * operator's actions) and the page itself, static files built by `web/`
 * (vite) into dist/web, served at `/`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../../context.js';
import { portalAuthRoutes } from './portal.auth.routes.js';
import { portalRoutes } from './portal.routes.js';
import { portalAdminRoutes } from './portal.admin.js';
import { portalBillingRoutes } from './portal.billing.js';
import { sessionGuard } from './portal.session.js';

/** the built page: dist/web beside dist/server (src/server/… when run from source by tsx) */
export function webRoot(): string | null {
  for (const rel of ['../../../../dist/web', '../../../web']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/index.html`)) return dir;
  }
  return null;
}

export async function registerPortal(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(cookie);
  await app.register(async (portal) => {
    // the page's own API: not part of the documented developer/operator/gateway APIs
    portal.addHook('onRoute', (opts) => {
      opts.schema = { ...(opts.schema ?? {}), hide: true } as typeof opts.schema;
    });
    await portal.register(async (pub) => portalAuthRoutes(pub, ctx));
    await portal.register(async (priv) => {
      priv.addHook('onRequest', sessionGuard(ctx));
      await portalRoutes(priv, ctx);
      await portalBillingRoutes(priv, ctx);
      await portalAdminRoutes(priv, ctx, app);
    });
  }, { prefix: '/api/portal/v1' });

  const root = webRoot();
  if (root) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: 'index.html',
      wildcard: false,
      // hashed assets never change; the page itself is checked every time
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.header('x-content-type-options', 'nosniff');
        res.header('referrer-policy', 'no-referrer');
        res.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
      },
    });
  }
}
