/**
 * `kwhub copy` of a site with billed (locked) history, and `kwhub revalidate`
 * on it, as subprocesses of the built CLI. The site has four days of data, a
 * gap on day 1 that validation estimated, a lock date at the start of day 3,
 * and then late readings for that gap: stored raw, a discrepancy, and kept out
 * of the frozen validated data. A copy must serve exactly what the source
 * serves (the CLI's sha256 check, and every 15-minute row of the site and of
 * the meter), in each direction: SQLite to SQLite, SQLite to PostgreSQL, and
 * PostgreSQL back to SQLite.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { kwhub } from '../helpers/cli.js';
import { freshPgDatabase, pgTestUrl } from '../helpers/pg.js';

const SITE = '64b0c1200000000000000001';
const CONSUMER = '64b0c1200000000000000011';
const PRODUCER = '64b0c1200000000000000021';
const QH = 15 * 60 * 1000;
const DAY = 96 * QH;
const DAY1 = Date.UTC(2024, 4, 1); // 2024-05-01 00:00Z
const LOCK = DAY1 + 2 * DAY; // days 1 and 2 are billed
const GAP_FROM = DAY1 + 6 * 4 * QH; // day 1, 06:00Z to 10:00Z: no consumer reading inside
const GAP_TO = DAY1 + 10 * 4 * QH;
const iso = (t: number) => new Date(t).toISOString();

/** the consumer uses 0.25 kWh per quarter-hour, the producer makes 0.5 kWh per quarter-hour from 06:00Z to 12:00Z each day */
const consumerIndex = (t: number) => 1000 + 0.25 * ((t - DAY1) / QH);
const producerIndex = (t: number) => {
  let e = 0;
  for (let d = DAY1; d < t; d += DAY) e += 0.5 * 4 * Math.max(0, Math.min(6, (t - d) / 3_600_000 - 6));
  return e;
};

let dir = '';
let source = '';

/** what the developer API serves, through `kwhub export`: the site at 15T and at D, the consumer at 15T */
async function served(db: string): Promise<string[]> {
  const range = ['--from', iso(DAY1), '--to', iso(DAY1 + 4 * DAY)];
  const out: string[] = [];
  for (const args of [['--type', 'electricity', '--freq', '15T'], ['--type', 'electricity', '--freq', 'D'], ['--meter', CONSUMER, '--freq', '15T']]) {
    const r = await kwhub(['export', '--db', db, '--site', SITE, ...args, ...range]);
    expect(r.code, r.stderr).toBe(0);
    out.push(r.stdout);
  }
  return out;
}

/** the consumer's served 15-minute energies by interval end, from `kwhub export --meter` CSV */
function consumerEnergies(csv: string): Map<string, number> {
  const [head, ...lines] = csv.trim().split(/\r?\n/);
  const cols = head.split(',');
  const t = cols.indexOf('timestamp');
  const total = cols.indexOf('total');
  return new Map(lines.map((l) => {
    const c = l.split(',');
    return [c[t], Number(c[total])];
  }));
}

let sourceServed: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-copy-locked-'));
  source = join(dir, 'source.sqlite');
  const site = {
    id: SITE,
    site_ref: 'CK-LOCK',
    name: 'Billed Residence',
    address: { street_name: 'Bahnhofstrasse', street_number: '7', city: 'Winterthur', postal_code: 8400 },
    latitude: 47.5,
    longitude: 8.72,
    timezone: 'Europe/Zurich',
    meters: [
      { id: CONSUMER, name: 'Apt 1', type: 'electricity', mode: 'consumption', prim_ad: 11, reading_kind: 'index' },
      { id: PRODUCER, name: 'PV', type: 'electricity', mode: 'production', prim_ad: 21, reading_kind: 'index' },
    ],
  };
  await writeFile(join(dir, 'site.json'), JSON.stringify(site));
  const csv = ['prim_ad,timestamp,en_im,en_ex'];
  for (let t = DAY1; t <= DAY1 + 4 * DAY; t += QH) {
    if (t <= GAP_FROM || t >= GAP_TO) csv.push(`11,${iso(t)},${consumerIndex(t)},0`);
    csv.push(`21,${iso(t)},0,${producerIndex(t)}`);
  }
  await writeFile(join(dir, 'readings.csv'), `${csv.join('\n')}\n`);
  // the real readings of the gap, arriving after billing: the whole gap's energy was used in its first hour
  const late = ['prim_ad,timestamp,en_im,en_ex'];
  for (let t = GAP_FROM + QH; t < GAP_TO; t += QH) {
    late.push(`11,${iso(t)},${consumerIndex(GAP_FROM) + Math.min(4, (t - GAP_FROM) / QH)},0`);
  }
  await writeFile(join(dir, 'late.csv'), `${late.join('\n')}\n`);
  await writeFile(join(dir, 'lock.json'), JSON.stringify({ id: SITE, lock_date: iso(LOCK) }));

  for (const args of [
    ['apply', join(dir, 'site.json')],
    ['import', join(dir, 'readings.csv'), '--site', SITE, '--quiet'],
    ['apply', join(dir, 'lock.json')],
    ['import', join(dir, 'late.csv'), '--site', SITE, '--quiet'],
  ]) {
    const r = await kwhub([...args, '--db', source]);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  sourceServed = await served(source);
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a site with billed (locked) history', () => {
  it('should serve the estimated gap, not the late readings, for the period before its lock date', () => {
    const e = consumerEnergies(sourceServed[2]);
    // 96 intervals a day, the first one ending at 00:15Z of day 1
    expect(e.size).toBe(4 * 96);
    const inGap = [...e].filter(([ts]) => {
      const t = Date.parse(ts.replace(' ', 'T'));
      return t > GAP_FROM && t <= GAP_TO;
    });
    expect(inGap).toHaveLength(16);
    // interpolated: 0.25 kWh in each quarter-hour; the late readings would give 1 kWh in the first four and 0 after
    for (const [, v] of inGap) expect(v).toBeCloseTo(0.25, 6);
  });
});

