/**
 * Debian's chromium driven by playwright-core, headless, for the portal's
 * browser tests and the bench: one browser per test file, a fresh profile,
 * no network beyond the test server. Every page records its console errors
 * and failed requests; `audit` runs axe-core in the page.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KWHUB_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** a new context (cookie jar) with a viewport and colour scheme */
  context(opts?: { width?: number; height?: number; dark?: boolean; locale?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // playwright gives every launch a fresh temporary --user-data-dir of its own (and removes it on close)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async context(o = {}) {
      return browser.newContext({
        viewport: { width: o.width ?? 1280, height: o.height ?? 900 },
        colorScheme: o.dark ? 'dark' : 'light',
        locale: o.locale ?? 'en-US',
        acceptDownloads: true,
      });
    },
    async close() {
      await browser.close();
    },
  };
}

/** console errors and failed requests of a page, collected from its opening */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

let axeSource: string | null = null;

/** axe-core's serious and critical violations on the page as it is now */
export async function audit(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // a string, evaluated in the page (the tests are type-checked without the DOM's types)
  const result = await page.evaluate<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>(
    "axe.run(document, { resultTypes: ['violations'] })",
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** a screenshot under test-results/ (on failure, and for the README script) */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(process.cwd(), 'test-results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true }).catch(() => undefined);
  return path;
}

/** logs the page in as the operator with the operator token and waits for the sites' overview */
export async function loginOperator(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: 'Log in with the operator token' }).click();
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForSelector('table.overview');
}

/** logs the page in as a resident and waits for their tenancies */
export async function loginResident(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('E-mail or username').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForSelector('[data-tenancy]');
}
