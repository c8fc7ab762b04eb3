import type { Command } from 'commander';
import { KwhubError } from '../core/errors.js';
import { createLiveSource, type Register } from '../demo/live.js';
import { demoSite } from '../demo/site.js';
import { DEFAULT_DEMO_SEED, lastDemoRegisters } from '../ingest/demo.js';
import { createGateway } from '../server/modules/admin/admin.usecases.js';
import { action, dbOption, withStore } from './common.js';

const QUARTER = 15 * 60 * 1000;

async function push(url: string, token: string, body: unknown): Promise<{ stored: number; duplicates: number; rejected: unknown[] }> {
  const res = await fetch(`${url}/api/gateway/v1/readings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new KwhubError('request.invalid', `the server answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export function registerGatewaySim(program: Command): void {
  dbOption(program.command('gateway-sim'))
    .description("keep pushing live readings for the demo site to a running server, like the site's gateway")
    .option('--url <url>', 'the running kWhub server', 'http://127.0.0.1:8080')
    .option('--interval <seconds>', 'seconds between pushes', (v) => Number(v), 60)
    .option('--seed <n>', 'seed the demo was created with', (v) => Number(v), DEFAULT_DEMO_SEED)
    .option('--count <n>', 'stop after this many pushes (default: run until stopped)', (v) => Number(v))
    .action(action(async (opts: { db?: string; url: string; interval: number; seed: number; count?: number }) => {
      if (!(opts.interval > 0)) throw new KwhubError('param.invalid', '--interval must be a positive number of seconds');
      const site = demoSite(opts.seed);
      // a gateway of its own, and where every register stands now
      const { token, registers } = await withStore(opts.db, async (deps, store) => {
        if (!(await store.getSite(site.siteId))) throw new KwhubError('site.not_found', `no demo site (seed ${opts.seed}) in this database: run "kwhub demo" (or npm start) first`);
        const gw = await createGateway(deps, site.siteId, { name: `gateway-sim ${new Date().toISOString()}` });
        const regs: Map<string, Register> = await lastDemoRegisters(store, site.siteId);
        return { token: gw.token, registers: regs };
      });
      const source = createLiveSource(opts.seed);
      const since = Math.min(...[...registers.values()].map((r) => r.ts));

      // catch up on the quarter-hours since the last reading, a day per push
      const now = Date.now();
      let t = Math.ceil((since + 1) / QUARTER) * QUARTER;
      let batch = { meters: [] as unknown[], sensors: [] as unknown[] };
      let caught = 0;
      for (; t <= now; t += QUARTER) {
        const b = source.readingsAt(t, registers);
        batch.meters.push(...b.meters);
        batch.sensors.push(...b.sensors);
        if (batch.meters.length >= 96 * 60) {
          caught += (await push(opts.url, token, batch)).stored;
          batch = { meters: [], sensors: [] };
        }
      }
      if (batch.meters.length > 0) caught += (await push(opts.url, token, batch)).stored;
      if (caught > 0) process.stdout.write(`caught up: ${caught} readings since ${new Date(since).toISOString()}\n`);

      let pushes = 0;
      const tick = async () => {
        const r = await push(opts.url, token, source.readingsAt(Date.now(), registers));
        pushes++;
        process.stdout.write(`${new Date().toISOString()} pushed ${r.stored} readings (${r.rejected.length} rejected)\n`);
      };
      await tick();
      while (opts.count === undefined || pushes < opts.count) {
        await new Promise((resolve) => setTimeout(resolve, opts.interval * 1000));
        await tick();
      }
    }));
}
