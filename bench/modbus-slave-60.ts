/**
 * 60 simulated Modbus TCP meters (seven models in turn, unit id 1…60), each
 * answer delayed like a meter on RS485, in a process of their own so the
 * gateway's work does not delay their answers. Prints "ready <port>"; on
 * SIGTERM prints its stats as JSON and exits. Used by bench/gateway.ts (G2).
 */
import type { SimMeter } from '../src/demo/meter-sim/plan.js';
import { createMeterState, seededRegisters } from '../src/demo/meter-sim/state.js';
import { startModbusSlave } from '../src/demo/meter-sim/modbus-slave.js';

const [port, latency] = process.argv.slice(2).map(Number);
const models = ['sdm630', 'sdm72', 'sdm120', 'abb_b23', 'pro380', 'em340', 'em24'];
export const BENCH_METERS: SimMeter[] = Array.from({ length: 60 }, (_, i) => ({ meterId: `bench${i}`, name: `m${i}`, primAd: i + 1, type: 'electricity', bus: 'modbus', model: models[i % models.length] }));
const slave = await startModbusSlave({ host: '127.0.0.1', port, meters: BENCH_METERS, state: createMeterState(1, seededRegisters(1, BENCH_METERS, Date.now() - 3_600_000)), clock: { now: () => Date.now() }, latencyMs: latency });
process.stdout.write(`ready ${slave.port}\n`);
process.once('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(slave.stats())}\n`);
  void slave.close().then(() => process.exit(0));
});
