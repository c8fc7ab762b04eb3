/**
 * Where a gateway push spends its time (I2): run with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-push.ts
 * One process serves and pushes (the client's share is small: bodies are prebuilt).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createApp } from '../src/server/app.js';
import { parseConfig } from '../src/config/config.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { createGateway } from '../src/server/modules/admin/admin.usecases.js';
import { benchReadings, benchSite } from './data.js';

const path = join(tmpdir(), 'kwhub-profile-push.sqlite');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const site = benchSite(2, 60);
const store = new SqliteStore({ path });
await store.migrate();
const { app, ctx } = await createApp({ store, config: parseConfig({ KWHUB_LOG_LEVEL: 'warn', KWHUB_ADMIN_TOKEN: 'profile-admin-token-0123456789abcdef' }, { db: path }) });
await applySiteDocument(ctx, site.doc);
const gw = await createGateway(ctx, site.id, { name: 'profile' });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const bodies = [...benchReadings(site, Date.UTC(2025, 0, 1), Math.ceil(500_000 / 62), 10_000)].map((b) => JSON.stringify({ meters: b }));
const t = performance.now();
let n = 0;
for (const body of bodies) {
  const r = await fetch(`${url}/api/gateway/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' }, body });
  const res = (await r.json()) as { stored: number };
  if (r.status !== 200) throw new Error(`push: ${r.status} ${JSON.stringify(res)}`);
  n += res.stored;
}
const ms = performance.now() - t;
console.log(`pushed ${n} readings in ${bodies.length} batches in ${Math.round(ms)} ms = ${Math.round(n / (ms / 1000))} readings/s`);
await app.close();
await store.close();
