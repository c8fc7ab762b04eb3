import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { runGateway } from '../gateway/gateway.js';
import { action } from './common.js';
import { clockFrom, testClockOption } from './meter-sim.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function registerGateway(program: Command): void {
  testClockOption(program.command('gateway'))
    .description('read Modbus and M-Bus meters, keep every reading in a local queue and push it to kWhub; serve the local API')
    .requiredOption('--config <file>', 'the gateway.yaml (see the README: "Gateway")')
    .action(action(async (opts: { config: string; testClock?: string }) => {
      let text: string;
      try {
        text = readFileSync(opts.config, 'utf8');
      } catch (e) {
        throw new ConfigError(`cannot read ${opts.config} (${(e as NodeJS.ErrnoException).code}): give the path of your gateway.yaml with --config ("kwhub meter-sim --write-config gateway.yaml" writes one for the simulator)`);
      }
      const config = parseGatewayConfig(text, opts.config, process.env);
      const clock = clockFrom(opts.testClock);
      const min = LEVELS.indexOf((process.env.KWHUB_LOG_LEVEL as (typeof LEVELS)[number]) ?? 'info');
      const line = (level: (typeof LEVELS)[number]) => (msg: string) => {
        if (LEVELS.indexOf(level) >= (min < 0 ? 1 : min)) process.stdout.write(`${new Date(clock.now()).toISOString()} ${level.toUpperCase()} ${msg}\n`);
      };
      const log = { info: line('info'), warn: line('warn'), error: line('error') };
      let gw;
      try {
        gw = await runGateway(config, clock, log);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        // a connection half-closed by a converter must not keep a refused start alive
        process.stderr.write(`kwhub: ${e.message}\n`);
        process.exit(2);
      }
      const stop = () => void gw.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }));
}
