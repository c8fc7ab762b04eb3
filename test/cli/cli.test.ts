/**
 * The built `kwhub` CLI, run as a subprocess (`node bin/kwhub.js ...`) against
 * a temp SQLite file: apply, developer add/grant/revoke, errors, serve --help,
 * and `serve` answering with what was applied. Needs `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { BIN, ROOT, childEnv, freePort, kwhub, serve } from '../helpers/cli.js';
import { api, type ApiResponse } from '../helpers/server.js';

const ADMIN_TOKEN = 'cli-test-admin-token-0123456789ab';

const SITE = '64a0c1100000000000000001';
const GRID = '64a0c1100000000000000010';
const HOUSE = '64a0c1100000000000000011';
const APT1 = '64a0c1100000000000000012';
const COMMON = '64a0c1100000000000000013';




/** reads the db file through the Store interface, then closes it (the CLI must see no lock) */
async function inspect<T>(db: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function siteDoc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SITE,
    site_ref: 'CK-CLI',
    name: 'CLI Residence',
    address: { street_name: 'Rue Neuve', street_number: '3', city: 'Genève', postal_code: 1201 },
    latitude: 46.2044,
    longitude: 6.1432,
    timezone: 'Europe/Zurich',
    creation_date: '2022-03-04T05:06:07',
    meters: [
      { id: GRID, name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 1 },
      // the rule meter comes before the meters it refers to: apply must order them
      { id: COMMON, name: 'Common areas', type: 'electricity', mode: 'consumption', prim_ad: 90, rule: `${HOUSE} - ${APT1}` },
      { id: HOUSE, name: 'House', type: 'electricity', mode: 'consumption', prim_ad: 3, in_balance: false },
      { id: APT1, name: 'Apt 1', type: 'electricity', mode: 'consumption', prim_ad: 11 },
    ],
    sensors: [{ name: 'Boiler', type: 'temperature', unit: '°C', model: 'PT1000' }],
    developers: [{ username: 'cli.dev', password: 'cli-dev-password', consent_ref: 'owner-consent-2024-01' }],
    ...over,
  };
}

