/**
 * `kwhub bill` as an operator runs it (the built CLI as a subprocess) on a
 * demo database, whose billing setup, residents and tenancies are stored: a
 * draft run with its documents, finalizing it (numbers, lock date), and
 * finalizing again or billing the period again refused with a clear message.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'kwhub.js');

function kwhub(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KWHUB_')) env[k] = v;
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let dir: string;
let db: string;
let runId: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'bill.js'))) throw new Error('dist/ is missing or stale: run `npm run build` before the CLI tests');
  dir = mkdtempSync(join(tmpdir(), 'kwhub-bill-'));
  db = join(dir, 'demo.sqlite');
  const demo = await kwhub(['demo', '--db', db, '--days', '10', '--now', '2026-04-05T00:00:00Z', '--quiet']);
  expect(demo.code, demo.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kwhub bill', () => {
  it('should take a billing setup in a kwhub apply file, refusing a bad one naming the field inside `billing`', async () => {
    const store = new SqliteStore({ path: db });
    const siteId = (await store.listSites())[0].id;
    const setup = (await store.getBillingSetup(siteId))!.doc as Record<string, any>;
    await store.close();
    const file = join(dir, 'site.json');
    writeFileSync(file, JSON.stringify({ id: siteId, billing: { ...setup, owner: { ...setup.owner, iban: 'CH00 0000' } } }));
    const bad = await kwhub(['apply', '--db', db, file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/billing\.owner\.iban/);
    writeFileSync(file, JSON.stringify({ id: siteId, billing: { ...setup, vat: [{ valid_from: '2024-01-01', rate_percent: '7.7', registered: true }] } }));
    const good = await kwhub(['apply', '--db', db, file]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ site_id: siteId, billing: 'set' });
    const after = new SqliteStore({ path: db });
    expect(((await after.getBillingSetup(siteId))!.doc as any).vat[0].rate_percent).toBe('7.7');
    await after.close();
  });

  it('should compute and store a draft from the stored setup and write its documents', async () => {
    const out = join(dir, 'draft');
    const r = await kwhub(['bill', '--db', db, '--from', '2026-03-28', '--to', '2026-04-01', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const m = /^draft billing run ([0-9a-f]{24}) for Sonnenhof/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    runId = m![1];
    expect(r.stdout).toContain(`finalize with: kwhub bill --run ${runId} --finalize`);
    const files = readdirSync(out).sort();
    expect(files).toEqual(expect.arrayContaining(['invoice-lines.csv', 'owner-statement.csv', 'owner-statement.pdf']));
    const invoices = files.filter((f) => /^invoice-[0-9a-f]{24}\.pdf$/.test(f));
    expect(invoices.length).toBe(4);
    for (const f of invoices) expect(readFileSync(join(out, f)).subarray(0, 4).toString()).toBe('%PDF');
  });

  it('should finalize the draft: invoice numbers, and the lock date at the period end', async () => {
    const out = join(dir, 'final');
    const r = await kwhub(['bill', '--db', db, '--run', runId, '--finalize', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^finalized billing run ${runId}`, 'm'));
    expect(r.stdout).toMatch(/^ {2}2026-001-001 /m);
    expect(readFileSync(join(out, 'invoice-lines.csv'), 'utf8')).toContain('2026-001-001');
    const store = new SqliteStore({ path: db });
    try {
      expect((await store.listSites())[0].lock_date).toBe(Date.UTC(2026, 2, 31, 22));
    } finally {
      await store.close();
    }
  });

  it('should refuse to finalize again, and to bill the finalized period again, saying why', async () => {
    const again = await kwhub(['bill', '--db', db, '--run', runId, '--finalize']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/finalized on .* never changed or finalized again/);
    const rerun = await kwhub(['bill', '--db', db, '--from', '2026-03-30', '--to', '2026-04-02']);
    expect(rerun.code).not.toBe(0);
    expect(rerun.stderr).toContain(`billed already by finalized run ${runId}`);
  });
});
