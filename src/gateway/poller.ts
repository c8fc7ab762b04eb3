/**
 * Reads the meters: energy registers at start and at every quarter-hour of
 * the clock (committed to the queue at once), live values every few
 * seconds. Each bus serialises its own requests; buses run side by side, so
 * a silent meter costs only its own timeouts on its own bus.
 */
import { INTERVAL_MS } from '../core/types.js';
import type { ScaledClock } from '../core/clock.js';
import type { Bus } from './bus/bus.js';
import type { MbusValues } from './bus/mbus-bus.js';
import type { GatewayConfig, MeterConfig } from './config.js';
import type { ElectricityQuantity } from './models/model.js';
import type { NewReading, ReadingQueue } from './queue/reading-queue.js';

const LIVE_QUANTITIES: readonly ElectricityQuantity[] = ['total_W', 'L1_a', 'L2_a', 'L3_a'];
const ENERGY_QUANTITIES: readonly ElectricityQuantity[] = ['en_im', 'en_ex'];
/** readings are plausible from 2000 on and up to 5 minutes ahead of the server's time */
export const EARLIEST_TS = Date.UTC(2000, 0, 1);
export const MAX_AHEAD_MS = 5 * 60_000;

export interface MeterCounters {
  requests: number;
  errors: number;
  timeouts: number;
  exceptions: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastOkAt: number | null;
}

export interface MeterLive {
  /** the latest values read (energy and live), with the instant of the last poll */
  values: Partial<Record<ElectricityQuantity, number | null>> & MbusValues;
  ts: number | null;
  /** false when the last poll of the meter failed */
  valid: boolean;
}

export interface PollLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface Poller {
  meters: MeterConfig[];
  live(primAd: number): MeterLive | undefined;
  counters(primAd: number): MeterCounters | undefined;
  /** energy cycles done and the instant of the last one */
  cycles(): { count: number; lastAt: number | null; lastDurationMs: number | null };
  stop(): Promise<void>;
}

export interface PollerDeps {
  config: GatewayConfig;
  buses: Map<string, Bus>;
  queue: ReadingQueue;
  clock: ScaledClock;
  log: PollLog;
  /** the server's time minus ours, when known: a reading ahead of the server's time by more than 5 minutes is refused */
  serverOffsetMs(): number | null;
  /** readings were committed */
  onCommitted(): void;
}

