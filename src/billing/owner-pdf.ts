/**
 * The owner's statement for a run as a PDF: revenue and grid cost passed on
 * per participant, everyone's cap check, the vacancy the owner bears, the
 * reconciliation against the site's own figures, and the run's warnings.
 */
import type { BillingRun, Language } from '../core/billing/index.js';
import { WORDS, formatChf, formatDate, formatNumber } from './i18n.js';
import { newDocument, toBuffer } from './invoice-pdf.js';

export async function renderOwnerStatementPdf(run: BillingRun, opts: { siteName: string; ownerName: string; language?: Language; issuedAt: number; draft?: boolean }): Promise<Buffer> {
  const w = WORDS[opts.language ?? 'de'];
  const zone = run.zone;
  const doc = newDocument(`${w.statement} ${opts.siteName}`, opts.issuedAt);
  const M = 50;
  const right = doc.page.width - M;
  doc.font('Helvetica-Bold').fontSize(16).text(w.statement, M, M);
  if (opts.draft) doc.fillColor('#c0392b').fontSize(12).text(w.draft, M, M + 2, { width: right - M, align: 'right' }).fillColor('#000');
  doc.font('Helvetica').fontSize(9).text(`${opts.ownerName} · ${opts.siteName}`, M, M + 24);
  doc.text(`${w.period}: ${formatDate(run.period.from, zone)} – ${formatDate(run.period.to - 1, zone)}`);
  doc.text(`${w.community}: ${w.communityInternal} ${formatNumber(run.community.self_kwh, 1)} kWh, ${w.communityExternal} ${formatNumber(run.community.ext_kwh, 1)} kWh`);

  const cols = [M, M + 150, M + 215, M + 280, M + 345, M + 410];
  let y = doc.y + 14;
  const head = [`${w.participant} (CHF)`, w.chartGrid, w.chartSelf, w.total, 'Ref.', '%'];
  doc.font('Helvetica-Bold').fontSize(8);
  head.forEach((h, i) => doc.text(h, cols[i], y, { width: i === 0 ? 145 : 60, align: i === 0 ? 'left' : 'right' }));
  y += 12;
  doc.moveTo(M, y).lineTo(right, y).lineWidth(0.5).stroke();
  y += 4;
  doc.font('Helvetica').fontSize(8);
  const row = (cells: string[], bold = false) => {
    if (y > doc.page.height - M - 20) {
      doc.addPage();
      y = M;
    }
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: i === 0 ? 145 : i === 5 ? right - cols[5] : 60, align: i === 0 ? 'left' : 'right', height: 10, ellipsis: true, lineBreak: false }));
    y += 11;
  };
  const sum = (lines: { kind: string; amount: number; under_cap: boolean }[], f: (l: { kind: string; under_cap: boolean }) => boolean) => lines.filter(f).reduce((s, l) => s + l.amount, 0);
  for (const inv of run.invoices) {
    const status = inv.cap.ok ? '' : inv.cap.override_reason ? ' (override)' : ' (!)';
    row([
      inv.name,
      formatChf(sum(inv.lines, (l) => l.kind === 'grid' || l.kind === 'common_grid')),
      formatChf(sum(inv.lines, (l) => l.under_cap)),
      formatChf(inv.total),
      formatChf(inv.cap.reference),
      `${inv.cap.percent === null ? '–' : formatNumber(inv.cap.percent, 1)} / ${formatNumber(inv.cap.limit_percent, 0)}${status}`,
    ]);
  }
  row([w.vacancy, formatChf(sum(run.vacancy.lines, (l) => l.kind === 'grid' || l.kind === 'common_grid')), formatChf(sum(run.vacancy.lines, (l) => l.under_cap)), formatChf(run.vacancy.net), '', '']);
  doc.moveTo(M, y).lineTo(right, y).stroke();
  y += 4;
  row([w.total, formatChf(run.totals.grid_passed_on), formatChf(run.totals.internal), formatChf(run.totals.invoiced + run.totals.vacancy), '', ''], true);

  y += 14;
  doc.font('Helvetica-Bold').fontSize(10).text(w.reconciliation, M, y);
  y = doc.y + 4;
  doc.font('Helvetica').fontSize(8);
  for (const [name, r] of [[w.communityExternal, run.reconciliation.ext], [w.communityInternal, run.reconciliation.self]] as const) {
    doc.text(
      `${name}: ${w.participant} ${formatNumber(r.participants_kwh, 3)} + ${w.vacancy} ${formatNumber(r.vacancy_kwh, 3)} + ${w.commonArea} ${formatNumber(r.common_kwh, 3)} kWh ` +
        `vs ${formatNumber(r.site_kwh, 3)} kWh: ${w.difference} ${formatNumber(r.difference_kwh, 3)} kWh ${r.ok ? '(ok)' : '(!)'}`,
      M,
      y,
      { width: right - M },
    );
    y = doc.y + 3;
  }
  const notes = [...run.blockers, ...run.warnings];
  if (notes.length > 0) {
    y += 10;
    doc.font('Helvetica-Bold').fontSize(10).text(w.warnings, M, y);
    doc.font('Helvetica').fontSize(8);
    for (const n of notes) doc.text(`- ${n}`, { width: right - M });
  }
  return toBuffer(doc);
}
