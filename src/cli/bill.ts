/**
 * `kwhub bill`: a billing run of a site from its stored setup, residents and
 * tenancies, stored as a draft (as POST …/billing-runs does), optionally
 * finalized at once (numbers, frozen run, lock date at the period end), and
 * its documents written to a directory. `kwhub bill --finalize --run <id>`
 * finalizes a draft computed earlier.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { formatCentimes, type BillingRun } from '../core/billing/index.js';
import { createBillingRun, documentNames, finalizeBillingRun, getBillingRunOr404, renderBillingDocument } from '../server/modules/billing/billing.usecases.js';
import type { BillingRunRecord } from '../store/billing-store.js';
import { action, dbOption, siteOption, withStore } from './common.js';

interface BillOptions {
  db?: string;
  site?: string;
  from?: string;
  to?: string;
  run?: string;
  finalize?: boolean;
  override?: string;
  out?: string;
}

export function registerBill(program: Command): void {
  dbOption(program.command('bill'))
    .description("compute a billing run from the site's stored billing setup (stored as a draft), optionally finalize it, and write its documents")
    .option('--site <site_id>', 'the site (default: the only site of the database)')
    .option('--from <date>', "start, a local date in the site's zone (default: the start of the last full quarter)")
    .option('--to <date>', 'end, exclusive, a local date (default: the end of the last full quarter)')
    .option('--run <run_id>', 'use this stored draft instead of computing a new one')
    .option('--finalize', 'finalize the run: number the invoices, freeze it, set the lock date to the period end')
    .option('--override <reason>', 'with --finalize: accept a run above the legal cap, recording this reason')
    .option('--out <dir>', 'write the invoices (PDF), the owner statement (PDF, CSV) and the invoice lines (CSV) here')
    .addHelpText('after', '\nExamples:\n  kwhub bill --from 2026-01-01 --to 2026-04-01 --out invoices/\n  kwhub bill --run <run_id> --finalize --out invoices/\n')
    .action(action(async (opts: BillOptions) => {
      await withStore(opts.db, async (deps, store) => {
        const site = await siteOption(deps, store, opts.site);
        let rec: BillingRunRecord;
        if (opts.run) {
          rec = await getBillingRunOr404(deps, site.id, opts.run);
        } else {
          const lastQuarter = DateTime.fromMillis(deps.clock.now(), { zone: site.timezone }).startOf('quarter').minus({ quarters: 1 });
          rec = await createBillingRun(deps, site.id, { from: opts.from ?? lastQuarter.toISODate()!, to: opts.to ?? lastQuarter.plus({ quarters: 1 }).toISODate()! });
        }
        if (opts.finalize) rec = await finalizeBillingRun(deps, site.id, rec.id, opts.override === undefined ? {} : { override: { reason: opts.override } });
        const run = rec.run as unknown as BillingRun;
        const lines = [
          `${rec.status} billing run ${rec.id} for ${site.name} (${site.id}), ${rec.from} to ${rec.to} (${site.timezone})`,
          ...run.invoices.map((i) => `  ${(rec.numbers?.[i.participant_id] ?? '').padEnd(14)} ${i.name.padEnd(28)} CHF ${formatCentimes(i.total).padStart(10)}  cap ${i.cap.percent === null ? '-' : i.cap.percent.toFixed(1)} % of ${i.cap.limit_percent} %${i.cap.ok ? '' : i.cap.override_reason ? ' (overridden)' : ' EXCEEDED'}`),
          `  vacancy (owner)                             CHF ${formatCentimes(run.vacancy.net).padStart(10)}`,
          `reconciliation: ext difference ${run.reconciliation.ext.difference_kwh} kWh, self difference ${run.reconciliation.self.difference_kwh} kWh`,
          ...run.blockers.map((b) => `blocker: ${b}`),
          ...run.warnings.map((w) => `warning: ${w}`),
        ];
        if (opts.out) {
          await mkdir(opts.out, { recursive: true });
          const names = documentNames(rec);
          let done = 0;
          for (const name of names) {
            const doc = await renderBillingDocument(rec, name);
            await writeFile(join(opts.out, name), doc.body);
            if (process.stderr.isTTY) process.stderr.write(`\rwriting documents ${++done}/${names.length}${done === names.length ? '\n' : ''}`);
          }
          lines.push(`wrote ${names.length} documents to ${opts.out}`);
        }
        if (rec.status === 'draft') lines.push(`finalize with: kwhub bill --run ${rec.id} --finalize`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    }));
}
