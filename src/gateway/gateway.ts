/**
 * `kwhub gateway`: opens the queue, the buses and the local API (any of
 * them failing at start is a configuration error: ConfigError, exit 2),
 * then polls and pushes until stopped.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/config.js';
import type { ScaledClock } from '../core/clock.js';
import type { Bus } from './bus/bus.js';
import { openMbusBus } from './bus/mbus-bus.js';
import { openModbusBus } from './bus/modbus-bus.js';
import type { BusConfig, GatewayConfig } from './config.js';
import { createLocalApi } from './local-api.js';
import { startPoller, type PollLog } from './poller.js';
import { startPusher } from './push.js';
import { openReadingQueue } from './queue/reading-queue.js';

export interface RunningGateway {
  apiUrl: string;
  stop(): Promise<void>;
}

async function openBus(bus: BusConfig, file: string): Promise<Bus> {
  const where = `${file}:${bus.line}: bus "${bus.name}"`;
  if (bus.device && !existsSync(bus.device)) throw new ConfigError(`${where}: the serial port ${bus.device} does not exist: plug in the RS485/M-Bus adapter or fix device (ls /dev/ttyUSB* /dev/ttyAMA* /dev/serial/by-id/ lists them)`);
  try {
    return bus.type.startsWith('mbus') ? await openMbusBus(bus) : await openModbusBus(bus);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const target = bus.device ?? `${bus.host}:${bus.port}`;
    const how = err.code === 'ECONNREFUSED' ? 'nothing listens there: check host and port, and that the converter is on'
      : err.code === 'EACCES' ? 'permission denied: add this user to the dialout group'
        : 'check the address and that the device is on';
    throw new ConfigError(`${where}: cannot open ${target} (${err.code ?? err.message ?? String(e)}): ${how}`);
  }
}

/** the local API's address is free (checked before any meter is read, so a clash stops nothing half-started) */
async function assertCanListen(config: GatewayConfig): Promise<void> {
  const { host, port } = config.localApi;
  await new Promise<void>((resolveOk, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError(`${config.file}: local_api: cannot listen on ${host}:${port} (${e.code}): ${e.code === 'EADDRINUSE' ? 'something else uses that port (kwhub serve uses 8080 too): choose another local_api.port' : 'check local_api.host'}`)));
    srv.listen(port, host, () => srv.close(() => resolveOk()));
  });
}

export async function runGateway(config: GatewayConfig, clock: ScaledClock, log: PollLog): Promise<RunningGateway> {
  await assertCanListen(config);
  const queuePath = resolve(config.queue.path);
  if (!existsSync(dirname(queuePath))) throw new ConfigError(`${config.file}: queue.path: the folder ${dirname(queuePath)} does not exist: create it or choose another path`);
  const queue = openReadingQueue({ path: queuePath, maxReadings: config.queue.maxReadings });
  const buses = new Map<string, Bus>();
  try {
    for (const b of config.buses) buses.set(b.name, await openBus(b, config.file));
  } catch (e) {
    for (const b of buses.values()) await b.close();
    queue.close();
    throw e;
  }
  if (queue.depth() > 0) log.info(`${queue.depth()} readings wait in the queue from before: pushing them first, oldest first`);
  const pusher = startPusher({ queue, url: config.server.url, token: config.server.token, batchSize: config.server.batchSize, retryMaxSeconds: config.server.retryMaxSeconds, clock, log });
  const poller = startPoller({ config, buses, queue, clock, log, serverOffsetMs: () => pusher.status().clockOffsetMs, onCommitted: () => pusher.wake() });
  const app = createLocalApi({ poller, queue, pusher, clock, startedAt: clock.now() });
  const stopAll = async () => {
    await poller.stop();
    await pusher.stop();
    for (const b of buses.values()) await b.close();
    queue.close();
  };
  let apiUrl: string;
  try {
    apiUrl = await app.listen({ host: config.localApi.host, port: config.localApi.port });
  } catch (e) {
    await stopAll();
    const code = (e as { code?: string }).code;
    throw new ConfigError(`${config.file}: local_api: cannot listen on ${config.localApi.host}:${config.localApi.port} (${code}): ${code === 'EADDRINUSE' ? 'something else uses that port (kwhub serve uses 8080 too): choose another local_api.port' : 'check local_api.host'}`);
  }
  log.info(`gateway: ${config.meters.length} meters on ${config.buses.length} bus(es), pushing to ${config.server.url}; local API on ${apiUrl}`);
  return {
    apiUrl,
    stop: async () => {
      await app.close();
      await stopAll();
    },
  };
}
