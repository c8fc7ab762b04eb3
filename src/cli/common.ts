/** What every kwhub command shares: the configuration, the store, and how errors are shown. */
import { Command } from 'commander';
import { parseConfig, ConfigError, type Config, type ConfigKey } from '../config/config.js';
import { KwhubError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { openStore } from '../store/open-store.js';
import { moveProgress } from './migrate.js';
import type { Store } from '../store/store.js';
import { createDeps, type Deps } from '../server/context.js';
import { getSiteOr404 } from '../server/modules/admin/admin.usecases.js';
import type { Site } from '../store/store.js';

export function loadConfig(overrides: Partial<Record<ConfigKey, unknown>>): Config {
  return parseConfig(process.env, overrides);
}

export async function withStore<T>(db: string | undefined, fn: (deps: Deps, store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig({ db });
  const store = await openStore(config.db, { moveProgress: moveProgress() });
  try {
    return await fn(createDeps(store, systemClock), store);
  } finally {
    await store.close();
  }
}

export function dbOption(cmd: Command): Command {
  return cmd.option('--db <path-or-url>', 'SQLite file path or postgres:// URL (env KWHUB_DB, default ./kwhub.sqlite)');
}

/** Runs a command body, turning known errors into one clear line and exit code 1 (2 for usage). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof KwhubError) {
        process.stderr.write(`kwhub: ${e.message}${e.param ? ` (${e.param})` : ''}\n`);
        process.exitCode = 1;
      } else if (e instanceof ConfigError) {
        process.stderr.write(`kwhub: ${e.message}\n`);
        process.exitCode = 2;
      } else {
        // an unexpected failure: one clear line, the details only when asked for
        process.stderr.write(`kwhub: unexpected error: ${(e as Error).message ?? String(e)} (this is a bug; KWHUB_DEBUG=1 shows the stack)\n`);
        if (['1', 'true'].includes(process.env.KWHUB_DEBUG ?? '')) process.stderr.write(`${(e as Error).stack}\n`);
        process.exitCode = 1;
      }
    }
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** the site named by --site, or the database's only site (a database with several needs --site) */
export async function siteOption(deps: Deps, store: Store, siteId: string | undefined): Promise<Site> {
  if (!siteId) {
    const sites = await store.listSites();
    if (sites.length !== 1) throw new KwhubError('param.invalid', `the database has ${sites.length} sites: name one with --site`, { param: '--site' });
    siteId = sites[0].id;
  }
  const site = await getSiteOr404(deps, siteId);
  // pushes a server acknowledged but has not run yet are part of the data the command reads
  await deps.pipeline.flush(site.id);
  return site;
}
