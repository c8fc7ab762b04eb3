/**
 * `kwhub import` end to end, as a subprocess of the built CLI: apply a site
 * file, import a CSV (prim_ad) and a JSON Lines file (meter_id) with bad
 * lines among good ones, re-import for duplicates, then `kwhub serve` on the
 * same database answers meter_data with the imported energies.
 * Needs `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, childEnv, freePort, kwhub } from '../helpers/cli.js';
import { api, type Api } from '../helpers/server.js';

const ADMIN_TOKEN = 'import-test-admin-token-0123456789';

const SITE = '64b0c1100000000000000001';
const M1 = '64b0c1100000000000000011'; // prim_ad 11, 0.25 kWh per quarter-hour
const M2 = '64b0c1100000000000000012'; // prim_ad 12, 0.5 kWh per quarter-hour
const QH = 15 * 60 * 1000;
const DAY1 = Date.UTC(2024, 4, 1); // 2024-05-01 00:00Z
const DAY2 = DAY1 + 96 * QH;
const DAY3 = DAY2 + 96 * QH;





/** the lines of stderr that report rejected readings */
const rejectedLines = (stderr: string) => stderr.split('\n').filter((l) => /rejected line/.test(l));

let dir: string;
let db: string;
let csvFile: string;
let jsonlFile: string;