let dir: string;
let db: string;
let siteFile: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  dir = await mkdtemp(join(tmpdir(), 'kwhub-cli-'));
  db = join(dir, 'k.sqlite');
  siteFile = join(dir, 'site.json');
  await writeFile(siteFile, JSON.stringify(siteDoc(), null, 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kwhub apply', () => {
  it('should create the site, meters, sensors and developers of a file and print a summary with their ids', async () => {
    const run = await kwhub(['apply', siteFile, '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.site_id).toBe(SITE);
    expect(summary.site).toBe('created');
    expect(summary.meters).toHaveLength(4);
    expect(Object.fromEntries(summary.meters.map((m: any) => [m.id, [m.name, m.action]]))).toEqual({
      [GRID]: ['Grid', 'created'],
      [COMMON]: ['Common areas', 'created'],
      [HOUSE]: ['House', 'created'],
      [APT1]: ['Apt 1', 'created'],
    });
    expect(summary.sensors).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'Boiler', action: 'created' }]);
    expect(summary.developers).toEqual([{ username: 'cli.dev', action: 'created', site_id: SITE }]);

    await inspect(db, async (s) => {
      expect((await s.getSite(SITE))!.name).toBe('CLI Residence');
      expect((await s.getMeter(COMMON))!.rule).toBe(`${HOUSE} - ${APT1}`);
      expect((await s.getMeter(HOUSE))!.in_balance).toBe(false);
      const dev = await s.getDeveloperByUsername('cli.dev');
      expect(dev).not.toBeNull();
      expect(dev!.password_hash).not.toContain('cli-dev-password');
      const grant = await s.getGrant(dev!.id, SITE);
      expect(grant!.consent_ref).toBe('owner-consent-2024-01');
    });
  });

  it("should report 'updated' and create no duplicates when the same file is applied again", async () => {
    const run = await kwhub(['apply', siteFile, '--db', db]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.site).toBe('updated');
    expect(summary.meters.map((m: any) => m.action)).toEqual(['updated', 'updated', 'updated', 'updated']);
    expect(summary.sensors.map((m: any) => m.action)).toEqual(['updated']);
    expect(summary.developers.map((d: any) => d.action)).toEqual(['updated']);
    await inspect(db, async (s) => {
      expect(await s.listSites()).toHaveLength(1);
      expect(await s.listMeters(SITE)).toHaveLength(4);
      expect(await s.listSensors(SITE)).toHaveLength(1);
      expect(await s.listDevelopers()).toHaveLength(1);
      expect(await s.listGrants((await s.getDeveloperByUsername('cli.dev'))!.id)).toHaveLength(1);
    });
  });

  it('should apply a changed file as an update of the same things', async () => {
    const changed = join(dir, 'changed.json');
    const doc = siteDoc({ name: 'CLI Residence (renamed)' });
    (doc.meters as any[])[3] = { ...(doc.meters as any[])[3], name: 'Apt 1 (renamed)' };
    await writeFile(changed, JSON.stringify(doc));
    const run = await kwhub(['apply', changed, '--db', db]);
    expect(run.code).toBe(0);
    await inspect(db, async (s) => {
      expect((await s.getSite(SITE))!.name).toBe('CLI Residence (renamed)');
      expect((await s.getMeter(APT1))!.name).toBe('Apt 1 (renamed)');
      expect((await s.getMeter(APT1))!.prim_ad).toBe(11);
      expect(await s.listMeters(SITE)).toHaveLength(4);
    });
    // back to the original for what follows
    expect((await kwhub(['apply', siteFile, '--db', db])).code).toBe(0);
  });

  it('should not create a second site when a file without ids is applied again', async () => {
    const other = join(dir, 'other.sqlite');
    const file = join(dir, 'noid.json');
    const doc = siteDoc({ site_ref: 'CK-NOID', developers: [] });
    delete doc.id;
    doc.meters = [
      { name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 1 },
      { name: 'Apt 1', type: 'electricity', mode: 'consumption', prim_ad: 11 },
    ];
    await writeFile(file, JSON.stringify(doc));
    const first = await kwhub(['apply', file, '--db', other]);
    expect(first.code).toBe(0);
    const second = await kwhub(['apply', file, '--db', other]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).site).toBe('updated');
    await inspect(other, async (s) => {
      expect(await s.listSites()).toHaveLength(1);
    });
  });

  it('should refuse a file with an unknown meter field, naming it, each time it is applied, without a stack trace', async () => {
    const other = join(dir, 'extra.sqlite');
    const file = join(dir, 'extra.json');
    const doc = siteDoc({ id: '64a0c1100000000000000101', developers: [] });
    doc.meters = [{ id: '64a0c1100000000000000110', name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 1, notes: 'main breaker' }];
    doc.sensors = [{ name: 'Boiler', type: 'temperature', unit: '°C', model: 'PT1000', location: 'cellar' }];
    await writeFile(file, JSON.stringify(doc));
    const runs = [await kwhub(['apply', file, '--db', other]), await kwhub(['apply', file, '--db', other])];
    for (const run of runs) {
      expect(run.stderr).not.toMatch(/\n\s+at /);
      // the operator API's strict bodies: an unknown field is refused, named, in one line
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/unknown field "notes"/);
      expect(run.code).toBe(1);
    }
  });

  it('should answer a broken file with a one-line error and exit code 1', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"site_ref": "x", "meters": [');
    const run = await kwhub(['apply', broken, '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^kwhub: .*broken\.json.*\n$/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('should answer a missing file and invalid contents with a one-line error naming the problem and exit code 1', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['missing.json', undefined, /missing\.json/],
      ['tz.json', siteDoc({ id: '64a0c1100000000000000201', timezone: 'Mars/Olympus', meters: [], sensors: [], developers: [] }), /timezone/],
      ['rule.json', siteDoc({ id: '64a0c1100000000000000301', meters: [{ id: '64a0c1100000000000000310', name: 'R', type: 'electricity', mode: 'consumption', prim_ad: 5, rule: '64a0c11000000000000003ff' }], sensors: [], developers: [] }), /rule|64a0c11000000000000003ff/],
      ['nometername.json', siteDoc({ id: '64a0c1100000000000000401', meters: [{ type: 'electricity', mode: 'consumption', prim_ad: 5 }] }), /name/],
      ['nopassword.json', siteDoc({ id: '64a0c1100000000000000501', meters: [], sensors: [], developers: [{ username: 'new.dev', consent_ref: 'c' }] }), /password/],
    ];
    const runs = await Promise.all(cases.map(async ([name, content]) => {
      const file = join(dir, name);
      if (content !== undefined) await writeFile(file, JSON.stringify(content));
      return kwhub(['apply', file, '--db', join(dir, `err-${name}.sqlite`)]);
    }));
    for (const [i, [name, , pattern]] of cases.entries()) {
      const run = runs[i];
      expect(run.code, `${name}: ${run.stderr}`).toBe(1);
      expect(run.stderr, name).toMatch(/^kwhub: /);
      expect(run.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(run.stderr, name).toMatch(pattern);
    }
  });
});

