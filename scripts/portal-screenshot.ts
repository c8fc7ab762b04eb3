/**
 * Regenerates the README's screenshots of the portal: the demo (40 days up
 * to a fixed instant, so the pictures only change when the page does) in a
 * test server, Debian's chromium through playwright-core, the site page in
 * the month view. Run: npm run build && node --import tsx scripts/portal-screenshot.ts
 */
import { join } from 'node:path';
import { startDemoServer } from '../test/helpers/demo.js';
import { TEST_ADMIN_TOKEN } from '../test/helpers/server.js';
import { launchBrowser } from '../test/helpers/browser.js';

const NOW = Date.UTC(2026, 9, 29, 16, 0, 0);
const out = (name: string) => join(process.cwd(), 'docs', name);

const demo = await startDemoServer({ seed: 1, now: NOW, days: 40 });
const browser = await launchBrowser();
try {
  const shots = [
    { file: 'portal-site.png', width: 1280, height: 900, dark: false },
    { file: 'portal-site-phone-dark.png', width: 390, height: 844, dark: true },
  ];
  for (const s of shots) {
    const ctx = await browser.context(s);
    await ctx.request.post(`${demo.server.url}/api/portal/v1/login`, { data: { token: TEST_ADMIN_TOKEN } });
    const page = await ctx.newPage();
    await page.goto(`${demo.server.url}/#/sites/${demo.site.siteId}`);
    await page.waitForSelector('#tabpanel[data-loaded^="month:"] .uplot');
    await page.screenshot({ path: out(s.file), fullPage: true });
    process.stdout.write(`wrote docs/${s.file}\n`);
    await ctx.close();
  }
} finally {
  await browser.close();
  await demo.server.close();
}
