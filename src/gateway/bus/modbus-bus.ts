/**
 * A Modbus bus through modbus-serial: RTU on a serial RS485 port, Modbus
 * TCP, or RTU framing over TCP (RS485-to-Ethernet converters). One request
 * at a time, a timeout per request, retries with backoff for wire failures.
 * A Modbus exception is an answer (the meter is there but refuses): never
 * retried.
 */
import modbusSerial from 'modbus-serial';
import type { BusConfig } from '../config.js';
import type { ElectricityQuantity, ModbusModel } from '../models/model.js';
import { decodeBlock, planReads } from '../models/plan.js';
import { sleep, type ModbusBus, type ReadOutcome } from './bus.js';
import { createRequestQueue } from './request-queue.js';

// a CommonJS module whose export is the client class (its typings say "default")
const ModbusRTU = modbusSerial as unknown as typeof import('modbus-serial').default;
type Client = InstanceType<typeof ModbusRTU>;

async function connect(client: Client, bus: BusConfig): Promise<void> {
  switch (bus.type) {
    case 'serial':
      return client.connectRTUBuffered(bus.device!, { baudRate: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits });
    case 'modbus_tcp':
      return client.connectTCP(bus.host!, { port: bus.port! });
    case 'rtu_over_tcp':
      // raw RTU frames (with CRC) on the socket, as a transparent RS485-to-Ethernet converter passes them; modbus-serial's
      // "TcpRTUBuffered" port sends Modbus TCP (MBAP) frames instead, which such a converter would put on the wire as noise
      return client.connectTelnet(bus.host!, { port: bus.port! });
    default:
      throw new Error(`${bus.type} is not a Modbus bus`);
  }
}

/** what a failed request was: no answer, the meter's refusal, or the wire */
function classify(e: unknown): { kind: 'timeout' | 'exception' | 'error'; message: string } {
  const err = e as { name?: string; message?: string; modbusCode?: number; errno?: string };
  if (typeof err.modbusCode === 'number') return { kind: 'exception', message: `Modbus exception ${err.modbusCode}: ${err.message ?? ''}`.trim() };
  if (err.name === 'TransactionTimedOutError' || err.errno === 'ETIMEDOUT') return { kind: 'timeout', message: 'no answer within the timeout' };
  return { kind: 'error', message: err.message ?? String(e) };
}

/** Opens the bus; a port that cannot be opened now fails here (the CLI says which bus and why). */
export async function openModbusBus(bus: BusConfig): Promise<ModbusBus> {
  const client = new ModbusRTU();
  await connect(client, bus);
  client.setTimeout(bus.timeoutMs);
  const queue = createRequestQueue();
  let closed = false;

  const ensureOpen = async () => {
    if (client.isOpen) return;
    await connect(client, bus);
    client.setTimeout(bus.timeoutMs);
  };

  const once = async (unitId: number, model: ModbusModel, quantities: readonly ElectricityQuantity[]) => {
    await ensureOpen();
    client.setID(unitId);
    const out: Partial<Record<ElectricityQuantity, number | null>> = {};
    for (const block of planReads(model, quantities)) {
      const res = block.functionCode === 3
        ? await client.readHoldingRegisters(block.address, block.count)
        : await client.readInputRegisters(block.address, block.count);
      Object.assign(out, decodeBlock(block, res.data));
    }
    return out;
  };

  return {
    kind: 'modbus',
    name: bus.name,
    read(unitId, model, quantities, priority) {
      return queue.run(priority, async (): Promise<ReadOutcome<Partial<Record<ElectricityQuantity, number | null>>>> => {
        let last: { kind: 'timeout' | 'exception' | 'error'; message: string } = { kind: 'error', message: 'not tried' };
        for (let attempt = 0; attempt <= bus.retries; attempt++) {
          if (closed) return { ok: false, kind: 'error', message: 'the bus is closed' };
          if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** (attempt - 1)));
          try {
            return { ok: true, values: await once(unitId, model, quantities) };
          } catch (e) {
            last = classify(e);
            if (last.kind === 'exception') break;
          }
        }
        return { ok: false, ...last };
      });
    },
    close: () => {
      closed = true;
      return new Promise<void>((r) => (client.isOpen ? client.close(() => r()) : r()));
    },
  };
}
