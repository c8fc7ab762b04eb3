/** The operator API, /api/admin/v1: guarded by the admin token, protected against guessing. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { KwhubError } from '../../../core/errors.js';
import type { AppContext } from '../../context.js';
import { bearerToken } from '../../auth/tokens.js';
import { hashToken, sameHash } from '../../auth/secrets.js';
import { INTERNAL_HEADER, isInternalCall } from '../../auth/internal.js';
import {
  DeveloperCreateSchema, GatewayCreateSchema, GrantCreateSchema, MeterCreateSchema, MeterPatchSchema,
  RevalidateSchema, SensorCreateSchema, SiteCreateSchema, SitePatchSchema,
} from './admin.schemas.js';
import * as uc from './admin.usecases.js';
import { qualityReport, revalidate } from './pipeline.usecases.js';
import { webhookRoutes } from '../webhooks/webhooks.routes.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { ref } from '../../openapi/components.js';
import {
  API_ERRORS, OPTIONAL_BODY, adminSecurity, checkedByHandler, emptyResponse, errorResponses, idParam, jsonResponse, type ErrorStatus,
} from '../../openapi/common.js';
import { EX } from '../../openapi/examples.js';
import { DeveloperView, GatewayCreated, GrantView, MeterView, PipelineRunView, QualityReport, SensorView, SiteView } from '../../openapi/operator.js';

type P<T> = FastifyRequest<{ Params: T }>;
type SiteP = { site_id: string };

const params = {
  site_id: idParam('The site', EX.site),
  meter_id: idParam('A meter of the site', EX.apartment),
  username: Type.String({ description: "the developer's username; an unknown one is answered 404", examples: ['demo'] }),
};

/** the schema of an operator route: `ok` is [status, description, schema] (schema null: no body) */
function op(
  operationId: string,
  summary: string,
  o: { description?: string; path?: (keyof typeof params)[]; body?: TSchema; ok: [201 | 200 | 204, string, TSchema | null]; conflict?: boolean },
) {
  const [status, what, answer] = o.ok;
  const errors: ErrorStatus[] = o.conflict ? [...API_ERRORS, 409] : [...API_ERRORS];
  return {
    operationId,
    summary,
    ...(o.description ? { description: o.description } : {}),
    tags: ['Operator'],
    security: adminSecurity,
    ...(o.path ? { params: Type.Object(Object.fromEntries(o.path.map((k) => [k, params[k]]))) } : {}),
    ...(o.body ? { body: o.body } : {}),
    response: { [status]: answer === null ? emptyResponse(what) : jsonResponse(what, answer), ...errorResponses(errors.sort((a, b) => a - b)) },
  };
}

