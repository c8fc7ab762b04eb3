/**
 * Turns a site's pending raw data into validated intervals and allocation.
 * Work for one site is serialized (one run at a time per site and process);
 * a pending span is settled only after its allocation is stored, so a crash
 * anywhere in between just repeats the (idempotent) work at the next run.
 */
import { validateWindow, VALIDATION_CONTEXT } from '../core/validation/index.js';
import type { MeterValidationConfig, ValidatedInterval, WindowResult } from '../core/validation/index.js';
import { KwhubError } from '../core/errors.js';
import { registersOf } from '../core/types.js';
import { ceilToInterval } from '../core/time/range.js';
import type { Clock } from '../core/clock.js';
import type { ChangeWrite, IntervalColumns, Meter, PendingRange, Site, SpanRow, Store } from '../store/store.js';
import { allocateRange, type ChangeContext, type Validated } from './allocate-range.js';
import type { ChangeCause } from './change-diff.js';
import { createSettleScheduler } from './settle.js';

export interface PipelineRun {
  meters: number;
  intervals: number;
  allocated: number;
}

export type PipelineProgress = (phase: 'validate' | 'allocate', done: number, total: number) => void;

export interface Pipeline {
  /** validates and allocates everything pending for the site; resolves when stored */
  run(siteId: string, progress?: PipelineProgress): Promise<PipelineRun>;
  /**
   * Runs the site soon, in the background: once no new work has come for the
   * settle delay, or when the first unrun work has waited the longest delay
   * (see settle.ts). Pushes arriving meanwhile join the same run.
   */
  schedule(siteId: string): void;
  /**
   * Resolves once everything pending for the site when called (pushed here, by
   * another process or by another instance) is validated and allocated: what
   * a reader reads next includes every acknowledged push.
   */
  flush(siteId: string): Promise<void>;
  /** runs every site that has pending work (at start, after a crash) */
  runAll(): Promise<void>;
  /** runs every scheduled site now and waits for every run in progress */
  idle(): Promise<void>;
  /** drops the scheduled runs (their work stays pending, durably, for the next start) and waits for the runs in progress */
  close(): Promise<void>;
  /** adds an entry to the site's change log that no run writes (a lock date set), under the site's lock */
  recordChange(siteId: string, entry: Omit<ChangeWrite, 'at'>): Promise<void>;
}

export function validationConfig(m: Meter): MeterValidationConfig {
  const regs = registersOf(m.type);
  const names: readonly [string, string] = [regs[0], regs[1] ?? '-'];
  return {
    readingKind: m.reading_kind,
    reversed: m.reversed,
    installedAt: m.installed_at ?? undefined,
    maxPowerKw: m.max_power_kw ?? undefined,
    registerMax: m.register_max ?? undefined,
    registerNames: names,
  };
}


/**
 * Joins estimated spans that touch and share a reason: a meter read hourly
 * has every hour interpolated into quarter-hours, which is one fact, not
 * thousands.
 */
export function mergeSpans<S extends { from: number; to: number; reason: string; detail: string }>(spans: S[]): SpanRow[] {
  const out: SpanRow[] = [];
  for (const s of [...spans].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && last.reason === s.reason && s.from <= last.to) {
      if (s.to > last.to) {
        last.to = s.to;
        last.detail = `${last.reason}: ${new Date(last.from).toISOString()} to ${new Date(last.to).toISOString()} (joined spans)`;
      }
    } else out.push({ from: s.from, to: s.to, reason: s.reason, detail: s.detail });
  }
  return out;
}

/** The validated intervals starting in [from, to), as columns (one pass, no per-element callbacks). */
function keptColumns(all: readonly ValidatedInterval[], from: number, to: number): IntervalColumns {
  let n = 0;
  for (const iv of all) if (iv.t >= from && iv.t < to) n++;
  const out: IntervalColumns = { t: new Float64Array(n), im: new Float64Array(n), ex: new Float64Array(n), estimated: new Uint8Array(n) };
  let k = 0;
  for (const iv of all) {
    if (iv.t < from || iv.t >= to) continue;
    out.t[k] = iv.t;
    out.im[k] = iv.im;
    out.ex[k] = iv.ex;
    out.estimated[k] = iv.estimated ? 1 : 0;
    k++;
  }
  return out;
}

