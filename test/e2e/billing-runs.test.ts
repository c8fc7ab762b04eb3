/**
 * Billing end to end over a real server holding twelve days of the demo
 * (its residents, tenancies with a move, and its billing setup): the setup
 * refused field by field with nothing stored, a draft run that reconciles
 * with the site's own totals, its documents, the cap check blocking
 * finalizing until an override with a reason is given (and recorded), and
 * finalizing that locks the period: a late reading becomes a discrepancy
 * and changes no invoice, and the period cannot be billed or finalized again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBillingSetup } from '../../src/demo/billing-setup.js';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';
import { HOUR, isoZ, naive, parseVendorTs, rows } from '../helpers/pipeline.js';
import { portalClient } from '../helpers/portal.js';
import { TEST_ADMIN_TOKEN, api, errorBody, type ApiResponse } from '../helpers/server.js';

const NOW = Date.UTC(2026, 3, 3, 12, 0, 0);
const DAYS = 12;
/** the cap test's period, and the period finalized normally (with the DST change of 29 March and the demo's move) */
const A = { from: '2026-03-23', to: '2026-03-28' };
const B = { from: '2026-03-28', to: '2026-04-01' };
const B_END = Date.UTC(2026, 2, 31, 22); // 2026-04-01 00:00 in Zurich (summer time)

let demo: DemoServer;
let runB: string;

const put = (path: string, json: unknown) => demo.admin.request('PUT', path, { json });
const billingPath = () => `/sites/${demo.site.siteId}/billing`;
const runsPath = () => `/sites/${demo.site.siteId}/billing-runs`;
const ok = (r: ApiResponse, status = 200) => {
  expect(r.status, r.text.slice(0, 800)).toBe(status);
  return r.body;
};

beforeAll(async () => {
  demo = await startDemoServer({ seed: 1, now: NOW, days: DAYS });
}, 180_000);

afterAll(async () => {
  await demo?.server.close();
});

describe('billing setup on the operator API', () => {
  it('should hold the demo setup, and refuse bad input with a 400 naming the field, storing nothing', async () => {
    const before = ok(await demo.admin.get(billingPath()));
    expect(before.tariffs.map((t: { id: string }) => t.id)).toEqual(['EW-2025', 'EW-2026']);
    const residents = ok(await demo.admin.get('/residents'));
    const good = demoBillingSetup(demo.site);
    const bad: [string, unknown, RegExp][] = [
      ['overlapping tariffs', { ...good, tariffs: [{ ...good.tariffs[0], valid_to: '2026-02-01' }, good.tariffs[1]] }, /tariffs\[1\]/],
      ['uncovered hours', { ...good, tariffs: [{ ...good.tariffs[0], windows: { rules: good.tariffs[0].windows.rules.filter((r) => r.days !== 'sun') } }, good.tariffs[1]] }, /tariffs\[0\]\.windows/],
      ['a negative price', { ...good, tariffs: [good.tariffs[0], { ...good.tariffs[1], grid: { ...good.tariffs[1].grid, HT: { ...good.tariffs[1].grid.HT, energy: '-0.10' } } }] }, /tariffs\[1\]\.grid\.HT\.energy/],
      ['an unknown language', { ...good, participants: [{ resident_id: residents[0].id, language: 'es' }] }, /participants\[0\]\.language/],
      ['a malformed IBAN', { ...good, owner: { ...good.owner, iban: 'CH93 0076 2011 6238 5295 8' } }, /owner\.iban/],
      ['a meter of no unit', { ...good, units: [{ meter_id: demo.site.pv, floor_area_m2: '50' }] }, /units\[0\]\.meter_id/],
      ['an unknown field', { ...good, tarifs: [] }, /tarifs/],
    ];
    for (const [what, doc, field] of bad) {
      const r = await put(billingPath(), doc);
      expect(r.status, `${what}: ${r.text}`).toBe(400);
      expect(errorBody(r).error, what).toBe('param.invalid');
      expect(errorBody(r).message, what).toMatch(field);
    }
    expect(ok(await demo.admin.get(billingPath()))).toEqual(before);
  });

  it('should answer 404 for the billing of a site that does not exist', async () => {
    expect((await demo.admin.get('/sites/60dc9374b09d0f23bfaa84ff/billing')).status).toBe(404);
  });
});

