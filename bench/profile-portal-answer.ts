/**
 * Peak RSS and time of the portal's biggest series answer (a site's year at
 * 15T as columns), in-process, after bench/answers.ts built its database:
 *   node --import tsx bench/profile-portal-answer.ts [15T|H]
 */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createApp } from '../src/server/app.js';
import { parseConfig } from '../src/config/config.js';
import { benchSite } from './data.js';

const path = process.env.ANSWERS_DB ?? join(tmpdir(), 'kwhub-answers-bench.sqlite');
const ADMIN = 'bench-admin-token-0123456789abcdef';
const freq = process.argv[2] ?? '15T';
const site = benchSite(1, 60);
const store = new SqliteStore({ path });
const { app } = await createApp({ store, config: parseConfig({ KWHUB_LOG_LEVEL: 'warn', KWHUB_RATE_LIMIT_MAX: '0', KWHUB_ADMIN_TOKEN: ADMIN }, { db: path }) });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const login = await fetch(`${url}/api/portal/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN }) });
const cookie = /kwhub_session=[^;]*/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
const rss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const before = rss();
const t = performance.now();
const bytes = await new Promise<number>((resolve, reject) => {
  const q = new URLSearchParams({ t_s: '2025-01-01T00:00:00', t_e: '2026-01-01T00:00:00', sampling_frequency: freq });
  request(`${url}/api/portal/v1/sites/${site.id}/data/electricity?${q}`, { headers: { cookie, 'accept-encoding': 'identity' } }, (res) => {
    let n = 0;
    res.on('data', (d: Buffer) => (n += d.length));
    res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(String(res.statusCode)))));
  }).on('error', reject).end();
});
process.stdout.write(`portal site year at ${freq}: ${bytes} bytes in ${(performance.now() - t).toFixed(0)} ms, peak RSS ${before.toFixed(0)} -> ${rss().toFixed(0)} MiB\n`);
await app.close();
