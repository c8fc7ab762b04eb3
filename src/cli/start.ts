import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { DEFAULT_DEMO_SEED, DEMO_PASSWORD, DEMO_USERNAME } from '../ingest/demo.js';
import { createDeps } from '../server/context.js';
import { openStore } from '../store/open-store.js';
import { moveProgress } from './migrate.js';
import { assertCanListen, startServer } from './serve.js';
import { action, dbOption, loadConfig } from './common.js';
import { credentialsText, demoWithProgress } from './demo.js';
import { demoResidents } from '../demo/residents.js';
import { demoSite } from '../demo/site.js';

/** the demo residents with a password (their tenancies do not change the logins) */
const DEMO_RESIDENT_LOGINS = demoResidents(demoSite(DEFAULT_DEMO_SEED), 'Europe/Zurich', Date.now(), 365)
  .filter((r) => r.password !== null)
  .map((r) => `  ${r.email} / ${r.password}${r.tenancies.length > 1 ? '  (moved flats: two tenancies)' : ''}`)
  .join('\n');

/** the gateway path on the demo: simulated meters read by a real `kwhub gateway` */
function gatewayQuickstart(url: string, db: string): string {
  return `
Real meters in, simulated: the demo's meters on Modbus TCP and M-Bus, read by a gateway (two more terminals):

  node bin/kwhub.js meter-sim --db ${db} --server-url ${url} --write-config gateway.yaml
  node bin/kwhub.js gateway --config gateway.yaml
  curl -s http://127.0.0.1:8081/api/v1/status
`;
}

function quickstart(url: string, siteId: string | null, runId: string | null): string {
  const api = `${url}/api/v1`;
  const runs = `${url}/api/admin/v1/sites/${siteId ?? '<site_id>'}/billing-runs`;
  return `
kWhub is serving ${api}

The portal: open ${url}/ in a browser. Log in as the operator with the operator token
(printed at the first start, or KWHUB_ADMIN_TOKEN; or make an account: kwhub operator add <name>),
or as a demo resident:
${DEMO_RESIDENT_LOGINS}

Try it (demo developer "${DEMO_USERNAME}" / "${DEMO_PASSWORD}"; 1 request per second per endpoint):

  TOKEN=$(curl -s -X POST ${api}/auth -H 'Content-Type: application/json' \\
    -d '{"username": "${DEMO_USERNAME}", "password": "${DEMO_PASSWORD}"}' \\
    | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')
  curl -s ${api}/all_installations -H "Authorization: Bearer $TOKEN"
  curl -s ${api}/meter_info/${siteId ?? '<site_id>'} -H "Authorization: Bearer $TOKEN"
  curl -s -X POST ${api}/site_data/${siteId ?? '<site_id>'}/electricity -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' -d '{"sampling_frequency": "D"}'

Billing: the demo has Swiss tariffs (HT/NT, standard product, solar price, fees, VAT 8.1 %) and a draft run of
the last full quarter. With the operator token in ADMIN:

  curl -s ${runs} -H "Authorization: Bearer $ADMIN"
  curl -s -o owner-statement.pdf ${runs}/${runId ?? '<run_id>'}/documents/owner-statement.pdf -H "Authorization: Bearer $ADMIN"
  curl -s -X POST ${runs}/${runId ?? '<run_id>'}/finalize -H "Authorization: Bearer $ADMIN"

or from another terminal (every invoice as a PDF with its Swiss QR bill, the owner's statement, CSVs):

  node bin/kwhub.js bill --run ${runId ?? '<run_id>'} --out invoices/
  node bin/kwhub.js bill --run ${runId ?? '<run_id>'} --finalize    # numbers the invoices, locks the quarter

Beyond the vendor's API: how much of each day was measured, and what changed in history since a cursor:

  curl -s -X POST ${api}/site_data/${siteId ?? '<site_id>'}/electricity -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' -d '{"sampling_frequency": "D", "with_quality": true}'
  curl -s ${api}/changes/${siteId ?? '<site_id>'} -H "Authorization: Bearer $TOKEN"
`;
}

export function registerStart(program: Command): void {
  dbOption(program.command('start'))
    .description('first run: create the demo community; then serve and print a quickstart')
    .option('--port <n>', 'TCP port (env KWHUB_PORT, default 8080)', (v) => Number(v))
    .option('--host <addr>', 'listen address (env KWHUB_HOST, default 127.0.0.1)')
    .option('--seed <n>', 'seed of the demo data', (v) => Number(v), DEFAULT_DEMO_SEED)
    .action(action(async (opts: { db?: string; port?: number; host?: string; seed: number }) => {
      const config = loadConfig({ db: opts.db, port: opts.port, host: opts.host });
      // before a minute of demo: is the port free?
      await assertCanListen(config.host, config.port);
      const store = await openStore(config.db, { moveProgress: moveProgress() });
      let siteId: string | null = null;
      let runId: string | null = null;
      try {
        const sites = await store.listSites();
        if (sites.length === 0) {
          process.stdout.write(`Empty database ${config.db}: creating the demo community (a year of data, about a minute)…\n`);
          const r = await demoWithProgress(createDeps(store, systemClock), { seed: opts.seed, now: Date.now(), days: 365 });
          process.stdout.write(`${credentialsText(r)}\n`);
          siteId = r.siteId;
        } else {
          siteId = sites[0].id;
        }
        runId = (await store.listBillingRuns(siteId)).find((r) => r.status === 'draft')?.id ?? null;
      } finally {
        await store.close();
      }
      const { url } = await startServer(opts);
      process.stdout.write(quickstart(url, siteId, runId));
      if (siteId !== null) process.stdout.write(gatewayQuickstart(url, config.db));
      process.stdout.write('\nStop with Ctrl-C. The data stays in the database for the next start.\n');
    }));
}
