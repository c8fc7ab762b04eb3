/** The operator API, /api/admin/v1: guarded by the admin token, protected against guessing. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { bearerToken } from '../../auth/tokens.js';
import { hashToken, sameHash } from '../../auth/secrets.js';
import {
  DeveloperCreateSchema, GatewayCreateSchema, GrantCreateSchema, MeterCreateSchema, MeterPatchSchema,
  SensorCreateSchema, SiteCreateSchema, SitePatchSchema,
} from './admin.schemas.js';
import * as uc from './admin.usecases.js';
import { qualityReport, revalidate } from './pipeline.usecases.js';

type P<T> = FastifyRequest<{ Params: T }>;
type SiteP = { site_id: string };

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('onRequest', async (req) => {
    const ipKey = `admin-ip:${req.ip}`;
    await ctx.adminLockout.check([ipKey]);
    const token = bearerToken(req.headers.authorization);
    if (!token || !sameHash(hashToken(token), ctx.adminTokenHash)) {
      await ctx.adminLockout.fail([ipKey]);
      throw new KwhubError('admin.unauthorized', 'operator API: send the admin token as "Authorization: Bearer <token>" (KWHUB_ADMIN_TOKEN, or the one printed at first start)');
    }
  });

  app.post('/sites', { schema: { body: SiteCreateSchema } }, async (req, reply) => reply.code(201).send(uc.siteView(await uc.createSite(ctx, req.body))));
  app.get('/sites', async () => (await ctx.store.listSites()).map(uc.siteView));
  app.get('/sites/:site_id', async (req: P<SiteP>) => uc.siteView(await uc.getSiteOr404(ctx, req.params.site_id)));
  app.patch('/sites/:site_id', { schema: { body: SitePatchSchema } }, async (req: P<SiteP>) => uc.siteView(await uc.patchSite(ctx, req.params.site_id, req.body)));

  app.post('/sites/:site_id/meters', { schema: { body: MeterCreateSchema } }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(uc.meterView(await uc.createMeter(ctx, req.params.site_id, req.body))));
  app.get('/sites/:site_id/meters', async (req: P<SiteP>) => {
    await uc.getSiteOr404(ctx, req.params.site_id);
    return (await ctx.store.listMeters(req.params.site_id)).map(uc.meterView);
  });
  app.get('/sites/:site_id/meters/:meter_id', async (req: P<SiteP & { meter_id: string }>) =>
    uc.meterView(await uc.getMeterOr404(ctx, req.params.site_id, req.params.meter_id)));
  app.patch('/sites/:site_id/meters/:meter_id', { schema: { body: MeterPatchSchema } }, async (req: P<SiteP & { meter_id: string }>) =>
    uc.meterView(await uc.patchMeter(ctx, req.params.site_id, req.params.meter_id, req.body)));

  app.post('/sites/:site_id/sensors', { schema: { body: SensorCreateSchema } }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(await uc.createSensor(ctx, req.params.site_id, req.body)));
  app.get('/sites/:site_id/sensors', async (req: P<SiteP>) => {
    await uc.getSiteOr404(ctx, req.params.site_id);
    return ctx.store.listSensors(req.params.site_id);
  });

  app.post('/sites/:site_id/gateways', { schema: { body: GatewayCreateSchema } }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(await uc.createGateway(ctx, req.params.site_id, req.body)));

  app.post('/developers', { schema: { body: DeveloperCreateSchema } }, async (req, reply) =>
    reply.code(201).send(uc.developerView(await uc.createDeveloper(ctx, req.body))));
  app.get('/developers', async () => (await ctx.store.listDevelopers()).map(uc.developerView));
  app.post('/developers/:username/grants', { schema: { body: GrantCreateSchema } }, async (req: P<{ username: string }>, reply) =>
    reply.code(201).send(uc.grantView(await uc.grantSite(ctx, req.params.username, req.body), req.params.username)));
  app.get('/developers/:username/grants', async (req: P<{ username: string }>) => {
    const dev = await uc.getDeveloperOr404(ctx, req.params.username);
    return (await ctx.store.listGrants(dev.id)).map((g) => uc.grantView(g, dev.username));
  });
  app.delete('/developers/:username/grants/:site_id', async (req: P<{ username: string; site_id: string }>, reply) => {
    await uc.revokeGrant(ctx, req.params.username, req.params.site_id);
    return reply.code(204).send();
  });

  // no route schema: both fields are optional and so is the body; the use case checks it
  app.post('/sites/:site_id/revalidate', async (req: P<SiteP>) => revalidate(ctx, req.params.site_id, req.body));
  app.get('/sites/:site_id/quality', async (req: P<SiteP>) => qualityReport(ctx, req.params.site_id));
}