describe('billing runs', () => {
  it('should list the demo\'s draft of the last full quarter', async () => {
    const list = ok(await demo.admin.get(runsPath()));
    expect(list).toEqual([expect.objectContaining({ id: demo.result.billingRun.id, from: '2026-01-01', to: '2026-04-01', status: 'draft' })]);
  });

  it('should compute a draft that reconciles with the site\'s own totals, with its documents', async () => {
    const run = ok(await demo.admin.post(runsPath(), B), 201);
    runB = run.id;
    expect(run).toMatchObject({ status: 'draft', from: B.from, to: B.to, numbers: null, finalizable: true });
    // the site's own self / from_ext over the period, read from the store's allocation
    const cols = await demo.server.ctx.store.readSiteAlloc(demo.site.siteId, Date.UTC(2026, 2, 27, 23), B_END);
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + (Number.isNaN(x) || cols.t[i] >= B_END ? 0 : x), 0);
    const rec = run.run.reconciliation;
    expect(rec.ext.site_kwh).toBeCloseTo(sum(cols.fields.from_ext), 3);
    expect(rec.self.site_kwh).toBeCloseTo(sum(cols.fields.self), 3);
    for (const k of ['ext', 'self'] as const) {
      const billed = run.run.invoices.reduce((s: number, i: any) => s + i.energy[`${k}_kwh`] + i.energy[`common_${k}_kwh`], 0) + run.run.vacancy.energy[`${k}_kwh`] + run.run.vacancy.energy[`common_${k}_kwh`];
      const site = sum(k === 'ext' ? cols.fields.from_ext : cols.fields.self);
      // the difference is reported as it is, never absorbed: billed minus the site's own figure
      expect(rec[k].participants_kwh + rec[k].vacancy_kwh + rec[k].common_kwh, k).toBeCloseTo(billed, 3);
      expect(rec[k].difference_kwh, k).toBeCloseTo(billed - site, 3);
      expect(rec[k].ok, k).toBe(Math.abs(billed - site) <= rec.tolerance_kwh);
      expect(Math.abs(billed - site) / site, k).toBeLessThan(0.005);
    }
    // the site's and the meters' split of consumption into self and ext differ slightly on the demo (which has a battery),
    // but the two differences cancel: every kWh consumed is billed exactly once
    expect(rec.ext.difference_kwh + rec.self.difference_kwh).toBeCloseTo(0, 3);
    if (!rec.ext.ok) expect(run.run.warnings.join('\n')).toMatch(/reconcil/i);
    // the demo's moving resident has two tenancies in the period; every resident with a tenancy gets an invoice
    expect(run.run.invoices.length).toBe(4);
    expect(run.documents).toEqual(expect.arrayContaining(['owner-statement.pdf', 'owner-statement.csv', 'invoice-lines.csv']));
    for (const name of run.documents as string[]) {
      const doc = await demo.admin.get(`${runsPath()}/${run.id}/documents/${name}`);
      expect(doc.status, name).toBe(200);
      if (name.endsWith('.pdf')) expect(doc.text.startsWith('%PDF'), name).toBe(true);
      else expect(doc.text.split('\n').length, name).toBeGreaterThan(2);
    }
    expect((await demo.admin.get(`${runsPath()}/${run.id}/documents/invoice-nobody.pdf`)).status).toBe(404);
    expect(ok(await demo.admin.get(`${runsPath()}/${run.id}`)).run).toEqual(run.run);
  });

  it('should refuse a bad period with a 400 naming it, storing no run', async () => {
    const n = ok(await demo.admin.get(runsPath())).length;
    expect(errorBody(await demo.admin.post(runsPath(), { from: '2026-03-28', to: '2026-03-20' })).message).toMatch(/\bto\b/);
    expect(errorBody(await demo.admin.post(runsPath(), { from: '2026-02-30', to: '2026-03-20' })).message).toMatch(/\bfrom\b/);
    expect(errorBody(await demo.admin.post(runsPath(), { from: '2026-03-01' })).message).toMatch(/\bto\b/);
    expect(ok(await demo.admin.get(runsPath())).length).toBe(n);
  });

  it('should refuse to finalize a run above the cap without an override, and accept it with the reason recorded', async () => {
    const good = demoBillingSetup(demo.site);
    // solar at 95 % of the standard product: above the flat method's 80 %
    const dear = { ...good, tariffs: good.tariffs.map((t) => ({ ...t, solar: { method: 'flat' as const, price: { HT: '0.3220', NT: '0.2413' } } })) };
    ok(await put(billingPath(), dear));
    const run = ok(await demo.admin.post(runsPath(), A), 201);
    ok(await put(billingPath(), good));
    expect(run.finalizable).toBe(false);
    expect(run.run.invoices.some((i: any) => !i.cap.ok)).toBe(true);

    const refused = await demo.admin.post(`${runsPath()}/${run.id}/finalize`, {});
    expect(refused.status).toBe(409);
    expect(errorBody(refused)).toMatchObject({ error: 'billing_run.cap_exceeded', message: expect.stringMatching(/override/) });
    expect(ok(await demo.admin.get(`${runsPath()}/${run.id}`)).status).toBe('draft');
    expect(ok(await demo.admin.get(`/sites/${demo.site.siteId}`)).lock_date).toBeNull();

    const reason = 'the residents agreed to the 2026 price at the owners\' meeting';
    const done = ok(await demo.admin.post(`${runsPath()}/${run.id}/finalize`, { override: { reason } }));
    expect(done).toMatchObject({ status: 'finalized', finalizable: true, override: { reason, at: expect.any(String) } });
    const exceeded = done.run.invoices.filter((i: any) => !i.cap.ok);
    expect(done.override.participant_ids.sort()).toEqual(exceeded.map((i: any) => i.participant_id).sort());
    for (const i of exceeded) expect(i.cap.override_reason).toBe(reason);
    expect(Object.values(done.numbers)).toEqual(done.run.invoices.map((_: unknown, k: number) => `2026-001-${String(k + 1).padStart(3, '0')}`));
  });

  it('should finalize a run: numbers, frozen outputs and the lock date at the period end', async () => {
    const done = ok(await demo.admin.post(`${runsPath()}/${runB}/finalize`));
    expect(done).toMatchObject({ status: 'finalized', override: null });
    expect(Object.values(done.numbers)[0]).toBe('2026-002-001');
    expect(ok(await demo.admin.get(`/sites/${demo.site.siteId}`)).lock_date).toBe(isoZ(B_END));
  });

  it('should report a late reading for the billed period as a discrepancy and leave the invoices as they are', async () => {
    const before = ok(await demo.admin.get(`${runsPath()}/${runB}`));
    const lines = (await demo.admin.get(`${runsPath()}/${runB}/documents/invoice-lines.csv`)).text;
    const apt = demo.site.apartments[0];
    const at = Date.UTC(2026, 2, 30, 10);
    const raw = rows(await demo.dev.post(`/meter_data_raw/${demo.site.siteId}/${apt}`, { t_s: naive(at - 2 * HOUR), t_e: naive(at + 2 * HOUR) }));
    expect(raw.length).toBeGreaterThanOrEqual(2);
    const [r0, r1] = raw as any[];
    const t0 = parseVendorTs(r0.timestamp);
    const t1 = parseVendorTs(r1.timestamp);
    const gw = ok(await demo.admin.post(`/sites/${demo.site.siteId}/gateways`, { name: 'late gateway' }), 201);
    const gateway = api(`${demo.server.url}/api/gateway/v1`, { token: gw.token });
    const late = { meter_id: apt, timestamp: isoZ(Math.round((t0 + t1) / 2 / 1000) * 1000), en_im: (r0.en_im + r1.en_im) / 2 + 0.2, en_ex: r0.en_ex };
    expect(ok(await gateway.post('/readings', { meters: [late] }))).toMatchObject({ stored: 1 });
    await demo.server.ctx.pipeline.idle();

    const q = ok(await demo.admin.get(`/sites/${demo.site.siteId}/quality`));
    expect(q.discrepancies).toEqual(expect.arrayContaining([expect.objectContaining({ meter_id: apt, reason: 'after_lock_date' })]));
    expect(ok(await demo.admin.get(`${runsPath()}/${runB}`))).toEqual(before);
    expect((await demo.admin.get(`${runsPath()}/${runB}/documents/invoice-lines.csv`)).text).toBe(lines);
  });

  it('should refuse clearly to finalize again or to bill a finalized period again', async () => {
    const again = await demo.admin.post(`${runsPath()}/${runB}/finalize`, {});
    expect(again.status).toBe(409);
    expect(errorBody(again)).toMatchObject({ error: 'billing_run.finalized', message: expect.stringMatching(/finalized on .* never changed or finalized again/) });
    const rerun = await demo.admin.post(runsPath(), { from: '2026-03-31', to: '2026-04-02' });
    expect(rerun.status).toBe(409);
    expect(errorBody(rerun).message).toMatch(new RegExp(`billed already by finalized run ${runB}`));
    // the demo's draft of the quarter overlaps the finalized periods: it can no longer be finalized
    const quarter = await demo.admin.post(`${runsPath()}/${demo.result.billingRun.id}/finalize`, { override: { reason: 'test' } });
    expect(errorBody(quarter).error).toBe('billing_run.finalized');
    expect((await demo.admin.get(`${runsPath()}/60dc9374b09d0f23bfaa87ff`)).status).toBe(404);
  });
});

