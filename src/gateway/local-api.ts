/**
 * The gateway's local API on the LAN, in the vendor's shapes:
 *   GET /api/v1/meter/<prim_ad>/                     {L1_a, L2_a, L3_a, total_W, ts, valid}
 *   GET /api/v1/meter/<meter_type>/<meter_ad>/       the registers of that type
 * and ours: GET /api/v1/status (queue, pushes, clock offset, per-meter errors).
 * `ts` is the instant of the meter's last poll (epoch ms); `valid` is false
 * when that poll failed. Values not read yet are null.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { KwhubError } from '../core/errors.js';
import type { Poller } from './poller.js';
import type { ReadingQueue } from './queue/reading-queue.js';
import type { Pusher } from './push.js';
import { CLOCK_WARN_MS } from './push.js';
import type { GatewayMeterType, MeterConfig } from './config.js';
import type { Clock } from '../core/clock.js';

const FIELDS: Record<'electricity' | 'hot_water' | 'cold_water' | 'heating', readonly string[]> = {
  electricity: ['en_im', 'en_ex', 'L1_a', 'L2_a', 'L3_a', 'total_W'],
  hot_water: ['vol_m3'],
  cold_water: ['vol_m3'],
  heating: ['heat_energy_kwh', 'power_kw', 'diff_temp', 'flow_temp', 'vol_flow_m3_h'],
};
/** a meter type answers under the vendor's name of its kind */
const KIND_OF: Record<GatewayMeterType, keyof typeof FIELDS> = { electricity: 'electricity', charge_point: 'electricity', heating: 'heating', cooling: 'heating', hot_water: 'hot_water', cold_water: 'cold_water' };
const STATUS: Record<string, number> = { 'meter.not_found': 404, 'route.not_found': 404, 'param.invalid': 400 };

const round = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1e6) / 1e6);

export function createLocalApi(deps: { poller: Poller; queue: ReadingQueue; pusher: Pusher; clock: Clock; startedAt: number }): FastifyInstance {
  const { poller } = deps;
  const app = Fastify({ logger: false });
  const byAd = new Map<number, MeterConfig>(poller.meters.map((m) => [m.primAd, m]));

  app.setErrorHandler((err, _req, reply) => {
    const code = err instanceof KwhubError ? err.code : 'internal';
    const e = err as { statusCode?: number; message?: string };
    void reply.status(STATUS[code] ?? e.statusCode ?? 500).send({ error: code, message: e.message ?? String(err) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'route.not_found', message: `no route ${req.method} ${req.url}: try /api/v1/meter/<prim_ad>/, /api/v1/meter/<meter_type>/<meter_ad>/ or /api/v1/status` });
  });

  const meterOf = (raw: string): MeterConfig => {
    const ad = Number(raw);
    const m = /^\d+$/.test(raw) ? byAd.get(ad) : undefined;
    if (!m) throw new KwhubError('meter.not_found', `no meter with prim_ad ${raw} on this gateway (${[...byAd.keys()].join(', ')})`);
    return m;
  };
  const shape = (m: MeterConfig, fields: readonly string[]) => {
    const l = poller.live(m.primAd)!;
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = round((l.values as Record<string, number | null | undefined>)[f]);
    out.ts = l.ts;
    out.valid = l.valid;
    return out;
  };

  app.get<{ Params: { ad: string } }>('/api/v1/meter/:ad/', async (req) => {
    const m = meterOf(req.params.ad);
    if (KIND_OF[m.type] !== 'electricity') throw new KwhubError('meter.not_found', `meter ${m.primAd} is a ${m.type} meter: ask GET /api/v1/meter/${KIND_OF[m.type]}/${m.primAd}/`);
    return shape(m, ['L1_a', 'L2_a', 'L3_a', 'total_W']);
  });
  app.get<{ Params: { type: string; ad: string } }>('/api/v1/meter/:type/:ad/', async (req) => {
    const kind = req.params.type as keyof typeof FIELDS;
    if (!(kind in FIELDS)) throw new KwhubError('param.invalid', `meter_type must be one of ${Object.keys(FIELDS).join(', ')}, not "${req.params.type}"`);
    const m = meterOf(req.params.ad);
    if (KIND_OF[m.type] !== kind) throw new KwhubError('meter.not_found', `meter ${m.primAd} is a ${m.type} meter, not ${kind}: ask GET /api/v1/meter/${KIND_OF[m.type]}/${m.primAd}/`);
    return shape(m, FIELDS[kind]);
  });
  app.get('/api/v1/status', async () => {
    const push = deps.pusher.status();
    const now = deps.clock.now();
    const offset = push.clockOffsetMs;
    return {
      now,
      started_at: deps.startedAt,
      queue: {
        depth: deps.queue.depth(),
        oldest_unsent: deps.queue.oldestTs(),
        committed_total: deps.queue.committedTotal(),
        rejected: deps.queue.rejectedCount(),
        dropped: deps.queue.dropped().count,
      },
      push: {
        last_success_at: push.lastSuccessAt,
        last_attempt_at: push.lastAttemptAt,
        last_error: push.lastError,
        consecutive_failures: push.consecutiveFailures,
        stored_total: push.pushedTotal,
        duplicates_total: push.duplicatesTotal,
        rejected_total: push.rejectedTotal,
      },
      clock: {
        offset_ms: offset === null ? null : Math.round(offset),
        ok: offset === null ? null : Math.abs(offset) <= CLOCK_WARN_MS,
      },
      polling: poller.cycles(),
      meters: poller.meters.map((m) => {
        const c = poller.counters(m.primAd)!;
        const l = poller.live(m.primAd)!;
        return { prim_ad: m.primAd, type: m.type, model: m.modelName, bus: m.bus, valid: l.valid, last_poll: l.ts, requests: c.requests, errors: c.errors, timeouts: c.timeouts, exceptions: c.exceptions, last_error: c.lastError, last_error_at: c.lastErrorAt, last_ok_at: c.lastOkAt };
      }),
    };
  });
  return app;
}
