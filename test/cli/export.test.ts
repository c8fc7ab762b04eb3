/**
 * `kwhub export` runs the built CLI (`npm run build` first) against the
 * database of a live test server and writes, byte for byte, the CSV the
 * developer API answers with `Accept: text/csv` for the same parameters:
 * site_data (--type), meter_data (--meter), meter_data_raw (--meter --raw)
 * and sensor_data (--sensor). It reads the store directly: no server, no
 * token, no grant.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Api, type TestServer } from '../helpers/server.js';
import { createPipelineSite, indexSeries, naive, pushAll, singleRegisterSeries, type PipelineSite } from '../helpers/pipeline.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'kwhub.js');

const FROM = Date.UTC(2024, 2, 1); // a month, the DST change of 2024-03-31 included
const TO = Date.UTC(2024, 3, 1);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** the environment of a child: ours minus any KWHUB_* setting */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KWHUB_')) env[k] = v;
  return env;
}

function kwhub(args: string[]): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(), timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let server: TestServer;
let site: PipelineSite;
let dev: Api;
const m = { grid: '', pv: '', flat: '', heat: '', sensor: '' };

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'export.js'))) throw new Error('dist/ is missing or stale: run `npm run build` before the CLI tests');
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(TO + 12 * 3_600_000);
  site = await createPipelineSite(server, { name: 'Export residence' });
  m.grid = await site.meter({ name: 'Grid', mode: 'introduction' });
  m.pv = await site.meter({ name: 'PV', mode: 'production' });
  m.flat = await site.meter({ name: 'Flat' });
  m.heat = await site.meter({ name: 'Heat', type: 'heating' });
  m.sensor = await site.sensor('Outdoor');
  const pv = (t: number) => Math.max(0, Math.sin(((new Date(t).getUTCHours() - 6) / 12) * Math.PI)) * 0.45;
  const flat = (t: number) => 0.11 + 0.07 * Math.cos(t / 5_400_000) ** 2;
  await pushAll(site, [
    ...indexSeries(m.grid, FROM, TO, (t) => ({ im: Math.max(0, flat(t) - pv(t)), ex: Math.max(0, pv(t) - flat(t)) })),
    ...indexSeries(m.pv, FROM, TO, (t) => ({ im: 0, ex: pv(t) })),
    ...indexSeries(m.flat, FROM, TO, (t) => ({ im: flat(t), ex: 0 }), { im: 1234.5, ex: 0 }),
    ...singleRegisterSeries(m.heat, 'heat_energy_kwh', FROM, TO, (t) => 0.2 + 0.05 * Math.sin(t / 3_600_000), 800),
  ]);
  await site.pushOk({ sensors: Array.from({ length: 24 }, (_, i) => ({ sensor_id: m.sensor, timestamp: FROM + 3 * 86_400_000 + i * 3_600_000, value: 4 + i / 8 })) });
  dev = await site.dev();
});

afterAll(async () => {
  await server?.close();
});

/** the export and the API's CSV for the same parameters, which must be the same bytes */
async function compare(args: string[], apiPath: string, body: Record<string, unknown>, method: 'POST' | 'GET' = 'POST'): Promise<string> {
  const run = await kwhub(['export', '--db', server.config.db, '--site', site.siteId, ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const res = method === 'POST'
    ? await dev.post(apiPath, body, { headers: { accept: 'text/csv' } })
    : await dev.get(`${apiPath}?${new URLSearchParams(body as Record<string, string>)}`, { headers: { accept: 'text/csv' } });
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(run.stdout).toBe(res.text);
  return run.stdout;
}

describe('kwhub export', () => {
  const month = { t_s: naive(FROM), t_e: naive(TO) };
  const monthArgs = ['--from', naive(FROM), '--to', naive(TO)];

  it('should write site_data of a month at D as the API answers it, the values of the JSON answer', async () => {
    const out = await compare(['--type', 'electricity', ...monthArgs, '--freq', 'D'], `/site_data/${site.siteId}/electricity`, { ...month, sampling_frequency: 'D' });
    const [header, ...records] = parse(out) as string[][];
    const json = (await dev.post(`/site_data/${site.siteId}/electricity`, { ...month, sampling_frequency: 'D' })).body as Record<string, number | string>[];
    expect(header).toEqual(Object.keys(json[0]));
    expect(records).toHaveLength(json.length);
    expect(records.map((r) => r.map((v, j) => (header[j] === 'timestamp' ? v : Number(v))))).toEqual(json.map((row) => Object.values(row)));
  });

  it('should write site_data of a month at 15T (several streamed pieces), and of another type at H', async () => {
    const out = await compare(['--type', 'electricity', ...monthArgs], `/site_data/${site.siteId}/electricity`, month);
    expect(out.split('\r\n')).toHaveLength(1 + 31 * 96 + 1);
    await compare(['--type', 'heating', '--from', '2024-03-30', '--to', '2024-04-01', '--freq', 'H'], `/site_data/${site.siteId}/heating`, { t_s: '2024-03-30', t_e: '2024-04-01', sampling_frequency: 'H' });
  });

  it('should write meter_data with --meter, meter_data_raw with --raw, sensor_data with --sensor', async () => {
    const md = await compare(['--meter', m.flat, ...monthArgs, '--freq', 'M'], `/meter_data/${site.siteId}/${m.flat}`, { ...month, sampling_frequency: 'M' });
    expect(md.split('\r\n')[0]).toBe('total,self,ext,timestamp');
    const raw = await compare(['--meter', m.flat, '--raw', '--from', '2024-03-10', '--to', '2024-03-10T06:00'], `/meter_data_raw/${site.siteId}/${m.flat}`, { t_s: '2024-03-10', t_e: '2024-03-10T06:00' });
    expect(raw.split('\r\n')).toHaveLength(1 + 25 + 1);
    const sensor = await compare(['--sensor', m.sensor, '--from', '2024-03-04', '--to', '2024-03-05'], `/${site.siteId}/sensor_data/${m.sensor}`, { t_s: '2024-03-04', t_e: '2024-03-05' }, 'GET');
    expect(sensor.split('\r\n')[0]).toBe('timestamp,value');
  });

  it('should refuse bad options with one line on stderr', async () => {
    const db = ['--db', server.config.db, '--site', site.siteId];
    const neither = await kwhub(['export', ...db]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/exactly one of --type/);
    const badType = await kwhub(['export', ...db, '--type', 'gas']);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toMatch(/^kwhub: --type must be one of electricity/);
    const badFrom = await kwhub(['export', ...db, '--type', 'electricity', '--from', 'yesterday']);
    expect(badFrom.code).toBe(1);
    expect(badFrom.stderr).toMatch(/^kwhub: --from must be an ISO-8601 date-time/);
    const noSite = await kwhub(['export', '--db', server.config.db, '--site', 'ffffffffffffffffffffffff', '--type', 'electricity']);
    expect(noSite.code).toBe(1);
    expect(noSite.stderr).toBe('kwhub: no site ffffffffffffffffffffffff\n');
    for (const r of [neither, badType, badFrom, noSite]) expect(r.stdout).toBe('');
  });
});
