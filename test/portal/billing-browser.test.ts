/**
 * Billing in the portal, in a real browser (Debian's chromium through
 * playwright-core) against a real server with twelve days of the demo: the
 * operator previews the demo's draft, opens a participant's PDF, computes a
 * draft, finalizes it behind the confirmation; a resident then sees and
 * downloads their own invoice. No console errors, no serious axe violations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../helpers/demo.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { audit, launchBrowser, loginOperator, loginResident, screenshot, watchErrors, type TestBrowser } from '../helpers/browser.js';
import { webRoot } from '../../src/server/modules/portal/portal.plugin.js';

const NOW = Date.UTC(2026, 3, 3, 12, 0, 0);

let demo: DemoServer;
let browser: TestBrowser;

beforeAll(async () => {
  if (!webRoot()) throw new Error('dist/web is missing: run `npm run build` before the browser tests');
  demo = await startDemoServer({ seed: 1, now: NOW, days: 12 });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await demo?.server.close();
});

async function onPage(name: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const ctx = await browser.context();
  const page = await ctx.newPage();
  try {
    await fn(page);
  } catch (e) {
    await screenshot(page, `${name}-failed`);
    throw e;
  } finally {
    await ctx.close();
  }
}

describe('billing in the portal', () => {
  it('should let the operator preview a draft, open a PDF, compute a draft and finalize it', async () => {
    await onPage('billing-operator', async (page) => {
      const errors = watchErrors(page);
      await loginOperator(page, demo.server.url, TEST_ADMIN_TOKEN);
      await page.goto(`${demo.server.url}/#/sites/${demo.site.siteId}/admin`);
      const demoRun = page.locator(`tr[data-run="${demo.result.billingRun.id}"]`);
      await demoRun.getByTestId('preview').click();
      await page.waitForSelector('[data-testid="run"] tr[data-participant]');
      const pdfHref = await page.getByTestId('invoice-pdf').first().getAttribute('href');
      const pdf = await page.request.get(`${demo.server.url}${pdfHref}`);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 4).toString()).toBe('%PDF');

      await page.getByTestId('billing').locator('input[name="from"]').fill('2026-03-28');
      await page.getByTestId('billing').locator('input[name="to"]').fill('2026-04-01');
      await page.getByTestId('new-run').click();
      await page.waitForSelector('[data-testid="run"][data-status="draft"] tr[data-participant]');
      await expect(page.locator('[data-testid="run"] h3').textContent()).resolves.toContain('2026-03-28');
      await page.getByTestId('finalize').click();
      await page.getByTestId('finalize-confirm').click();
      await page.waitForSelector('[data-testid="run"][data-status="finalized"]');
      const numbers = await page.locator('[data-testid="run"] tr[data-participant] td:first-child').allTextContents();
      expect(numbers).toEqual(numbers.map((_, k) => `2026-001-${String(k + 1).padStart(3, '0')}`));
      expect(await audit(page)).toEqual([]);
      expect(errors).toEqual([]);
    });
    const site = (await demo.admin.get(`/sites/${demo.site.siteId}`)).body;
    expect(site.lock_date).toBe('2026-03-31T22:00:00.000Z');
  });

  it('should show a resident their own invoice to download', async () => {
    const anna = demo.result.residents.find((r) => r.email.startsWith('anna'))!;
    await onPage('billing-resident', async (page) => {
      const errors = watchErrors(page);
      await loginResident(page, demo.server.url, anna.email, anna.password!);
      await page.waitForSelector('[data-testid="my-invoices"] tr[data-invoice]');
      const rows = await page.locator('[data-testid="my-invoices"] tr[data-invoice]').count();
      expect(rows).toBe(1);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('my-invoice-pdf').click()]);
      expect(download.suggestedFilename()).toMatch(/^invoice-2026-001-\d{3}\.pdf$/);
      expect(await audit(page)).toEqual([]);
      expect(errors).toEqual([]);
    });
  });
});
