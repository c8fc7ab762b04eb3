import type { Command } from 'commander';
import { appendFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { createScaledClock, parseScaledClockSpec, systemClock, type ScaledClock } from '../core/clock.js';
import { registersOf } from '../core/types.js';
import type { Register } from '../demo/live.js';
import { demoSite } from '../demo/site.js';
import { demoMeterPlan, type SimMeter } from '../demo/meter-sim/plan.js';
import { createMeterState, seededRegisters } from '../demo/meter-sim/state.js';
import { startModbusSlave, startRtuOverTcpSlave, type Fault } from '../demo/meter-sim/modbus-slave.js';
import { startMbusSlave } from '../demo/meter-sim/mbus-slave.js';
import { MBUS_GROUPS, mbusBusOf, simGatewayYaml } from '../demo/meter-sim/gateway-yaml.js';
import { DEFAULT_DEMO_SEED, lastDemoRegisters } from '../ingest/demo.js';
import { createGateway } from '../server/modules/admin/admin.usecases.js';
import { action, withStore } from './common.js';

/** `--test-clock start=…,speed=…,origin=…` (or KWHUB_TEST_CLOCK): for tests and demos, never for real meters */
export function testClockOption(cmd: Command): Command {
  return cmd.option('--test-clock <spec>', 'TESTING ONLY: run on a simulated clock "start=<ISO-8601>,speed=<n>[,origin=<epoch ms>]" (env KWHUB_TEST_CLOCK); give meter-sim and gateway the same spec');
}

export function clockFrom(spec: string | undefined): ScaledClock {
  const text = spec ?? process.env.KWHUB_TEST_CLOCK;
  if (!text) return { speed: 1, now: systemClock.now };
  const parsed = parseScaledClockSpec(text, Date.now());
  if (typeof parsed === 'string') throw new ConfigError(`--test-clock: ${parsed}`);
  return createScaledClock(parsed);
}

function parseFaults(list: string[]): Map<number, Fault> {
  const out = new Map<number, Fault>();
  for (const f of list) {
    const m = /^(\d+)=(silent|exception)$/.exec(f);
    if (!m) throw new ConfigError(`--fault ${f}: write <prim_ad>=silent or <prim_ad>=exception`);
    out.set(Number(m[1]), m[2] as Fault);
  }
  return out;
}

interface Opts {
  host: string; port: number; mbusPorts?: string; seed: number; db?: string; testClock?: string; fault: string[];
  record?: string; latency: number; rtuPort?: number; writeConfig?: string; serverUrl: string; token?: string;
}

export function registerMeterSim(program: Command): void {
  testClockOption(program.command('meter-sim'))
    .description("serve the demo community's meters as Modbus TCP slaves (unit id = prim_ad) and M-Bus meters on TCP, counting with the demo's physics")
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'Modbus TCP port', (v) => Number(v), 5020)
    .option('--mbus-ports <a,b,c>', 'M-Bus TCP ports of the heat, hot-water and cold-water meters (default: --port + 1, 2, 3)')
    .option('--seed <n>', 'demo seed', (v) => Number(v), DEFAULT_DEMO_SEED)
    .option('--db <path-or-url>', "the demo's database: registers continue from its last readings, and --write-config gets a fresh gateway token for the demo site")
    .option('--write-config <file>', 'write a ready gateway.yaml for these meters (default: print it)')
    .option('--server-url <url>', 'kWhub server the gateway.yaml pushes to', 'http://127.0.0.1:8080')
    .option('--token <token>', 'gateway token to put in the gateway.yaml')
    .option('--fault <prim_ad=kind>', 'TESTING: a meter that is silent or answers Modbus exceptions (repeatable)', (v, acc: string[]) => [...acc, v], [])
    .option('--record <file>', 'TESTING: append every energy register served, as JSON lines {prim_ad, t, ...values}')
    .option('--rtu-port <n>', 'also serve the Modbus meters as RTU frames over TCP (an RS485-to-Ethernet converter) on this port', (v) => Number(v))
    .option('--latency <ms>', "delay every answer, like a meter's response time", (v) => Number(v), 0)
    .action(action(async (opts: Opts) => {
      const clock = clockFrom(opts.testClock);
      const faults = parseFaults(opts.fault);
      const meters = demoMeterPlan(opts.seed);
      // the M-Bus ports follow the Modbus port by default, and the gateway.yaml names them: fixed ports, not 0
      if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65532) throw new ConfigError(`--port: give a TCP port from 1 to 65,532 (got ${opts.port}); the M-Bus meters take the next three unless --mbus-ports`);
      const mbusPorts = (opts.mbusPorts ?? `${opts.port + 1},${opts.port + 2},${opts.port + 3}`).split(',').map(Number);
      if (mbusPorts.length !== 3 || mbusPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new ConfigError('--mbus-ports: give three TCP ports, e.g. 5021,5022,5023');
      let token = opts.token ?? null;
      let registers: Map<string, Register> = seededRegisters(opts.seed, meters, clock.now());
      if (opts.db) {
        const site = demoSite(opts.seed);
        await withStore(opts.db, async (deps, store) => {
          if (!(await store.getSite(site.siteId))) throw new ConfigError(`no demo site (seed ${opts.seed}) in ${opts.db}: run "kwhub demo" or npm start first, or leave out --db`);
          for (const [meterId, { type, ts, a, b }] of await lastDemoRegisters(store, site.siteId)) {
            const [first, second] = registersOf(type);
            // a simulated register shows its value at its own resolution (float32, 0.1 kWh, litres…): started a step above
            // the last stored reading, it never reads below it (which validation would take for a meter exchange)
            const step = second ? 0.1 : first === 'heat_energy_kwh' ? 0.01 : 0.001;
            registers.set(meterId, { ts, a: a + step, b: b > 0 ? b + step : 0 });
          }
          if (opts.writeConfig && !token) token = (await createGateway(deps, site.siteId, { name: `meter-sim gateway ${new Date().toISOString()}` })).token;
        });
      }
      const state = createMeterState(opts.seed, registers);
      const record = opts.record
        ? (m: SimMeter, t: number, values: Record<string, number | null | undefined>) => appendFileSync(opts.record!, `${JSON.stringify({ prim_ad: m.primAd, t, ...values })}\n`)
        : undefined;
      const modbus = await startModbusSlave({ host: opts.host, port: opts.port, meters, state, clock, faults, latencyMs: opts.latency, onEnergy: record });
      const mbus = await Promise.all(MBUS_GROUPS.map((g, i) => startMbusSlave({
        host: opts.host, port: mbusPorts[i], meters: meters.filter((m) => m.bus === 'mbus' && mbusBusOf(m) === mbusBusOf({ ...m, type: g })), state, clock, faults, latencyMs: opts.latency, onEnergy: record,
      })));
      const rtu = opts.rtuPort === undefined ? null : await startRtuOverTcpSlave({ host: opts.host, port: opts.rtuPort, meters, state, clock, faults, latencyMs: opts.latency, onEnergy: record });
      if (rtu) process.stdout.write(`meter-sim: the same Modbus meters as RTU over TCP on ${opts.host}:${rtu.port}\n`);
      const yaml = simGatewayYaml(meters, { host: opts.host, modbus: modbus.port, mbus: [mbus[0].port, mbus[1].port, mbus[2].port] }, { url: opts.serverUrl, token, seed: opts.seed });
      const nModbus = meters.filter((m) => m.bus === 'modbus').length;
      process.stdout.write(`meter-sim: ${nModbus} Modbus meters on ${opts.host}:${modbus.port} (unit id = prim_ad), ${meters.length - nModbus} M-Bus meters on ports ${mbus.map((s) => s.port).join(', ')} (by secondary address)\n`);
      if (opts.writeConfig) {
        writeFileSync(opts.writeConfig, yaml);
        process.stdout.write(`wrote ${opts.writeConfig}${token ? ' (with a new gateway token for the demo site)' : ''}: run "kwhub gateway --config ${opts.writeConfig}"\n`);
      } else {
        process.stdout.write(`\n${yaml}\n`);
      }
      process.stdout.write('meter-sim ready\n');
      const stop = async () => {
        await Promise.all([modbus.close(), ...mbus.map((s) => s.close()), rtu?.close()]);
        process.exit(0);
      };
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop());
    }));
}
