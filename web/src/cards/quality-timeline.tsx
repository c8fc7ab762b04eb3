/**
 * Measured, estimated and missing data of the period, one cell per bucket of
 * the chart (local days and months, so DST days stay one cell). A bucket is
 * estimated when validation estimated a noticeable share of its meter
 * intervals, missing when the site has no validated row for it.
 */
import { DateTime } from 'luxon';
import type { Frame, Frequency, QualitySpan } from '../api';
import { fmtDate, t } from '../i18n';
import { instantOf } from '../period';

/** a bucket counts as estimated from this share of its meter-time */
const ESTIMATED_SHARE = 0.05;

function bucketStarts(from: number, to: number, freq: Frequency, zone: string): number[] {
  const out: number[] = [];
  if (freq === '15T' || freq === 'H') {
    const step = freq === '15T' ? 900_000 : 3_600_000;
    for (let x = from; x < to; x += step) out.push(x);
    return out;
  }
  const unit = freq === 'D' ? 'days' : freq === 'M' ? 'months' : 'years';
  for (let d = DateTime.fromMillis(from, { zone }); d.toMillis() < to; d = d.plus({ [unit]: 1 })) out.push(d.toMillis());
  return out;
}

/** index of the bucket holding `t` (starts ascending), -1 outside */
function find(starts: number[], to: number, t: number): number {
  if (t < starts[0] || t >= to) return -1;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function QualityTimeline({ frame, estimated, meterIds, zone, width, from, to, freq }: {
  /** the meters whose estimations count: those in the frame's balance */
  frame: Frame; estimated: QualitySpan[]; meterIds: string[]; zone: string; width: number; from: number; to: number; freq: Frequency;
}) {
  const starts = bucketStarts(from, to, freq, zone);
  const n = starts.length;
  if (n === 0) return null;
  const end = (i: number) => (i + 1 < n ? starts[i + 1] : to);
  const state = new Array<'measured' | 'estimated' | 'missing'>(n).fill('missing');
  for (const ts of frame.timestamps) {
    // 15-minute rows are labelled by their end, coarser ones by their start
    const i = find(starts, to, instantOf(ts) - (freq === '15T' ? 1 : 0));
    if (i >= 0) state[i] = 'measured';
  }
  const covered = new Float64Array(n);
  const counted = new Set(meterIds);
  const meterCount = counted.size;
  for (const s of estimated) {
    if (!counted.has(s.meter_id)) continue;
    const a = Math.max(from, Date.parse(s.from));
    const b = Math.min(to, Date.parse(s.to));
    for (let i = Math.max(0, find(starts, to, a)); i >= 0 && i < n && starts[i] < b; i++) covered[i] += Math.min(b, end(i)) - Math.max(a, starts[i]);
  }
  for (let i = 0; i < n; i++) {
    if (state[i] === 'measured' && covered[i] >= ESTIMATED_SHARE * (end(i) - starts[i]) * Math.max(1, meterCount)) state[i] = 'estimated';
  }
  const w = width / n;
  const counts = { measured: 0, estimated: 0, missing: 0 };
  for (const s of state) counts[s]++;
  return (
    <figure class="timeline">
      <svg width={width} height={28} role="img" aria-label={`${t('quality')}: ${t('measured')} ${counts.measured}, ${t('estimated')} ${counts.estimated}, ${t('missing')} ${counts.missing}`}>
        {state.map((s, i) => <rect x={i * w} y={4} width={Math.max(1, w - (w > 3 ? 1 : 0))} height={20} class={`q-${s}`}><title>{`${fmtDate(starts[i], zone, { dateStyle: 'short', timeStyle: 'short' })}: ${t(s)}`}</title></rect>)}
      </svg>
      <figcaption class="legend">
        <span class="q-measured-key">■</span> {t('measured')} ({counts.measured}) <span class="q-estimated-key">■</span> {t('estimated')} ({counts.estimated}) <span class="q-missing-key">■</span> {t('missing')} ({counts.missing})
      </figcaption>
    </figure>
  );
}
