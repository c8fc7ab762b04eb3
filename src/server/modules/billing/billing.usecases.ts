/**
 * What an operator does with billing: state a site's setup, compute draft
 * runs, read their documents and finalize one. A draft keeps its inputs
 * (without the 15-minute columns) and its outputs, so its documents are the
 * same whenever they are asked for; finalizing numbers the invoices and moves
 * the site's lock date to the period end in one store transaction, after
 * which late data for the period becomes a discrepancy instead of a change.
 * Shared by the operator API, `kwhub bill`, `kwhub apply` and the portal.
 */
import { billingInputForSite, inputSummary } from '../../../billing/from-store.js';
import { checkAddress, invoiceLinesCsv, ownerStatementCsv, renderOwnerStatementPdf, renderRunDocuments } from '../../../billing/index.js';
import { checkBillingSetup, parseLocalInstant, runBilling, type BillingInput, type BillingRun, type BillingSetupDoc } from '../../../core/billing/index.js';
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import { isElectric } from '../../../core/types.js';
import type { BillingRunRecord, CapOverrideRecord, StoredBillingSetup } from '../../../store/billing-store.js';
import type { Site } from '../../../store/store.js';
import type { Deps } from '../../context.js';
import { getSiteOr404, isoOrNull } from '../admin/admin.usecases.js';

/** Checks a setup against the core's rules and the site's meters and residents, then stores it; nothing is stored on bad input. */
export async function putBillingSetup(deps: Deps, siteId: string, raw: unknown): Promise<StoredBillingSetup> {
  const site = await getSiteOr404(deps, siteId);
  const doc = checkBillingSetup(raw, site.timezone);
  checkAddress(doc.owner.address, 'owner.address');
  const meters = new Map((await deps.store.listMeters(site.id)).map((m) => [m.id, m]));
  const consumer = (id: string, param: string) => {
    const m = meters.get(id);
    if (!m) throw paramError(param, `${param}: meter ${id} is not a meter of site ${site.id}`);
    if (!(isElectric(m.type) && m.mode === 'consumption' && m.in_balance)) throw paramError(param, `${param}: meter ${id} (${m.name}) is not a participating consumer meter`);
  };
  doc.units?.forEach((u, i) => consumer(u.meter_id, `units[${i}].meter_id`));
  doc.common_area?.meter_ids.forEach((id, i) => consumer(id, `common_area.meter_ids[${i}]`));
  for (const [i, p] of (doc.participants ?? []).entries()) {
    if (!(isObjectId(p.resident_id) && (await deps.store.getResident(p.resident_id)))) throw paramError(`participants[${i}].resident_id`, `participants[${i}].resident_id: no resident ${p.resident_id}`);
    if (p.address !== undefined) checkAddress(p.address, `participants[${i}].address`);
  }
  const stored = { site_id: site.id, doc: doc as unknown as Record<string, unknown>, updated_at: deps.clock.now() };
  await deps.store.putBillingSetup(stored);
  return stored;
}

export async function getBillingSetupOr404(deps: Deps, siteId: string): Promise<StoredBillingSetup> {
  const site = await getSiteOr404(deps, siteId);
  const s = await deps.store.getBillingSetup(site.id);
  if (!s) throw new KwhubError('billing_setup.not_found', `site ${site.id} has no billing setup yet: PUT /api/admin/v1/sites/${site.id}/billing (tariffs, vat, owner…) first`);
  return s;
}

export function setupView(s: StoredBillingSetup) {
  return { ...s.doc, updated_at: isoOrNull(s.updated_at) };
}

async function refuseBilled(deps: Deps, site: Site, fromMs: number, toMs: number, self?: string): Promise<void> {
  const billed = (await deps.store.listBillingRuns(site.id)).find((r) => r.status === 'finalized' && r.id !== self && r.from_ms < toMs && fromMs < r.to_ms);
  if (billed) {
    throw new KwhubError('billing_run.finalized', `${billed.from} to ${billed.to} is billed already by finalized run ${billed.id}: a finalized period is never billed again (bill the period after it)`);
  }
}

