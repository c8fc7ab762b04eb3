/**
 * Where a year's bulk import spends its time (I1): run with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-import.ts
 * and read the profile in Chrome DevTools or with any .cpuprofile viewer.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite } from './data.js';

const path = join(tmpdir(), 'kwhub-profile-import.sqlite');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const site = benchSite(1, 60);
const batches = [...benchReadings(site, Date.UTC(2025, 0, 1), 365 * 96 - 1, 50_000)];
const store = new SqliteStore({ path });
await store.migrate();
const deps = createDeps(store, systemClock);
await applySiteDocument(deps, site.doc);
const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
const cpu0 = process.cpuUsage();
let t = performance.now();
for (const b of batches) await ingestBatch(deps, site.id, { meters: b }, { process: false });
console.log(`stored ${batches.reduce((n, b) => n + b.length, 0)} readings in ${Math.round(performance.now() - t)} ms`);
t = performance.now();
const run = await deps.pipeline.run(site.id);
console.log(`validated ${run.intervals} intervals and allocated ${run.allocated} site intervals in ${Math.round(performance.now() - t)} ms`);
console.log(`CPU time of this process: ${cpuMs(process.cpuUsage(cpu0))} ms (GC threads included)`);
await store.close();
