/**
 * The billing documents as a participant and an accountant get them: PDFs
 * rendered by poppler's pdftoppm / pdftotext (real tools, as a reader would
 * open them), the QR code decoded from the rendered page (jsQR) and checked
 * against the SIX rules, the invoice's minimum contents in all four
 * languages, and the CSV exports parsed back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import jsQRModule from 'jsqr';

// jsqr is CommonJS whose typings declare an ES default export: in Node the module itself is the function
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  invoiceLinesCsv,
  ownerStatementCsv,
  parseQrPayload,
  qrBillData,
  renderInvoicePdf,
  renderOwnerStatementPdf,
  renderRunDocuments,
} from '../../src/billing/index.js';
import { runBilling, type BillingInput, type BillingRun, type Invoice } from '../../src/core/billing/index.js';
import { KwhubError } from '../../src/core/errors.js';
import { sampleBillingInput } from '../../src/demo/billing-sample.js';

const QR_IBAN = 'CH44 3199 9123 0008 8901 2';
const IBAN = 'CH93 0076 2011 6238 5295 7';
const ISSUED = Date.UTC(2024, 3, 5);
let dir: string;
let input: BillingInput;
let run: BillingRun;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kwhub-billing-docs-'));
  input = sampleBillingInput({ units: 4, from: '2024-01-01', to: '2024-04-01', iban: QR_IBAN });
  run = runBilling(input);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const due = () => run.invoices.find((i) => i.balance > 0)!;
const participantOf = (inv: Invoice) => input.participants.find((p) => p.id === inv.participant_id)!;
const creditor = (iban: string) => ({ name: input.owner.name, iban, address: input.owner.address! });

async function pdfFor(inv: Invoice, iban: string, invoiceNumber = '2024-000123'): Promise<string> {
  const pdf = await renderInvoicePdf({ run, invoice: inv, participant: participantOf(inv), site: input.site, creditor: creditor(iban), invoiceNumber, issuedAt: ISSUED });
  const file = join(dir, `${inv.participant_id}-${iban.slice(-2).trim()}-${invoiceNumber}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** renders the PDF's last page with pdftoppm and decodes the QR code in the payment part */
function decodeQr(file: string): string {
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())![1]);
  const out = join(dir, 'qr');
  execFileSync('pdftoppm', ['-f', String(pages), '-l', String(pages), '-r', '150', '-png', '-singlefile', file, out]);
  const png = PNG.sync.read(readFileSync(`${out}.png`));
  // the payment part is the bottom 105 mm; its QR code sits 67 mm from the left edge
  const mm = png.width / 210;
  const x0 = Math.round(60 * mm);
  const y0 = Math.round(png.height - 100 * mm);
  const w = Math.round(60 * mm);
  const h = Math.round(60 * mm);
  const crop = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * png.width + x0) * 4;
    crop.set(png.data.subarray(from, from + w * 4), y * w * 4);
  }
  const code = jsQR(crop, w, h);
  if (!code) throw new Error('no QR code found in the rendered payment part');
  return code.data;
}

