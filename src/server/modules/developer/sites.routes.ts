/** The developer API's site, meter and sensor listings, field for field as the vendor's. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { AppContext } from '../../context.js';
import { ref } from '../../openapi/components.js';
import { API_ERRORS, checkedByHandler, developerSecurity, errorResponses, idParam, jsonResponse } from '../../openapi/common.js';
import { Installation, InstallationInfo, MeterInfo, SensorInfo } from '../../openapi/developer.js';
import { EX, meterInfoExample } from '../../openapi/examples.js';
import { grantedSite } from './developer.guard.js';

type SiteP = FastifyRequest<{ Params: { site_id: string } }>;

const siteParams = Type.Object({ site_id: idParam('The site', EX.site) });

function schema(operationId: string, summary: string, description: string, ok: TSchema, withSite = true) {
  return {
    operationId,
    summary,
    description,
    tags: ['Sites'],
    security: developerSecurity,
    ...(withSite ? { params: siteParams } : {}),
    response: { 200: jsonResponse(summary, ok, { rateLimited: true }), ...errorResponses(API_ERRORS, { rateLimited: true }) },
  };
}

export async function siteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/all_installations', {
    schema: schema(
      'listInstallations',
      'The sites granted to you',
      'Every site the operator granted to you, as a list of objects with at least `site_id` (the id every other path takes), `site_ref` and `name` *(decided: the vendor names no fields)*.',
      Type.Array(ref(Installation)),
      false,
    ),
  }, async (req) => {
    const grants = await ctx.store.listGrants(req.developerId!);
    const sites = await Promise.all(grants.map((g) => ctx.store.getSite(g.site_id)));
    return sites.filter((s) => s !== null).map((s) => ({ site_id: s.id, site_ref: s.site_ref, name: s.name }));
  });

  app.get('/installation_infos/:site_id', {
    schema: schema('getInstallationInfo', 'A site', 'The site\'s reference, name, address, creation date, position and time zone (the time zone of every timestamp of its series).', ref(InstallationInfo)),
    ...checkedByHandler,
  }, async (req: SiteP) => {
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

  app.get('/meter_info/:site_id', {
    schema: schema(
      'listMeters',
      'The meters of a site',
      'Every meter of the site: electricity, heat, cold, water and charge points, producers, consumers, the grid connection point (`introduction`) and batteries, and rule meters (computed from other meters; no raw data).',
      Type.Array(ref(MeterInfo), { examples: [meterInfoExample] }),
    ),
    ...checkedByHandler,
  }, async (req: SiteP, reply) => {
    const { site } = await grantedSite(ctx, req, req.params.site_id);
    return reply.type('application/json; charset=utf-8').send(await ctx.meters.info(site));
  });

  app.get('/:site_id/sensors_list', {
    schema: schema('listSensors', 'The sensors of a site', 'Every sensor of the site, e.g. type `temperature`, unit `°C`, model `PT1000`.', Type.Array(ref(SensorInfo))),
    ...checkedByHandler,
  }, async (req: SiteP) => {
    const { site } = await grantedSite(ctx, req, req.params.site_id);
    const sensors = await ctx.store.listSensors(site.id);
    return sensors.map((x) => ({ id: x.id, name: x.name, type: x.type, unit: x.unit, model: x.model }));
  });
}
