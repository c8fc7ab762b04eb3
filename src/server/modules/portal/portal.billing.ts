/**
 * A resident's own invoices in the portal: the finalized billing runs in
 * which they are a participant, and each invoice's PDF. Drafts stay the
 * operator's (they reach runs, previews and finalizing through the operator
 * API under /api/portal/v1/admin/*). Another resident's invoice is answered
 * exactly like one that does not exist (404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BillingRun } from '../../../core/billing/index.js';
import { KwhubError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import type { BillingRunRecord } from '../../../store/billing-store.js';
import type { AppContext } from '../../context.js';
import { isoOrNull } from '../admin/admin.usecases.js';
import { renderBillingDocument } from '../billing/billing.usecases.js';

function requireResident(req: FastifyRequest): string {
  const s = req.portalSession;
  if (s?.kind !== 'resident') throw new KwhubError('portal.forbidden', "this is a resident's list of invoices: an operator finds every invoice under the site's billing runs");
  return s.subject_id;
}

const invoiceOf = (rec: BillingRunRecord, residentId: string) =>
  rec.status === 'finalized' ? (rec.run as unknown as BillingRun).invoices.find((i) => i.participant_id === residentId) ?? null : null;

export async function portalBillingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/invoices', async (req) => {
    const residentId = requireResident(req);
    const out = [];
    for (const site of await ctx.store.listSites()) {
      for (const rec of await ctx.store.listBillingRuns(site.id)) {
        const inv = invoiceOf(rec, residentId);
        if (!inv) continue;
        out.push({
          run_id: rec.id, site_id: site.id, site_name: site.name, from: rec.from, to: rec.to, number: rec.numbers?.[residentId] ?? null,
          finalized_at: isoOrNull(rec.finalized_at), total_centimes: inv.total, balance_centimes: inv.balance, language: inv.language,
          pdf: `/api/portal/v1/invoices/${rec.id}/pdf`,
        });
      }
    }
    return out;
  });

  app.get('/invoices/:run_id/pdf', async (req: FastifyRequest<{ Params: { run_id: string } }>, reply) => {
    const residentId = requireResident(req);
    const rec = isObjectId(req.params.run_id) ? await ctx.store.getBillingRun(req.params.run_id) : null;
    if (!rec || !invoiceOf(rec, residentId)) throw new KwhubError('billing_run.not_found', `no invoice of yours in billing run ${req.params.run_id}`);
    const doc = await renderBillingDocument(rec, `invoice-${residentId}.pdf`);
    return reply.type(doc.type).header('content-disposition', `attachment; filename="invoice-${rec.numbers?.[residentId] ?? rec.id}.pdf"`).send(doc.body);
  });
}
