/** Small tools of the benchmark suite: timing, medians, a server subprocess, the machine's description. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cpus, totalmem, type as osType, release } from 'node:os';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** runs `fn` `runs` times after `warmup` runs (JIT, caches, fresh pages of a new process) and returns the median milliseconds */
export async function medianMs(runs: number, fn: () => Promise<unknown> | unknown, warmup = 3): Promise<number> {
  return (await mediansInTurns(runs, [fn], warmup))[0];
}

/** a full collection when run with --expose-gc (npm run bench does): one phase's garbage is not the next one's pause */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Medians of several measurements run in turns (a, b, a, b, …): a noisy
 * moment of a shared machine then hits both sides of a ratio, not one. Each
 * timed run starts on a collected heap: the last run's garbage is not this
 * one's pause.
 */
export async function mediansInTurns(runs: number, fns: (() => Promise<unknown> | unknown)[], warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const times = fns.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      collectGarbage();
      times[k].push(await timeIt(fns[k]));
    }
  }
  return times.map(median);
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}, Node ${process.version}`;
}

/** peak resident set size of a process so far, in MiB (Linux) */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** starts `node <script> <args>` and waits for it to print a line matching `ready` */
export async function startProcess(script: string, args: string[], env: Record<string, string>, ready: RegExp, url: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`${script} did not start: ${out.slice(-2000)}`)), 60_000).unref();
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The floor of the import rows: an empty table of raw readings, as plain as SQLite makes it (WAL, durable
 * commits), and its INSERT (meter_pk, ts, en_im, en_ex, received_at). Close the database when done.
 */
export function plainRawTable(path: string): { db: Database.Database; insert: Database.Statement } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE raw (meter_pk INTEGER, ts INTEGER, en_im REAL, en_ex REAL, heat_energy_kwh REAL, vol_m3 REAL, received_at INTEGER, PRIMARY KEY (meter_pk, ts)) WITHOUT ROWID');
  return { db, insert: db.prepare('INSERT INTO raw VALUES (?, ?, ?, ?, NULL, NULL, ?)') };
}
