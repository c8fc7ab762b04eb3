import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { KwhubError } from '../core/errors.js';
import { applySiteDocument } from '../server/modules/admin/apply.usecase.js';
import { action, dbOption, printJson, withStore } from './common.js';

export function registerApply(program: Command): void {
  dbOption(program.command('apply <site.json>'))
    .description('create or update a site, its meters, sensors, developers and grants from one JSON file')
    .action(action(async (file: string, opts: { db?: string }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new KwhubError('request.invalid', `cannot read ${file}: ${(e as Error).message}`);
      }
      await withStore(opts.db, async (deps) => printJson(await applySiteDocument(deps, doc)));
    }));
}
