/**
 * The README's promise on a fresh clone: `git clone` of the committed state,
 * `npm ci`, then `npm start` builds, creates the demo community on the empty
 * database and serves on 127.0.0.1:8080 with a printed quickstart; the
 * README's own curl walkthrough ("## Quickstart"), run verbatim with
 * `bash -euo pipefail`, gets the demo site, its meters and daily rows; a
 * second `npm start` reuses the data. The README's test command is the one
 * CI runs (it is not run here: this file is part of it).
 *
 * Slow by nature (npm ci compiles better-sqlite3, the demo generates a year):
 * minutes, not seconds. Nothing here asserts a duration.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERNAME, DEFAULT_DEMO_SEED } from '../../src/ingest/demo.js';
import { demoSite } from '../../src/demo/site.js';
import { jsonSequence } from '../helpers/demo.js';
import { freePort } from '../helpers/cli.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: HERE, encoding: 'utf8' }).trim();
const README_PORT = 8080;
const SITE_ID = demoSite(DEFAULT_DEMO_SEED).siteId;
const MIN = 60_000;

/** the environment of a child: ours minus kWhub settings and what vitest or an outer npm set, plus `extra` */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('KWHUB_') || k.startsWith('VITEST') || k.startsWith('npm_') || k === 'NODE_ENV' || k === 'TEST') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === null ? `\n[${String(err.message)}]` : '') });
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = net.createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** `npm start` in its own process group, with what it printed so far */
interface Started {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function npmStart(cwd: string, port: number): Started {
  const extra: Record<string, string> = { KWHUB_LOG_LEVEL: 'warn' };
  if (port !== README_PORT) extra.KWHUB_PORT = String(port);
  const child = spawn('npm', ['start'], { cwd, env: childEnv(extra), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out.stderr += s));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, out, exited };
}

/** resolves once the quickstart is printed in full; rejects if the process ends first or `timeoutMs` passes */
async function untilServing(s: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void s.exited.then((c) => (exitCode = c));
  while (!/kWhub is serving[\s\S]*Stop with Ctrl-C/.test(s.out.stdout)) {
    if (exitCode !== undefined || Date.now() > deadline) {
      throw new Error(`npm start ${exitCode !== undefined ? `exited with ${exitCode}` : `printed no quickstart in ${timeoutMs / 1000} s`}\n--- stdout\n${s.out.stdout.slice(-3000)}\n--- stderr\n${s.out.stderr.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM to the whole process group (npm, sh, node), SIGKILL if it lingers */
async function stop(s: Started | null): Promise<void> {
  if (!s || s.child.pid === undefined || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const group = -s.child.pid;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  const done = await Promise.race([s.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  if (!done) {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      /* gone */
    }
    await s.exited;
  }
  // the group's other members (the node server under npm and sh) end with it; give them a moment to release the port
  for (let i = 0; i < 40 && !(await portIsFree(port)); i++) await new Promise((r) => setTimeout(r, 250));
}

/** the body of the first ```sh block of the section whose heading line starts with `heading` (before the next heading of that level) */
function shBlockAfter(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l === heading || l.startsWith(`${heading} `) || l.startsWith(`${heading}:`));
  if (at < 0) throw new Error(`README has no "${heading}" section`);
  const level = /^#+/.exec(heading)![0];
  let fence = false;
  const end = lines.findIndex((l, i) => {
    if (i <= at) return false;
    if (l.startsWith('```')) fence = !fence;
    return !fence && new RegExp(`^#{1,${level.length}} `).test(l);
  });
  const section = lines.slice(at + 1, end < 0 ? undefined : end).join('\n');
  const m = /^```sh\n([\s\S]*?)^```/m.exec(section);
  if (!m) throw new Error(`no sh block under "${lines[at]}"`);
  return m[1];
}

let tmp: string;
let clone: string;
let readme: string;
let port: number;
let server: Started | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kwhub-readme-'));
  clone = join(tmp, 'kwhub');
  const cloned = await run('git', ['clone', '--quiet', ROOT, clone], { cwd: tmp, timeoutMs: 2 * MIN });
  if (cloned.code !== 0) throw new Error(`git clone ${ROOT}: ${cloned.stderr}`);
  const ci = await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: clone, timeoutMs: 6 * MIN });
  if (ci.code !== 0) throw new Error(`npm ci failed (${ci.code})\n${ci.stdout.slice(-3000)}\n${ci.stderr.slice(-3000)}`);
  readme = await readFile(join(clone, 'README.md'), 'utf8');
  port = (await portIsFree(README_PORT)) ? README_PORT : await freePort();
}, 7 * MIN);

