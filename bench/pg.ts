/**
 * The PostgreSQL rows of the benchmark (marked "pg"): I1 against a plain
 * unnest INSERT of the same rows, R1, R2 and R3 against their floors, and the
 * bytes per raw reading. `npm run bench` calls benchPostgres when a server is
 * given (KWHUB_BENCH_PG_URL); on its own, for focused measurements:
 *   KWHUB_BENCH_PG_URL=postgres://postgres@127.0.0.1:55432/postgres node --expose-gc --import tsx bench/pg.ts
 */
import pg from 'pg';
import { benchReadings, benchSite, type BenchSite, type GatewayReading } from './data.js';
import { machine, mediansInTurns, timeIt } from './lib.js';
import { floorRows, pgChunks, sizeRows } from './sizes.js';
import { CONSUMERS, fetchText, fmtMs, importSite, iso, log, login, rows, RUNS, serve, sizing, START, YEAR_STEPS } from './run.js';

/** a fresh database on the server of `url`, dropped by the returned function */
export async function pgDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kwhub_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** the floor of I1 pg: the same rows, plain batched INSERTs (unnest) into an empty table, ms */
export async function plainUnnestInsert(url: string, batches: GatewayReading[][], pk: Map<string, number>, created?: (database: string) => void): Promise<number> {
  const db = await pgDatabase(url);
  created?.(new URL(db.url).pathname.slice(1));
  try {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE raw (meter_pk int, ts bigint, en_im float8, en_ex float8, heat_energy_kwh float8, vol_m3 float8, received_at bigint, PRIMARY KEY (meter_pk, ts))');
    const now = Date.now();
    const ms = await timeIt(async () => {
      for (const b of batches) {
        await c.query('INSERT INTO raw SELECT m, t, i, e, NULL, NULL, $5 FROM unnest($1::int[], $2::bigint[], $3::float8[], $4::float8[]) AS x(m, t, i, e)', [
          b.map((r) => pk.get(r.meter_id)), b.map((r) => r.timestamp), b.map((r) => r.en_im), b.map((r) => r.en_ex), now,
        ]);
      }
    });
    await c.end();
    return ms;
  } finally {
    await db.drop();
  }
}