export async function adminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('onRequest', async (req) => {
    // an operator logged in to the portal (the portal checked the session and its CSRF token)
    if (isInternalCall(ctx, req.headers[INTERNAL_HEADER])) return;
    const ipKey = `admin-ip:${req.ip}`;
    await ctx.adminLockout.check([ipKey]);
    const token = bearerToken(req.headers.authorization);
    if (!token || !sameHash(hashToken(token), ctx.adminTokenHash)) {
      await ctx.adminLockout.fail([ipKey]);
      throw new KwhubError('admin.unauthorized', 'operator API: send the admin token as "Authorization: Bearer <token>" (KWHUB_ADMIN_TOKEN, or the one printed at first start)');
    }
  });

  app.post('/sites', { schema: op('adminCreateSite', 'Create a site', { description: '`id` is optional: given, it must be a 24-hex object id not yet in use (a site can be re-created with the ids it has elsewhere); omitted, one is generated.', body: SiteCreateSchema, ok: [201, 'the site', ref(SiteView)], conflict: true }) }, async (req, reply) => reply.code(201).send(uc.siteView(await uc.createSite(ctx, req.body))));
  app.get('/sites', { schema: op('adminListSites', 'List the sites', { ok: [200, 'every site', Type.Array(ref(SiteView))] }) }, async () => (await ctx.store.listSites()).map(uc.siteView));
  app.get('/sites/:site_id', { schema: op('adminGetSite', 'Get a site', { path: ['site_id'], ok: [200, 'the site', ref(SiteView)] }) }, async (req: P<SiteP>) => uc.siteView(await uc.getSiteOr404(ctx, req.params.site_id)));
  app.patch('/sites/:site_id', { schema: op('adminPatchSite', 'Change a site', { description: 'Any field of the site but `id`.', path: ['site_id'], body: SitePatchSchema, ok: [200, 'the site', ref(SiteView)] }) }, async (req: P<SiteP>) => uc.siteView(await uc.patchSite(ctx, req.params.site_id, req.body)));

  app.post('/sites/:site_id/meters', { schema: op('adminCreateMeter', 'Create a meter', { description: 'A physical meter (`reading_kind` index or interval), or a rule meter (`rule`: a sum/difference of meter ids of the same site, such as `"<id1> - <id2>"`; cycles and unknown ids are a 400). `prim_ad` is unique among the physical meters of a site.', path: ['site_id'], body: MeterCreateSchema, ok: [201, 'the meter', ref(MeterView)], conflict: true }) }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(uc.meterView(await uc.createMeter(ctx, req.params.site_id, req.body))));
  app.get('/sites/:site_id/meters', { schema: op('adminListMeters', 'List the meters of a site', { path: ['site_id'], ok: [200, 'every meter of the site', Type.Array(ref(MeterView))] }) }, async (req: P<SiteP>) => {
    await uc.getSiteOr404(ctx, req.params.site_id);
    return (await ctx.store.listMeters(req.params.site_id)).map(uc.meterView);
  });
  app.get('/sites/:site_id/meters/:meter_id', { schema: op('adminGetMeter', 'Get a meter', { path: ['site_id', 'meter_id'], ok: [200, 'the meter', ref(MeterView)] }) }, async (req: P<SiteP & { meter_id: string }>) =>
    uc.meterView(await uc.getMeterOr404(ctx, req.params.site_id, req.params.meter_id)));
  app.patch('/sites/:site_id/meters/:meter_id', { schema: op('adminPatchMeter', 'Change a meter', { description: 'Any field but `id`. A correction that changes validated history (`reversed`, `installed_at`, limits, `reading_kind`, `type`) validates the meter again; one that changes the balance (`mode`, `in_balance`, `rule`) allocates the site again.', path: ['site_id', 'meter_id'], body: MeterPatchSchema, ok: [200, 'the meter', ref(MeterView)], conflict: true }) }, async (req: P<SiteP & { meter_id: string }>) =>
    uc.meterView(await uc.patchMeter(ctx, req.params.site_id, req.params.meter_id, req.body)));

  app.post('/sites/:site_id/sensors', { schema: op('adminCreateSensor', 'Create a sensor', { path: ['site_id'], body: SensorCreateSchema, ok: [201, 'the sensor', ref(SensorView)], conflict: true }) }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(await uc.createSensor(ctx, req.params.site_id, req.body)));
  app.get('/sites/:site_id/sensors', { schema: op('adminListSensors', 'List the sensors of a site', { path: ['site_id'], ok: [200, 'every sensor of the site', Type.Array(ref(SensorView))] }) }, async (req: P<SiteP>) => {
    await uc.getSiteOr404(ctx, req.params.site_id);
    return ctx.store.listSensors(req.params.site_id);
  });

  app.post('/sites/:site_id/gateways', { schema: op('adminCreateGateway', 'Create a gateway', { description: 'A gateway of the site and its bearer token for the gateway API. The token is shown once (stored hashed).', path: ['site_id'], body: GatewayCreateSchema, ok: [201, 'the gateway and its token', ref(GatewayCreated)] }) }, async (req: P<SiteP>, reply) =>
    reply.code(201).send(await uc.createGateway(ctx, req.params.site_id, req.body)));

  app.post('/developers', { schema: op('adminCreateDeveloper', 'Create a developer', { description: 'An API user of the developer API, with the password they log in with (never shown again).', body: DeveloperCreateSchema, ok: [201, 'the developer', ref(DeveloperView)], conflict: true }) }, async (req, reply) =>
    reply.code(201).send(uc.developerView(await uc.createDeveloper(ctx, req.body))));
  app.get('/developers', { schema: op('adminListDevelopers', 'List the developers', { ok: [200, 'every developer', Type.Array(ref(DeveloperView))] }) }, async () => (await ctx.store.listDevelopers()).map(uc.developerView));
  app.post('/developers/:username/grants', { schema: op('adminGrantSite', 'Grant a site to a developer', { description: "Records the site owner's consent (`consent_ref`); `history_from` limits how far back the developer sees. Granting again replaces the grant.", path: ['username'], body: GrantCreateSchema, ok: [201, 'the grant', ref(GrantView)] }) }, async (req: P<{ username: string }>, reply) =>
    reply.code(201).send(uc.grantView(await uc.grantSite(ctx, req.params.username, req.body), req.params.username)));
  app.get('/developers/:username/grants', { schema: op('adminListGrants', "List a developer's grants", { path: ['username'], ok: [200, 'every grant of the developer', Type.Array(ref(GrantView))] }) }, async (req: P<{ username: string }>) => {
    const dev = await uc.getDeveloperOr404(ctx, req.params.username);
    return (await ctx.store.listGrants(dev.id)).map((g) => uc.grantView(g, dev.username));
  });
  app.delete('/developers/:username/grants/:site_id', { schema: op('adminRevokeGrant', 'Revoke a grant', { description: "Effective on the developer's next request.", path: ['username', 'site_id'], ok: [204, 'revoked', null] }) }, async (req: P<{ username: string; site_id: string }>, reply) => {
    await uc.revokeGrant(ctx, req.params.username, req.params.site_id);
    return reply.code(204).send();
  });

  // both fields are optional and so is the body; the use case checks it, after the site
  app.post('/sites/:site_id/revalidate', {
    schema: {
      ...op('adminRevalidate', 'Validate and allocate again', { description: 'Validates again (and allocates again) the raw data of the site in [from, to] (both optional: everything), e.g. after a correction; on a locked site only from its lock_date on (billed data before it stays as it is: clear or move the lock date to change it). The body may be left out.', path: ['site_id'], body: RevalidateSchema, ok: [200, 'what was done', ref(PipelineRunView)] }),
      [OPTIONAL_BODY]: true,
    },
    ...checkedByHandler,
  }, async (req: P<SiteP>) => revalidate(ctx, req.params.site_id, req.body));
  app.get('/sites/:site_id/quality', { schema: op('adminQuality', 'Data quality of a site', { description: 'Rejected readings, estimated spans and discrepancies (such as readings arriving for a locked period), with reasons.', path: ['site_id'], ok: [200, 'the quality report', ref(QualityReport)] }) }, async (req: P<SiteP>) => qualityReport(ctx, req.params.site_id));

  await webhookRoutes(app, ctx);
  await auditRoutes(app, ctx);
}
