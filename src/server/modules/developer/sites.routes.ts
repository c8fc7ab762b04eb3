/** The developer API's site, meter and sensor listings, field for field as the vendor's. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { grantedSite } from './developer.guard.js';

type SiteP = FastifyRequest<{ Params: { site_id: string } }>;

export async function siteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/all_installations', async (req) => {
    const grants = await ctx.store.listGrants(req.developerId!);
    const sites = await Promise.all(grants.map((g) => ctx.store.getSite(g.site_id)));
    return sites.filter((s) => s !== null).map((s) => ({ site_id: s.id, site_ref: s.site_ref, name: s.name }));
  });

  app.get('/installation_infos/:site_id', async (req: SiteP) => {
    const { site } = await grantedSite(ctx, req, req.params.site_id);
    return {
      site_ref: site.site_ref,
      name: site.name,
      address: site.address,
      creation_date: site.creation_date,
      latitude: site.latitude,
      longitude: site.longitude,
      timezone: site.timezone,
    };
  });

  app.get('/meter_info/:site_id', async (req: SiteP, reply) => {
    const { site } = await grantedSite(ctx, req, req.params.site_id);
    return reply.type('application/json; charset=utf-8').send(await ctx.meters.info(site));
  });

  app.get('/:site_id/sensors_list', async (req: SiteP) => {
    const { site } = await grantedSite(ctx, req, req.params.site_id);
    const sensors = await ctx.store.listSensors(site.id);
    return sensors.map((x) => ({ id: x.id, name: x.name, type: x.type, unit: x.unit, model: x.model }));
  });
}