export async function benchPostgres(url: string, site: BenchSite, batches: GatewayReading[][], readings: number, pk: Map<string, number>): Promise<void> {
  const plain = await plainUnnestInsert(url, batches, pk);
  const db = await pgDatabase(url);
  try {
    const i1 = await importSite(db.url, site, batches);
    const rate = readings / (i1 / 1000);
    log(`I1 on PostgreSQL: plain ${fmtMs(plain)}, kWhub ${fmtMs(i1)}`);
    rows.push({ id: 'I1 pg', work: `bulk import on PostgreSQL: ${readings.toLocaleString('en')} readings, stored, validated, allocated`, baseline: 'plain batched INSERT (unnest) of the same rows into an empty table', value: `${fmtMs(i1)} = ${Math.round(rate).toLocaleString('en')} readings/s`, base: fmtMs(plain), ratio: `${(i1 / plain).toFixed(2)}×`, target: '≤ 3× the plain insert', met: i1 / plain <= 3 });

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const meterPk = async (id: string) => (await c.query('SELECT pk FROM meters WHERE id = $1', [id])).rows[0].pk as number;
    const yearEnd = START + YEAR_STEPS * 900_000;
    const c0 = site.consumers[0];
    const c0pk = await meterPk(c0);
    // S1 pg: bytes per validated interval and per raw reading (bench/sizes.ts)
    rows.push(...(await sizeRows(db.url)));
    const server = await serve(db.url);
    try {
      const token = await login(server.url);
      const body = { t_s: iso(START), t_e: iso(yearEnd), sampling_frequency: '15T' };
      const siteUrl = `${server.url}/api/v1/site_data/${site.id}/electricity`;
      // the floor and the requests in turns: a noisy moment of this shared machine hits them all
      const [r1Floor, r1, r3D, r3M] = await mediansInTurns(RUNS, [
        async () => JSON.stringify(floorRows(await pgChunks(c, c0pk, START, yearEnd), START, yearEnd)),
        () => fetchText(`${server.url}/api/v1/meter_data/${site.id}/${c0}`, token, body),
        () => fetchText(siteUrl, token, { ...body, sampling_frequency: 'D' }),
        () => fetchText(siteUrl, token, { ...body, sampling_frequency: 'M' }),
      ]);
      rows.push({ id: 'R1 pg', work: 'meter_data, 1 year at 15T, one meter, over HTTP, on PostgreSQL', baseline: 'plain SELECT of the same chunk rows, decoded + JSON.stringify, in-process (pg)', value: fmtMs(r1), base: fmtMs(r1Floor), ratio: `${(r1 / r1Floor).toFixed(2)}×`, target: '≤ 1.5× the floor', met: r1 / r1Floor <= 1.5 });

      // R2: the floor is the in-process JSON.stringify of the answer's own rows, held in memory
      const monthEnd = START + 31 * 96 * 900_000;
      const r2Url = siteUrl;
      const r2Body = { t_s: iso(START), t_e: iso(monthEnd), sampling_frequency: '15T' };
      const r2Rows = JSON.parse(await fetchText(r2Url, token, r2Body)) as unknown;
      const [r2Floor, r2] = await mediansInTurns(RUNS, [() => JSON.stringify(r2Rows), () => fetchText(r2Url, token, r2Body)]);
      rows.push({ id: 'R2 pg', work: `site_data/electricity, 1 month at 15T, ${CONSUMERS} consumers, on PostgreSQL`, baseline: 'JSON.stringify of the same rows held in memory, in-process', value: fmtMs(r2), base: fmtMs(r2Floor), ratio: `${(r2 / r2Floor).toFixed(2)}×`, target: '≤ 1.5× the floor', met: r2 / r2Floor <= 1.5 });

      for (const [freq, r3] of [['D', r3D], ['M', r3M]] as const) {
        rows.push({ id: `R3 ${freq} pg`, work: `site_data/electricity, 1 year at ${freq}, ${CONSUMERS} consumers, on PostgreSQL`, baseline: "R1's floor (pg)", value: fmtMs(r3), base: fmtMs(r1Floor), ratio: `${(r3 / r1Floor).toFixed(2)}×`, target: '≤ 1.5× the floor', met: r3 / r1Floor <= 1.5 });
      }
    } finally {
      await server.stop();
      await c.end();
    }
    sizing.push(`PostgreSQL, one site-year of ${site.consumers.length + 2} meters: ${readings.toLocaleString('en')} raw readings; bytes in S1 pg and S1 raw pg; ingest ${Math.round(rate).toLocaleString('en')} readings/s end to end`);
  } finally {
    await db.drop();
  }
}

/** started on its own: only the PostgreSQL rows, printed (RESULTS.md is written by npm run bench) */
async function main(): Promise<void> {
  const url = process.env.KWHUB_BENCH_PG_URL ?? process.env.KWHUB_TEST_PG_URL;
  if (!url) throw new Error('set KWHUB_BENCH_PG_URL to a PostgreSQL server the benchmark may create databases on');
  log(`kWhub PostgreSQL benchmarks on ${machine()}`);
  const site = benchSite(1, CONSUMERS);
  const batches = [...benchReadings(site, START, YEAR_STEPS - 1, 50_000)];
  const readings = batches.reduce((s, b) => s + b.length, 0);
  const pk = new Map([...site.consumers, site.pv, site.grid].map((id, i) => [id, i + 1]));
  await benchPostgres(url, site, batches, readings, pk);
  for (const r of rows) process.stdout.write(`| ${r.id} | ${r.value} | ${r.base} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |\n`);
  for (const s of sizing) process.stdout.write(`- ${s}\n`);
}

if (process.argv[1]?.endsWith('bench/pg.ts')) await main();