export function startPoller(deps: PollerDeps): Poller {
  const { config, buses, queue, clock, log } = deps;
  const live = new Map<number, MeterLive>(config.meters.map((m) => [m.primAd, { values: {}, ts: null, valid: false }]));
  const counters = new Map<number, MeterCounters>(config.meters.map((m) => [m.primAd, { requests: 0, errors: 0, timeouts: 0, exceptions: 0, lastError: null, lastErrorAt: null, lastOkAt: null }]));
  let stopped = false;
  const timers = new Set<() => void>();
  let cycleCount = 0;
  let lastCycleAt: number | null = null;
  let lastCycleMs: number | null = null;

  /** waits until the clock shows `t` (scaled clocks run faster), or until stop */
  const until = (t: number) => new Promise<void>((resolve) => {
    const ms = Math.max(0, (t - clock.now()) / clock.speed);
    const done = () => {
      clearTimeout(timer);
      timers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timers.add(done);
  });

  const note = (m: MeterConfig, outcome: { ok: true } | { ok: false; kind: 'timeout' | 'exception' | 'error'; message: string }) => {
    const c = counters.get(m.primAd)!;
    const l = live.get(m.primAd)!;
    c.requests++;
    l.ts = clock.now();
    if (outcome.ok) {
      c.lastOkAt = l.ts;
      l.valid = true;
      return;
    }
    if (outcome.kind === 'timeout') c.timeouts++;
    else if (outcome.kind === 'exception') c.exceptions++;
    c.errors++;
    if (l.valid || c.lastError !== outcome.message) log.warn(`meter ${m.primAd} (bus ${m.bus}): ${outcome.message}`);
    c.lastError = outcome.message;
    c.lastErrorAt = l.ts;
    l.valid = false;
  };

  /** the quarter-hour a reading belongs to when it was taken within it, else the instant it was taken */
  const stampOf = (slot: number | null): number => {
    const now = clock.now();
    return slot !== null && now < slot + INTERVAL_MS ? slot : now;
  };

  const readEnergy = async (m: MeterConfig, slot: number | null): Promise<NewReading | null> => {
    const bus = buses.get(m.bus)!;
    if (bus.kind === 'modbus') {
      const r = await bus.read(m.unitId!, m.model!, ENERGY_QUANTITIES, 'energy');
      note(m, r);
      if (!r.ok) return null;
      Object.assign(live.get(m.primAd)!.values, r.values);
      if (r.values.en_im === null || r.values.en_im === undefined || r.values.en_ex === null) {
        note(m, { ok: false, kind: 'error', message: 'the meter marks its energy register invalid' });
        return null;
      }
      return { primAd: m.primAd, ts: stampOf(slot), kind: 'electricity', a: r.values.en_im, b: r.values.en_ex ?? 0 };
    }
    const r = await bus.read(m.secondaryAddress ?? m.unitId!, 'energy');
    note(m, r);
    if (!r.ok) return null;
    Object.assign(live.get(m.primAd)!.values, r.values);
    const heat = m.type === 'heating' || m.type === 'cooling';
    const value = heat ? r.values.heat_energy_kwh : r.values.vol_m3;
    if (value === undefined) {
      note(m, { ok: false, kind: 'error', message: `the answer holds no ${heat ? 'energy' : 'volume'} record (storage 0)` });
      return null;
    }
    return { primAd: m.primAd, ts: stampOf(slot), kind: heat ? 'heat' : 'volume', a: value, b: null };
  };

  const energyCycle = async (slot: number | null) => {
    const started = clock.now();
    const t0 = performance.now();
    const results = await Promise.all(config.meters.map((m) => readEnergy(m, slot).then((r) => {
      if (!r) return;
      const offset = deps.serverOffsetMs() ?? 0;
      if (r.ts < EARLIEST_TS || r.ts > clock.now() + offset + MAX_AHEAD_MS) {
        const msg = `reading of meter ${r.primAd} stamped ${new Date(r.ts).toISOString()} refused: the gateway's clock is wrong (before 2000 or more than 5 minutes ahead of the server); kept aside in the queue's rejected table`;
        log.error(msg);
        queue.rejectNew(r, 'clock', msg, clock.now());
        return;
      }
      // committed before anything else happens to it
      const dropped = queue.add([r], clock.now());
      if (dropped) log.error(`QUEUE FULL: dropped the ${dropped.count} oldest reading(s) (${new Date(dropped.fromTs).toISOString()} to ${new Date(dropped.toTs).toISOString()}): ${dropped.reason}`);
      deps.onCommitted();
    })));
    cycleCount++;
    lastCycleAt = started;
    lastCycleMs = performance.now() - t0;
    return results;
  };

  const liveLoop = async (m: MeterConfig) => {
    const bus = buses.get(m.bus)!;
    if (bus.kind !== 'modbus') return;
    // a meter that does not answer is asked less often (up to 16 times less), so its timeouts do not hold up the bus
    let silentRounds = 0;
    while (!stopped) {
      const r = await bus.read(m.unitId!, m.model!, LIVE_QUANTITIES, 'live');
      if (stopped) break;
      note(m, r);
      if (r.ok) Object.assign(live.get(m.primAd)!.values, r.values);
      silentRounds = !r.ok && r.kind === 'timeout' ? Math.min(4, silentRounds + 1) : 0;
      await until(clock.now() + config.liveSeconds * 1000 * 2 ** silentRounds);
    }
  };

  const energyLoop = (async () => {
    await energyCycle(null);
    let last = -Infinity;
    while (!stopped) {
      // the next quarter-hour after now, and never one read already (a timer may fire a little early)
      const slot = Math.max(last + INTERVAL_MS, Math.floor(clock.now() / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS);
      last = slot;
      await until(slot);
      // a timer that fired early: wait out the rest, so the readings are taken in their quarter-hour
      while (!stopped && clock.now() < slot) await until(slot);
      if (stopped) break;
      await energyCycle(slot);
    }
  })();
  const liveLoops = config.meters.map((m) => liveLoop(m));

  return {
    meters: config.meters,
    live: (primAd) => live.get(primAd),
    counters: (primAd) => counters.get(primAd),
    cycles: () => ({ count: cycleCount, lastAt: lastCycleAt, lastDurationMs: lastCycleMs }),
    stop: async () => {
      stopped = true;
      for (const t of [...timers]) t();
      await Promise.allSettled([energyLoop, ...liveLoops]);
    },
  };
}
