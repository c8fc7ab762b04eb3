/**
 * The demo's electricity meters as Modbus TCP slaves on one port (as behind
 * an RS485-to-Ethernet gateway): unit id = prim_ad, each answering the
 * registers of its model table with what the physics counted.
 */
import net, { type AddressInfo } from 'node:net';
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

type Answer = (fc: 3 | 4, address: number, length: number, unitId: number, cb: Callback) => void;

function createAnswerer(opts: Omit<SlaveOptions, 'host' | 'port'>): { answer: Answer; stats: RunningSlave['stats'] } {
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
  return { answer, stats: () => ({ answers, busyMs, energyAnswers, energyBusyMs }) };
}

export function startModbusSlave(opts: SlaveOptions): Promise<RunningSlave> {
  const { answer, stats } = createAnswerer(opts);
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
        stats,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** CRC-16/MODBUS of an RTU frame */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function rtuFrame(bytes: number[]): Buffer {
  const crc = crc16(Uint8Array.from(bytes));
  return Buffer.from([...bytes, crc & 0xff, crc >> 8]);
}

/**
 * The same meters behind an RS485-to-Ethernet converter in transparent mode:
 * Modbus RTU frames (unit, function, data, CRC) over a TCP connection, no
 * MBAP header. Frames with a bad CRC are ignored, as a meter on the bus would.
 */
export function startRtuOverTcpSlave(opts: SlaveOptions): Promise<RunningSlave> {
  const { answer, stats } = createAnswerer(opts);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const frame = buf.subarray(0, 8);
        if (crc16(frame.subarray(0, 6)) !== frame.readUInt16LE(6)) {
          buf = buf.subarray(1);
          continue;
        }
        buf = buf.subarray(8);
        const [unit, fc] = frame;
        const address = frame.readUInt16BE(2);
        const count = frame.readUInt16BE(4);
        if (fc !== 3 && fc !== 4) {
          sock.write(rtuFrame([unit, fc | 0x80, 0x01]));
          continue;
        }
        answer(fc, address, count, unit, (err, words) => {
          if (sock.destroyed) return;
          const code = (err as { modbusErrorCode?: number } | null)?.modbusErrorCode;
          if (err) return void sock.write(rtuFrame([unit, fc | 0x80, code ?? 0x04]));
          const data: number[] = [];
          for (const w of words!) data.push(w >> 8, w & 0xff);
          sock.write(rtuFrame([unit, fc, data.length, ...data]));
        });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve({
      port: (server.address() as net.AddressInfo).port,
      stats,
      close: () => new Promise<void>((r) => {
        server.close(() => r());
        for (const so of sockets) so.destroy();
      }),
    }));
  });
}
