/** The operator API's allocation audit: GET /sites/:site_id/audit?t=<instant>. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { API_ERRORS, adminSecurity, errorResponses, idParam, jsonResponse } from '../../openapi/common.js';
import { component, ref } from '../../openapi/components.js';
import { EX } from '../../openapi/examples.js';
import { auditInterval } from './audit.usecases.js';

const Num = Type.Union([Type.Number(), Type.Null()]);

const AuditMeter = Type.Object({
  id: Type.String(), name: Type.String(), type: Type.String(), mode: Type.String(), in_balance: Type.Boolean(),
  reading_kind: Type.Union([Type.String(), Type.Null()]), rule: Type.Union([Type.String(), Type.Null()]),
  quality: Type.Enum(['measured', 'estimated', 'missing']),
  im: Num, ex: Num, total: Num, self: Num, ext: Num, total_formula: Type.String(),
  raw_readings: Type.Array(Type.Object({ timestamp: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: true }), {
    description: 'the raw readings inside the interval and the nearest one on each side (what the interval was interpolated from); none for a rule meter',
  }),
}, { additionalProperties: false });

const AuditAnswer = component('AllocationAudit', Type.Object({
  site_id: Type.String(),
  interval: Type.Object({ from: Type.String(), to: Type.String(), timestamp: Type.String({ description: 'the 15T row label of site_data' }) }, { additionalProperties: false }),
  meters: Type.Array(AuditMeter),
  rules: Type.Array(Type.Object({}, { additionalProperties: true })),
  balance: Type.Object({}, { additionalProperties: true, description: 'mode (with or without an introduction meter), the meters of each role in the order they are added, the formulas, the stored values' }),
  shares: Type.Object({}, { additionalProperties: true, description: 'r = self / conso_total (capped at 1) and each consumer\'s self_i = total_i × r, ext_i = total_i − self_i' }),
}, { additionalProperties: false, description: 'Unrounded stored numbers: they recompute the site_data row of the interval exactly (rounded to 6 decimals as served).' }));

export async function auditRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/sites/:site_id/audit', {
    schema: {
      operationId: 'adminAudit',
      summary: 'Everything behind one interval of a site',
      description:
        'For the 15-minute interval containing `t`: each meter\'s validated energy (measured, estimated or missing) with the raw readings ' +
        'that produced it, the rule formulas evaluated, the site balance terms with their formulas, and each consumer\'s share with its ' +
        'formula: "why did apartment 3 get 0.41 kWh of solar at 12:15?" in one call.',
      tags: ['Operator'],
      security: adminSecurity,
      params: Type.Object({ site_id: idParam('The site', EX.site) }),
      querystring: Type.Object({ t: Type.String({ description: 'an instant (ISO-8601; tz-naive is UTC) inside the interval to audit', examples: ['2026-05-05T10:15'] }) }),
      response: { 200: jsonResponse('the audit of the interval', ref(AuditAnswer)), ...errorResponses(API_ERRORS) },
    },
  }, async (req: FastifyRequest<{ Params: { site_id: string }; Querystring: { t?: string } }>) => auditInterval(ctx, req.params.site_id, req.query?.t));
}
