/** The developer API's change feed: GET /changes/:site_id?since=<cursor> (beyond the vendor's API). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { grantedSite } from '../developer/developer.guard.js';
import { API_ERRORS, checkedByHandler, developerSecurity, errorResponses, idParam, jsonResponse } from '../../openapi/common.js';
import { component, ref } from '../../openapi/components.js';
import { EX } from '../../openapi/examples.js';
import { VendorTimestamp } from '../../openapi/developer.js';
import { MAX_LIMIT, DEFAULT_LIMIT, changesSince, parseLimit } from './changes.usecases.js';

const ObjectIdList = Type.Array(Type.String({ pattern: '^[0-9a-f]{24}$' }));

export const ChangeEntrySchema = component('ChangeEntry', Type.Object({
  cursor: Type.String({ description: 'this entry\'s position: pass it as `since` to get only what came after it' }),
  at: VendorTimestamp,
  kind: Type.Enum(['data', 'correction', 'lock'], {
    description: '`data`: late readings rewrote validated intervals; `correction`: an operator\'s meter correction (`reversed`, `installed_at`, a rule…) or revalidation; `lock`: a lock date was set (history before it is final)',
  }),
  meter_ids: ObjectIdList,
  from: VendorTimestamp,
  to: VendorTimestamp,
  reason: Type.String({ description: 'why, in words: "late data", "meter correction: reversed of <id>", "revalidation", "lock date set"' }),
}, {
  additionalProperties: false,
  description: 'One rewrite of a site\'s history: the validated intervals in [from, to) of these meters changed (and the site\'s allocation there). `at`: when.',
  examples: [{
    cursor: 'a2MxOjQy', at: '2026-05-12 09:14:03+02:00', kind: 'data', meter_ids: [EX.apartment],
    from: '2026-05-05 14:00:00+02:00', to: '2026-05-05 16:30:00+02:00', reason: 'late data',
  }],
}));

export const ChangesAnswer = component('ChangesAnswer', Type.Object({
  site_id: Type.String(),
  changes: Type.Array(ref(ChangeEntrySchema)),
  cursor: Type.String({ description: 'where to resume: pass it as `since` next time (also when there were no entries)' }),
  has_more: Type.Boolean({ description: 'true when `limit` cut the list: ask again with `since` = `cursor` at once' }),
  live_until: Type.Union([VendorTimestamp, Type.Null()], {
    description: 'the end of the site\'s last validated interval: new intervals appended at the live edge are not changes, they show here',
  }),
}, { additionalProperties: false }));

export async function changesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/changes/:site_id', {
    schema: {
      operationId: 'listChanges',
      summary: 'What changed in a site\'s history',
      description:
        '*(beyond the vendor\'s API)* The rewrites of the site\'s validated history after the cursor `since`, oldest first: late data, ' +
        'meter corrections, revalidations and lock dates, each with the range of intervals it changed. Appending new intervals at the ' +
        'live edge is not a change: `live_until` says where the edge is. Cursors are opaque, only move forward and are the same on ' +
        'every server instance. Entries are kept at least 90 days (configurable); a cursor older than that gets `410 Gone`: ' +
        'resynchronise, then follow again without `since`. Only granted sites, within the grant\'s history limit. Rate-limited like ' +
        'every endpoint (1 request per second by default). Operators can also push the entries to a webhook.',
      tags: ['Changes'],
      security: developerSecurity,
      params: Type.Object({ site_id: idParam('The site', EX.site) }),
      querystring: Type.Object({
        since: Type.Optional(Type.String({ description: 'a cursor this feed returned; omitted: from the oldest entry kept' })),
        limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `entries at most (1–${MAX_LIMIT}, default ${DEFAULT_LIMIT})` })),
      }),
      response: {
        200: jsonResponse('The entries after the cursor, and where to resume.', ref(ChangesAnswer), { rateLimited: true }),
        ...errorResponses([...API_ERRORS, 410], { rateLimited: true }),
      },
    },
    ...checkedByHandler,
  }, async (req: FastifyRequest<{ Params: { site_id: string }; Querystring: { since?: string; limit?: string } }>) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const q = (req.query ?? {}) as { since?: unknown; limit?: unknown };
    return changesSince(ctx.store, site, grant, q.since, parseLimit(q.limit), ctx.config.changeRetentionDays);
  });
}
