/**
 * A participant's invoice as a PDF (pdfkit): the minimum contents of the
 * model contracts (community and own internal/external kWh, the grid price,
 * the standard-product reference and the percentage charged, the common-area
 * electricity and its key, advance payments and the balance), every line
 * with its quantity and price, the monthly energy chart, and the Swiss QR
 * bill (swissqrbill) for the balance.
 */
import PDFDocument from 'pdfkit';
import { SwissQRBill } from 'swissqrbill/pdf';
import type { BillingRun, Invoice, InvoiceLine, Participant, PostalAddress } from '../core/billing/index.js';
import { WORDS, formatChf, formatDate, formatNumber, type Words } from './i18n.js';
import { qrBillData, type Creditor } from './qr-bill.js';

export interface InvoiceDocument {
  run: BillingRun;
  invoice: Invoice;
  participant: Participant;
  site: { name: string };
  creditor: Creditor;
  invoiceNumber: string;
  /** UTC ms of the invoice date (injected: documents are reproducible) */
  issuedAt: number;
  draft?: boolean;
  /** how meters are named on the invoice (the unit's label), by meter id */
  meterLabels?: Map<string, string>;
}

const A4: [number, number] = [595.28, 841.89];
const M = 50;
const QR_HEIGHT = 297.64; // 105 mm
const SOLAR = '#f2a900';
const GRID = '#4a6fa5';

/** Collects a pdfkit document into one buffer. */
export function toBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

export function newDocument(title: string, issuedAt: number): PDFKit.PDFDocument {
  // fixed dates in the metadata: the same run renders the same bytes
  return new PDFDocument({ size: A4, margin: M, info: { Title: title, Producer: 'kWhub', Creator: 'kWhub', CreationDate: new Date(issuedAt), ModDate: new Date(issuedAt) } });
}

export function lineLabel(w: Words, l: InvoiceLine): string {
  const base = l.kind === 'fee' ? (l.fee ?? w.line.fee) : w.line[l.kind];
  const parts = [base];
  if (l.window) parts.push(l.window);
  return `${parts.join(' ')}  (${l.tariff_id})`;
}

function addressLines(name: string, a?: PostalAddress): string[] {
  if (!a) return [name];
  return [name, `${a.street}${a.building_number ? ' ' + a.building_number : ''}`, `${a.country === 'CH' ? '' : a.country + '-'}${a.postal_code} ${a.town}`];
}

