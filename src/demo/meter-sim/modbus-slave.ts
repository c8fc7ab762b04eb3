/**
 * The demo's electricity meters as Modbus TCP slaves on one port (as behind
 * an RS485-to-Ethernet gateway): unit id = prim_ad, each answering the
 * registers of its model table with what the physics counted.
 */
import type { AddressInfo } from 'node:net';
import ModbusRTU from 'modbus-serial';
import { encodeWords, wordsOf } from '../../gateway/models/codec.js';
import { decodeBlock, type ReadBlock } from '../../gateway/models/plan.js';
import { MODBUS_MODELS } from '../../gateway/models/index.js';
import type { ElectricityQuantity, ModbusModel } from '../../gateway/models/model.js';
import type { Clock } from '../../core/clock.js';
import type { SimMeter } from './plan.js';
import type { MeterState, MeterValues } from './state.js';

/** a meter that never answers, or answers every request with a Modbus exception (slave device failure) */
export type Fault = 'silent' | 'exception';

export interface SlaveOptions {
  host: string;
  port: number;
  meters: SimMeter[];
  state: MeterState;
  clock: Clock;
  faults?: Map<number, Fault>;
  /** added to every answer, like a meter's response time on a slow bus */
  latencyMs?: number;
  /** each answer that holds a meter's energy registers, with the values a correct reader decodes */
  onEnergy?: (meter: SimMeter, t: number, values: Partial<Record<ElectricityQuantity, number | null>>) => void;
}

export interface RunningSlave {
  port: number;
  /** answers given and their summed handling time (latency included), ms; and those of the answers holding energy registers */
  stats(): { answers: number; busyMs: number; energyAnswers: number; energyBusyMs: number };
  close(): Promise<void>;
}

type Callback = (err: unknown, values?: number[]) => void;

function image(model: ModbusModel, values: MeterValues, fc: number, address: number, length: number): number[] | null {
  const words = new Array<number>(length).fill(0);
  let hit = false;
  for (const [q, spec] of Object.entries(model.registers) as [ElectricityQuantity, NonNullable<ModbusModel['registers'][ElectricityQuantity]>][]) {
    if (spec.functionCode !== fc) continue;
    const w = encodeWords(values[q] ?? 0, spec.encoding, spec.factor);
    for (let i = 0; i < w.length; i++) {
      const at = spec.address + i - address;
      if (at >= 0 && at < length) {
        words[at] = w[i];
        hit = true;
      }
    }
  }
  return hit ? words : null;
}

export function startModbusSlave(opts: SlaveOptions): Promise<RunningSlave> {
  const byUnit = new Map(opts.meters.filter((m) => m.bus === 'modbus').map((m) => [m.primAd, { meter: m, model: MODBUS_MODELS.get(m.model)! }]));
  let answers = 0;
  let busyMs = 0;
  let energyAnswers = 0;
  let energyBusyMs = 0;
  const answer = (fc: 3 | 4, address: number, length: number, unitId: number, cb: Callback) => {
    const started = performance.now();
    const entry = byUnit.get(unitId);
    const fault = opts.faults?.get(unitId);
    // no such unit on the bus, or a dead meter: nothing comes back and the master times out
    if (!entry || fault === 'silent') return;
    let energy = false;
    const done = (err: unknown, words?: number[]) => {
      const finish = () => {
        const ms = performance.now() - started;
        answers++;
        busyMs += ms;
        if (energy) {
          energyAnswers++;
          energyBusyMs += ms;
        }
        cb(err, words);
      };
      if (opts.latencyMs) setTimeout(finish, opts.latencyMs);
      else finish();
    };
    if (fault === 'exception') return done({ modbusErrorCode: 0x04 });
    const t = opts.clock.now();
    const values = opts.state.valuesAt(entry.meter, t);
    const words = image(entry.model, values, fc, address, length);
    if (!words) return done({ modbusErrorCode: 0x02 });
    // the energy registers this answer holds (a meter whose two registers lie apart is read in two requests)
    const block: ReadBlock = { functionCode: fc, address, count: length, items: [] };
    for (const q of ['en_im', 'en_ex'] as const) {
      const spec = entry.model.registers[q];
      if (spec && spec.functionCode === fc && spec.address >= address && spec.address + wordsOf(spec.encoding) <= address + length) block.items.push({ quantity: q, offset: spec.address - address, spec });
    }
    energy = block.items.length > 0;
    if (energy && opts.onEnergy) opts.onEnergy(entry.meter, t, decodeBlock(block, words));
    done(null, words);
  };
  const vector = {
    getMultipleInputRegisters: (address: number, length: number, unitId: number, cb: Callback) => answer(4, address, length, unitId, cb),
    getMultipleHoldingRegisters: (address: number, length: number, unitId: number, cb: Callback) => answer(3, address, length, unitId, cb),
    getInputRegister: (address: number, unitId: number, cb: (err: unknown, v?: number) => void) => answer(4, address, 1, unitId, (e, w) => cb(e, w?.[0])),
    getHoldingRegister: (address: number, unitId: number, cb: (err: unknown, v?: number) => void) => answer(3, address, 1, unitId, (e, w) => cb(e, w?.[0])),
  };
  return new Promise((resolve, reject) => {
    const server = new ModbusRTU.ServerTCP(vector as never, { host: opts.host, port: opts.port, unitID: 255 });
    server.once('serverError', reject);
    server.once('initialized', () => {
      const inner = (server as unknown as { _server: { address(): AddressInfo } })._server;
      resolve({
        port: inner.address().port,
        stats: () => ({ answers, busyMs, energyAnswers, energyBusyMs }),
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
