/**
 * `kwhub webhook add|list|log|resume` and `kwhub audit` as a user runs them,
 * on a temp SQLite file set up with `kwhub apply`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwhub } from '../helpers/cli.js';

const SITE = '64b7f1a2c3d4e5f6a7b8c9d0';
const APT = '64b7f1a2c3d4e5f6a7b8c9d1';

let dir = '';
let db = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-cli-trust-'));
  db = join(dir, 'k.sqlite');
  const doc = {
    id: SITE, site_ref: 'CK-TRUST', name: 'Trust CLI', address: { street_name: 'Rue', street_number: '1', city: 'Bern', postal_code: 3000 },
    latitude: 46.9, longitude: 7.4, timezone: 'Europe/Zurich',
    meters: [{ id: APT, name: 'Apt', type: 'electricity', mode: 'consumption', prim_ad: 11 }],
    developers: [{ username: 'trust.dev', password: 'trust-dev-password', consent_ref: 'consent' }],
  };
  await writeFile(join(dir, 'site.json'), JSON.stringify(doc));
  const r = await kwhub(['apply', join(dir, 'site.json'), '--db', db]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kwhub webhook', () => {
  it('should add a webhook (secret shown once), list it, show its empty log and resume it', async () => {
    const add = await kwhub(['webhook', 'add', 'trust.dev', 'https://integrator.example/hook', '--db', db]);
    expect(add.code, add.stderr).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ username: 'trust.dev', url: 'https://integrator.example/hook', paused_at: null });
    expect(created.secret.length).toBeGreaterThanOrEqual(32);
    const list = JSON.parse((await kwhub(['webhook', 'list', 'trust.dev', '--db', db])).stdout);
    expect(list).toEqual([expect.objectContaining({ id: created.id, failures: 0 })]);
    expect(list[0].secret).toBeUndefined();
    expect(JSON.parse((await kwhub(['webhook', 'log', 'trust.dev', created.id, '--db', db])).stdout).deliveries).toEqual([]);
    expect(JSON.parse((await kwhub(['webhook', 'resume', 'trust.dev', created.id, '--db', db])).stdout).paused_at).toBeNull();
  });

  it('should refuse plain http and unknown developers with a clear message and exit code 1', async () => {
    const http = await kwhub(['webhook', 'add', 'trust.dev', 'http://127.0.0.1:9/hook', '--db', db]);
    expect(http.code).toBe(1);
    expect(http.stderr).toContain('KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP');
    expect((await kwhub(['webhook', 'add', 'trust.dev', 'http://127.0.0.1:9/hook', '--db', db], { KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' })).code).toBe(0);
    const nobody = await kwhub(['webhook', 'list', 'nobody', '--db', db]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no developer named nobody');
  });
});

describe('kwhub audit', () => {
  it('should show an interval without data as missing, and refuse a bad instant', async () => {
    const r = await kwhub(['audit', SITE, '2024-05-01T10:07', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.interval).toMatchObject({ from: '2024-05-01T10:00:00.000Z', to: '2024-05-01T10:15:00.000Z' });
    expect(a.meters).toEqual([expect.objectContaining({ id: APT, quality: 'missing', total: null })]);
    expect(a.balance.values).toBeNull();
    const bad = await kwhub(['audit', SITE, 'soon', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\bt\b/);
  });
});
