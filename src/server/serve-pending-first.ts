/**
 * Every request about a site first waits for the site's pending work: a
 * push is answered once it is durable and validated a moment later with the
 * pushes that follow it (src/pipeline/settle.ts), so without this a read
 * right after a push could miss it. With it, whatever a client reads or
 * changes on a site comes after every push acknowledged before the request,
 * on any instance (the pending work is in the database). It costs one
 * indexed look-up when nothing is pending; after the gateway route's auth and
 * the API's own guards, since it runs as a preHandler.
 */
import type { FastifyInstance } from 'fastify';
import { isObjectId } from '../core/ids.js';
import type { AppContext } from './context.js';

export function servePendingFirst(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('preHandler', async (req) => {
    const siteId = (req.params as { site_id?: unknown } | undefined)?.site_id;
    if (typeof siteId === 'string' && isObjectId(siteId)) await ctx.pipeline.flush(siteId);
  });
}
