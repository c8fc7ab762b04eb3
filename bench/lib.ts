/** Small tools of the benchmark suite: timing, medians, a server subprocess, the machine's description. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { createServer } from 'node:net';

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
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    times.push(await timeIt(fn));
  }
  return median(times);
}

/** a full collection when run with --expose-gc (npm run bench does): one phase's garbage is not the next one's pause */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Medians of `a` and `b` run in turns (a, b, a, b, …): a noisy moment of a
 * shared machine then hits both sides of a ratio, not one.
 */
export async function pairedMedianMs(runs: number, a: () => Promise<unknown> | unknown, b: () => Promise<unknown> | unknown, warmup = 3): Promise<[number, number]> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    // each timed run starts on a collected heap: the last run's garbage is not this one's pause
    collectGarbage();
    ta.push(await timeIt(a));
    collectGarbage();
    tb.push(await timeIt(b));
  }
  return [median(ta), median(tb)];
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}, Node ${process.version}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
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