export async function renderInvoicePdf(d: InvoiceDocument): Promise<Buffer> {
  const { invoice: inv, run } = d;
  const w = WORDS[inv.language];
  const zone = run.zone;
  const doc = newDocument(`${w.invoice} ${d.invoiceNumber}`, d.issuedAt);
  const right = A4[0] - M;

  // sender, title, recipient
  doc.font('Helvetica').fontSize(8).fillColor('#555').text(addressLines(d.creditor.name, d.creditor.address).join(' · '), M, M);
  doc.font('Helvetica-Bold').fontSize(18).fillColor('#000').text(w.invoice, M, M + 22);
  if (d.draft) doc.font('Helvetica-Bold').fontSize(14).fillColor('#c0392b').text(w.draft, M, M + 24, { width: right - M, align: 'right' });
  doc.font('Helvetica').fontSize(10).fillColor('#000').text(addressLines(inv.name, d.participant.address).join('\n'), 330, M + 60);

  const meta: [string, string][] = [
    [w.invoiceNumber, d.invoiceNumber],
    [w.date, formatDate(d.issuedAt, zone)],
    [w.period, `${formatDate(run.period.from, zone)} – ${formatDate(run.period.to - 1, zone)}`],
    [w.site, d.site.name],
    ...inv.tenancies.map((t): [string, string] => [w.meter, `${d.meterLabels?.get(t.meter_id) ?? t.meter_id}: ${formatDate(t.from, zone)} – ${formatDate(t.to - 1, zone)}`]),
  ];
  let y = M + 60;
  doc.fontSize(9);
  for (const [k, v] of meta) {
    doc.font('Helvetica-Bold').text(k, M, y, { width: 110 });
    doc.font('Helvetica').text(v, M + 112, y, { width: 160 });
    y = doc.y + 2;
  }
  y = Math.max(y, M + 120) + 10;

  // energy summary: community, own, common area
  const e = inv.energy;
  const kwh = (x: number) => `${formatNumber(x, 1)} kWh`;
  const rows: [string, string, string][] = [
    [w.community, `${w.communityInternal}: ${kwh(run.community.self_kwh)}`, `${w.communityExternal}: ${kwh(run.community.ext_kwh)}`],
    [w.yourEnergy, `${w.internal}: ${kwh(e.self_kwh)}`, `${w.external}: ${kwh(e.ext_kwh)}`],
  ];
  if (inv.common_area) {
    rows.push([
      w.commonArea,
      `${w.yourShare}: ${formatNumber(inv.common_area.share_percent, 1)} % (${w.key[inv.common_area.key]})`,
      `${w.chartSelf} ${kwh(inv.common_area.self_kwh)}, ${w.chartGrid} ${kwh(inv.common_area.ext_kwh)}`,
    ]);
  }
  const gridLines = inv.lines.filter((l) => l.kind === 'grid');
  if (gridLines.length > 0) {
    const tariffs = new Set(gridLines.map((l) => l.tariff_id));
    const prices = [...new Set(gridLines.map((l) => `${l.window ?? ''} ${formatNumber(l.unit_price * 100, 2)} Rp./kWh${tariffs.size > 1 ? ` (${l.tariff_id})` : ''}`))];
    rows.push([w.externalPrice, prices.join(', '), '']);
  }
  doc.rect(M, y - 4, right - M, rows.length * 14 + 8).fill('#f4f6f8').fillColor('#000');
  for (const [a, b, c] of rows) {
    doc.font('Helvetica-Bold').fontSize(8).text(a, M + 6, y, { width: 150 });
    doc.font('Helvetica').text(c === '' ? b : `${b}   ·   ${c}`, M + 160, y, { width: right - M - 166 });
    y += 14;
  }
  y += 14;

  // a long invoice (tariff and VAT changes, many fees) continues on the next page
  const room = (h: number) => {
    if (y + h > A4[1] - M) {
      doc.addPage({ size: A4, margin: M });
      y = M;
    }
  };

  // lines
  const cols = { label: M, qty: 300, price: 380, vat: 445, amount: right - 70 };
  doc.font('Helvetica-Bold').fontSize(8.5);
  doc.text('', cols.label, y).text(w.quantity, cols.qty, y, { width: 70, align: 'right' });
  doc.text(w.unitPrice, cols.price, y, { width: 60, align: 'right' });
  doc.text(w.vat, cols.vat, y, { width: 40, align: 'right' });
  doc.text(w.amount, cols.amount, y, { width: 70, align: 'right' });
  y += 12;
  doc.moveTo(M, y).lineTo(right, y).lineWidth(0.5).stroke();
  y += 4;
  doc.font('Helvetica').fontSize(8.5);
  for (const l of inv.lines) {
    room(12);
    doc.text(lineLabel(w, l), cols.label, y, { width: 245 });
    doc.text(`${formatNumber(l.quantity, l.unit === 'kWh' ? 3 : 4)} ${l.unit === 'kWh' ? 'kWh' : w.monthUnit}`, cols.qty, y, { width: 75, align: 'right' });
    doc.text(l.unit === 'kWh' ? `${formatNumber(l.unit_price * 100, 2)} Rp.` : formatChf(Math.round(l.unit_price * 100)), cols.price, y, { width: 60, align: 'right' });
    doc.text(l.vat_percent === null ? '–' : `${formatNumber(l.vat_percent, 1)} %`, cols.vat, y, { width: 40, align: 'right' });
    doc.text(formatChf(l.amount), cols.amount, y, { width: 70, align: 'right' });
    y += 12;
  }
  doc.moveTo(M, y).lineTo(right, y).stroke();
  y += 5;
  const sum = (label: string, c: number, bold = false) => {
    room(12);
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').text(label, cols.price - 120, y, { width: 220, align: 'right' });
    doc.text(formatChf(c), cols.amount, y, { width: 70, align: 'right' });
    y += 12;
  };
  sum(w.net, inv.net);
  if (inv.vat.length === 0) {
    room(12);
    doc.text(w.noVat, cols.price - 120, y, { width: 220, align: 'right' });
    y += 12;
  }
  for (const v of inv.vat) sum(`${w.vat} ${formatNumber(v.rate_percent, 1)} % / CHF ${formatChf(v.base)}`, v.amount);
  sum(w.rounding, inv.cash_rounding);
  sum(w.total, inv.total, true);
  sum(w.advances, -inv.advance_payments);
  sum(inv.balance >= 0 ? w.balanceDue : w.credit, Math.abs(inv.balance), true);
  y += 6;

  // cap
  room(40);
  const c = inv.cap;
  doc.font('Helvetica-Bold').fontSize(8.5).text(w.cap, M, y);
  y = doc.y + 1;
  const capLine = w.capText(formatChf(c.reference), c.percent === null ? '–' : formatNumber(c.percent, 1), formatNumber(c.limit_percent, 0));
  doc.font('Helvetica').text(capLine + (c.override_reason ? ` ${w.capOverride}: ${c.override_reason}` : ''), M, y, { width: right - M });
  y = doc.y + 12;

  // monthly chart
  room(130);
  y = drawChart(doc, w, inv, M, y, right - M, 120);

  // QR bill on this page if it fits, else at the foot of a second A4 page
  const data = qrBillData({ creditor: d.creditor, debtor: { name: inv.name, address: d.participant.address }, invoice: inv, invoiceNumber: d.invoiceNumber, message: `${w.invoice} ${d.invoiceNumber}` });
  if (data) {
    const bill = new SwissQRBill(data, { language: inv.language.toUpperCase() as 'DE' | 'FR' | 'IT' | 'EN' });
    if (y > A4[1] - QR_HEIGHT - 10) {
      doc.addPage({ size: A4, margin: M });
      doc.font('Helvetica-Bold').fontSize(12).fillColor('#000').text(`${w.invoice} ${d.invoiceNumber}`, M, M);
      doc.font('Helvetica').fontSize(10).text(`${inv.balance >= 0 ? w.balanceDue : w.credit}: CHF ${formatChf(inv.balance)} · ${w.payable}`, M, M + 20);
    }
    bill.attachTo(doc, 0, A4[1] - QR_HEIGHT);
  }
  return toBuffer(doc);
}

