/** `kwhub webhook add|list|log|resume` and `kwhub audit`: the operator API's webhooks and allocation audit, on the database. */
import type { Command } from 'commander';
import * as hooks from '../server/modules/webhooks/webhooks.usecases.js';
import { auditInterval } from '../server/modules/audit/audit.usecases.js';
import { action, dbOption, loadConfig, printJson, withStore } from './common.js';

export function registerTrust(program: Command): void {
  const hook = program.command('webhook').description("a developer's webhooks: the change feed of their sites, pushed and signed");

  dbOption(hook.command('add <username> <url>'))
    .description('register a webhook (https only; http://127.0.0.1 with KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP=true); prints its secret once')
    .option('--secret <secret>', 'the HMAC key (16+ characters); default: generated')
    .action(action(async (username: string, url: string, opts: { db?: string; secret?: string }) => {
      const allowLoopbackHttp = loadConfig({ db: opts.db }).webhookAllowLoopbackHttp;
      await withStore(opts.db, async (deps) => printJson(await hooks.createWebhook({ ...deps, allowLoopbackHttp }, username, { url, ...(opts.secret ? { secret: opts.secret } : {}) })));
    }));

  dbOption(hook.command('list <username>'))
    .description("a developer's webhooks, with failures in a row and why a paused one is paused")
    .action(action(async (username: string, opts: { db?: string }) => {
      await withStore(opts.db, async (deps) => printJson(await hooks.listWebhooks(deps, username)));
    }));

  dbOption(hook.command('log <username> <webhook_id>'))
    .description('the delivery log of a webhook, newest first: attempts, status codes, errors, next attempt')
    .option('--limit <n>', 'deliveries at most', (v) => Number(v), 20)
    .action(action(async (username: string, id: string, opts: { db?: string; limit: number }) => {
      await withStore(opts.db, async (deps) => printJson(await hooks.deliveryLog(deps, username, id, Math.max(1, Math.min(1000, opts.limit || 20)))));
    }));

  dbOption(hook.command('resume <username> <webhook_id>'))
    .description('resume a paused webhook: what it held is delivered again')
    .action(action(async (username: string, id: string, opts: { db?: string }) => {
      await withStore(opts.db, async (deps) => printJson(await hooks.resumeWebhook(deps, username, id)));
    }));

  dbOption(program.command('audit <site_id> <instant>'))
    .description('everything behind one 15-minute interval of a site: meters, raw readings, rules, balance, shares with formulas')
    .action(action(async (siteId: string, instant: string, opts: { db?: string }) => {
      await withStore(opts.db, async (deps) => printJson(await auditInterval(deps, siteId, instant)));
    }));
}
