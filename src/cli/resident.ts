import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { KwhubError } from '../core/errors.js';
import { hashPassword } from '../server/auth/secrets.js';
import * as uc from '../server/modules/residents/residents.usecases.js';
import { action, dbOption, loadConfig, printJson, withStore } from './common.js';

/** the address the portal is reached at, for links: --url, else the configured host and port */
function portalUrl(url: string | undefined): string {
  if (url) return url.replace(/\/+$/, '');
  const c = loadConfig({});
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return `http://${host}:${c.port}`;
}

export function registerResident(program: Command): void {
  const res = program.command('resident').description('manage the residents of the portal, their tenancies and invites');

  dbOption(res.command('add <email> <name>'))
    .description('create a resident (they log in with this e-mail once invited)')
    .option('--language <lang>', 'de, fr, it or en (default: the browser\'s)')
    .action(action(async (email: string, name: string, opts: { db?: string; language?: string }) => {
      await withStore(opts.db, async (deps) => printJson(uc.residentView(await uc.createResident(deps, { email, name, ...(opts.language ? { language: opts.language } : {}) }))));
    }));

  dbOption(res.command('let <email> <meter_id>'))
    .description("let a consumer meter to a resident from --from (a date: midnight in the site's zone) until --to (default: open-ended)")
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD) or instant of the tenancy')
    .option('--to <date>', 'first day after the tenancy')
    .action(action(async (email: string, meterId: string, opts: { db?: string; from: string; to?: string }) => {
      await withStore(opts.db, async (deps) => {
        const r = await deps.store.getResidentByEmail(email.toLowerCase());
        if (!r) throw new KwhubError('resident.not_found', `no resident with the e-mail ${email}`);
        const { tenancy, siteId } = await uc.createTenancy(deps, { meter_id: meterId, resident_id: r.id, from: opts.from, to: opts.to ?? null });
        printJson(uc.tenancyView(tenancy, siteId));
      });
    }));

  dbOption(res.command('invite <email>'))
    .description('print a one-time link with which the resident sets their password')
    .option('--url <base>', 'the address of the portal (default: http://<KWHUB_HOST>:<KWHUB_PORT>)')
    .action(action(async (email: string, opts: { db?: string; url?: string }) => {
      await withStore(opts.db, async (deps) => {
        const r = await deps.store.getResidentByEmail(email.toLowerCase());
        if (!r) throw new KwhubError('resident.not_found', `no resident with the e-mail ${email}: create one with \`kwhub resident add\``);
        const inv = await uc.inviteResident(deps, r.id, loadConfig({}).portalInviteTtlSeconds);
        printJson({ resident_id: r.id, email: r.email, link: `${portalUrl(opts.url)}${inv.path}`, expires_at: inv.expires_at });
      });
    }));

  dbOption(res.command('list'))
    .description('every resident with their tenancies')
    .action(action(async (opts: { db?: string }) => {
      await withStore(opts.db, async (deps) => {
        const all = await deps.store.listResidents();
        const out = [];
        for (const r of all) out.push({ ...uc.residentView(r), tenancies: await uc.listTenancies(deps, { resident_id: r.id }) });
        printJson(out);
      });
    }));

  const op = program.command('operator').description('operator accounts of the portal (besides the operator token)');
  dbOption(op.command('add <username>'))
    .description('create an operator account, or set its password; prints a generated password unless --password is given')
    .option('--password <password>', 'password (at least 10 characters)')
    .action(action(async (username: string, opts: { db?: string; password?: string }) => {
      const password = opts.password ?? randomBytes(12).toString('base64url');
      if (password.length < 10) throw new KwhubError('param.invalid', 'the password must have at least 10 characters', { param: 'password' });
      if (!/^[A-Za-z0-9._+-]{3,100}$/.test(username)) throw new KwhubError('param.invalid', 'username: 3-100 letters, digits or ._+- (no @: that is how residents log in)', { param: 'username' });
      await withStore(opts.db, async (deps) => {
        const existing = await deps.store.getOperatorAccount(username);
        const hash = await hashPassword(password);
        if (existing) await deps.store.updateOperatorPassword(existing.id, hash);
        else await deps.store.insertOperatorAccount({ id: deps.newId(), username, password_hash: hash, created_at: deps.clock.now() });
        printJson({ username, action: existing ? 'updated' : 'created', ...(opts.password ? {} : { password }) });
      });
    }));
}