describe('Swiss QR bill', () => {
  it('should decode from the rendered PDF to the exact amount, a valid QR reference, the QR-IBAN and structured addresses', async () => {
    const inv = due();
    const text = decodeQr(await pdfFor(inv, QR_IBAN));
    const { payload, errors } = parseQrPayload(text);
    expect(errors).toEqual([]);
    expect(payload.iban).toBe('CH4431999123000889012');
    expect(payload.amount).toBe((inv.balance / 100).toFixed(2));
    expect(payload.currency).toBe('CHF');
    expect(payload.referenceType).toBe('QRR');
    expect(payload.reference.slice(0, 26)).toBe('2024000123'.padStart(26, '0')); // its check digit is checked by parseQrPayload
    const a = input.owner.address!;
    expect(payload.creditor).toEqual({ type: 'S', name: input.owner.name, street: a.street, building_number: a.building_number, postal_code: a.postal_code, town: a.town, country: 'CH' });
    const d = participantOf(inv).address!;
    expect(payload.debtor).toEqual({ type: 'S', name: inv.name, street: d.street, building_number: d.building_number, postal_code: d.postal_code, town: d.town, country: 'CH' });
  });

  it('should use an ISO 11649 creditor reference with an ordinary IBAN', async () => {
    const inv = due();
    const { payload, errors } = parseQrPayload(decodeQr(await pdfFor(inv, IBAN, 'R-2024-77')));
    expect(errors).toEqual([]);
    expect(payload.iban).toBe('CH9300762011623852957');
    expect(payload.referenceType).toBe('SCOR');
    expect(payload.reference).toMatch(/^RF\d{2}R202477$/);
  });

  it('should be caught by the payload check when a rule is broken', () => {
    const data = qrBillData({ creditor: creditor(QR_IBAN), debtor: { name: 'X' }, invoice: due(), invoiceNumber: '5' })!;
    expect(data.reference).toBe('000000000000000000000000058');
    const good = ['SPC', '0200', '1', 'CH4431999123000889012', 'S', 'A', 'Street', '1', '8000', 'Zürich', 'CH', '', '', '', '', '', '', '', '10.00', 'CHF', '', '', '', '', '', '', '', 'QRR', '000000000000000000000000058', '', 'EPD'];
    expect(parseQrPayload(good.join('\n')).errors).toEqual([]);
    const bad = [...good];
    bad[4] = 'K';
    bad[28] = '000000000000000000000000059';
    bad[18] = '10.5';
    expect(parseQrPayload(bad.join('\n')).errors).toEqual([
      'creditor address type must be S (structured), got "K"',
      'amount must have two decimals',
      'a QR-IBAN needs a valid QR reference (QRR)',
    ]);
  });

  it('should leave the QR bill off a credit note and refuse an address the QR bill cannot carry', async () => {
    const credit = { ...due(), advance_payments: due().total + 500, balance: -500 };
    expect(qrBillData({ creditor: creditor(QR_IBAN), debtor: { name: 'X' }, invoice: credit, invoiceNumber: '1' })).toBeNull();
    const pdf = join(dir, 'credit.pdf');
    writeFileSync(pdf, await renderInvoicePdf({ run, invoice: credit, participant: participantOf(credit), site: input.site, creditor: creditor(QR_IBAN), invoiceNumber: '1', issuedAt: ISSUED }));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    expect(text).not.toContain('Zahlteil');
    expect(text).toContain('Guthaben');
    try {
      qrBillData({ creditor: { ...creditor(QR_IBAN), address: { ...input.owner.address!, town: '' } }, debtor: { name: 'X' }, invoice: due(), invoiceNumber: '1' });
      expect.unreachable();
    } catch (e) {
      expect((e as KwhubError).param).toBe('owner.address.town');
    }
  });
});

