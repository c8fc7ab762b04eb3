/** Residents, tenancies and invites on the operator API (/api/admin/v1), inside its guard. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { AppContext } from '../../context.js';
import { ref } from '../../openapi/components.js';
import { API_ERRORS, adminSecurity, emptyResponse, errorResponses, idParam, jsonResponse, type ErrorStatus } from '../../openapi/common.js';
import { EX } from '../../openapi/examples.js';
import { ResidentCreateSchema, ResidentPatchSchema, TenancyCreateSchema, TenancyPatchSchema } from './residents.schemas.js';
import { InviteCreated, ResidentView, TenancyView } from './residents.views.js';
import * as uc from './residents.usecases.js';

type P<T> = FastifyRequest<{ Params: T }>;

const params = {
  resident_id: idParam('The resident', '60dc9374b09d0f23bfaa8500'),
  tenancy_id: idParam('The tenancy', '60dc9374b09d0f23bfaa8600'),
};

function op(operationId: string, summary: string, o: { description?: string; path?: (keyof typeof params)[]; query?: TSchema; body?: TSchema; ok: [200 | 201 | 204, string, TSchema | null]; conflict?: boolean }) {
  const [status, what, answer] = o.ok;
  const errors: ErrorStatus[] = o.conflict ? [...API_ERRORS, 409] : [...API_ERRORS];
  return {
    operationId, summary, tags: ['Operator'], security: adminSecurity,
    ...(o.description ? { description: o.description } : {}),
    ...(o.path ? { params: Type.Object(Object.fromEntries(o.path.map((k) => [k, params[k]]))) } : {}),
    ...(o.query ? { querystring: o.query } : {}),
    ...(o.body ? { body: o.body } : {}),
    response: { [status]: answer === null ? emptyResponse(what) : jsonResponse(what, answer), ...errorResponses(errors.sort((a, b) => a - b)) },
  };
}

const TenancyQuery = Type.Object({
  site_id: Type.Optional(Type.String({ description: 'only the tenancies of meters of this site' })),
  resident_id: Type.Optional(Type.String({ description: 'only the tenancies of this resident' })),
}, { additionalProperties: false });

export async function residentAdminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/residents', { schema: op('adminCreateResident', 'Create a resident', { description: 'A person who lives in a unit; they log in to the portal with their e-mail once they set a password through an invite.', body: ResidentCreateSchema, ok: [201, 'the resident', ref(ResidentView)], conflict: true }) }, async (req, reply) =>
    reply.code(201).send(uc.residentView(await uc.createResident(ctx, req.body))));
  app.get('/residents', { schema: op('adminListResidents', 'List the residents', { ok: [200, 'every resident', Type.Array(ref(ResidentView))] }) }, async () => (await ctx.store.listResidents()).map(uc.residentView));
  app.get('/residents/:resident_id', { schema: op('adminGetResident', 'Get a resident', { path: ['resident_id'], ok: [200, 'the resident', ref(ResidentView)] }) }, async (req: P<{ resident_id: string }>) =>
    uc.residentView(await uc.getResidentOr404(ctx, req.params.resident_id)));
  app.patch('/residents/:resident_id', { schema: op('adminPatchResident', 'Change a resident', { path: ['resident_id'], body: ResidentPatchSchema, ok: [200, 'the resident', ref(ResidentView)], conflict: true }) }, async (req: P<{ resident_id: string }>) =>
    uc.residentView(await uc.patchResident(ctx, req.params.resident_id, req.body)));
  app.delete('/residents/:resident_id', { schema: op('adminDeleteResident', 'Remove a resident', { description: 'With their tenancies, invites and portal sessions (logged out at once).', path: ['resident_id'], ok: [204, 'removed', null] }) }, async (req: P<{ resident_id: string }>, reply) => {
    await uc.deleteResident(ctx, req.params.resident_id);
    return reply.code(204).send();
  });
  app.post('/residents/:resident_id/invite', {
    schema: op('adminInviteResident', 'Invite a resident to the portal', { description: 'A one-time link to set a password, valid `KWHUB_PORTAL_INVITE_TTL_SECONDS` (7 days by default). Inviting again leaves earlier links valid until they expire.', path: ['resident_id'], ok: [201, 'the invite', ref(InviteCreated)] }),
  }, async (req: P<{ resident_id: string }>, reply) => reply.code(201).send(await uc.inviteResident(ctx, req.params.resident_id, ctx.config.portalInviteTtlSeconds)));

  app.post('/tenancies', { schema: op('adminCreateTenancy', 'Let a meter to a resident', { description: "A tenancy of a consumer meter for [from, to) (`to` null: open-ended). `from`/`to` as a date are midnight in the site's time zone. Two tenancies of one meter never overlap (409).", body: TenancyCreateSchema, ok: [201, 'the tenancy', ref(TenancyView)], conflict: true }) }, async (req, reply) => {
    const { tenancy, siteId } = await uc.createTenancy(ctx, req.body);
    return reply.code(201).send(uc.tenancyView(tenancy, siteId));
  });
  app.get('/tenancies', { schema: op('adminListTenancies', 'List tenancies', { query: TenancyQuery, ok: [200, 'the tenancies, by meter and start', Type.Array(ref(TenancyView))] }) }, async (req: FastifyRequest<{ Querystring: { site_id?: string; resident_id?: string } }>) =>
    uc.listTenancies(ctx, req.query));
  app.get('/tenancies/:tenancy_id', { schema: op('adminGetTenancy', 'Get a tenancy', { path: ['tenancy_id'], ok: [200, 'the tenancy', ref(TenancyView)] }) }, async (req: P<{ tenancy_id: string }>) => {
    const { tenancy, siteId } = await uc.getTenancyOr404(ctx, req.params.tenancy_id);
    return uc.tenancyView(tenancy, siteId);
  });
  app.patch('/tenancies/:tenancy_id', { schema: op('adminPatchTenancy', 'Change a tenancy', { description: 'Its `from` and `to` (e.g. ending it at a move).', path: ['tenancy_id'], body: TenancyPatchSchema, ok: [200, 'the tenancy', ref(TenancyView)], conflict: true }) }, async (req: P<{ tenancy_id: string }>) => {
    const { tenancy, siteId } = await uc.patchTenancy(ctx, req.params.tenancy_id, req.body);
    return uc.tenancyView(tenancy, siteId);
  });
  app.delete('/tenancies/:tenancy_id', { schema: op('adminDeleteTenancy', 'Remove a tenancy', { path: ['tenancy_id'], ok: [204, 'removed', null] }) }, async (req: P<{ tenancy_id: string }>, reply) => {
    await uc.deleteTenancy(ctx, req.params.tenancy_id);
    return reply.code(204).send();
  });
}
