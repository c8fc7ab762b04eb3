/**
 * The three processes of the gateway setup, run as a user runs them: `kwhub
 * serve`, `kwhub meter-sim` and `kwhub gateway` as subprocesses on loopback,
 * with a demo site applied through `kwhub apply` and a gateway token from the
 * operator API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { demoSiteDocument } from '../../src/demo/site.js';
import { BIN, ROOT, childEnv, freePort, kwhub } from '../helpers/cli.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

export const QH = 15 * 60_000;
export const SEED = 1;
export const DEV = { username: 'gw-dev', password: 'gw-dev-password-1' };

export interface Proc {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, resolved on exit */
  stop(): Promise<void>;
  /** SIGKILL, resolved on exit: nothing gets to clean up */
  kill9(): Promise<void>;
  exited(): Promise<number | null>;
}

export function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const on = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', on);
  child.stderr!.on('data', on);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const done = () => child.exitCode !== null || child.signalCode !== null;
  const signal = (sig: NodeJS.Signals) => async () => {
    if (!done()) child.kill(sig);
    await exit;
  };
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs = 30_000) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(out)) {
          listeners.delete(check);
          clearTimeout(t);
          resolve();
        }
      };
      const t = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${re} in: ${out.slice(-2000)}`));
      }, timeoutMs);
      listeners.add(check);
      void exit.then((code) => {
        if (!re.test(out)) {
          listeners.delete(check);
          clearTimeout(t);
          reject(new Error(`kwhub ${args[0]} exited (${code}) before ${re}: ${out.slice(-2000)}`));
        }
      });
      check();
    }),
    stop: signal('SIGTERM'),
    kill9: signal('SIGKILL'),
    exited: () => exit,
  };
}

/** a test clock spec both processes share: `start` shown at real instant `origin`, `speed` times faster */
export function clockSpec(start: number, speed: number, origin: number): string {
  return `start=${new Date(start).toISOString()},speed=${speed},origin=${origin}`;
}

export async function serveDemoSite(dir: string, port: number): Promise<{ siteId: string; url: string; token: string; server: Proc; meterIds: Map<number, string> }> {
  const db = join(dir, 'kwhub.sqlite');
  const demo = demoSiteDocument(SEED);
  // On the fast test clock a reading is stamped with its quarter-hour but taken up to a few simulated minutes into it
  // (a millisecond is seconds of simulated time), so one quarter-hour may show more energy than the meter's maximum
  // power allows; real-time gateways read within seconds. Without a maximum, validation keeps every register step.
  const doc = { ...demo, meters: demo.meters.map((m) => ({ ...m, max_power_kw: null })), developers: [{ ...DEV, consent_ref: 'gateway e2e' }] };
  writeFileSync(join(dir, 'site.json'), JSON.stringify(doc));
  const applied = await kwhub(['apply', join(dir, 'site.json'), '--db', db]);
  if (applied.code !== 0) throw new Error(`kwhub apply: ${applied.stderr}`);
  const server = startServer(db, port);
  await server.waitFor(/listening on/);
  const url = `http://127.0.0.1:${port}`;
  const res = await fetch(`${url}/api/admin/v1/sites/${doc.id}/gateways`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'e2e' }) });
  if (res.status !== 201 && res.status !== 200) throw new Error(`create gateway: ${res.status} ${await res.text()}`);
  const { token } = await res.json() as { token: string };
  return { siteId: doc.id, url, token, server, meterIds: new Map(doc.meters.map((m) => [m.prim_ad, m.id])) };
}

export function startServer(db: string, port: number): Proc {
  return start(['serve', '--db', db, '--port', String(port)], { KWHUB_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KWHUB_RATE_LIMIT_MAX: '0', KWHUB_LOG_LEVEL: 'warn' });
}

export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** edits the gateway.yaml meter-sim wrote: test ports and paths, short loopback timeouts */
export function editGatewayYaml(file: string, edit: { apiPort: number; queuePath: string; liveSeconds: number; modbusTimeoutMs: number; mbusTimeoutMs: number; retryMaxSeconds: number }): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['local_api', 'port'], edit.apiPort);
  doc.setIn(['queue', 'path'], edit.queuePath);
  doc.setIn(['poll', 'live_seconds'], edit.liveSeconds);
  doc.setIn(['server', 'retry_max_seconds'], edit.retryMaxSeconds);
  const buses = doc.get('buses') as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
  for (const b of buses.items) {
    b.set('timeout_ms', b.get('type') === 'modbus_tcp' ? edit.modbusTimeoutMs : edit.mbusTimeoutMs);
    b.set('retries', 0);
  }
  writeFileSync(file, doc.toString());
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

export async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEV) });
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function devPost(url: string, token: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** the simulator's record: every energy register it served, per prim_ad, in order */
export function readRecord(file: string): Map<number, { t: number; [k: string]: number }[]> {
  const out = new Map<number, { t: number; [k: string]: number }[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { prim_ad: number; t: number; en_im?: number; en_ex?: number };
    if (!out.has(r.prim_ad)) out.set(r.prim_ad, []);
    const list = out.get(r.prim_ad)!;
    const prev = list[list.length - 1];
    // a meter whose export register lies far from its import register is read in two requests: one reading
    if (r.en_im === undefined && r.en_ex !== undefined && prev && prev.en_ex === undefined) prev.en_ex = r.en_ex;
    else list.push(r);
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
