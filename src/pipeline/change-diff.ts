/**
 * What a pipeline pass changed, for the change feed and the data versions
 * behind ETags: the freshly computed intervals of a chunk compared with what
 * was stored before. New intervals past a meter's last stored one are the
 * live edge growing (an `append`: it moves data versions, it is not news);
 * any other difference rewrites history (late data, a correction).
 */
import { INTERVAL_MS } from '../core/types.js';
import type { ChangeWrite, IntervalColumns, SiteAllocColumns, SiteField } from '../store/store.js';
import { SITE_FIELDS } from '../store/store.js';
import type { SiteFrame } from './site-frame.js';

/** why this pass runs: readings alone are late data; an operator's request names its reason */
export interface ChangeCause {
  kind: 'data' | 'correction';
  reason: string;
  /** the meters whose pending work started the pass */
  meterIds: string[];
}

export interface ChunkDiff {
  /** slot i = interval starting at frame.from + i × 15 min */
  frame: SiteFrame;
  meterIds: string[];
  /** stored intervals of every meter (rule meters too), in meterIds' order */
  stored: IntervalColumns[];
  /** the meters' last stored interval start before the pass (null: none) */
  lastEnd: (number | null)[];
  /** the new site rows, dense over the frame, and where they exist */
  site: Record<SiteField, Float64Array>;
  siteRow: Uint8Array;
  siteStored: SiteAllocColumns;
  /** only [from, to) is written */
  from: number;
  to: number;
  cause: ChangeCause;
  at: number;
}

/** equal up to float noise: a re-validation from another window may differ in the last bits */
function same(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

export function diffChunk(d: ChunkDiff): ChangeWrite[] {
  const { frame } = d;
  const a = Math.max(0, Math.round((d.from - frame.from) / INTERVAL_MS));
  const b = Math.min(frame.n, Math.round((d.to - frame.from) / INTERVAL_MS));
  let cFrom = Infinity;
  let cTo = -Infinity;
  let aFrom = Infinity;
  let aTo = -Infinity;
  const changedMeters = new Set<string>();

  const present = new Uint8Array(frame.n);
  const im = new Float64Array(frame.n);
  const ex = new Float64Array(frame.n);
  const est = new Uint8Array(frame.n);
  d.meterIds.forEach((id, m) => {
    present.fill(0);
    const s = d.stored[m];
    for (let k = 0; k < s.t.length; k++) {
      const slot = Math.round((s.t[k] - frame.from) / INTERVAL_MS);
      if (slot < 0 || slot >= frame.n) continue;
      present[slot] = 1;
      im[slot] = s.im[k];
      ex[slot] = s.ex[k];
      est[slot] = s.estimated[k];
    }
    const np = frame.present[m];
    const last = d.lastEnd[m];
    for (let slot = a; slot < b; slot++) {
      const was = present[slot] !== 0;
      const is = np[slot] !== 0;
      if (!was && !is) continue;
      if (was && is && same(im[slot], frame.im[m][slot]) && same(ex[slot], frame.ex[m][slot]) && est[slot] === frame.estimated[m][slot]) continue;
      const t = frame.from + slot * INTERVAL_MS;
      // the live edge: new intervals past the last stored one, and the last one itself while readings
      // arrive (an interval meter's slices fill it up over its 15 minutes)
      const edge = last === null || t > last || (t === last && d.cause.kind === 'data');
      if (edge) {
        aFrom = Math.min(aFrom, t);
        aTo = Math.max(aTo, t + INTERVAL_MS);
      } else {
        cFrom = Math.min(cFrom, t);
        cTo = Math.max(cTo, t + INTERVAL_MS);
        changedMeters.add(id);
      }
    }
  });

  // site rows: a difference where no meter changed comes from the configuration (mode, in_balance):
  // history only when an operator's correction runs; otherwise the edge growing meter by meter
  const sitePresent = new Uint8Array(frame.n);
  const siteAt = new Int32Array(frame.n).fill(-1);
  const st = d.siteStored.t;
  for (let k = 0; k < st.length; k++) {
    const slot = Math.round((st[k] - frame.from) / INTERVAL_MS);
    if (slot < 0 || slot >= frame.n) continue;
    sitePresent[slot] = 1;
    siteAt[slot] = k;
  }
  for (let slot = a; slot < b; slot++) {
    const was = sitePresent[slot] !== 0;
    const is = d.siteRow[slot] !== 0;
    if (!was && !is) continue;
    if (was && is && SITE_FIELDS.every((f) => same(d.siteStored.fields[f][siteAt[slot]], d.site[f][slot]))) continue;
    const t = frame.from + slot * INTERVAL_MS;
    if (d.cause.kind === 'correction' && was) {
      cFrom = Math.min(cFrom, t);
      cTo = Math.max(cTo, t + INTERVAL_MS);
    } else {
      aFrom = Math.min(aFrom, t);
      aTo = Math.max(aTo, t + INTERVAL_MS);
    }
  }

  const out: ChangeWrite[] = [];
  if (cFrom < cTo) {
    const ids = changedMeters.size > 0 ? [...changedMeters] : d.cause.meterIds;
    out.push({ kind: d.cause.kind, meter_ids: ids.sort(), from: cFrom, to: cTo, reason: d.cause.reason, at: d.at });
  }
  if (aFrom < aTo) out.push({ kind: 'append', meter_ids: [], from: aFrom, to: aTo, reason: 'live edge', at: d.at });
  return out;
}
