import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import * as uc from '../server/modules/admin/admin.usecases.js';
import { action, dbOption, printJson, withStore } from './common.js';

export function registerDeveloper(program: Command): void {
  const dev = program.command('developer').description('manage API users (developers) and their grants');

  dbOption(dev.command('add <username>'))
    .description('create a developer; prints a generated password unless --password is given')
    .option('--password <password>', 'password (at least 8 characters)')
    .action(action(async (username: string, opts: { db?: string; password?: string }) => {
      const password = opts.password ?? randomBytes(12).toString('base64url');
      await withStore(opts.db, async (deps) => {
        const created = await uc.createDeveloper(deps, { username, password });
        printJson({ ...uc.developerView(created), ...(opts.password ? {} : { password }) });
      });
    }));

  dbOption(dev.command('grant <username> <site_id>'))
    .description("let a developer see a site (records the owner's consent)")
    .requiredOption('--consent-ref <ref>', "reference of the site owner's consent")
    .option('--history-from <date>', 'serve no data before this instant (ISO-8601, UTC)')
    .action(action(async (username: string, siteId: string, opts: { db?: string; consentRef: string; historyFrom?: string }) => {
      await withStore(opts.db, async (deps) => {
        const g = await uc.grantSite(deps, username, { site_id: siteId, consent_ref: opts.consentRef, history_from: opts.historyFrom ?? null });
        printJson(uc.grantView(g, username));
      });
    }));

  dbOption(dev.command('revoke <username> <site_id>'))
    .description("withdraw a developer's access to a site (effective on their next request)")
    .action(action(async (username: string, siteId: string, opts: { db?: string }) => {
      await withStore(opts.db, async (deps) => {
        await uc.revokeGrant(deps, username, siteId);
        process.stdout.write(`revoked ${username} on ${siteId}\n`);
      });
    }));
}
