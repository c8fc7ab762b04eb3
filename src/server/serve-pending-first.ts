/**
 * Every request about a site first waits for the site's pending work: a
 * push is answered once it is durable and validated a moment later with the
 * pushes that follow it (src/pipeline/settle.ts), so without this a read
 * right after a push could miss it. With it, whatever a client reads or
 * changes on a site comes after every push acknowledged before the request,
 * on any instance (the pending work is in the database). It costs one
 * indexed look-up when nothing is pending, after the API's own guards (it
 * runs as a preHandler).
 */
import type { FastifyInstance } from 'fastify';
import { isObjectId } from '../core/ids.js';
import type { AppContext } from './context.js';

/**
 * Answers that never read validated data: the developer API's descriptions
 * of a site and its raw series (raw readings are stored at the push's 200).
 * They are the busiest small requests (meter_info is H1): no look-up there.
 */
const NOT_VALIDATED_DATA = new Set([
  '/api/v1/meter_info/:site_id', '/api/v1/installation_infos/:site_id', '/api/v1/:site_id/sensors_list',
  '/api/v1/meter_data_raw/:site_id/:meter_id', '/api/v1/:site_id/sensor_data/:sensor_id',
]);

export function servePendingFirst(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('preHandler', async (req) => {
    const siteId = (req.params as { site_id?: unknown } | undefined)?.site_id;
    if (typeof siteId !== 'string' || !isObjectId(siteId) || NOT_VALIDATED_DATA.has(req.routeOptions.url ?? '')) return;
    await ctx.pipeline.flush(siteId);
  });
}
