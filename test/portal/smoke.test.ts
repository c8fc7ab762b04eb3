import { it } from 'vitest';
import { startDemoServer } from '../helpers/demo.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { launchBrowser, screenshot, watchErrors } from '../helpers/browser.js';

it('smoke', async () => {
  const demo = await startDemoServer({ seed: 1, now: Date.UTC(2026, 10, 27, 12), days: 6 });
  const b = await launchBrowser();
  const ctx = await b.context({});
  const page = await ctx.newPage();
  const errs = watchErrors(page);
  await page.goto(demo.server.url + '/');
  await page.fill('input[name=username]', 'x');
  await page.click('button.link');
  await page.fill('input[name=token]', TEST_ADMIN_TOKEN);
  await page.click('button[type=submit]');
  await page.waitForSelector('table.overview');
  await screenshot(page, 'smoke-sites');
  await page.click('table.overview a');
  await page.waitForSelector('[data-figure=production]');
  await page.waitForTimeout(500);
  await screenshot(page, 'smoke-site');
  console.log(errs);
  await b.close();
  await demo.server.close();
}, 120_000);