/** Computes and stores a draft run for [from, to) (local dates of the site). */
/** `opts.id`: the run's id (the demo's is a function of its seed); default a new one */
export async function createBillingRun(deps: Deps, siteId: string, body: { from?: unknown; to?: unknown }, opts: { id?: string } = {}): Promise<BillingRunRecord> {
  const site = await getSiteOr404(deps, siteId);
  for (const k of ['from', 'to'] as const) if (typeof body[k] !== 'string') throw paramError(k, `${k} must be a local date such as 2026-01-01`);
  const period = { from: body.from as string, to: body.to as string };
  const fromMs = parseLocalInstant(site.timezone, period.from, 'from');
  const toMs = parseLocalInstant(site.timezone, period.to, 'to');
  if (!(fromMs < toMs)) throw paramError('to', 'to must be after from');
  const setup = await getBillingSetupOr404(deps, site.id);
  await refuseBilled(deps, site, fromMs, toMs);
  const input = await billingInputForSite(deps.store, site, period, setup.doc as unknown as BillingSetupDoc);
  const run = runBilling(input);
  const rec: BillingRunRecord = {
    id: opts.id ?? deps.newId(), site_id: site.id, from: period.from, to: period.to, from_ms: fromMs, to_ms: toMs,
    status: 'draft', created_at: deps.clock.now(), finalized_at: null,
    input: inputSummary(input), run: run as unknown as Record<string, unknown>, numbers: null, override: null,
  };
  await deps.store.insertBillingRun(rec);
  return rec;
}

export async function listBillingRuns(deps: Deps, siteId: string): Promise<BillingRunRecord[]> {
  return deps.store.listBillingRuns((await getSiteOr404(deps, siteId)).id);
}

export async function getBillingRunOr404(deps: Deps, siteId: string, runId: string): Promise<BillingRunRecord> {
  const site = await getSiteOr404(deps, siteId);
  const r = isObjectId(runId) ? await deps.store.getBillingRun(runId) : null;
  if (!r || r.site_id !== site.id) throw new KwhubError('billing_run.not_found', `no billing run ${runId} on site ${site.id}`);
  return r;
}

/**
 * Finalizes a draft: the invoices get numbers (continuing the site's), the
 * outputs are frozen as they are, the lock date moves to the period end. A
 * run whose cap check fails is refused unless an override with a reason is
 * given; the override is recorded on the run and on each invoice's cap check.
 */
export async function finalizeBillingRun(deps: Deps, siteId: string, runId: string, body: { override?: { reason?: unknown } } = {}): Promise<BillingRunRecord> {
  const rec = await getBillingRunOr404(deps, siteId, runId);
  if (rec.status === 'finalized') {
    throw new KwhubError('billing_run.finalized', `billing run ${rec.id} was finalized on ${isoOrNull(rec.finalized_at)}: a finalized run is never changed or finalized again`);
  }
  const site = await getSiteOr404(deps, siteId);
  await refuseBilled(deps, site, rec.from_ms, rec.to_ms, rec.id);
  const run = structuredClone(rec.run) as unknown as BillingRun;
  const now = deps.clock.now();
  const exceeded = run.invoices.filter((i) => !i.cap.ok && i.cap.override_reason === null);
  let override: CapOverrideRecord | null = null;
  if (exceeded.length > 0) {
    const reason = body.override?.reason;
    if (reason === undefined) {
      throw new KwhubError('billing_run.cap_exceeded', `billing run ${rec.id} cannot be finalized: ${run.blockers.join('; ')}. Finalize with {"override": {"reason": "…"}} to accept it (recorded)`);
    }
    if (typeof reason !== 'string' || reason.trim().length < 3) throw paramError('override.reason', 'override.reason must say why the cap excess is accepted (at least 3 characters)');
    override = { reason: reason.trim(), participant_ids: exceeded.map((i) => i.participant_id), at: now };
    for (const i of exceeded) i.cap.override_reason = override.reason;
    run.blockers = [];
    run.finalizable = true;
  }
  const seq = (await deps.store.countFinalizedBillingRuns(site.id)) + 1;
  const year = rec.from.slice(0, 4);
  const numbers = Object.fromEntries(run.invoices.map((inv, k) => [inv.participant_id, `${year}-${String(seq).padStart(3, '0')}-${String(k + 1).padStart(3, '0')}`]));
  const ok = await deps.store.finalizeBillingRun(rec.id, { finalized_at: now, numbers, run: run as unknown as Record<string, unknown>, override, lock_date: rec.to_ms });
  if (!ok) throw new KwhubError('billing_run.finalized', `billing run ${rec.id} was finalized meanwhile by another request`);
  return (await deps.store.getBillingRun(rec.id))!;
}

