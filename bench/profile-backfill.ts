/**
 * Where a backfill pushed meter by meter spends its time (I3): run with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-backfill.ts [days]
 * One process serves and pushes (bodies are prebuilt, the client's share is small);
 * the clock stops when a site_data read (which runs the site's pending work first) has answered.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createApp } from '../src/server/app.js';
import { parseConfig } from '../src/config/config.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { createGateway } from '../src/server/modules/admin/admin.usecases.js';
import { benchReadings, benchSite, type GatewayReading } from './data.js';

const days = Number(process.argv[2] ?? 120);
const path = join(tmpdir(), 'kwhub-profile-backfill.sqlite');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const site = benchSite(2, 60);
const store = new SqliteStore({ path });
await store.migrate();
const { app, ctx } = await createApp({ store, config: parseConfig({ KWHUB_LOG_LEVEL: 'warn', KWHUB_ADMIN_TOKEN: 'profile-admin-token-0123456789abcdef' }, { db: path }) });
await applySiteDocument(ctx, { ...site.doc, developers: [{ username: 'profile', password: 'profile-password', consent_ref: 'profile' }] });
const gw = await createGateway(ctx, site.id, { name: 'profile' });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
// meter order: each meter's span in sequence, 10,000 readings per push
const byMeter = new Map<string, GatewayReading[]>();
for (const b of benchReadings(site, Date.UTC(2025, 0, 1), days * 96 - 1, 62_000)) for (const r of b) (byMeter.get(r.meter_id) ?? byMeter.set(r.meter_id, []).get(r.meter_id)!).push(r);
const all = [...byMeter.values()].flat();
byMeter.clear();
const bodies: Buffer[] = [];
for (let i = 0; i < all.length; i += 10_000) bodies.push(Buffer.from(JSON.stringify({ meters: all.slice(i, i + 10_000) })));
const auth = await fetch(`${url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'profile', password: 'profile-password' }) });
const token = ((await auth.json()) as { access_token: string }).access_token;
const t = performance.now();
let n = 0;
for (const body of bodies) {
  const r = await fetch(`${url}/api/gateway/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' }, body });
  const res = (await r.json()) as { stored: number };
  if (r.status !== 200) throw new Error(`push: ${r.status} ${JSON.stringify(res)}`);
  n += res.stored;
}
const pushed = performance.now() - t;
const read = await fetch(`${url}/api/v1/site_data/${site.id}/electricity`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ t_s: '2025-01-01', t_e: '2026-01-01', sampling_frequency: 'Y' }) });
if (read.status !== 200) throw new Error(`site_data: ${read.status}`);
await read.text();
const ms = performance.now() - t;
console.log(`pushed ${n} readings in ${bodies.length} batches in ${Math.round(pushed)} ms, served after ${Math.round(ms)} ms = ${Math.round(n / (ms / 1000))} readings/s`);
await app.close();
await store.close();