/** Merges overlapping or touching [from, to) ranges. */
export function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Validates the readings around a changed span. When the readings around it
 * are too dense for the window's context, the meter's whole history is
 * validated instead: slower, never wrong.
 */
async function validateSpan(store: Store, meter: Meter, span: { from: number; to: number }): Promise<WindowResult> {
  const cfg = validationConfig(meter);
  // validation's `im` is the meter's first register, `ex` an electricity meter's export
  const regs = registersOf(meter.type);
  const win = await store.rawWindow(meter.id, span.from, span.to, VALIDATION_CONTEXT, regs);
  try {
    return validateWindow(win, cfg, span, win);
  } catch (e) {
    if (!(e instanceof KwhubError)) throw e;
    const all = await store.rawWindow(meter.id, -Infinity, Infinity, 0, regs);
    return validateWindow(all, cfg, span, { moreBefore: false, moreAfter: false });
  }
}

/** readings alone are late data (or the live edge); an operator's corrections and revalidations say why */
function causeOf(pending: PendingRange[]): ChangeCause {
  const reasons = [...new Set(pending.map((p) => p.reason).filter((r): r is string => typeof r === 'string' && r !== ''))];
  const meterIds = [...new Set(pending.map((p) => p.meter_id))];
  return reasons.length > 0 ? { kind: 'correction', reason: reasons.join('; '), meterIds } : { kind: 'data', reason: 'late data', meterIds };
}

/** `at`: when the run's changes are dated (when their first push arrived, when known) */
async function runSite(store: Store, clock: Clock, siteId: string, retentionMs: number, at: number, progress?: PipelineProgress): Promise<PipelineRun> {
  const pending = await store.listPending(siteId);
  if (pending.length === 0) return { meters: 0, intervals: 0, allocated: 0 };
  const site = (await store.getSite(siteId)) as Site;
  const meters = await store.listMeters(siteId);
  const byId = new Map(meters.map((m) => [m.id, m]));
  // where each meter's data ended before this run: new intervals past it are the live edge, not a change
  const ends = await store.lastIntervals(meters.map((m) => m.id));
  const changes: ChangeContext = {
    cause: causeOf(pending), lastEnd: new Map(meters.map((m, i) => [m.id, ends[i]])), at, pruneBefore: at - retentionMs,
  };

  const spans = new Map<string, { from: number; to: number }>();
  for (const p of pending) {
    const s = spans.get(p.meter_id);
    if (!s) spans.set(p.meter_id, { from: p.from, to: p.to });
    else {
      s.from = Math.min(s.from, p.from);
      s.to = Math.max(s.to, p.to);
    }
  }

  const lock = site.lock_date === null ? null : ceilToInterval(site.lock_date);
  const touched: [number, number][] = [];
  // validated here, stored by the allocation below: each interval row is written once
  const validated = new Map<string, Validated>();
  let intervals = 0;
  let done = 0;
  for (const [meterId, span] of spans) {
    progress?.('validate', done++, spans.size);
    const meter = byId.get(meterId);
    if (!meter || meter.rule !== null) continue;
    const res = await validateSpan(store, meter, span);
    let from = res.writeFrom;
    const to = res.writeTo;
    // billed periods are frozen: late data there stays raw (ingest reports it as a discrepancy)
    if (lock !== null && from < lock) from = lock;
    if (from >= to) continue;
    const cols = keptColumns(res.intervals, from, to);
    intervals += cols.t.length;
    validated.set(meterId, { from, to, intervals: cols });
    await store.replaceQuality({
      meter_id: meterId,
      from,
      to,
      // rejections belong to the range by their instant; spans are cut at its edges, as the store replaces them
      rejections: res.rejections.filter((r) => r.ts >= from && r.ts < to).map((r) => ({ ts: r.ts, reason: r.reason, detail: r.detail })),
      spans: mergeSpans(res.estimatedSpans.filter((s) => s.to > from && s.from < to).map((s) => ({ ...s, from: Math.max(s.from, from), to: Math.min(s.to, to) }))),
      recorded_at: clock.now(),
    });
    touched.push([from, to]);
  }

  progress?.('validate', spans.size, spans.size);
  let allocated = 0;
  const merged = mergeRanges(touched);
  const span = merged.reduce((s, [a, b]) => s + (b - a), 0);
  let covered = 0;
  for (const [from, to] of merged) {
    allocated += await allocateRange(store, site, meters, from, to, validated, (d) => progress?.('allocate', covered + d, span), changes);
    covered += to - from;
  }
  await store.settlePending(pending.map((p) => p.seq));
  return { meters: spans.size, intervals, allocated };
}

