/**
 * Documents of a billing run (an adapter over the pure core): the PDF
 * invoice with its Swiss QR bill per participant, the owner's statement as
 * PDF and CSV, and the CSV of invoice lines.
 */
import type { BillingInput, BillingRun } from '../core/billing/index.js';
import { paramError } from '../core/errors.js';
import { ownerStatementCsv, invoiceLinesCsv } from './csv.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import { renderOwnerStatementPdf } from './owner-pdf.js';
import { checkAddress, type Creditor } from './qr-bill.js';

export { renderInvoicePdf, type InvoiceDocument } from './invoice-pdf.js';
export { renderOwnerStatementPdf } from './owner-pdf.js';
export { invoiceLinesCsv, ownerStatementCsv } from './csv.js';
export { qrBillData, paymentReference, checkAddress, type Creditor } from './qr-bill.js';
export { parseQrPayload, type QrPayload } from './qr-payload.js';

export interface RunDocuments {
  /** per participant id */
  invoices: Map<string, Buffer>;
  ownerPdf: Buffer;
  ownerCsv: string;
  linesCsv: string;
}

/**
 * Renders everything for a run. `numbers` are the invoice numbers per
 * participant (finalizing assigns them); drafts get "DRAFT-<n>" numbers and
 * a draft mark.
 */
export async function renderRunDocuments(
  input: BillingInput,
  run: BillingRun,
  opts: { issuedAt: number; numbers?: Map<string, string>; draft?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<RunDocuments> {
  const owner = input.owner;
  if (!owner.iban) throw paramError('owner.iban', 'owner.iban is needed for invoices with a QR bill');
  const creditor: Creditor = { name: owner.name, iban: owner.iban, address: checkAddress(owner.address, 'owner.address') };
  const numbers = opts.numbers ?? new Map(run.invoices.map((inv, i) => [inv.participant_id, `${i + 1}`]));
  const meterLabels = new Map(input.units.map((u) => [u.meter_id, u.label ?? u.meter_id]));
  const invoices = new Map<string, Buffer>();
  let done = 0;
  for (const inv of run.invoices) {
    const participant = input.participants.find((p) => p.id === inv.participant_id)!;
    invoices.set(
      inv.participant_id,
      await renderInvoicePdf({ run, invoice: inv, participant, site: input.site, creditor, invoiceNumber: numbers.get(inv.participant_id)!, issuedAt: opts.issuedAt, draft: opts.draft, meterLabels }),
    );
    opts.onProgress?.(++done, run.invoices.length);
  }
  return {
    invoices,
    ownerPdf: await renderOwnerStatementPdf(run, { siteName: input.site.name, ownerName: owner.name, language: owner.language, issuedAt: opts.issuedAt, draft: opts.draft }),
    ownerCsv: ownerStatementCsv(run),
    linesCsv: invoiceLinesCsv(run, numbers),
  };
}
