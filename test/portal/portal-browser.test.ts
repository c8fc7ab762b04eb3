/**
 * The portal in a real browser (Debian's chromium through playwright-core)
 * against a real server with a few days of the demo: what the operator and
 * the residents see equals what the developer API answers; access rules,
 * invites, CSRF and sessions from the page's side; every page without
 * console errors and without serious or critical axe violations, light and
 * dark, at phone and desktop widths. A failing test leaves a screenshot of
 * its page under test-results/.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { BrowserContext, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { audit, launchBrowser, screenshot, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { demoMoveDate } from '../../src/demo/residents.js';
import { webRoot } from '../../src/server/modules/portal/portal.plugin.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAYS = 6;
const ZONE = 'Europe/Zurich';
const PORTAL = '/api/portal/v1';

let demo: DemoServer;
let browser: TestBrowser;

beforeAll(async () => {
  if (!webRoot()) throw new Error('dist/web is missing: run `npm run build` before the browser tests');
  demo = await startDemoServer({ seed: 1, now: NOW, days: DAYS, config: { portalInviteTtlSeconds: 600 } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await demo?.server.close();
});

/** runs `fn` on a fresh page; on failure, a screenshot of the page under test-results/ */
async function onPage(name: string, fn: (page: Page, ctx: BrowserContext) => Promise<void>, o: { width?: number; dark?: boolean } = {}): Promise<void> {
  const ctx = await browser.context(o);
  const page = await ctx.newPage();
  try {
    await fn(page, ctx);
  } catch (e) {
    await screenshot(page, `${name}-failed`);
    throw e;
  } finally {
    await ctx.close();
  }
}

