/**
 * An M-Bus master: a serial port at 2400 baud 8E1 through a level
 * converter, or an M-Bus converter on TCP. A meter is selected by its
 * secondary address (SND_UD to 0xFD, answered by a single 0xE5), then asked
 * for its data (REQ_UD2, answered by an RSP_UD long frame), or asked
 * directly at its primary address. One telegram at a time on the bus.
 */
import net from 'node:net';
import type { BusConfig } from '../config.js';
import { currentValues, frameAt, MbusFrameError, parseRspUd, selectionFrame, shortFrame, type FrameScan } from '../mbus/frame.js';
import type { MbusQuantity } from '../mbus/vif.js';
import { sleep, type MbusBus, type ReadOutcome } from './bus.js';
import { createRequestQueue } from './request-queue.js';

export type MbusValues = Partial<Record<MbusQuantity, number>>;

interface Wire {
  write(b: Buffer): void;
  onData(cb: (b: Buffer) => void): void;
  isOpen(): boolean;
  close(): Promise<void>;
}

function openTcp(host: string, port: number, timeoutMs: number): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const t = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, Math.max(timeoutMs, 3000));
    sock.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    sock.once('connect', () => {
      clearTimeout(t);
      sock.setNoDelay(true);
      sock.on('error', () => undefined);
      resolve({
        write: (b) => void sock.write(b),
        onData: (cb) => void sock.on('data', cb),
        isOpen: () => !sock.destroyed && sock.readyState === 'open',
        close: () => new Promise<void>((r) => {
          sock.once('close', () => r());
          sock.destroy();
        }),
      });
    });
  });
}

async function openSerial(bus: BusConfig): Promise<Wire> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: bus.device!, baudRate: bus.baud, parity: bus.parity === 'none' ? 'even' : bus.parity, dataBits: 8, stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  return {
    write: (b) => void port.write(b),
    onData: (cb) => void port.on('data', cb),
    isOpen: () => port.isOpen,
    close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
}

export async function openMbusBus(bus: BusConfig): Promise<MbusBus> {
  const open = () => (bus.type === 'mbus_tcp' ? openTcp(bus.host!, bus.port!, bus.timeoutMs) : openSerial(bus));
  let wire = await open();
  let rx: Buffer = Buffer.alloc(0);
  let waiter: (() => void) | null = null;
  const attach = (w: Wire) => w.onData((d) => {
    if (w !== wire) return;
    rx = rx.length === 0 ? d : Buffer.concat([rx, d]);
    waiter?.();
  });
  attach(wire);
  const queue = createRequestQueue();
  const fcb = new Map<string | number, boolean>();
  let closed = false;

  /** sends `out` and waits for one complete frame, or for the timeout */
  const transact = async (out: Buffer): Promise<FrameScan | { kind: 'timeout' }> => {
    if (!wire.isOpen()) {
      wire = await open();
      attach(wire);
    }
    // whatever came late for an earlier request is not this answer
    rx = Buffer.alloc(0);
    wire.write(out);
    const deadline = Date.now() + bus.timeoutMs;
    for (;;) {
      const scan = frameAt(rx);
      if (scan.kind !== 'incomplete') {
        rx = rx.subarray(scan.length);
        return scan;
      }
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          waiter = null;
          r();
        }, left);
        waiter = () => {
          clearTimeout(t);
          waiter = null;
          r();
        };
      });
    }
  };

  const purge = async () => {
    await sleep(bus.timeoutMs);
    rx = Buffer.alloc(0);
  };

  const once = async (address: string | number): Promise<ReadOutcome<MbusValues>> => {
    let target = typeof address === 'number' ? address : 0xfd;
    if (typeof address === 'string') {
      const ack = await transact(selectionFrame(address));
      if (ack.kind === 'timeout') return { ok: false, kind: 'timeout', message: `no meter acknowledges secondary address ${address}` };
      if (ack.kind !== 'ack') return { ok: false, kind: 'error', message: `selecting ${address}: ${ack.kind === 'garbage' ? `${ack.reason} (several meters answering?)` : `unexpected ${ack.kind} frame`}` };
      target = 0xfd;
    }
    const bit = !(fcb.get(address) ?? false);
    fcb.set(address, bit);
    const answer = await transact(shortFrame(bit ? 0x7b : 0x5b, target));
    if (answer.kind === 'timeout') return { ok: false, kind: 'timeout', message: 'no answer to REQ_UD2 within the timeout' };
    if (answer.kind !== 'long') return { ok: false, kind: 'error', message: answer.kind === 'garbage' ? `a broken answer: ${answer.reason}` : `an unexpected ${answer.kind} frame instead of the data` };
    try {
      const tg = parseRspUd(answer.frame);
      if (typeof address === 'string' && tg.header.secondaryAddress !== address) {
        return { ok: false, kind: 'error', message: `the answer came from ${tg.header.secondaryAddress}, not ${address}` };
      }
      return { ok: true, values: currentValues(tg) };
    } catch (e) {
      if (e instanceof MbusFrameError) return { ok: false, kind: 'error', message: `the answer does not parse: ${e.message}` };
      throw e;
    }
  };

  return {
    kind: 'mbus',
    name: bus.name,
    read(address, priority) {
      return queue.run(priority, async (): Promise<ReadOutcome<MbusValues>> => {
        let last: ReadOutcome<MbusValues> = { ok: false, kind: 'error', message: 'not tried' };
        for (let attempt = 0; attempt <= bus.retries; attempt++) {
          if (closed) return { ok: false, kind: 'error', message: 'the bus is closed' };
          if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** (attempt - 1)));
          try {
            last = await once(address);
          } catch (e) {
            last = { ok: false, kind: 'error', message: (e as Error).message };
          }
          if (last.ok) return last;
          // after a failure a late answer may still be on its way: let the line go quiet so it is not taken for the next meter's
          await purge();
        }
        return last;
      });
    },
    close: async () => {
      closed = true;
      await wire.close();
    },
  };
}
