import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { DEFAULT_DEMO_SEED, runDemo, type DemoResult } from '../ingest/demo.js';
import { parseInstant } from '../core/time/parse-instant.js';
import type { Deps } from '../server/context.js';
import { action, dbOption, withStore } from './common.js';

export async function demoWithProgress(deps: Deps, opts: { seed: number; now: number; days: number; quiet?: boolean }): Promise<DemoResult> {
  const bar = opts.quiet
    ? null
    : new cliProgress.SingleBar(
      { format: 'creating the demo year [{bar}] {percentage}% | day {value}/{total} | {eta_formatted} left', hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
  let started = false;
  try {
    return await runDemo(deps, {
      ...opts,
      progress: (done, total) => {
        if (!started) {
          bar?.start(total, 0);
          started = true;
        }
        bar?.update(done);
      },
    });
  } finally {
    bar?.stop();
  }
}

export function credentialsText(r: DemoResult): string {
  return [
    `demo site "Sonnenhof": ${r.siteId}`,
    `  readings: ${r.readings.stored} stored, ${r.readings.duplicates} duplicates, ${r.readings.rejected} rejected`,
    `demo developer: username "${r.username}", password "${r.password}"`,
    ...residentLines(r),
  ].join('\n');
}

/** the demo residents' portal logins (one moved: two tenancies; one is invited and has no password yet) */
export function residentLines(r: Pick<DemoResult, 'residents'>): string[] {
  return r.residents.map((x) => `  resident ${x.name}: ${x.email} / ${x.password === null ? '(invited: no password yet, try `kwhub resident invite`)' : x.password}${x.tenancies.length > 1 ? ' (moved: two flats)' : ''}`);
}

export function registerDemo(program: Command): void {
  dbOption(program.command('demo'))
    .description('create the demo community "Sonnenhof" with a year of data up to now, and a demo developer')
    .option('--seed <n>', 'seed of the generated data (same seed and --now: same data)', (v) => Number(v), DEFAULT_DEMO_SEED)
    .option('--days <n>', 'days of data before now', (v) => Number(v), 365)
    .option('--now <date>', 'the last instant of data (ISO-8601, UTC; default: now)')
    .option('--quiet', 'no progress bar')
    .action(action(async (opts: { db?: string; seed: number; days: number; now?: string; quiet?: boolean }) => {
      const now = parseInstant(opts.now, '--now') ?? Date.now();
      await withStore(opts.db, async (deps) => {
        const r = await demoWithProgress(deps, { seed: opts.seed, now, days: opts.days, quiet: opts.quiet });
        process.stdout.write(`${credentialsText(r)}\n`);
      });
    }));
}
