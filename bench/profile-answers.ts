/**
 * Where a big series answer spends its time (R2, R4, C1): run after
 * bench/answers.ts built its database, with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-answers.ts [15T|H] [identity|gzip|br] [month|year]
 * One process serves and fetches (the client only counts bytes); it prints the
 * median time and the process's peak RSS (with `year`: the widest answer).
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
const freq = process.argv[2] ?? '15T';
const encoding = process.argv[3] ?? 'identity';
const span = process.argv[4] ?? 'month';
const runs = Number(process.env.RUNS ?? (span === 'year' ? 1 : 20));
const site = benchSite(1, 60);
const store = new SqliteStore({ path });
const { app } = await createApp({ store, config: parseConfig({ KWHUB_LOG_LEVEL: 'warn', KWHUB_RATE_LIMIT_MAX: '0', KWHUB_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef' }, { db: path }) });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const auth = await fetch(`${url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
const token = ((await auth.json()) as { access_token: string }).access_token;
const body = JSON.stringify({ t_s: '2025-01-01T00:00:00', t_e: span === 'year' ? '2026-01-01T00:00:00' : '2025-02-01T00:00:00', sampling_frequency: freq });
const once = () => new Promise<number>((resolve, reject) => {
  const req = request(`${url}/api/v1/site_data/${site.id}/electricity`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': encoding },
  }, (res) => {
    let n = 0;
    res.on('data', (d: Buffer) => (n += d.length));
    res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(String(res.statusCode)))));
  });
  req.on('error', reject);
  req.end(body);
});
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  bytes = await once();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
process.stdout.write(`${span} at ${freq} ${encoding}: ${bytes} bytes, median ${times[runs >> 1].toFixed(1)} ms, min ${times[0].toFixed(1)} ms, peak RSS ${peak.toFixed(0)} MiB\n`);
await app.close();
