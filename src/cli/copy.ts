import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { KwhubError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { copyDeployment } from '../store/copy.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { siteData } from '../server/modules/series/series.usecases.js';
import { action } from './common.js';
import { moveProgress } from './migrate.js';

/** a fingerprint of what the developer API serves for a site: its daily site_data over all its data */
async function servedChecksum(store: Store, siteId: string): Promise<{ rows: number; sha256: string }> {
  const site = (await store.getSite(siteId))!;
  const meters = await store.listMeters(siteId);
  const extents = (await Promise.all(meters.filter((m) => m.rule === null).map((m) => store.rawExtent(m.id)))).filter((e) => e !== null);
  if (extents.length === 0) return { rows: 0, sha256: createHash('sha256').update('').digest('hex') };
  const from = Math.floor(Math.min(...extents.map((e) => e.from)) / 900_000) * 900_000;
  const to = Math.ceil(Math.max(...extents.map((e) => e.to)) / 900_000) * 900_000;
  const json = await siteData(store, site, meters, 'electricity', { from, to }, 'D');
  return { rows: json === '' ? 0 : json.split('"timestamp"').length - 1, sha256: createHash('sha256').update(json).digest('hex') };
}

export function registerCopy(program: Command): void {
  program.command('copy')
    .description('copy a deployment to another database (e.g. SQLite to PostgreSQL), ids kept; resumable; verified at the end')
    .requiredOption('--from <db>', 'source: a SQLite file path or postgres:// URL')
    .requiredOption('--to <db>', 'target: a postgres:// URL or SQLite file path')
    .option('--quiet', 'no progress bars')
    .action(action(async (opts: { from: string; to: string; quiet?: boolean }) => {
      if (opts.from === opts.to) throw new KwhubError('param.invalid', '--from and --to name the same database');
      const source = await openStore(opts.from, { moveProgress: moveProgress() });
      const target = await openStore(opts.to, { moveProgress: moveProgress() });
      try {
        const bars = new Map<string, cliProgress.SingleBar>();
        const labels = { entities: 'sites and people', readings: 'raw readings (months)', billed: 'billed history (sites)', pipeline: 'validating (sites)' };
        const counts = await copyDeployment(source, target, createPipeline(target, systemClock), (phase, done, total) => {
          if (opts.quiet) return;
          let bar = bars.get(phase);
          if (!bar) {
            for (const b of bars.values()) b.stop();
            bar = new cliProgress.SingleBar({ format: `${labels[phase].padEnd(24)} [{bar}] {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
            bar.start(total, 0);
            bars.set(phase, bar);
          }
          bar.update(done);
        });
        for (const b of bars.values()) b.stop();
        process.stdout.write(`copied ${counts.sites} sites, ${counts.meters} meters, ${counts.sensors} sensors, ${counts.gateways} gateways, ${counts.developers} developers, ${counts.grants} grants, ${counts.residents} residents, ${counts.tenancies} tenancies, ${counts.operators} operator accounts, ${counts.readings} readings, ${counts.sensorReadings} sensor readings, ${counts.billedIntervals} billed intervals, ${counts.billingSetups} billing setups, ${counts.billingRuns} billing runs\n`);

        // verify: the same rows, and the same answers
        let ok = true;
        for (const site of await source.listSites()) {
          const [ms, mt] = await Promise.all([source.listMeters(site.id), target.listMeters(site.id)]);
          const [ss, st] = await Promise.all([source.listSensors(site.id), target.listSensors(site.id)]);
          let rawS = 0;
          let rawT = 0;
          for (const m of ms.filter((x) => x.rule === null)) {
            const e = await source.rawExtent(m.id);
            if (!e) continue;
            rawS += (await source.rawReadings(m.id, e.from, e.to)).length;
            rawT += (await target.rawReadings(m.id, e.from, e.to)).length;
          }
          const [a, b] = await Promise.all([servedChecksum(source, site.id), servedChecksum(target, site.id)]);
          const same = ms.length === mt.length && ss.length === st.length && rawS === rawT && a.sha256 === b.sha256 && a.rows === b.rows;
          ok &&= same;
          process.stdout.write(`${same ? 'verified' : 'MISMATCH'} site ${site.id}: ${mt.length}/${ms.length} meters, ${st.length}/${ss.length} sensors, ${rawT}/${rawS} raw readings, site_data (D, ${b.rows} rows) sha256 ${b.sha256.slice(0, 16)}${a.sha256 === b.sha256 ? ' = source' : ` ≠ source ${a.sha256.slice(0, 16)}`}\n`);
        }
        if (!ok) {
          process.stderr.write('kwhub: the copy differs from the source (see above); run the same command again to resume\n');
          process.exitCode = 1;
        }
      } finally {
        await source.close();
        await target.close();
      }
    }));
}