describe('kwhub copy of a site with billed (locked) history', () => {
  async function copyAndCompare(from: string, to: string): Promise<void> {
    const r = await kwhub(['copy', '--from', from, '--to', to, '--quiet']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`verified site ${SITE}: 2/2 meters, 0/0 sensors, (\\d+)/\\1 raw readings, site_data \\(D, 5 rows\\) sha256 [0-9a-f]{16} = source`));
    expect(await served(to)).toEqual(sourceServed);
  }

  it('should copy it to another SQLite file serving exactly what the source serves', async () => {
    await copyAndCompare(source, join(dir, 'copy.sqlite'));
  }, 180_000);

  it.skipIf(!pgTestUrl())('should copy it to PostgreSQL and back to SQLite, each copy serving exactly what the source serves', async () => {
    const pg = await freshPgDatabase();
    try {
      await copyAndCompare(source, pg.url);
      await copyAndCompare(pg.url, join(dir, 'back.sqlite'));
    } finally {
      await pg.drop();
    }
  }, 240_000);

  it('should copy the late readings raw, their discrepancy, and the quality records of the billed period', async () => {
    const target = join(dir, 'copy-q.sqlite');
    const r = await kwhub(['copy', '--from', source, '--to', target, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const raw = async (db: string) => (await kwhub(['export', '--db', db, '--site', SITE, '--meter', CONSUMER, '--raw', '--from', iso(GAP_FROM), '--to', iso(GAP_TO)])).stdout;
    expect(await raw(target)).toBe(await raw(source));
    expect((await raw(source)).trim().split(/\r?\n/)).toHaveLength(1 + 17);
    // the quality report's records, as the store keeps them (recorded_at is when the target found them)
    const quality = async (db: string) => {
      const store = await openStore(db);
      try {
        return (await store.listQuality(SITE)).map(({ recorded_at: _, detail: __, ...q }) => q);
      } finally {
        await store.close();
      }
    };
    const [q, t] = [await quality(source), await quality(target)];
    expect(q.filter((x) => x.kind === 'discrepancy')).toEqual([{ meter_id: CONSUMER, kind: 'discrepancy', from: GAP_FROM + QH, to: GAP_TO - QH, reason: 'after_lock_date' }]);
    expect(q.filter((x) => x.kind === 'estimated' && x.from < LOCK).length).toBeGreaterThan(0);
    expect(t).toEqual(q);
  }, 180_000);
});

describe('kwhub revalidate on a site with billed (locked) history', () => {
  it('should leave the validated data before the lock date as it is, revalidate after it, and say so', async () => {
    const db = join(dir, 'revalidate.sqlite');
    await copyFile(source, db);
    const r = await kwhub(['revalidate', SITE, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    // days 3 and 4 of both meters: 2 × 2 × 96 intervals; days 1 and 2 are frozen
    expect(r.stdout).toBe(
      `revalidated 2 meters: 384 intervals, 192 site intervals allocated\n` +
        `validated data before the lock date ${iso(LOCK)} is frozen (billed) and was left as it is; to change it, clear or move the lock date first\n`,
    );
    expect(await served(db)).toEqual(sourceServed);
  }, 180_000);

  it('should say that nothing was revalidated when the whole range lies before the lock date', async () => {
    const db = join(dir, 'revalidate-before.sqlite');
    await copyFile(source, db);
    const r = await kwhub(['revalidate', SITE, '--db', db, '--from', iso(DAY1), '--to', iso(DAY1 + DAY)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `revalidated 0 meters: 0 intervals, 0 site intervals allocated\n` +
        `validated data before the lock date ${iso(LOCK)} is frozen (billed) and was left as it is; to change it, clear or move the lock date first\n`,
    );
    expect(await served(db)).toEqual(sourceServed);
  }, 180_000);
});