afterAll(async () => {
  await stop(server);
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 2 * MIN);

describe('README: the two commands on a fresh clone', () => {
  it('should name `npm ci && npm start` and `npm ci && npm test` as the two commands, the second being what .ci/run runs', async () => {
    const commands = shBlockAfter(readme, '## Two commands').split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
    const pkg = JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/\bnode bin\/kwhub\.js start\b/);
    // the type-check of the tests and benchmarks, then every suite per engine (scripts/test-engines.mjs runs vitest)
    expect(pkg.scripts.test).toMatch(/\btsc -p tsconfig\.test\.json\b.*\bnode scripts\/test-engines\.mjs\b/);
    expect(await readFile(join(clone, 'scripts', 'test-engines.mjs'), 'utf8')).toMatch(/\['vitest', 'run'/);
    const ci = (await readFile(join(clone, '.ci', 'run'), 'utf8')).split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
    // .ci/run runs the README's test command, verbatim
    expect(ci).toContain(commands[1]);
  });

  it('should build, create the demo and print the quickstart on the first `npm start`', async () => {
    expect(existsSync(join(clone, 'kwhub.sqlite'))).toBe(false);
    server = npmStart(clone, port);
    try {
      await untilServing(server, 8 * MIN);
    } catch (e) {
      // another process took the port while the demo was being created (e.g. a second test run): start afresh on a free one
      if (!/EADDRINUSE/.test(server.out.stdout + server.out.stderr)) throw e;
      await stop(server);
      for (const f of ['kwhub.sqlite', 'kwhub.sqlite-wal', 'kwhub.sqlite-shm']) await rm(join(clone, f), { force: true });
      port = await freePort();
      server = npmStart(clone, port);
      await untilServing(server, 8 * MIN);
    }
    const out = server.out.stdout;
    expect(out).toMatch(/creating the demo community/);
    expect(out).toContain(`demo site "Sonnenhof": ${SITE_ID}`);
    expect(out).toContain(`username "${DEMO_USERNAME}", password "${DEMO_PASSWORD}"`);
    expect(out).toContain(`kWhub is serving http://127.0.0.1:${port}/api/v1`);
    expect(out).toContain(`/meter_info/${SITE_ID}`);
    // the operator token: printed on this first start (and never again, see the second start)
    expect(out).toMatch(/Generated the operator \(admin\) token\. It is stored hashed and will not be shown again:\n\n {2}\S{32,}\n/);
    expect(existsSync(join(clone, 'kwhub.sqlite'))).toBe(true);
  }, 9 * MIN);

  it('should run the README quickstart verbatim with bash -euo pipefail: the demo site, its meters, daily rows', async () => {
    expect(server, 'the first npm start').not.toBeNull();
    const block = shBlockAfter(readme, '## Quickstart');
    expect(block).toContain(`http://127.0.0.1:${README_PORT}/api/v1`);
    const script = port === README_PORT ? block : block.split(`127.0.0.1:${README_PORT}`).join(`127.0.0.1:${port}`);
    const r = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: clone, timeoutMs: 2 * MIN });
    expect(r.code, `the quickstart failed\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`).toBe(0);

    const answers = jsonSequence(r.stdout);
    expect(answers, r.stdout.slice(0, 500)).toHaveLength(3);
    const [installations, meters, rows] = answers as [Record<string, unknown>[], Record<string, unknown>[], Record<string, unknown>[]];
    expect(installations.map((s) => s.site_id)).toContain(SITE_ID);
    expect(Array.isArray(meters)).toBe(true);
    expect(meters).toHaveLength(56);
    for (const m of meters) expect(typeof m.is_rule_meter).toBe('boolean');
    expect(r.stdout).toContain('"is_rule_meter"');
    expect(Array.isArray(rows)).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) {
      expect(typeof row.conso_total).toBe('number');
      expect(row.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} 00:00:00\+0[12]:00$/);
    }
  }, 3 * MIN);

  it('should reuse the data on a second `npm start` of the same clone: no new demo, the same site', async () => {
    await stop(server);
    server = null;
    // on a shared machine another process may have taken the port in between: the data, not the port, is what is reused
    if (!(await portIsFree(port))) port = await freePort();
    server = npmStart(clone, port);
    await untilServing(server, 4 * MIN);
    const printed = server.out.stdout + server.out.stderr;
    expect(printed).not.toMatch(/creating the demo/i);
    // the operator token is printed once, on the first start only
    expect(printed).not.toMatch(/Generated the operator/);
    expect(server.out.stdout).toContain(`kWhub is serving http://127.0.0.1:${port}/api/v1`);
    expect(server.out.stdout).toContain(`/meter_info/${SITE_ID}`);

    const api = `http://127.0.0.1:${port}/api/v1`;
    const auth = await fetch(`${api}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: DEMO_USERNAME, password: DEMO_PASSWORD }) });
    expect(auth.status).toBe(200);
    const { access_token } = (await auth.json()) as { access_token: string };
    const sites = await fetch(`${api}/all_installations`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(sites.status).toBe(200);
    expect(((await sites.json()) as { site_id: string }[]).map((s) => s.site_id)).toEqual([SITE_ID]);
  }, 6 * MIN);
});
