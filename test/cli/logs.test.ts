/**
 * The server's logs as a person sees them: readable lines on an interactive
 * terminal (a pseudo-terminal made by `script`, from util-linux), JSON lines
 * when the output is a pipe or a file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { BIN, ROOT, childEnv, freePort, serve } from '../helpers/cli.js';
import { request } from '../helpers/server.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-logs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `kwhub serve` on a pseudo-terminal, asked one request; what the terminal showed up to that request's log line */
async function serveOnTerminal(db: string): Promise<string> {
  const port = await freePort();
  const cmd = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} serve --db ${JSON.stringify(db)} --port ${port}`;
  const child = spawn('script', ['-qefc', cmd, '/dev/null'], { cwd: ROOT, env: childEnv({ KWHUB_LOG_LEVEL: 'info', TERM: 'xterm' }), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let out = '';
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    await new Promise<void>((resolve, reject) => {
      const on = (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening on')) resolve();
      };
      child.stdout!.on('data', on);
      child.stderr!.on('data', on);
      child.once('exit', (code) => reject(new Error(`script exited (${code}): ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/all_installations`);
    expect(res.status).toBe(401);
    // the request's log lines come right after the answer; wait for the "request completed" one
    for (let i = 0; !/request completed/.test(out); i++) {
      if (i === 500) throw new Error(`no "request completed" log line on the terminal:\n${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return out;
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

describe('server logs', () => {
  it('should print readable lines on an interactive terminal, not JSON', async () => {
    const out = await serveOnTerminal(join(dir, 'tty.sqlite'));
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/m);
    expect(plain).toMatch(/INFO: request completed/);
    expect(plain).not.toMatch(/\{"level":/);
  }, 60_000);

  it('should write JSON lines when the output is a pipe', async () => {
    const s = await serve(join(dir, 'pipe.sqlite'), { KWHUB_LOG_LEVEL: 'info' });
    try {
      // pino writes to a pipe asynchronously: the line may follow the start banner by a moment (bounded wait)
      let line: string | undefined;
      for (let i = 0; !(line = s.output().split('\n').find((l) => l.includes('Server listening at'))) && i < 500; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(line, s.output()).toBeDefined();
      const entry = JSON.parse(line!);
      expect(entry.level).toBe(30);
      expect(entry.msg).toMatch(/^Server listening at http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await s.stop();
    }
  }, 60_000);
});

describe('a stored password hash that cannot be read', () => {
  it('should refuse the login as usual and log an error for the operator naming the developer', async () => {
    const db = join(dir, 'corrupt.sqlite');
    const store = await openStore(db);
    try {
      // a row edited by hand, or damaged: not an argon2 hash at all
      await store.insertDeveloper({ id: '64b0c1300000000000000001', username: 'broken.dev', password_hash: 'not-an-argon2-hash', created_at: Date.now() });
    } finally {
      await store.close();
    }
    const s = await serve(db, { KWHUB_LOG_LEVEL: 'warn' });
    try {
      const res = await request(s.url, 'POST', '/api/v1/auth', { json: { username: 'broken.dev', password: 'whatever-it-was' } });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('auth.bad_credentials');
      let line: string | undefined;
      for (let i = 0; !(line = s.output().split('\n').find((l) => l.includes('broken.dev'))); i++) {
        if (i === 500) throw new Error(`no error logged for the unreadable hash:\n${s.output()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const entry = JSON.parse(line);
      expect(entry.level).toBe(50);
      expect(entry.msg).toMatch(/stored password hash of developer "broken\.dev" cannot be read/);
      expect(entry.msg).toMatch(/set a new password/);
      // and a wrong password for a sound hash is no error
      const other = await request(s.url, 'POST', '/api/v1/auth', { json: { username: 'nobody', password: 'x' } });
      expect(other.status).toBe(401);
      expect(s.output().split('\n').filter((l) => l.includes('"level":50'))).toHaveLength(1);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
