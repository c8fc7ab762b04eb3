/**
 * The portal's CLI, as a subprocess on a temp SQLite file: residents in an
 * apply file (re-applying changes nothing), `kwhub resident add|let|invite|list`,
 * `kwhub operator add`, and the printed links and logins working against
 * `kwhub serve`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwhub, serve } from '../helpers/cli.js';
import { portalClient } from '../helpers/portal.js';

let dir: string;
let db: string;
const SITE = '64a0c1100000000000000a01';
const M1 = '64a0c1100000000000000a11';
const M2 = '64a0c1100000000000000a12';

const doc = {
  id: SITE, site_ref: 'RES-1', name: 'Residents test', timezone: 'Europe/Zurich', latitude: 47.5, longitude: 8.7,
  address: { street_name: 'Weg', street_number: '1', city: 'Winterthur', postal_code: 8400 },
  meters: [
    { id: M1, name: 'Flat 1', type: 'electricity', mode: 'consumption', prim_ad: 10 },
    { id: M2, name: 'Flat 2', type: 'electricity', mode: 'consumption', prim_ad: 11 },
  ],
  residents: [
    { name: 'Mia', email: 'Mia@example.ch', language: 'fr', password: 'mia-password-1', tenancies: [{ meter: 'Flat 1', from: '2024-01-01', to: '2025-01-01' }, { meter: 'Flat 2', from: '2025-01-01' }] },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-resident-'));
  db = join(dir, 'k.sqlite');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const json = (s: string) => JSON.parse(s) as Record<string, any>;

describe('residents on the command line', () => {
  it('should apply residents with their tenancies, and change nothing when applied again', async () => {
    const file = join(dir, 'site.json');
    await writeFile(file, JSON.stringify(doc));
    const first = await kwhub(['apply', file, '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    const r1 = json(first.stdout).residents;
    expect(r1).toHaveLength(1);
    expect(r1[0]).toMatchObject({ email: 'mia@example.ch', action: 'created' });
    expect(r1[0].tenancies.map((t: { action: string }) => t.action)).toEqual(['created', 'created']);
    const again = json((await kwhub(['apply', file, '--db', db])).stdout).residents;
    expect(again[0].action).toBe('updated');
    expect(again[0].tenancies.map((t: { id: string; action: string }) => [t.id, t.action])).toEqual(r1[0].tenancies.map((t: { id: string }) => [t.id, 'updated']));
    const list = json(`{"l":${(await kwhub(['resident', 'list', '--db', db])).stdout}}`).l;
    expect(list[0].tenancies).toHaveLength(2);
    expect(list[0].tenancies[0]).toMatchObject({ meter_id: M1, from: '2023-12-31T23:00:00.000Z', to: '2024-12-31T23:00:00.000Z' });
  });

  it('should refuse an overlapping tenancy with a clear message', async () => {
    const add = await kwhub(['resident', 'add', 'noah@example.ch', 'Noah', '--db', db]);
    expect(add.code, add.stderr).toBe(0);
    const clash = await kwhub(['resident', 'let', 'noah@example.ch', M1, '--from', '2024-06-01', '--db', db]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/already let/);
    const ok = await kwhub(['resident', 'let', 'noah@example.ch', M1, '--from', '2025-01-01', '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('should print an invite link and an operator login that work against kwhub serve', async () => {
    const inv = await kwhub(['resident', 'invite', 'noah@example.ch', '--url', 'http://portal.example', '--db', db]);
    expect(inv.code, inv.stderr).toBe(0);
    const link = json(inv.stdout).link as string;
    expect(link).toMatch(/^http:\/\/portal\.example\/#\/invite\/kwi_/);
    const op = await kwhub(['operator', 'add', 'ops', '--db', db]);
    expect(op.code, op.stderr).toBe(0);
    const { password } = json(op.stdout);
    const server = await serve(db);
    try {
      const token = link.split('/#/invite/')[1];
      const c = portalClient(server.url);
      expect((await c.post(`/invites/${token}`, { password: 'noah-password-1' })).status).toBe(200);
      expect((await portalClient(server.url).login({ username: 'noah@example.ch', password: 'noah-password-1' })).status).toBe(200);
      expect((await portalClient(server.url).login({ username: 'mia@example.ch', password: 'mia-password-1' })).body).toMatchObject({ kind: 'resident', language: 'fr' });
      const ops = portalClient(server.url);
      expect((await ops.login({ username: 'ops', password })).body).toMatchObject({ kind: 'operator' });
      expect((await ops.get('/admin/residents')).body).toHaveLength(2);
      // the page itself is served at /
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app">/);
    } finally {
      await server.stop();
    }
  });
});
