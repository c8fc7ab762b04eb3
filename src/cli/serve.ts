import type { Command } from 'commander';
import { describeConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import { createApp } from '../server/app.js';
import { createRedisRateStore } from '../server/rate-limit/redis-rate-store.js';
import { action, dbOption, loadConfig } from './common.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the API on the configured address; prints a generated admin token once. */
export async function startServer(overrides: { db?: string; port?: number; host?: string; redis?: string }): Promise<RunningServer> {
  const config = loadConfig(overrides);
  const store = await openStore(config.db);
  const rateStore = config.redis ? await createRedisRateStore(config.redis) : undefined;
  const { app, generatedAdminToken } = await createApp({ config, store, rateStore });
  if (generatedAdminToken) {
    process.stdout.write(
      `\nGenerated the operator (admin) token. It is stored hashed and will not be shown again:\n\n  ${generatedAdminToken}\n\n` +
        'Set KWHUB_ADMIN_TOKEN to choose your own instead.\n\n',
    );
  }
  const url = await app.listen({ host: config.host, port: config.port });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await store.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
  return { url, close };
}

export function registerServe(program: Command): void {
  dbOption(program.command('serve'))
    .description('serve the developer, gateway and operator APIs')
    .option('--port <n>', 'TCP port (env KWHUB_PORT, default 8080)', (v) => Number(v))
    .option('--host <addr>', 'listen address (env KWHUB_HOST, default 127.0.0.1)')
    .option('--redis <url>', 'Redis for counters shared by several instances (env KWHUB_REDIS)')
    .addHelpText('after', `\n${describeConfig()}\n`)
    .action(action(async (opts: { db?: string; port?: number; host?: string; redis?: string }) => {
      const { url } = await startServer(opts);
      process.stdout.write(`kWhub listening on ${url}\n`);
    }));
}