/** index of meter k (1 or 2) at instant t, from DAY1 where both start */
const index1 = (t: number) => 100 + 0.25 * ((t - DAY1) / QH);
const index2 = (t: number) => 0.5 * ((t - DAY1) / QH);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  dir = await mkdtemp(join(tmpdir(), 'kwhub-import-'));
  db = join(dir, 'k.sqlite');
  await writeFile(
    join(dir, 'site.json'),
    JSON.stringify({
      id: SITE,
      site_ref: 'CK-IMP',
      name: 'Import Residence',
      address: { street_name: 'Rue du Marché', street_number: '12', city: 'Neuchâtel', postal_code: 2000 },
      latitude: 46.99,
      longitude: 6.93,
      timezone: 'Europe/Zurich',
      meters: [
        { id: M1, name: 'Apt 1', type: 'electricity', mode: 'consumption', prim_ad: 11, reading_kind: 'index' },
        { id: M2, name: 'Apt 2', type: 'electricity', mode: 'consumption', prim_ad: 12, reading_kind: 'index' },
      ],
      developers: [{ username: 'import.dev', password: 'import-dev-password', consent_ref: 'owner-consent-import' }],
    }),
  );

  // CSV, day 1: 97 readings per meter (00:00Z to 24:00Z), meter 1 with ISO timestamps, meter 2 with epoch ms;
  // line 1 is the header, the bad row is line 42
  const csv = ['prim_ad,timestamp,en_im,en_ex'];
  for (let t = DAY1; t <= DAY2; t += QH) {
    csv.push(`11,${new Date(t).toISOString()},${index1(t)},0`);
    csv.push(`12,${t},${index2(t)},0`);
    if (csv.length === 41) csv.push('11,not-a-time,1,0');
  }
  expect(csv[41]).toBe('11,not-a-time,1,0');
  csvFile = join(dir, 'readings.csv');
  await writeFile(csvFile, `${csv.join('\n')}\n`);

  // JSONL, day 2: 96 readings per meter (00:15Z to 24:00Z) by meter_id; line 10 names an unknown meter
  const jsonl: string[] = [];
  for (let t = DAY2 + QH; t <= DAY3; t += QH) {
    jsonl.push(JSON.stringify({ meter_id: M1, timestamp: new Date(t).toISOString(), en_im: index1(t), en_ex: 0 }));
    jsonl.push(JSON.stringify({ meter_id: M2, timestamp: new Date(t).toISOString(), en_im: index2(t), en_ex: 0 }));
  }
  jsonl.splice(9, 0, JSON.stringify({ meter_id: 'ffffffffffffffffffffffff', timestamp: new Date(DAY2 + QH).toISOString(), en_im: 1, en_ex: 0 }));
  jsonlFile = join(dir, 'readings.jsonl');
  await writeFile(jsonlFile, `${jsonl.join('\n')}\n`);

  const applied = await kwhub(['apply', join(dir, 'site.json'), '--db', db]);
  expect(applied.code, applied.stderr).toBe(0);
  expect(JSON.parse(applied.stdout).site_id).toBe(SITE);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kwhub import', () => {
  it('should import a CSV by prim_ad, exit 1 for the rejected row and name its line on stderr', async () => {
    const run = await kwhub(['import', csvFile, '--site', SITE, '--db', db]);
    expect(run.code).toBe(1);
    // 2 × 97 stored, 96 intervals per meter validated, 96 site intervals allocated
    expect(run.stdout).toBe(`imported ${csvFile}: 194 stored, 0 duplicates, 1 rejected; 192 intervals validated, 96 site intervals allocated\n`);
    const lines = rejectedLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/line 42: bad_timestamp: .*not-a-time/);
  });

  it('should import JSON Lines by meter_id, naming the bad line', async () => {
    const run = await kwhub(['import', jsonlFile, '--site', SITE, '--db', db, '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^imported ${jsonlFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 192 stored, 0 duplicates, 1 rejected; \\d+ intervals validated, \\d+ site intervals allocated\\n$`));
    const counts = /(\d+) intervals validated, (\d+) site intervals allocated/.exec(run.stdout)!;
    // at least the 96 new intervals of each meter, and day 2's 96 site intervals
    expect(Number(counts[1])).toBeGreaterThanOrEqual(192);
    expect(Number(counts[2])).toBeGreaterThanOrEqual(96);
    expect(rejectedLines(run.stderr)).toEqual([expect.stringMatching(/line 10: unknown_meter: .*ffffffffffffffffffffffff/)]);
  });

  it('should report duplicates when the same files are imported again', async () => {
    const csv = await kwhub(['import', csvFile, '--site', SITE, '--db', db, '--quiet']);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toMatch(/: 0 stored, 194 duplicates, 1 rejected; 0 intervals validated, 0 site intervals allocated\n$/);
    const jsonl = await kwhub(['import', jsonlFile, '--site', SITE, '--db', db, '--quiet']);
    expect(jsonl.code).toBe(1);
    expect(jsonl.stdout).toMatch(/: 0 stored, 192 duplicates, 1 rejected; /);
  });

  it('should exit 0 with nothing on stderr for a clean file', async () => {
    const file = join(dir, 'clean.csv');
    await writeFile(file, `meter_id,timestamp,en_im,en_ex\n${M1},${new Date(DAY3 + QH).toISOString()},${index1(DAY3 + QH)},0\n`);
    const run = await kwhub(['import', file, '--site', SITE, '--db', db, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: 1 stored, 0 duplicates, 0 rejected; /);
  });

  it('should name a line of a JSONL file that is not valid JSON, saying so', async () => {
    const file = join(dir, 'broken.jsonl');
    await writeFile(file, `${JSON.stringify({ meter_id: M1, timestamp: new Date(DAY3 + 2 * QH).toISOString(), en_im: index1(DAY3 + 2 * QH), en_ex: 0 })}\n{"meter_id": "${M1}", "timestamp": \n`);
    const run = await kwhub(['import', file, '--site', SITE, '--db', db, '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: 1 stored, 0 duplicates, 1 rejected; /);
    const lines = rejectedLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/line 2: .*JSON/);
  });

  it('should refuse an unknown site and a missing file with one line and exit code 1', async () => {
    const site = await kwhub(['import', csvFile, '--site', 'ffffffffffffffffffffffff', '--db', db]);
    expect(site.code).toBe(1);
    expect(site.stderr).toMatch(/^kwhub: .*ffffffffffffffffffffffff/);
    const file = await kwhub(['import', join(dir, 'nope.csv'), '--site', SITE, '--db', db]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^kwhub: .*nope\.csv/);
  });
});

describe('kwhub serve on the imported database', () => {
  let child: ChildProcess;
  let url: string;
  let output = '';
  let dev: Api;

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], {
      cwd: ROOT,
      env: childEnv({ KWHUB_ADMIN_TOKEN: ADMIN_TOKEN, KWHUB_LOG_LEVEL: 'warn', KWHUB_RATE_LIMIT_MAX: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`server did not start: ${output}`)), 20_000);
      child.stdout!.on('data', () => {
        if (/listening/.test(output)) {
          clearTimeout(timer);
          res();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`server exited with ${code}: ${output}`));
      });
    });
    url = `http://127.0.0.1:${port}`;
    const auth = await api(`${url}/api/v1`).post('/auth', { username: 'import.dev', password: 'import-dev-password' });
    expect(auth.status, auth.text).toBe(200);
    dev = api(`${url}/api/v1`, { token: auth.body.access_token });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('should answer meter_data with the imported energies of both days', async () => {
    const range = { t_s: '2024-05-01T00:00', t_e: '2024-05-03T00:00' };
    const one = await dev.post(`/meter_data/${SITE}/${M1}`, range);
    expect(one.status).toBe(200);
    expect(one.body).toHaveLength(192);
    expect(one.body.every((r: any) => r.total === 0.25 && r.self === 0 && r.ext === 0.25)).toBe(true);
    expect(one.body[0].timestamp).toBe('2024-05-01 02:15:00+02:00');
    expect(one.body[191].timestamp).toBe('2024-05-03 02:00:00+02:00');
    const two = await dev.get(`/meter_data/${SITE}/${M2}?t_s=2024-05-01T00:00&t_e=2024-05-03T00:00&sampling_frequency=D`);
    // local days: 05-01 holds 00:00Z–22:00Z (88 intervals), 05-02 96, 05-03 the last 8
    expect(two.body).toEqual([
      { total: 44, self: 0, ext: 44, timestamp: '2024-05-01 00:00:00+02:00' },
      { total: 48, self: 0, ext: 48, timestamp: '2024-05-02 00:00:00+02:00' },
      { total: 4, self: 0, ext: 4, timestamp: '2024-05-03 00:00:00+02:00' },
    ]);
    const site = await dev.post(`/site_data/${SITE}/electricity`, { ...range, sampling_frequency: 'Y' });
    expect(site.body).toHaveLength(1);
    expect(site.body[0].conso_total).toBe(192 * 0.75);
  });

  it('should serve the imported readings raw, exactly as in the files', async () => {
    const raw = await dev.post(`/meter_data_raw/${SITE}/${M2}`, { t_s: '2024-05-01T23:45', t_e: '2024-05-02T00:15' });
    expect(raw.body).toEqual([
      { en_im: index2(DAY2 - QH), en_ex: 0, timestamp: '2024-05-02 01:45:00+02:00' },
      { en_im: index2(DAY2), en_ex: 0, timestamp: '2024-05-02 02:00:00+02:00' },
      { en_im: index2(DAY2 + QH), en_ex: 0, timestamp: '2024-05-02 02:15:00+02:00' },
    ]);
  });
});
