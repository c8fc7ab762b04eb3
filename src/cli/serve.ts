import type { Command } from 'commander';
import { ConfigError, describeConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import { moveProgress } from './migrate.js';
import { createApp } from '../server/app.js';
import { logDestination } from '../server/log-stream.js';
import { createRedisRateStore } from '../server/rate-limit/redis-rate-store.js';
import { action, dbOption, loadConfig } from './common.js';

function portError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigError(`${host}:${port} is already in use: stop what uses it, or choose another port with --port or KWHUB_PORT`);
  if (code === 'EACCES') return new ConfigError(`not allowed to listen on ${host}:${port}: choose a port above 1024 with --port or KWHUB_PORT`);
  if (code === 'EADDRNOTAVAIL') return new ConfigError(`${host} is not an address of this machine: set --host or KWHUB_HOST`);
  return e;
}

/** Fails early, with the message serve would give, when the address cannot be listened on. */
export async function assertCanListen(host: string, port: number): Promise<void> {
  const { createServer } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (e) => reject(portError(e, host, port)));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the API on the configured address; prints a generated admin token once. */
export async function startServer(overrides: { db?: string; port?: number; host?: string; redis?: string }): Promise<RunningServer> {
  const config = loadConfig(overrides);
  const store = await openStore(config.db, { moveProgress: moveProgress() });
  const rateStore = config.redis ? await createRedisRateStore(config.redis) : undefined;
  const { app, generatedAdminToken } = await createApp({ config, store, rateStore, logStream: logDestination() });
  if (generatedAdminToken) {
    process.stdout.write(
      `\nGenerated the operator (admin) token. It is stored hashed and will not be shown again:\n\n  ${generatedAdminToken}\n\n` +
        'Set KWHUB_ADMIN_TOKEN to choose your own instead.\n\n',
    );
  }
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    await store.close();
    throw portError(e, config.host, config.port);
  }
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