/** the change feed keeps at least this much history by default */
export const CHANGE_RETENTION_DAYS = 90;

export interface PipelineOptions {
  changeRetentionDays?: number;
  /** a scheduled run starts once the site got no new work for this long (ms) */
  settleMs?: number;
  /** … or at the latest this long after its first unrun work (ms; longer while a site's runs take long, see settle.ts) */
  maxDelayMs?: number;
  /** where a background run's failure is reported (its work stays pending and is retried) */
  onError?: (err: unknown, siteId: string) => void;
}

/** defaults: a push's data is in the next run within a quarter of a second of the last push of a burst */
export const SETTLE_MS = 250;
export const MAX_DELAY_MS = 30_000;

export function createPipeline(store: Store, clock: Clock, opts: PipelineOptions = {}): Pipeline {
  const retentionMs = (opts.changeRetentionDays ?? CHANGE_RETENTION_DAYS) * 86_400_000;
  const running = new Map<string, Promise<PipelineRun>>();
  /** when the first push not run yet arrived, per site (this process's clock): a coalesced run's changes are dated then */
  const arrived = new Map<string, number>();
  const run = (siteId: string, progress?: PipelineProgress): Promise<PipelineRun> => {
    const prev = running.get(siteId) ?? Promise.resolve({ meters: 0, intervals: 0, allocated: 0 });
    const next = prev.catch(() => undefined).then(async () => {
      // in-process runs are chained; the store's lock keeps other processes and instances out
      const release = await store.lockSite(siteId);
      const t = performance.now();
      // taken before the pending list is read: a push arriving from here on dates the next run
      const at = arrived.get(siteId) ?? clock.now();
      arrived.delete(siteId);
      try {
        return await runSite(store, clock, siteId, retentionMs, at, progress);
      } finally {
        settle.ran(siteId, performance.now() - t);
        await release();
      }
    });
    running.set(siteId, next);
    void next.finally(() => {
      if (running.get(siteId) === next) running.delete(siteId);
    }).catch(() => undefined);
    return next;
  };
  const settle = createSettleScheduler({
    settleMs: opts.settleMs ?? SETTLE_MS,
    maxDelayMs: opts.maxDelayMs ?? MAX_DELAY_MS,
    run: (siteId) => {
      run(siteId).catch((err) => opts.onError?.(err, siteId));
    },
  });
  return {
    run,
    schedule(siteId) {
      if (!arrived.has(siteId)) arrived.set(siteId, clock.now());
      settle.schedule(siteId);
    },
    async flush(siteId) {
      // work of this process is known; another process's or instance's is in the database
      if (settle.cancel(siteId) || running.has(siteId) || (await store.hasPending(siteId))) await run(siteId);
    },
    async runAll() {
      for (const siteId of await store.sitesWithPending()) await run(siteId);
    },
    async idle() {
      for (const siteId of settle.cancelAll()) void run(siteId).catch(() => undefined);
      await Promise.allSettled([...running.values()]);
    },
    async close() {
      settle.cancelAll();
      await Promise.allSettled([...running.values()]);
    },
    async recordChange(siteId, entry) {
      // under the pipeline's lock, so that a site's entries commit in the order of their seqs (cursors never skip one)
      const release = await store.lockSite(siteId);
      try {
        const at = clock.now();
        await store.recordChanges(siteId, { entries: [{ ...entry, at }], prune_before: at - retentionMs });
      } finally {
        await release();
      }
    },
  };
}
