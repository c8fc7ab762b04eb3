/** `kwhub migrate`, and the progress every command shows while a database from before chunk storage is moved. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { openStore, type MoveProgress, type MoveResult } from '../store/open-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { action, dbOption, loadConfig } from './common.js';

/** VACUUM; returns the bytes the file shrank by */
function vacuum(store: SqliteStore): number {
  const size = () => (store.db.pragma('page_count', { simple: true }) as number) * (store.db.pragma('page_size', { simple: true }) as number);
  const before = size();
  store.db.exec('VACUUM');
  return before - size();
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * The move's progress on stderr: a bar on a terminal, else one plain line per
 * site (logs, CI, systemd). Silent when there is nothing to move.
 */
export function moveProgress(stream: NodeJS.WriteStream = process.stderr): MoveProgress & { result: MoveResult | null } {
  let bar: cliProgress.SingleBar | null = null;
  let t0 = Date.now();
  const rate = (rows: number, ms: number) => fmt(Math.round(rows / Math.max(ms / 1000, 0.001)));
  const p = {
    result: null as MoveResult | null,
    start({ sites, rows }: { sites: number; rows: number }) {
      t0 = Date.now();
      stream.write(`Moving the validated intervals of ${sites} site${sites === 1 ? '' : 's'} (${fmt(rows)} rows) into chunk storage: once, resumable if interrupted…\n`);
      if (stream.isTTY) {
        bar = new cliProgress.SingleBar(
          { format: 'moving intervals [{bar}] {value}/{total} sites | {rows} rows | {rate} rows/s | {eta_formatted} left', hideCursor: true, stream },
          cliProgress.Presets.shades_classic,
        );
        bar.start(sites, 0, { rows: '0', rate: '-' });
      }
    },
    site(s: { siteId: string; done: number; total: number; rows: number; movedRows: number; totalRows: number; elapsedMs: number }) {
      const r = rate(s.movedRows, Date.now() - t0);
      if (bar) bar.update(s.done, { rows: `${fmt(s.movedRows)}/${fmt(s.totalRows)}`, rate: r });
      else if (s.rows === 0) stream.write(`site ${s.siteId} (${s.done}/${s.total} sites): moved meanwhile by another process\n`);
      else stream.write(`moved site ${s.siteId} (${s.done}/${s.total} sites): ${fmt(s.rows)} rows; ${fmt(s.movedRows)}/${fmt(s.totalRows)} rows done, ${r} rows/s\n`);
    },
    finish(result: MoveResult) {
      bar?.stop();
      p.result = result;
      if (result.sites > 0) stream.write(`Moved ${fmt(result.rows)} interval rows of ${result.sites} site${result.sites === 1 ? '' : 's'} into ${fmt(result.chunks)} chunks in ${(result.ms / 1000).toFixed(1)} s, each site verified by checksum; dropped the old intervals table.\n`);
    },
  };
  return p;
}

export function registerMigrate(program: Command): void {
  dbOption(program.command('migrate'))
    .description('bring a database up to date: schema migrations, then (once) the move of old interval rows into chunk storage, verified per site; also done at every start')
    .option('--vacuum', 'SQLite: afterwards rewrite the file without its free pages (after the move, about half of it), giving them back to the disk; needs as much free disk as the file takes')
    .action(action(async (opts: { db?: string; vacuum?: boolean }) => {
      const db = loadConfig({ db: opts.db }).db;
      const progress = moveProgress();
      const store = await openStore(db, { moveProgress: progress });
      let freed: number | null = null;
      try {
        if (opts.vacuum && store instanceof SqliteStore) freed = vacuum(store);
      } finally {
        await store.close();
      }
      const r = progress.result!;
      const name = db.replace(/\/\/[^@]*@/, '//…@');
      process.stdout.write(`schema of ${name} is up to date\n`);
      process.stdout.write(r.alreadyDone
        ? 'validated intervals: already in chunk storage\n'
        : `validated intervals: ${r.sites > 0 ? `moved ${fmt(r.rows)} rows of ${r.sites} site${r.sites === 1 ? '' : 's'} into ${fmt(r.chunks)} chunks (checksums equal)` : 'no old rows to move'}${r.dropped ? '; old intervals table dropped' : ''}\n`);
      if (freed !== null) process.stdout.write(`vacuumed: ${fmt(Math.round(freed / 1024))} KiB given back to the disk\n`);
      else if (r.sites > 0 && store instanceof SqliteStore) process.stdout.write('the file keeps its size (new data reuses the freed pages); `kwhub migrate --vacuum` gives them back to the disk\n');
    }));
}
