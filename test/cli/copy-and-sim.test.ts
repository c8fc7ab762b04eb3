/**
 * Moving a deployment (`kwhub copy`) and keeping the demo alive
 * (`kwhub gateway-sim`), as subprocesses on real files and servers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSite } from '../../src/demo/site.js';
import { kwhub, serve } from '../helpers/cli.js';
import { freshPgDatabase, pgTestUrl } from '../helpers/pg.js';
import { request } from '../helpers/server.js';

const NOW = '2026-11-20T12:00:00Z';
const site = demoSite(1);
let dir = '';
let demoDb = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-copy-'));
  demoDb = join(dir, 'demo.sqlite');
  const r = await kwhub(['demo', '--db', demoDb, '--days', '3', '--now', NOW, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kwhub copy', () => {
  it('should copy a deployment to another SQLite file, verify it, and change nothing when run again', async () => {
    const target = join(dir, 'copy.sqlite');
    const first = await kwhub(['copy', '--from', demoDb, '--to', target, '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/copied 1 sites, 56 meters, 4 sensors/);
    // the portal's residents and tenancies come along (the demo: four residents, one of whom moved)
    expect(first.stdout).toMatch(/4 residents, 5 tenancies, 0 operator accounts/);
    // and the billing setup with the demo's draft run of the last quarter
    expect(first.stdout).toMatch(/1 billing setups, 1 billing runs/);
    expect(first.stdout).toMatch(new RegExp(`verified site ${site.siteId}: 56/56 meters, 4/4 sensors, (\\d+)/\\1 raw readings, site_data \\(D, 4 rows\\) sha256 [0-9a-f]{16} = source`));
    const again = await kwhub(['copy', '--from', demoDb, '--to', target, '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/verified site/);
  }, 180_000);

  it.skipIf(!pgTestUrl())('should copy the embedded deployment to PostgreSQL with the same served answers', async () => {
    const pg = await freshPgDatabase();
    try {
      const r = await kwhub(['copy', '--from', demoDb, '--to', pg.url, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/= source/);
      // the demo developer logs in on the copy with the same password, and the same data is served
      const [a, b] = [await serve(demoDb, { KWHUB_RATE_LIMIT_MAX: '0' }), await serve(pg.url, { KWHUB_RATE_LIMIT_MAX: '0' })];
      try {
        const answers = await Promise.all([a, b].map(async (s) => {
          const token = (await request(s.url, 'POST', '/api/v1/auth', { json: { username: 'demo', password: 'sonnenhof-demo' } })).body.access_token;
          return (await request(s.url, 'POST', `/api/v1/site_data/${site.siteId}/electricity`, { token, json: { t_s: '2026-11-18', t_e: '2026-11-20', sampling_frequency: 'H' } })).text;
        }));
        expect(answers[1]).toBe(answers[0]);
        expect(JSON.parse(answers[0]).length).toBe(48);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    } finally {
      await pg.drop();
    }
  }, 180_000);
});

describe('kwhub gateway-sim', () => {
  it('should catch up since the last reading and keep pushing live readings that the API then serves', async () => {
    const db = join(dir, 'sim.sqlite');
    const created = await kwhub(['demo', '--db', db, '--days', '1', '--now', new Date(Date.now() - 3 * 3600_000).toISOString(), '--quiet']);
    expect(created.code, created.stderr).toBe(0);
    const server = await serve(db, { KWHUB_RATE_LIMIT_MAX: '0' });
    try {
      const sim = await kwhub(['gateway-sim', '--db', db, '--url', server.url, '--interval', '1', '--count', '2']);
      expect(sim.code, sim.stderr).toBe(0);
      expect(sim.stdout).toMatch(/caught up: \d+ readings since/);
      expect(sim.stdout.match(/pushed 59 readings \(0 rejected\)/g)?.length).toBe(2);
      const token = (await request(server.url, 'POST', '/api/v1/auth', { json: { username: 'demo', password: 'sonnenhof-demo' } })).body.access_token;
      const rows = (await request(server.url, 'POST', `/api/v1/meter_data/${site.siteId}/${site.apartments[0]}`, { token, json: { t_s: new Date(Date.now() - 2 * 3600_000).toISOString().slice(0, 19) } })).body;
      // the last two hours were not in the demo: the simulator delivered them
      expect(rows.length).toBeGreaterThanOrEqual(7);
      for (const r of rows) expect(r.total).toBeGreaterThanOrEqual(0);
    } finally {
      await server.stop();
    }
  }, 180_000);
});
