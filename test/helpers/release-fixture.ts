/** The release fixture (test/fixtures/release-db, see its README) and the exports its sha256 list names. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, childEnv } from './cli.js';

export const FIXTURE_DIR = join(ROOT, 'test', 'fixtures', 'release-db');
export const FIXTURE_DB = join(FIXTURE_DIR, 'kwhub-v9.sqlite');
export const FIXTURE_SITE = '60dc9374b09d0f23bfaa841c';
/** the fixture's interval rows (one per meter and 15 minutes) */
export const FIXTURE_ROWS = 16_016;

export interface ExpectedExport {
  kind: 'site_data' | 'meter_data';
  /** the meter type (site_data) or meter id (meter_data) */
  what: string;
  freq: string;
  sha256: string;
}

export function expectedExports(): ExpectedExport[] {
  return readFileSync(join(FIXTURE_DIR, 'expected-sha256.txt'), 'utf8').trim().split('\n').map((line) => {
    const [kind, what, freq, sha256] = line.trim().split(/\s+/);
    return { kind: kind as ExpectedExport['kind'], what, freq, sha256 };
  });
}

/** a copy of the fixture in `dir` (the original is never opened by a test) */
export function copyFixture(dir: string, name = 'kwhub.sqlite'): string {
  const to = join(dir, name);
  copyFileSync(FIXTURE_DB, to);
  return to;
}

/** the `kwhub export` arguments of the fixture's README for one line of expected-sha256.txt */
export function exportArgs(db: string, e: ExpectedExport, site = FIXTURE_SITE): string[] {
  return ['export', '--db', db, '--site', site, e.kind === 'site_data' ? '--type' : '--meter', e.what, '--freq', e.freq, '--from', '2026-03-26', '--to', '2026-03-31'];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** the CLI as a subprocess, with how it ended (a signal included) */
export function kwhubExit(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), timeout: 300_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
      res({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** sha256 of `kwhub export` for each expected line (a few at a time); a failed export fails the test with its stderr */
export async function exportHashes(db: string, lines: ExpectedExport[], site = FIXTURE_SITE): Promise<string[]> {
  const out = new Array<string>(lines.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < lines.length; i = next++) {
      const r = await kwhubExit(exportArgs(db, lines[i], site));
      if (r.code !== 0) throw new Error(`kwhub ${exportArgs(db, lines[i], site).join(' ')} failed (${r.code ?? r.signal}): ${r.stderr}`);
      out[i] = createHash('sha256').update(r.stdout).digest('hex');
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return out;
}

/** sha256 of the developer API's CSV answer (the same CSV as `kwhub export`) for each expected line, from a running server */
export async function servedHashes(url: string, lines: ExpectedExport[], site = FIXTURE_SITE): Promise<string[]> {
  const { devApi, login } = await import('./server.js');
  const { DEMO_PASSWORD, DEMO_USERNAME } = await import('../../src/ingest/demo.js');
  const dev = devApi({ url }, await login({ url }, DEMO_USERNAME, DEMO_PASSWORD));
  const out: string[] = [];
  for (const e of lines) {
    const path = e.kind === 'site_data' ? `/site_data/${site}/${e.what}` : `/meter_data/${site}/${e.what}`;
    const res = await dev.post(path, { t_s: '2026-03-26', t_e: '2026-03-31', sampling_frequency: e.freq }, { headers: { Accept: 'text/csv' } });
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    out.push(createHash('sha256').update(res.text).digest('hex'));
  }
  return out;
}