describe('billing in the portal', () => {
  const login = async (body: Record<string, string>) => {
    const c = portalClient(demo.server.url);
    const r = await c.login(body);
    expect(r.status, r.text).toBe(200);
    return c;
  };

  it('should give the operator the runs, a draft preview, any participant\'s PDF and finalizing through the session', async () => {
    const op = await login({ token: TEST_ADMIN_TOKEN });
    const runs = ok(await op.get(`/admin${runsPath()}`) as unknown as ApiResponse);
    expect(runs.map((r: { id: string }) => r.id)).toContain(runB);
    const draft = ok(await op.post(`/admin${runsPath()}`, { from: '2026-04-01', to: '2026-04-03' }) as unknown as ApiResponse, 201);
    const pdf = await op.get(`/admin${runsPath()}/${draft.id}/documents/${draft.documents[0]}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF')).toBe(true);
    // no CSRF token: refused, nothing finalized
    expect((await op.request('POST', `/admin${runsPath()}/${draft.id}/finalize`, { json: {}, csrf: null })).status).toBe(403);
    expect(ok(await op.post(`/admin${runsPath()}/${draft.id}/finalize`) as unknown as ApiResponse).status).toBe('finalized');
  });

  it('should show a resident their own finalized invoices and their PDFs, and answer 404 for anyone else\'s', async () => {
    const anna = demo.result.residents.find((r) => r.email.startsWith('anna'))!;
    const claire = demo.result.residents.find((r) => r.email.startsWith('claire'))!;
    const residents = ok(await demo.admin.get('/residents'));
    const annaId = residents.find((r: { email: string }) => r.email === anna.email).id;
    const a = await login({ username: anna.email, password: anna.password! });
    const mine = ok(await a.get('/invoices') as unknown as ApiResponse);
    // finalized runs only (the cap run A, B, and the operator's run above), never drafts
    expect(mine.length).toBe(3);
    const b = mine.find((i: { run_id: string }) => i.run_id === runB);
    const run = ok(await demo.admin.get(`${runsPath()}/${runB}`));
    expect(b).toMatchObject({ number: run.numbers[annaId], total_centimes: run.run.invoices.find((i: any) => i.participant_id === annaId).total });
    const pdf = await a.get(b.pdf.replace('/api/portal/v1', ''));
    expect(pdf.status).toBe(200);
    expect(pdf.text.startsWith('%PDF')).toBe(true);
    const draftId = demo.result.billingRun.id;
    expect((await a.get(`/invoices/${draftId}/pdf`)).status).toBe(404);

    // Claire moved in on 28 March: she has an invoice in B (her own, another PDF), none in A (Anna's is not hers to see)
    const c = await login({ username: claire.email, password: claire.password! });
    const hers = ok(await c.get('/invoices') as unknown as ApiResponse);
    expect(hers.map((i: { from: string }) => i.from).sort()).toEqual(['2026-03-28', '2026-04-01']);
    expect(hers.every((i: { number: string }) => i.number !== b.number)).toBe(true);
    const claireB = await c.get(b.pdf.replace('/api/portal/v1', ''));
    expect(claireB.status).toBe(200);
    expect(claireB.text).not.toBe(pdf.text);
    const annaA = mine.find((i: { from: string }) => i.from === A.from);
    expect((await a.get(`/invoices/${annaA.run_id}/pdf`)).status).toBe(200);
    expect((await c.get(`/invoices/${annaA.run_id}/pdf`)).status).toBe(404);
    expect((await c.get('/invoices/60dc9374b09d0f23bfaa87ff/pdf')).status).toBe(404);
    const op = await login({ token: TEST_ADMIN_TOKEN });
    expect((await op.get('/invoices')).status).toBe(403);
  });
});
