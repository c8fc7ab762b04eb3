/**
 * The demo's heat and water meters as M-Bus slaves behind one TCP port (an
 * M-Bus level converter on the LAN). Answers what a master sends: selection
 * by secondary address (SND_UD, CI 0x52, to 0xFD), REQ_UD2 to the selected
 * meter or to a primary address, SND_NKE; each answer an RSP_UD long frame.
 */
import net from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { SimMeter } from './plan.js';
import type { MeterState } from './state.js';
import type { Fault } from './modbus-slave.js';
import { meterRecords, rspUd, selects } from './mbus-frame.js';

export interface MbusSlaveOptions {
  host: string;
  port: number;
  meters: SimMeter[];
  state: MeterState;
  clock: Clock;
  /** silent: never answers; exception: answers with a broken checksum */
  faults?: Map<number, Fault>;
  latencyMs?: number;
  onEnergy?: (meter: SimMeter, t: number, values: { heat_energy_kwh?: number; vol_m3?: number }) => void;
}

export interface RunningMbusSlave {
  port: number;
  stats(): { answers: number; busyMs: number };
  close(): Promise<void>;
}

const ACK = Buffer.from([0xe5]);

export function startMbusSlave(opts: MbusSlaveOptions): Promise<RunningMbusSlave> {
  const meters = opts.meters.filter((m) => m.bus === 'mbus');
  const byPrimary = new Map(meters.map((m) => [m.primAd, m]));
  let answers = 0;
  let busyMs = 0;
  const access = new Map<number, number>();

  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    // selection is per connection: one master per converter port
    let selected: SimMeter | null = null;
    const send = (frame: Buffer, started: number) => {
      const finish = () => {
        answers++;
        busyMs += performance.now() - started;
        if (!sock.destroyed) sock.write(frame);
      };
      if (opts.latencyMs) setTimeout(finish, opts.latencyMs);
      else finish();
    };
    const respond = (m: SimMeter, started: number) => {
      const fault = opts.faults?.get(m.primAd);
      if (fault === 'silent') return;
      const t = opts.clock.now();
      const v = opts.state.valuesAt(m, t);
      const { records, main } = meterRecords(m.layout!, v);
      const acc = ((access.get(m.primAd) ?? 0) + 1) & 0xff;
      access.set(m.primAd, acc);
      const isHeat = m.layout!.startsWith('heat');
      if (fault !== 'exception') opts.onEnergy?.(m, t, isHeat ? { heat_energy_kwh: main } : { vol_m3: main });
      send(rspUd(m.primAd <= 250 ? m.primAd : 0xfd, m.secondaryAddress!, acc, records, fault === 'exception'), started);
    };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length === 0) return;
        const started = performance.now();
        if (buf[0] === 0xe5) {
          buf = buf.subarray(1);
        } else if (buf[0] === 0x10) {
          if (buf.length < 5) return;
          const c = buf[1];
          const a = buf[2];
          buf = buf.subarray(5);
          if ((c & 0x4f) === 0x40) {
            // SND_NKE: to 0xFD it ends the selection
            if (a === 0xfd) {
              if (selected) send(ACK, started);
              selected = null;
            } else if (byPrimary.has(a) && opts.faults?.get(a) !== 'silent') send(ACK, started);
          } else if ((c & 0x4f) === 0x4b) {
            const m = a === 0xfd ? selected : byPrimary.get(a) ?? null;
            if (m) respond(m, started);
          }
        } else if (buf[0] === 0x68) {
          if (buf.length < 4) return;
          const len = buf[1];
          if (buf.length < len + 6) return;
          const frame = buf.subarray(0, len + 6);
          buf = buf.subarray(len + 6);
          const c = frame[4];
          const a = frame[5];
          const ci = frame[6];
          if ((c & 0x4f) === 0x43 && a === 0xfd && ci === 0x52 && len >= 11) {
            const matches = meters.filter((m) => selects(frame.subarray(7, 15), m.secondaryAddress!));
            selected = matches.length === 1 ? matches[0] : null;
            if (matches.length === 1 && opts.faults?.get(matches[0].primAd) !== 'silent') send(ACK, started);
            // several: their acknowledgements collide on the bus, which a master sees as garbage
            else if (matches.length > 1) send(Buffer.from([0xe5, 0x00, 0xe5]), started);
          }
        } else {
          // line noise: resynchronise on the next byte
          buf = buf.subarray(1);
        }
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        stats: () => ({ answers, busyMs }),
        close: () => new Promise<void>((r) => {
          server.close(() => r());
          // open master connections end with the simulator
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}
