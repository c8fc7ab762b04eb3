/**
 * The one path every reading takes into kWhub (gateway push and bulk import):
 * check, store durably, then validate and allocate what changed.
 */
import { KwhubError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { Store } from '../store/store.js';
import { MAX_BATCH, normalizeBatch, type ReadingRejection } from './normalize.js';

export interface IngestResult {
  stored: number;
  duplicates: number;
  rejected: ReadingRejection[];
}

export async function ingestBatch(
  deps: { store: Store; clock: Clock; pipeline: Pipeline },
  siteId: string,
  body: { meters?: unknown[]; sensors?: unknown[] },
  opts: { process?: boolean } = {},
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
  if (opts.process !== false && result.stored > 0) await deps.pipeline.run(siteId);
  return result;
}
