/** Billing on the operator API (/api/admin/v1): a site's setup, its runs, their documents, finalizing. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { AppContext } from '../../context.js';
import { ref } from '../../openapi/components.js';
import { API_ERRORS, OPTIONAL_BODY, adminSecurity, checkedByHandler, errorResponses, idParam, jsonResponse, type ErrorStatus } from '../../openapi/common.js';
import { EX } from '../../openapi/examples.js';
import { BillingFinalizeSchema, BillingRunCreateSchema, BillingRunSummary, BillingRunView, BillingSetupSchema, BillingSetupView } from './billing.schemas.js';
import * as uc from './billing.usecases.js';

type P<T> = FastifyRequest<{ Params: T }>;
type SiteP = { site_id: string };
type RunP = SiteP & { run_id: string };

const params = {
  site_id: idParam('The site', EX.site),
  run_id: idParam('The billing run', '60dc9374b09d0f23bfaa8700'),
  name: Type.String({ description: 'a document name from the run\'s `documents`: `invoice-<participant>.pdf`, `owner-statement.pdf`, `owner-statement.csv`, `invoice-lines.csv`', examples: ['owner-statement.pdf'] }),
};

function op(operationId: string, summary: string, o: { description?: string; path: (keyof typeof params)[]; body?: TSchema; ok: [200 | 201, string, unknown]; conflict?: boolean; raw?: boolean }) {
  const [status, what, answer] = o.ok;
  const errors: ErrorStatus[] = o.conflict ? [...API_ERRORS, 409] : [...API_ERRORS];
  return {
    operationId, summary, tags: ['Operator'], security: adminSecurity,
    ...(o.description ? { description: o.description } : {}),
    params: Type.Object(Object.fromEntries(o.path.map((k) => [k, params[k]]))),
    ...(o.body ? { body: o.body } : {}),
    response: { [status]: o.raw ? { description: what, content: answer } : jsonResponse(what, answer), ...errorResponses(errors.sort((a, b) => a - b)) },
  };
}

const binary = { type: 'string', format: 'binary' };

export async function billingAdminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.put('/sites/:site_id/billing', {
    schema: op('adminPutBilling', "Set a site's billing setup", { description: 'Tariffs (with validity, HT/NT windows, grid and standard-product prices, solar price, fees), VAT periods, the owner (IBAN or QR-IBAN, structured address), units with floor areas, the common-area meters and their key, and residents\' billing data. Residents and tenancies are the stored ones. Checked whole: a 400 names the field, and nothing is stored.', path: ['site_id'], body: ref(BillingSetupSchema), ok: [200, 'the setup as stored', ref(BillingSetupView)] }),
    ...checkedByHandler,
  }, async (req: P<SiteP>) => uc.setupView(await uc.putBillingSetup(ctx, req.params.site_id, req.body)));
  app.get('/sites/:site_id/billing', { schema: op('adminGetBilling', "Get a site's billing setup", { path: ['site_id'], ok: [200, 'the setup', ref(BillingSetupView)] }) }, async (req: P<SiteP>) =>
    uc.setupView(await uc.getBillingSetupOr404(ctx, req.params.site_id)));

  app.post('/sites/:site_id/billing-runs', {
    schema: op('adminCreateBillingRun', 'Compute a draft billing run', { description: 'Bills [from, to) (local dates of the site) from the validated 15-minute allocation and the stored setup, residents and tenancies. The draft is stored with its inputs and outputs. A period that overlaps a finalized run is refused (409).', path: ['site_id'], body: BillingRunCreateSchema, ok: [201, 'the draft run', ref(BillingRunView)], conflict: true }),
    ...checkedByHandler,
  }, async (req: P<SiteP>, reply) => reply.code(201).send(uc.runView(await uc.createBillingRun(ctx, req.params.site_id, (req.body ?? {}) as Record<string, unknown>))));
  app.get('/sites/:site_id/billing-runs', { schema: op('adminListBillingRuns', 'List billing runs', { path: ['site_id'], ok: [200, 'the runs, newest first', Type.Array(ref(BillingRunSummary))] }) }, async (req: P<SiteP>) =>
    (await uc.listBillingRuns(ctx, req.params.site_id)).map(uc.runSummaryView));
  app.get('/sites/:site_id/billing-runs/:run_id', { schema: op('adminGetBillingRun', 'Get a billing run', { path: ['site_id', 'run_id'], ok: [200, 'the run', ref(BillingRunView)] }) }, async (req: P<RunP>) =>
    uc.runView(await uc.getBillingRunOr404(ctx, req.params.site_id, req.params.run_id)));
  app.post('/sites/:site_id/billing-runs/:run_id/finalize', {
    schema: {
      ...op('adminFinalizeBillingRun', 'Finalize a billing run', { description: 'Numbers the invoices, freezes the run and sets the site\'s lock date to the period end (late data for the period becomes a discrepancy). Refused (409) when a cap is exceeded unless `override.reason` is given (recorded), and for a run that is finalized already. The body may be left out.', path: ['site_id', 'run_id'], body: BillingFinalizeSchema, ok: [200, 'the finalized run', ref(BillingRunView)], conflict: true }),
      [OPTIONAL_BODY]: true,
    },
    ...checkedByHandler,
  }, async (req: P<RunP>) => uc.runView(await uc.finalizeBillingRun(ctx, req.params.site_id, req.params.run_id, (req.body ?? {}) as { override?: { reason?: unknown } })));
  app.get('/sites/:site_id/billing-runs/:run_id/documents/:name', {
    schema: op('adminGetBillingDocument', 'Download a document of a billing run', { description: 'A participant\'s PDF invoice with its Swiss QR bill, the owner\'s statement (PDF or CSV) or the invoice lines (CSV), rendered from the run\'s frozen inputs and outputs. Drafts are marked as such.', path: ['site_id', 'run_id', 'name'], ok: [200, 'the document', { 'application/pdf': { schema: binary }, 'text/csv': { schema: { type: 'string' } } }], raw: true }),
  }, async (req: P<RunP & { name: string }>, reply) => {
    const rec = await uc.getBillingRunOr404(ctx, req.params.site_id, req.params.run_id);
    const doc = await uc.renderBillingDocument(rec, req.params.name);
    return reply.type(doc.type).header('content-disposition', `attachment; filename="${req.params.name}"`).send(doc.body);
  });
}
