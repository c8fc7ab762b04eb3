/**
 * Where a year's bulk import spends its time on PostgreSQL (I1 pg): the wall
 * time of every statement the store sends, summed by statement text, next to
 * the plain unnest INSERT of the same rows (the floor of I1 pg). Run with
 *   KWHUB_BENCH_PG_URL=postgres://postgres@127.0.0.1:55432/postgres node --import tsx bench/profile-pg.ts
 * (add --cpu-prof --cpu-prof-dir=/tmp/prof for the client side's CPU profile).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import { createDeps } from '../src/server/context.js';
import { systemClock } from '../src/core/clock.js';
import { applySiteDocument } from '../src/server/modules/admin/apply.usecase.js';
import { ingestBatch } from '../src/ingest/ingest.js';
import { benchReadings, benchSite } from './data.js';
import { pgDatabase, plainUnnestInsert } from './pg.js';

const url = process.env.KWHUB_BENCH_PG_URL ?? process.env.KWHUB_TEST_PG_URL;
if (!url) throw new Error('set KWHUB_BENCH_PG_URL');
const site = benchSite(1, 60);
const batches = [...benchReadings(site, Date.UTC(2025, 0, 1), 365 * 96 - 1, 50_000)];
const readings = batches.reduce((n, b) => n + b.length, 0);
const pk = new Map([...site.consumers, site.pv, site.grid].map((id, i) => [id, i + 1]));

/**
 * CPU milliseconds the server's backends spent for one database (this machine is shared and
 * busy: CPU time is steadier than wall time). Backends are sampled from pg_stat_activity every
 * 100 ms; a backend's last sample counts.
 */
function backendCpu(admin: string, database: () => string): { stop(): Promise<number> } {
  const c = new pg.Client({ connectionString: admin });
  const last = new Map<number, number>();
  const first = new Map<number, number>();
  const ticks = (pid: number): number | undefined => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return undefined;
    }
  };
  let running = true;
  const loop = (async () => {
    await c.connect();
    while (running) {
      const r = await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database()]);
      for (const { pid } of r.rows as { pid: number }[]) {
        const t = ticks(pid);
        if (t === undefined) continue;
        if (!first.has(pid)) first.set(pid, 0);
        last.set(pid, t);
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    await c.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      let sum = 0;
      for (const [pid, t] of last) sum += t - first.get(pid)!;
      return sum * 10;
    },
  };
}
const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);

let plainDb = '';
const plainCpu = backendCpu(url, () => plainDb);
const plainClient = process.cpuUsage();
const plain = await plainUnnestInsert(url, batches, pk, (name) => {
  plainDb = name;
});
console.log(`plain unnest INSERT of ${readings} readings: ${Math.round(plain)} ms, client CPU ${cpuMs(process.cpuUsage(plainClient))} ms, server CPU ${await plainCpu.stop()} ms`);

// every statement's wall time (round trip included), by its text
const spent = new Map<string, { n: number; ms: number }>();
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const a0 = args[0] as string | { text: string };
  const text = (typeof a0 === 'string' ? a0 : a0?.text ?? '?').replace(/\s+/g, ' ').slice(0, 110);
  const t = performance.now();
  const done = () => {
    const s = spent.get(text) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += performance.now() - t;
    spent.set(text, s);
  };
  // pg.Pool's query passes a callback; a client's own query returns a promise
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const cb = args[last] as (...x: unknown[]) => unknown;
    args[last] = (...x: unknown[]) => {
      done();
      return cb(...x);
    };
  }
  const out = query.apply(this, args);
  if (out && typeof (out as Promise<unknown>).then === 'function') void (out as Promise<unknown>).then(done, () => undefined);
  return out;
};

const db = await pgDatabase(url);
try {
  const store = await openStore(db.url);
  await store.migrate();
  const deps = createDeps(store, systemClock);
  await applySiteDocument(deps, site.doc);
  spent.clear();
  const server = backendCpu(url, () => new URL(db.url).pathname.slice(1));
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  for (const b of batches) await ingestBatch(deps, site.id, { meters: b }, { process: false });
  const ingestMs = performance.now() - t;
  t = performance.now();
  await deps.pipeline.run(site.id);
  const pipelineMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = await server.stop();
  console.log(`stored in ${Math.round(ingestMs)} ms, validated and allocated in ${Math.round(pipelineMs)} ms: ${((ingestMs + pipelineMs) / plain).toFixed(2)}× the plain insert`);
  console.log(`client CPU ${cpuMs(cpu)} ms, server CPU ${serverMs} ms`);
  for (const [text, s] of [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
    console.log(`${String(Math.round(s.ms)).padStart(7)} ms ${String(s.n).padStart(5)}×  ${text}`);
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const size = async (table: string) => (await c.query(`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS b FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1`, [table])).rows[0].b as number;
  const raw = await size('raw_readings');
  console.log(`raw_readings: ${(raw / 2 ** 20).toFixed(1)} MiB, ${(raw / readings).toFixed(1)} B per reading (indexes included)`);
  await c.end();
  await store.close();
} finally {
  await db.drop();
}