describe('invoice contents', () => {
  const words = {
    de: ['Stromrechnung ZEV', 'Zusammenschluss gesamt', 'Ihr Verbrauch', 'Netzstrompreis', 'Standardprodukt', 'Allgemeinstrom', 'nach Wohnfläche', 'Akontozahlungen', 'Zahlteil'],
    fr: ["Facture d'électricité RCP", 'Regroupement au total', 'Votre consommation', "Prix de l'électricité du réseau", 'Produit standard', 'selon la surface', 'Acomptes', 'Section paiement'],
    it: ['Fattura elettricità RCP', 'Raggruppamento in totale', 'Il suo consumo', "Prezzo dell'energia di rete", 'Prodotto standard', 'secondo la superficie', 'Acconti', 'Sezione pagamento'],
    en: ['Electricity invoice (ZEV)', 'Community totals', 'Your consumption', 'Grid power price', 'Standard product', 'by floor area', 'Advance payments', 'Payment part'],
  } as const;

  for (const lang of ['de', 'fr', 'it', 'en'] as const) {
    it(`should show the minimum contents in ${lang}`, async () => {
      const inv = { ...due(), language: lang };
      const text = execFileSync('pdftotext', ['-layout', await pdfFor(inv, QR_IBAN, `${lang}-1`.replace(/\D/g, '') || '1'), '-']).toString();
      for (const w of words[lang]) expect(text).toContain(w);
      const chf = (c: number) => `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100).toLocaleString('en').replace(/,/g, "'")}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
      const kwh1 = (x: number) => `${x.toFixed(1).replace(/\B(?=(\d{3})+(?!\d))/g, "'")} kWh`;
      // community and own internal / external kWh, the reference and the percentage, advances and balance
      expect(text).toContain(kwh1(run.community.self_kwh));
      expect(text).toContain(kwh1(run.community.ext_kwh));
      expect(text).toContain(kwh1(inv.energy.self_kwh));
      expect(text).toContain(kwh1(inv.energy.ext_kwh));
      expect(text).toContain(`CHF ${chf(inv.cap.reference)}`);
      expect(text).toContain(`${inv.cap.percent!.toFixed(1)} %`);
      expect(text).toContain(chf(inv.advance_payments));
      expect(text).toContain(chf(inv.balance));
      expect(text).toContain(chf(inv.cash_rounding));
      for (const l of inv.lines) expect(text).toContain(chf(l.amount));
      // the monthly chart's labels
      expect(text.match(/(Jan|janv|gen) 24/)).not.toBeNull();
    });
  }
});

describe('owner statement and CSV exports', () => {
  it('should export invoice lines that add up to each invoice', () => {
    const rows = parse(invoiceLinesCsv(run), { columns: true }) as Record<string, string>[];
    for (const inv of run.invoices) {
      const mine = rows.filter((r) => r.participant_id === inv.participant_id);
      const cents = (r: Record<string, string>) => Math.round(Number(r.amount_chf) * 100);
      const lines = mine.filter((r) => !['vat', 'cash_rounding', 'total', 'advance_payments', 'balance'].includes(r.kind));
      expect(lines).toHaveLength(inv.lines.length);
      const sum = [...lines, ...mine.filter((r) => r.kind === 'vat' || r.kind === 'cash_rounding')].reduce((s, r) => s + cents(r), 0);
      expect(sum).toBe(inv.total);
      expect(cents(mine.find((r) => r.kind === 'total')!)).toBe(inv.total);
      expect(cents(mine.find((r) => r.kind === 'balance')!)).toBe(inv.balance);
    }
    expect(rows.filter((r) => r.participant_id === 'owner')).toHaveLength(run.vacancy.lines.length);
  });

  it('should export the owner statement with everyone\'s cap and the reconciliation', async () => {
    const rows = parse(ownerStatementCsv(run), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.row === 'participant').map((r) => r.participant_id)).toEqual(run.invoices.map((i) => i.participant_id));
    for (const r of rows.filter((x) => x.row === 'participant')) {
      const inv = run.invoices.find((i) => i.participant_id === r.participant_id)!;
      expect([Number(r.cap_percent), r.cap_status]).toEqual([inv.cap.percent, inv.cap.ok ? 'ok' : 'exceeded']);
    }
    expect(rows.find((r) => r.row === 'reconciliation_ext')!.site_kwh ?? '').toBe('');
    expect(Number(rows.find((r) => r.row === 'reconciliation_ext')!.common_ext_kwh)).toBe(run.reconciliation.ext.site_kwh);
    const pdf = join(dir, 'owner.pdf');
    writeFileSync(pdf, await renderOwnerStatementPdf(run, { siteName: input.site.name, ownerName: input.owner.name, issuedAt: ISSUED }));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    expect(text).toContain('Abrechnung Eigentümer');
    expect(text).toContain('Abstimmung');
    for (const inv of run.invoices) expect(text).toContain(inv.name);
    expect(text).toContain(run.invoices[0].cap.percent!.toFixed(1));
  });

  it('should render every document of a run, the same bytes twice', async () => {
    const a = await renderRunDocuments(input, run, { issuedAt: ISSUED, draft: true });
    const b = await renderRunDocuments(input, run, { issuedAt: ISSUED, draft: true });
    expect([...a.invoices.keys()]).toEqual(run.invoices.map((i) => i.participant_id));
    for (const [id, pdf] of a.invoices) {
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.equals(b.invoices.get(id)!)).toBe(true);
    }
    expect(a.ownerPdf.equals(b.ownerPdf)).toBe(true);
  });
});