async function loginOperator(page: Page): Promise<void> {
  await page.goto(`${demo.server.url}/`);
  await page.getByRole('button', { name: 'Log in with the operator token' }).click();
  await page.getByLabel('Operator token').fill(TEST_ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForSelector('table.overview');
}

async function loginResident(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${demo.server.url}/`);
  await page.getByLabel('E-mail or username').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForSelector('[data-tenancy]');
}

/** the site page's figures once the period `kind` starting `start` is loaded */
async function figuresFor(page: Page, kind: string, start: string) {
  await page.waitForSelector(`#tabpanel[data-loaded="${kind}:${start}:electricity"]`);
  return page.$$eval('[data-figure]', (els) => Object.fromEntries(els.map((e) => [(e as unknown as { dataset: Record<string, string | undefined> }).dataset.figure, { value: (e as unknown as { dataset: Record<string, string | undefined> }).dataset.value ?? '', text: e.querySelector('.fig-value')?.textContent ?? e.textContent ?? '' }])));
}

const sum = (rows: Record<string, unknown>[], k: string) => rows.reduce((s, r) => s + (typeof r[k] === 'number' ? (r[k] as number) : 0), 0);
const kwh = (v: number) => `${new Intl.NumberFormat('en-CH', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)} kWh`;
const pct = (v: number) => new Intl.NumberFormat('en-CH', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);

describe('the operator', () => {
  it('should see the key figures of the developer API for a day, a month and a year', async () => {
    await onPage('operator-figures', async (page) => {
      const errors = watchErrors(page);
      await loginOperator(page);
      await page.getByRole('link', { name: 'Sonnenhof' }).click();
      const today = DateTime.fromMillis(NOW, { zone: ZONE });
      const cases: [string, DateTime, DateTime, string][] = [
        ['month', today.startOf('month'), today.startOf('month').plus({ months: 1 }), 'D'],
        ['day', today.startOf('day'), today.startOf('day').plus({ days: 1 }), '15T'],
        ['month', today.startOf('month'), today.startOf('month').plus({ months: 1 }), 'D'],
        ['year', today.startOf('year'), today.startOf('year').plus({ years: 1 }), 'M'],
      ];
      for (const [i, [kind, from, to, freq]] of cases.entries()) {
        if (i > 0) await page.click(`button[data-period="${kind}"]`);
        const shown = await figuresFor(page, kind, from.toISODate()!);
        const rows = (await demo.dev.post(`/site_data/${demo.site.siteId}/electricity`, { t_s: from.toISO(), t_e: to.toISO(), sampling_frequency: freq })).body as Record<string, unknown>[];
        const prod = sum(rows, 'prod_total');
        const conso = sum(rows, 'conso_total');
        const self = sum(rows, 'self');
        expect(rows.length, `${kind}: the API has data`).toBeGreaterThan(0);
        expect(shown.production.text, kind).toBe(kwh(prod));
        expect(shown.consumption.text, kind).toBe(kwh(conso));
        expect(shown['self-consumption'].text, kind).toBe(pct(self / prod));
        expect(shown['self-sufficiency'].text, kind).toBe(pct(self / conso));
        expect(Math.abs(Number(shown.production.value) - prod), kind).toBeLessThan(1e-6 * Math.max(1, prod));
      }
      expect(errors).toEqual([]);
    });
  });

  it('should download as CSV exactly the developer API\'s CSV of what is on screen', async () => {
    await onPage('operator-csv', async (page) => {
      await loginOperator(page);
      await page.getByRole('link', { name: 'Sonnenhof' }).click();
      const month = DateTime.fromMillis(NOW, { zone: ZONE }).startOf('month');
      await figuresFor(page, 'month', month.toISODate()!);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
      const csv = await readFile((await download.path())!, 'utf8');
      const api = await demo.dev.post(`/site_data/${demo.site.siteId}/electricity`, { t_s: month.toISO(), t_e: month.plus({ months: 1 }).toISO(), sampling_frequency: 'D' }, { headers: { accept: 'text/csv' } });
      expect(csv.split('\r\n').length).toBeGreaterThan(3);
      expect(csv).toBe(api.text);
    });
  });

  it('should revalidate the site a month at a time with a progress bar, changing none of the figures', async () => {
    await onPage('operator-revalidate', async (page) => {
      const body = { t_s: new Date(NOW - DAYS * 86_400_000).toISOString(), t_e: new Date(NOW).toISOString(), sampling_frequency: 'H' };
      const before = (await demo.dev.post(`/site_data/${demo.site.siteId}/electricity`, body)).text;
      await loginOperator(page);
      await page.goto(`${demo.server.url}/#/sites/${demo.site.siteId}/admin`);
      await page.getByTestId('revalidate').click();
      const status = page.locator('[data-testid=revalidate-status][data-done=yes]');
      await status.waitFor({ timeout: 60_000 });
      const text = (await status.textContent())!;
      const [, done, total] = /(\d+)\/(\d+)/.exec(text)!;
      expect(done).toBe(total);
      expect(Number(/(\d+) intervals/.exec(text)![1])).toBeGreaterThan(0);
      expect(await page.locator('[data-testid=revalidate-status] progress').getAttribute('value')).toBe(total);
      expect((await demo.dev.post(`/site_data/${demo.site.siteId}/electricity`, body)).text).toBe(before);
    });
  });

  it('should refuse a change without the CSRF token, and the cookie of a logged-out session', async () => {
    await onPage('operator-csrf', async (page, ctx) => {
      await loginOperator(page);
      const noToken = await page.request.post(`${demo.server.url}${PORTAL}/admin/residents`, { data: { name: 'Forged', email: 'forged@example.ch' } });
      expect(noToken.status()).toBe(403);
      expect((await noToken.json()).error).toBe('csrf.invalid');
      const cookies = await ctx.cookies();
      expect(cookies.find((c) => c.name === 'kwhub_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await page.getByTestId('logout').click();
      await page.getByLabel('E-mail or username').waitFor();
      const other = await browser.context();
      await other.addCookies(cookies);
      const stale = await other.request.get(`${demo.server.url}${PORTAL}/sites`);
      expect(stale.status()).toBe(401);
      await other.close();
      expect((await demo.admin.get('/residents')).body.some((r: { email: string }) => r.email === 'forged@example.ch')).toBe(false);
    });
  });
});

describe('the residents', () => {
  it('should show resident A their meter, and 404 for resident B\'s meter through the page and the portal API', async () => {
    await onPage('resident-scope', async (page) => {
      const errors = watchErrors(page);
      await loginResident(page, 'anna@sonnenhof.example', 'sonnenhof-anna');
      await expect(page.locator('[data-tenancy] h3 a').allTextContents()).resolves.toEqual(['Wohnung 1.1']);
      const { siteId, apartments } = demo.site;
      await page.goto(`${demo.server.url}/#/sites/${siteId}/meters/${apartments[1]}`);
      await page.getByTestId('not-found').waitFor();
      await page.goto(`${demo.server.url}/#/sites/${siteId}/meters/${apartments[0]}`);
      await page.locator('h1', { hasText: 'Wohnung 1.1' }).waitFor();
      for (const path of [`/sites/${siteId}/meters/${apartments[1]}/data`, `/sites/${siteId}/meters/${apartments[1]}/raw`]) {
        const r = await page.request.get(`${demo.server.url}${PORTAL}${path}`);
        expect(r.status(), path).toBe(404);
      }
      expect(errors).toEqual([]);
    });
  });

  it('should show the resident who moved each flat on its own, and nothing of the old one past the move', async () => {
    await onPage('resident-move', async (page) => {
      await loginResident(page, 'luca@sonnenhof.example', 'sonnenhof-luca');
      expect(await page.locator('[data-tenancy]').count()).toBe(2);
      const move = DateTime.fromISO(demoMoveDate(ZONE, NOW, DAYS), { zone: ZONE });
      const { siteId, apartments } = demo.site;
      // the old flat, today (after the move): nothing
      await page.goto(`${demo.server.url}/#/sites/${siteId}/meters/${apartments[1]}`);
      await page.click('button[data-period="day"]');
      await page.getByTestId('no-data').waitFor();
      const r = await page.request.get(`${demo.server.url}${PORTAL}/sites/${siteId}/meters/${apartments[1]}/data?t_s=${encodeURIComponent(move.minus({ days: 2 }).toISO()!)}&t_e=${new Date(NOW).toISOString()}&sampling_frequency=H`);
      expect(r.status()).toBe(200);
      const frame = (await r.json()) as { timestamps: string[] };
      expect(frame.timestamps.length).toBeGreaterThan(0);
      for (const ts of frame.timestamps) expect(Date.parse(ts.replace(' ', 'T'))).toBeLessThan(move.toMillis());
    });
  });
});

describe('every page', () => {
  const variants = [
    { width: 390, height: 844, dark: false },
    { width: 390, height: 844, dark: true },
    { width: 1280, height: 900, dark: false },
    { width: 1280, height: 900, dark: true },
  ];

  it('should be checked by an audit that does catch violations and console errors', async () => {
    await onPage('audit-check', async (page) => {
      const errors = watchErrors(page);
      await page.setContent('<html lang="en"><body><main><img src="data:,"><input type="text"><p style="color:#eee;background:#fff">faint</p><script>console.error("boom")</script></main></body></html>');
      const ids = (await audit(page)).map((v) => v.id).sort();
      expect(ids).toEqual(expect.arrayContaining(['color-contrast', 'image-alt', 'label']));
      expect(errors).toEqual(['console: boom']);
    });
  });

  it('should have no console errors and no serious or critical axe violations, light and dark, at 390 and 1280 px', async () => {
    const { siteId, apartments, common } = demo.site;
    const who = {
      anonymous: null,
      operator: { token: TEST_ADMIN_TOKEN },
      resident: { username: 'anna@sonnenhof.example', password: 'sonnenhof-anna' },
    } as const;
    const pages: { who: keyof typeof who; path: string; ready: string }[] = [
      { who: 'anonymous', path: '/', ready: 'input[name=username]' },
      { who: 'anonymous', path: '/#/invite/kwi_not-a-real-token', ready: '[data-testid=invite-invalid]' },
      { who: 'operator', path: '/', ready: 'table.overview' },
      { who: 'operator', path: `/#/sites/${siteId}`, ready: '#tabpanel[data-loaded^="month:"] .uplot' },
      { who: 'operator', path: `/#/sites/${siteId}/meters/${apartments[0]}`, ready: '.uplot' },
      { who: 'operator', path: `/#/sites/${siteId}/meters/${common}`, ready: '[data-testid=formula]' },
      { who: 'operator', path: `/#/sites/${siteId}/admin`, ready: 'tr[data-tenancy]' },
      { who: 'operator', path: '/#/nothing/here', ready: '[data-testid=not-found]' },
      { who: 'resident', path: '/', ready: '[data-tenancy] .uplot' },
    ];
    const problems: string[] = [];
    for (const v of variants) {
      const name = `${v.width}px ${v.dark ? 'dark' : 'light'}`;
      for (const [role, login] of Object.entries(who)) {
        const ctx = await browser.context(v);
        if (login) expect((await ctx.request.post(`${demo.server.url}${PORTAL}/login`, { data: login })).status()).toBe(200);
        const page = await ctx.newPage();
        const errors = watchErrors(page);
        for (const p of pages.filter((x) => x.who === role)) {
          const where = `${role} ${p.path} (${name})`;
          try {
            await page.goto(`${demo.server.url}${p.path}`);
            await page.reload(); // a hash change alone would not start the page again
            await page.waitForSelector(p.ready, { timeout: 15_000 });
            for (const e of errors.splice(0)) problems.push(`${where}: ${e}`);
            for (const x of await audit(page)) problems.push(`${where}: axe ${x.impact} ${x.id} at ${x.nodes.join(', ')}`);
          } catch (e) {
            problems.push(`${where}: ${(e as Error).message.split('\n')[0]}`);
            await screenshot(page, `page-${role}-${p.path}-${name}-failed`);
          }
        }
        await ctx.close();
      }
    }
    expect(problems).toEqual([]);
  }, 240_000);
});

// its last test moves the server's clock past the invite's lifetime: keep this block last
describe('invites', () => {
  it('should take an invited resident from the operator\'s link to a password and a login; a reused or expired link is refused', async () => {
    let link = '';
    await onPage('invite-operator', async (page) => {
      await loginOperator(page);
      await page.goto(`${demo.server.url}/#/sites/${demo.site.siteId}/admin`);
      const row = page.locator('tr', { hasText: 'jonas@sonnenhof.example' });
      await row.getByRole('button', { name: 'Invite' }).click();
      link = (await page.getByTestId('invite-link').locator('code').textContent())!;
    });
    expect(link).toMatch(/\/#\/invite\/kwi_/);
    await onPage('invite-resident', async (page) => {
      await page.goto(link);
      // Jonas's language is German: the page follows it
      await page.locator('h1', { hasText: 'Passwort festlegen' }).waitFor();
      await page.fill('input[name=password]', 'jonas-new-password');
      await page.fill('input[name=repeat]', 'jonas-new-password');
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-tenancy]');
      await page.getByTestId('logout').click();
      await loginResident(page, 'jonas@sonnenhof.example', 'jonas-new-password');
    });
    await onPage('invite-reused', async (page) => {
      await page.goto(link);
      await page.getByTestId('invite-invalid').waitFor();
    });
    const jonas = (await demo.admin.get('/residents')).body.find((r: { email: string }) => r.email === 'jonas@sonnenhof.example');
    const old = await demo.admin.post(`/residents/${jonas.id}/invite`);
    demo.server.clock.advance(601_000);
    await onPage('invite-expired', async (page) => {
      await page.goto(`${demo.server.url}${old.body.path}`);
      await page.getByTestId('invite-invalid').waitFor();
    });
  });
});
