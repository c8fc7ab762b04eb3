/**
 * `kwhub bill-preview`: a draft billing run for a site, computed from the
 * store's 15-minute allocation and written as files: every participant's
 * PDF invoice with its QR bill, the owner's statement (PDF and CSV), the
 * invoice lines (CSV) and the whole explained run (JSON). Nothing is stored
 * and nothing is finalized; tariffs, residents and tenancies come from a
 * setup file (or stand-ins, see src/billing/from-store.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { renderRunDocuments } from '../billing/index.js';
import { billingInputFromStore, type BillingSetup } from '../billing/from-store.js';
import { formatCentimes, runBilling } from '../core/billing/index.js';
import { KwhubError } from '../core/errors.js';
import { action, dbOption, siteOption, withStore } from './common.js';

interface PreviewOptions {
  db?: string;
  site?: string;
  from?: string;
  to?: string;
  setup?: string;
  out: string;
}

export function registerBillPreview(program: Command): void {
  dbOption(program.command('bill-preview'))
    .description("compute a draft billing run from the site's 15-minute data and write its invoices (PDF with QR bill), owner's statement and CSVs")
    .option('--site <site_id>', 'the site (default: the only site of the database)')
    .option('--from <date>', "start, a local date in the site's zone (default: the start of the last full quarter)")
    .option('--to <date>', 'end, exclusive, a local date (default: the end of the last full quarter)')
    .option('--setup <file.json>', 'tariffs, vat, participants, units, tenancies, common_area, owner, cap_overrides (README "Billing"); stand-ins for what is left out')
    .requiredOption('--out <dir>', 'directory to write the documents to')
    .addHelpText('after', '\nExample:\n  kwhub bill-preview --from 2026-01-01 --to 2026-04-01 --out invoices/\n')
    .action(action(async (opts: PreviewOptions) => {
      let setup: BillingSetup = {};
      if (opts.setup) {
        try {
          setup = JSON.parse(await readFile(opts.setup, 'utf8')) as BillingSetup;
        } catch (e) {
          throw new KwhubError('request.invalid', `cannot read ${opts.setup}: ${(e as Error).message}`);
        }
      }
      await withStore(opts.db, async (deps, store) => {
        const site = await siteOption(deps, store, opts.site);
        const lastQuarter = DateTime.fromMillis(deps.clock.now(), { zone: site.timezone }).startOf('quarter').minus({ quarters: 1 });
        const period = { from: opts.from ?? lastQuarter.toISODate()!, to: opts.to ?? lastQuarter.plus({ quarters: 1 }).toISODate()! };
        const input = await billingInputFromStore(store, site, period, setup);
        const run = runBilling(input);
        await mkdir(opts.out, { recursive: true });
        const tty = process.stderr.isTTY;
        const docs = await renderRunDocuments(input, run, {
          issuedAt: deps.clock.now(),
          draft: true,
          onProgress: (done, total) => tty && process.stderr.write(`\rrendering invoices ${done}/${total}${done === total ? '\n' : ''}`),
        });
        for (const [id, pdf] of docs.invoices) await writeFile(join(opts.out, `invoice-${id}.pdf`), pdf);
        await writeFile(join(opts.out, 'owner-statement.pdf'), docs.ownerPdf);
        await writeFile(join(opts.out, 'owner-statement.csv'), docs.ownerCsv);
        await writeFile(join(opts.out, 'invoice-lines.csv'), docs.linesCsv);
        await writeFile(join(opts.out, 'run.json'), JSON.stringify(run, null, 2));
        const lines = [
          `draft billing run for ${site.name} (${site.id}), ${period.from} to ${period.to} (${site.timezone})`,
          ...run.invoices.map((i) => `  ${i.participant_id.padEnd(36)} CHF ${formatCentimes(i.total).padStart(10)}  cap ${i.cap.percent === null ? '-' : i.cap.percent.toFixed(1)} % of ${i.cap.limit_percent} %${i.cap.ok ? '' : i.cap.override_reason ? ' (overridden)' : ' EXCEEDED'}`),
          `  vacancy (owner)                      CHF ${formatCentimes(run.vacancy.net).padStart(10)}`,
          `reconciliation: ext difference ${run.reconciliation.ext.difference_kwh} kWh, self difference ${run.reconciliation.self.difference_kwh} kWh`,
          ...run.blockers.map((b) => `blocker: ${b}`),
          ...run.warnings.map((w) => `warning: ${w}`),
          `wrote ${docs.invoices.size} invoices, owner-statement.pdf/.csv, invoice-lines.csv and run.json to ${opts.out}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    }));
}
