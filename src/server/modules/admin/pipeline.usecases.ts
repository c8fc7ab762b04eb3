/** Operator actions on the pipeline: re-validation and the quality report. */
import type { Deps } from '../../context.js';
import type { PipelineRun } from '../../../pipeline/pipeline.js';
import { check } from '../../validate.js';
import { RevalidateSchema } from './admin.schemas.js';
import { getSiteOr404, instantOf, isoOrNull } from './admin.usecases.js';
import { mergeSpans } from '../../../pipeline/pipeline.js';

/**
 * Validates again (and re-allocates) the raw data of a site, or of some of
 * its meters, in [from, to] — after a correction such as `reversed` or an
 * installation date, or on an operator's request. A locked site's validated
 * data before its lock date is billed and stays as it is: only [lock date, to]
 * is validated again (clear or move the lock date to change billed data).
 */
export async function revalidate(deps: Deps, siteId: string, input: unknown, meterIds?: string[], reason = 'revalidation'): Promise<PipelineRun> {
  const site = await getSiteOr404(deps, siteId);
  const body = check(RevalidateSchema, input ?? {});
  // the pipeline never validates before the lock date: nothing there is asked for
  const from = Math.max(instantOf(body.from, 'from') ?? -Infinity, site.lock_date ?? -Infinity);
  const to = instantOf(body.to, 'to') ?? Infinity;
  const meters = (await deps.store.listMeters(siteId)).filter((m) => m.rule === null && (!meterIds || meterIds.includes(m.id)));
  const ranges: { meter_id: string; from: number; to: number }[] = [];
  for (const m of meters) {
    const extent = await deps.store.rawExtent(m.id);
    if (!extent) continue;
    const a = Math.max(from, extent.from);
    const b = Math.min(to, extent.to);
    if (a <= b) ranges.push({ meter_id: m.id, from: a, to: b });
  }
  if (ranges.length === 0) return { meters: 0, intervals: 0, allocated: 0 };
  // the reason goes to the change feed with whatever history this rewrites
  await deps.store.enqueueValidation(siteId, ranges, reason);
  return deps.pipeline.run(siteId);
}

export async function qualityReport(deps: Deps, siteId: string) {
  await getSiteOr404(deps, siteId);
  const rows = await deps.store.listQuality(siteId);
  const view = (r: { meter_id: string; from: number; to: number; reason: string; detail: string; recorded_at?: number }) => ({
    meter_id: r.meter_id, from: isoOrNull(r.from), to: isoOrNull(r.to), reason: r.reason, detail: r.detail,
    ...(r.recorded_at !== undefined ? { recorded_at: isoOrNull(r.recorded_at) } : {}),
  });
  return {
    site_id: siteId,
    rejected: rows.filter((r) => r.kind === 'rejection').map((r) => ({ ...view(r), timestamp: isoOrNull(r.from) })),
    // spans stored by separate validation runs may touch: report each stretch once
    estimated: [...new Set(rows.filter((r) => r.kind === 'estimated').map((r) => r.meter_id))].flatMap((meterId) =>
      mergeSpans(rows.filter((r) => r.kind === 'estimated' && r.meter_id === meterId)).map((s) => view({ ...s, meter_id: meterId })),
    ),
    discrepancies: rows.filter((r) => r.kind === 'discrepancy').map(view),
  };
}
