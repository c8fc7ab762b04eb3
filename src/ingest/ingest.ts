/**
 * The one path every reading takes into kWhub (gateway push and bulk import):
 * check, store durably, then validate and allocate what changed. A push is
 * answered once its readings and their pending work are committed; the
 * pipeline runs them a moment later, together with the pushes that follow
 * (see src/pipeline/settle.ts), and every reader of the site first waits for
 * that (Pipeline.flush).
 */
import { KwhubError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { RawMeterReading, Store } from '../store/store.js';
import { MAX_BATCH, normalizeBatch, type ReadingRejection } from './normalize.js';

export interface IngestResult {
  stored: number;
  duplicates: number;
  rejected: ReadingRejection[];
}

/**
 * Readings stored for a period the operator has locked (billed) are kept raw
 * but never change validated data: each such push is reported as a
 * discrepancy, one record per meter.
 */
async function reportLateForLockedPeriod(deps: { store: Store }, siteId: string, stored: RawMeterReading[], now: number): Promise<void> {
  const site = await deps.store.getSite(siteId);
  const lock = site?.lock_date ?? null;
  if (lock === null) return;
  const spans = new Map<string, { from: number; to: number; n: number }>();
  for (const r of stored) {
    if (r.ts >= lock) continue;
    const s = spans.get(r.meter_id);
    if (!s) spans.set(r.meter_id, { from: r.ts, to: r.ts, n: 1 });
    else {
      s.from = Math.min(s.from, r.ts);
      s.to = Math.max(s.to, r.ts);
      s.n++;
    }
  }
  if (spans.size === 0) return;
  await deps.store.addQuality([...spans].map(([meterId, s]) => ({
    meter_id: meterId, kind: 'discrepancy' as const, from: s.from, to: s.to, reason: 'after_lock_date',
    detail: `${s.n} reading(s) from ${new Date(s.from).toISOString()} to ${new Date(s.to).toISOString()} arrived after the site's lock date ${new Date(lock).toISOString()}: stored raw, validated data before the lock date left unchanged`,
    recorded_at: now,
  })));
}

export async function ingestBatch(
  deps: { store: Store; clock: Clock; pipeline: Pipeline },
  siteId: string,
  body: { meters?: unknown[]; sensors?: unknown[] },
  /** 'deferred' (default): a scheduled run; 'now': run before returning; false: leave it pending (the caller runs it) */
  opts: { process?: 'deferred' | 'now' | false } = {},
): Promise<IngestResult> {
  const count = (body.meters?.length ?? 0) + (body.sensors?.length ?? 0);
  if (count > MAX_BATCH) {
    throw new KwhubError('request.invalid', `a batch holds at most ${MAX_BATCH} readings (this one has ${count}): split it`, { param: 'meters' });
  }
  const [meters, sensors] = await Promise.all([deps.store.listMeters(siteId), deps.store.listSensors(siteId)]);
  const now = deps.clock.now();
  const batch = normalizeBatch(body, { meters, sensors }, now);
  const outcome = await deps.store.insertReadings(siteId, batch.meters, batch.sensors, now);
  const result: IngestResult = { stored: 0, duplicates: 0, rejected: batch.rejected };
  const tally = (kind: 'meter' | 'sensor', outcomes: typeof outcome.meters, index: number[]) => {
    outcomes.forEach((o, i) => {
      if (o === 'stored') result.stored++;
      else if (o === 'duplicate') result.duplicates++;
      else result.rejected.push({ kind, index: index[i], reason: 'conflict', message: 'another value is already stored for this meter and instant; the stored one is kept' });
    });
  };
  tally('meter', outcome.meters, batch.meterIndex);
  tally('sensor', outcome.sensors, batch.sensorIndex);
  result.rejected.sort((a, b) => (a.kind === b.kind ? a.index - b.index : a.kind === 'meter' ? -1 : 1));
  await reportLateForLockedPeriod(deps, siteId, batch.meters.filter((_, i) => outcome.meters[i] === 'stored'), now);
  if (result.stored > 0) {
    const process = opts.process ?? 'deferred';
    if (process === 'now') await deps.pipeline.run(siteId);
    else if (process === 'deferred') deps.pipeline.schedule(siteId);
  }
  return result;
}