/** Stacked bars per month: solar (own and common share) below, grid above. Returns the y below the chart. */
function drawChart(doc: PDFKit.PDFDocument, w: Words, inv: Invoice, x: number, y: number, width: number, height: number): number {
  doc.font('Helvetica-Bold').fontSize(8.5).fillColor('#000').text(w.chart, x, y);
  const top = y + 14;
  const plotH = height - 30;
  const axisX = x + 40;
  const plotW = width - 50;
  const max = Math.max(1, ...inv.monthly.map((m) => Math.max(0, m.self_kwh) + Math.max(0, m.ext_kwh)));
  const step = niceStep(max / 4);
  const yMax = Math.ceil(max / step) * step;
  const yOf = (v: number) => top + plotH - (v / yMax) * plotH;
  doc.font('Helvetica').fontSize(7).lineWidth(0.3);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    doc.strokeColor('#ccc').moveTo(axisX, yOf(v)).lineTo(axisX + plotW, yOf(v)).stroke();
    doc.fillColor('#555').text(formatNumber(v, 0), x, yOf(v) - 3, { width: 36, align: 'right' });
  }
  const n = Math.max(1, inv.monthly.length);
  const slot = plotW / n;
  const bar = Math.min(36, slot * 0.6);
  inv.monthly.forEach((m, i) => {
    const bx = axisX + i * slot + (slot - bar) / 2;
    const s = Math.max(0, m.self_kwh);
    const g = Math.max(0, m.ext_kwh);
    doc.rect(bx, yOf(s), bar, yOf(0) - yOf(s)).fill(SOLAR);
    doc.rect(bx, yOf(s + g), bar, yOf(s) - yOf(s + g)).fill(GRID);
    const [yy, mm] = m.month.split('-');
    doc.fillColor('#000').text(`${w.months[Number(mm) - 1]} ${yy.slice(2)}`, axisX + i * slot, yOf(0) + 3, { width: slot, align: 'center' });
  });
  const ly = top + plotH + 14;
  doc.rect(axisX, ly, 8, 8).fill(SOLAR);
  doc.fillColor('#000').text(w.chartSelf, axisX + 12, ly + 1);
  doc.rect(axisX + 90, ly, 8, 8).fill(GRID);
  doc.fillColor('#000').text(w.chartGrid, axisX + 102, ly + 1);
  doc.strokeColor('#000').fillColor('#000');
  return ly + 16;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= raw) return f * p;
  return 10 * p;
}
