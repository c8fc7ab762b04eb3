/** Running the built `kwhub` CLI as a subprocess, as a user would (needs `npm run build`). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'kwhub.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** our environment minus any KWHUB_* setting, plus `extra` */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KWHUB_')) env[k] = v;
  return { ...env, ...extra };
}

export function kwhub(args: string[], env: Record<string, string> = {}, timeout = 120_000): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
  });
}

/** `kwhub serve` on a free port, resolved once it listens */
export async function serve(db: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], { cwd: ROOT, env: childEnv({ KWHUB_LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolveReady, reject) => {
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolveReady();
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`kwhub serve exited (${code}): ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    /** what it printed so far, stdout and stderr */
    output: () => out,
    stop: () => new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}
