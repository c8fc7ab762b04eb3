import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { KwhubError } from '../core/errors.js';
import { ingestBatch } from '../ingest/ingest.js';
import { readReadings } from '../ingest/file-readings.js';
import { getSiteOr404, instantOf } from '../server/modules/admin/admin.usecases.js';
import { action, dbOption, withStore } from './common.js';

function bar(label: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format: `${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} {unit} | {eta_formatted} left`, hideCursor: true, stream: process.stderr, noTTYOutput: false, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
}

export function registerImport(program: Command): void {
  dbOption(program.command('import <file>'))
    .description('bulk-import readings from a .csv or .jsonl file into a site (the gateway push path, with a progress bar)')
    .requiredOption('--site <site_id>', 'the site the readings belong to')
    .option('--batch <n>', 'readings per transaction', (v) => Number(v), 50_000)
    .option('--quiet', 'no progress bars')
    .action(action(async (file: string, opts: { db?: string; site: string; batch: number; quiet?: boolean }) => {
      const size = await stat(file).then((s) => s.size).catch(() => {
        throw new KwhubError('request.invalid', `cannot read ${file}`);
      });
      await withStore(opts.db, async (deps) => {
        await getSiteOr404(deps, opts.site);
        const reading = opts.quiet ? null : bar('reading and storing');
        reading?.start(size, 0, { unit: 'bytes' });
        let stored = 0;
        let duplicates = 0;
        let rejected = 0;
        const shown: string[] = [];
        for await (const b of readReadings(file, opts.batch)) {
          const r = await ingestBatch(deps, opts.site, { meters: b.meters, sensors: b.sensors }, { process: false });
          stored += r.stored;
          duplicates += r.duplicates;
          rejected += r.rejected.length;
          for (const x of r.rejected.slice(0, Math.max(0, 20 - shown.length))) {
            shown.push(`line ${b.lines[x.kind === 'meter' ? 'meters' : 'sensors'][x.index]}: ${x.reason}: ${x.message}`);
          }
          reading?.update(b.bytes);
        }
        reading?.update(size);
        reading?.stop();
        const validating = opts.quiet ? null : bar('validating meters');
        const allocating = opts.quiet ? null : bar('allocating');
        let phase: 'validate' | 'allocate' | null = null;
        const run = await deps.pipeline.run(opts.site, (p, done, total) => {
          const b = p === 'validate' ? validating : allocating;
          if (phase !== p) {
            if (phase === 'validate') validating?.stop();
            phase = p;
            b?.start(p === 'validate' ? total : Math.ceil(total / 86_400_000), 0, { unit: p === 'validate' ? 'meters' : 'days' });
          }
          b?.update(p === 'validate' ? done : Math.floor(done / 86_400_000));
        });
        validating?.stop();
        allocating?.stop();
        process.stdout.write(
          `imported ${file}: ${stored} stored, ${duplicates} duplicates, ${rejected} rejected; ` +
            `${run.intervals} intervals validated, ${run.allocated} site intervals allocated\n`,
        );
        for (const line of shown) process.stderr.write(`  rejected ${line}\n`);
        if (rejected > shown.length) process.stderr.write(`  … and ${rejected - shown.length} more rejected\n`);
        if (rejected > 0) process.exitCode = 1;
      });
    }));

  dbOption(program.command('revalidate <site_id>'))
    .description('validate and allocate a site again from its raw data (after corrections); a locked site from its lock date on')
    .option('--from <date>', 'start (ISO-8601, UTC)')
    .option('--to <date>', 'end (ISO-8601, UTC)')
    .action(action(async (siteId: string, opts: { db?: string; from?: string; to?: string }) => {
      const { revalidate } = await import('../server/modules/admin/pipeline.usecases.js');
      await withStore(opts.db, async (deps) => {
        const r = await revalidate(deps, siteId, { from: opts.from ?? null, to: opts.to ?? null });
        process.stdout.write(`revalidated ${r.meters} meters: ${r.intervals} intervals, ${r.allocated} site intervals allocated\n`);
        const lock = (await getSiteOr404(deps, siteId)).lock_date;
        if (lock !== null && (instantOf(opts.from, 'from') ?? -Infinity) < lock) {
          process.stdout.write(`validated data before the lock date ${new Date(lock).toISOString()} is frozen (billed) and was left as it is; to change it, clear or move the lock date first\n`);
        }
      });
    }));
}