export const DOCUMENTS = ['owner-statement.pdf', 'owner-statement.csv', 'invoice-lines.csv'] as const;

export function documentNames(rec: BillingRunRecord): string[] {
  const run = rec.run as unknown as BillingRun;
  return [...run.invoices.map((i) => `invoice-${i.participant_id}.pdf`), ...DOCUMENTS];
}

/** One document of a run, rendered from its frozen inputs and outputs (the same bytes' content every time). */
export async function renderBillingDocument(rec: BillingRunRecord, name: string): Promise<{ body: Buffer | string; type: string }> {
  const run = rec.run as unknown as BillingRun;
  const input = rec.input as unknown as BillingInput;
  const draft = rec.status === 'draft';
  const numbers = new Map(run.invoices.map((inv, k) => [inv.participant_id, rec.numbers?.[inv.participant_id] ?? `DRAFT-${k + 1}`]));
  const opts = { issuedAt: rec.finalized_at ?? rec.created_at, numbers, draft };
  const m = /^invoice-(.+)\.pdf$/.exec(name);
  if (m) {
    const inv = run.invoices.find((i) => i.participant_id === m[1]);
    if (!inv) throw new KwhubError('route.not_found', `billing run ${rec.id} has no invoice for participant ${m[1]} (documents: ${documentNames(rec).join(', ')})`);
    const docs = await renderRunDocuments(input, { ...run, invoices: [inv] }, opts);
    return { body: docs.invoices.get(inv.participant_id)!, type: 'application/pdf' };
  }
  if (!(DOCUMENTS as readonly string[]).includes(name)) throw new KwhubError('route.not_found', `billing run ${rec.id} has no document ${name} (documents: ${documentNames(rec).join(', ')})`);
  if (name === 'owner-statement.pdf') {
    const pdf = await renderOwnerStatementPdf(run, { siteName: input.site.name, ownerName: input.owner.name, language: input.owner.language, issuedAt: opts.issuedAt, draft });
    return { body: pdf, type: 'application/pdf' };
  }
  return { body: name === 'owner-statement.csv' ? ownerStatementCsv(run) : invoiceLinesCsv(run, numbers), type: 'text/csv; charset=utf-8' };
}

export function runSummaryView(rec: BillingRunRecord) {
  const run = rec.run as unknown as BillingRun;
  return {
    id: rec.id, site_id: rec.site_id, from: rec.from, to: rec.to, status: rec.status,
    created_at: isoOrNull(rec.created_at), finalized_at: isoOrNull(rec.finalized_at),
    invoices: run.invoices.length, invoiced_centimes: run.totals.invoiced, finalizable: run.finalizable, override: rec.override ? { ...rec.override, at: isoOrNull(rec.override.at) } : null,
  };
}

export function runView(rec: BillingRunRecord) {
  return { ...runSummaryView(rec), numbers: rec.numbers, documents: documentNames(rec), input: rec.input, run: rec.run };
}