describe('kwhub developer', () => {
  let generated: { username: string; password: string };

  it('should add a developer and print a generated password, never the hash', async () => {
    const run = await kwhub(['developer', 'add', 'gen.dev', '--db', db]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.username).toBe('gen.dev');
    expect(out.id).toMatch(/^[0-9a-f]{24}$/);
    expect(typeof out.password).toBe('string');
    expect(out.password.length).toBeGreaterThanOrEqual(12);
    expect(run.stdout).not.toContain('argon2');
    generated = { username: 'gen.dev', password: out.password };
  });

  it('should not print a password that was given on the command line', async () => {
    const run = await kwhub(['developer', 'add', 'given.dev', '--password', 'given-password-123', '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('given-password-123');
    expect(JSON.parse(run.stdout)).not.toHaveProperty('password');
  });

  it('should refuse a username in use with one line and exit code 1', async () => {
    const run = await kwhub(['developer', 'add', 'gen.dev', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('gen.dev');
  });

  it('should grant a site with its consent reference and history limit', async () => {
    const run = await kwhub(['developer', 'grant', generated.username, SITE, '--consent-ref', 'owner-letter-7', '--history-from', '2024-01-01T00:00:00Z', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ username: 'gen.dev', site_id: SITE, consent_ref: 'owner-letter-7', history_from: '2024-01-01T00:00:00.000Z' });
    await inspect(db, async (s) => {
      const dev = await s.getDeveloperByUsername('gen.dev');
      expect((await s.getGrant(dev!.id, SITE))!.history_from).toBe(Date.UTC(2024, 0, 1));
    });
  });

  it('should revoke a grant, and refuse to revoke it twice', async () => {
    expect((await kwhub(['developer', 'grant', 'given.dev', SITE, '--consent-ref', 'c-1', '--db', db])).code).toBe(0);
    const run = await kwhub(['developer', 'revoke', 'given.dev', SITE, '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('revoked');
    await inspect(db, async (s) => {
      const dev = await s.getDeveloperByUsername('given.dev');
      expect(await s.getGrant(dev!.id, SITE)).toBeNull();
    });
    const again = await kwhub(['developer', 'revoke', 'given.dev', SITE, '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('should refuse a grant on a site that does not exist', async () => {
    const run = await kwhub(['developer', 'grant', 'gen.dev', 'ffffffffffffffffffffffff', '--consent-ref', 'c', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^kwhub: .*ffffffffffffffffffffffff/);
  });

  describe('kwhub serve', () => {
    let child: ChildProcess;
    let url: string;
    let output = '';

    beforeAll(async () => {
      const port = await freePort();
      child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], {
        cwd: ROOT,
        env: childEnv({ KWHUB_ADMIN_TOKEN: ADMIN_TOKEN, KWHUB_LOG_LEVEL: 'warn', KWHUB_RATE_LIMIT_MAX: '100' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`server did not start: ${output}`)), 20_000);
        const check = () => {
          if (/listening/.test(output)) {
            clearTimeout(timer);
            res();
          }
        };
        child.stdout!.on('data', check);
        child.once('exit', (code) => {
          clearTimeout(timer);
          rej(new Error(`server exited with ${code}: ${output}`));
        });
      });
      url = `http://127.0.0.1:${port}`;
      expect(output).toContain(url);
    });

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
      }
    });

    async function loginAs(username: string, password: string): Promise<string> {
      const res = await api(`${url}/api/v1`).post('/auth', { username, password });
      expect(res.status, res.text).toBe(200);
      return res.body.access_token;
    }

    it('should not print a generated admin token when KWHUB_ADMIN_TOKEN is set', () => {
      expect(output).not.toMatch(/Generated the operator/);
    });

    it("should serve the applied site to the file's developer", async () => {
      const token = await loginAs('cli.dev', 'cli-dev-password');
      const dev = api(`${url}/api/v1`, { token });
      const all: ApiResponse = await dev.get('/all_installations');
      expect(all.status).toBe(200);
      expect(all.body).toEqual([{ site_id: SITE, site_ref: 'CK-CLI', name: 'CLI Residence' }]);

      const info = await dev.get(`/installation_infos/${SITE}`);
      expect(info.body).toEqual({
        site_ref: 'CK-CLI', name: 'CLI Residence',
        address: { street_name: 'Rue Neuve', street_number: '3', city: 'Genève', postal_code: 1201 },
        creation_date: '2022-03-04T05:06:07', latitude: 46.2044, longitude: 6.1432, timezone: 'Europe/Zurich',
      });

      const meters = await dev.get(`/meter_info/${SITE}`);
      expect(meters.status).toBe(200);
      expect(meters.body).toHaveLength(4);
      const byId = Object.fromEntries(meters.body.map((m: any) => [m.id, m]));
      expect(byId[GRID]).toEqual({ id: GRID, type: 'electricity', name: 'Grid', mode: 'introduction', prim_ad: 1, is_rule_meter: false });
      expect(byId[COMMON]).toEqual({ id: COMMON, type: 'electricity', name: 'Common areas', mode: 'consumption', prim_ad: 90, is_rule_meter: true });
      expect(byId[HOUSE].is_rule_meter).toBe(false);
      expect(byId[APT1]).toMatchObject({ name: 'Apt 1', prim_ad: 11 });

      const sensors = await dev.get(`/${SITE}/sensors_list`);
      expect(sensors.body).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'Boiler', type: 'temperature', unit: '°C', model: 'PT1000' }]);
    });

    it('should let the CLI-added developer log in with the printed password and see the granted site', async () => {
      const token = await loginAs(generated.username, generated.password);
      const all = await api(`${url}/api/v1`, { token }).get('/all_installations');
      expect(all.body.map((s: any) => s.site_id)).toEqual([SITE]);
    });

    it('should show nothing to a developer whose grant was revoked', async () => {
      const token = await loginAs('given.dev', 'given-password-123');
      const dev = api(`${url}/api/v1`, { token });
      expect((await dev.get('/all_installations')).body).toEqual([]);
      expect((await dev.get(`/meter_info/${SITE}`)).status).toBe(404);
    });

    it('should apply a revoke from another process on the very next request', async () => {
      const token = await loginAs(generated.username, generated.password);
      const dev = api(`${url}/api/v1`, { token });
      expect((await dev.get(`/installation_infos/${SITE}`)).status).toBe(200);
      const run = await kwhub(['developer', 'revoke', generated.username, SITE, '--db', db]);
      expect(run.code, run.stderr).toBe(0);
      const res = await dev.get(`/installation_infos/${SITE}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('site.not_found');
    });

    it('should accept the admin token from KWHUB_ADMIN_TOKEN on the operator API', async () => {
      const res = await api(`${url}/api/admin/v1`, { token: ADMIN_TOKEN }).get('/sites');
      expect(res.status).toBe(200);
      expect(res.body.map((s: any) => s.id)).toEqual([SITE]);
      expect((await api(`${url}/api/admin/v1`, { token: 'wrong-token-wrong-token' }).get('/sites')).status).toBe(401);
    });
  });
});

describe('the operator token on first start', () => {
  it('should print a generated operator token on the first start only, and the printed token should work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kwhub-token-'));
    try {
      const db = join(dir, 'fresh.sqlite');
      // no KWHUB_ADMIN_TOKEN (childEnv drops every KWHUB_ setting): one is generated
      const first = await serve(db);
      let token = '';
      try {
        const m = /Generated the operator \(admin\) token\. It is stored hashed and will not be shown again:\n\n {2}(\S+)\n/.exec(first.output());
        expect(m, first.output()).not.toBeNull();
        token = m![1];
        expect(token.length).toBeGreaterThanOrEqual(32);
        const ok = await api(`${first.url}/api/admin/v1`, { token }).get('/sites');
        expect(ok.status, ok.text).toBe(200);
      } finally {
        await first.stop();
      }
      const second = await serve(db);
      try {
        expect(second.output()).not.toMatch(/Generated the operator/);
        expect(second.output()).not.toContain(token);
        // the token printed on the first start still works: it was stored, not regenerated
        const ok = await api(`${second.url}/api/admin/v1`, { token }).get('/sites');
        expect(ok.status, ok.text).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('kwhub serve --help', () => {
  it('should list every setting with its environment variable', async () => {
    const run = await kwhub(['serve', '--help']);
    expect(run.code).toBe(0);
    for (const env of ['KWHUB_DB', 'KWHUB_PORT', 'KWHUB_HOST', 'KWHUB_ADMIN_TOKEN', 'KWHUB_JWT_SECRET', 'KWHUB_RATE_LIMIT_MAX', 'KWHUB_LOG_LEVEL', 'KWHUB_BODY_LIMIT']) {
      expect(run.stdout).toContain(env);
    }
    expect(run.stdout).toContain('--db');
    expect(run.stdout).toContain('--port');
  });

  it('should refuse an invalid setting with one line and exit code 2', async () => {
    const run = await kwhub(['serve', '--db', join(dir, 'never.sqlite')], { KWHUB_PORT: 'eighty' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^kwhub: .*KWHUB_PORT/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('should say what a setting allows when it is refused', async () => {
    const run = await kwhub(['serve', '--db', join(dir, 'never.sqlite')], { KWHUB_TOKEN_TTL_SECONDS: '3' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^kwhub: invalid KWHUB_TOKEN_TTL_SECONDS \(tokenTtlSeconds\) = "3": must be an integer from 10 to 86,400\. /);
  });
});
