/** Measured, estimated and missing intervals of the period, one cell per bucket. */
import type { Frame, QualitySpan } from '../api';
import { fmtDate, t } from '../i18n';
import { instantOf } from '../period';

export function QualityTimeline({ frame, estimated, zone, width, from, to, bucketMs }: { frame: Frame; estimated: QualitySpan[]; zone: string; width: number; from: number; to: number; bucketMs: number }) {
  const n = Math.max(1, Math.min(400, Math.round((to - from) / bucketMs)));
  const step = (to - from) / n;
  const state = new Array<'measured' | 'estimated' | 'missing'>(n).fill('missing');
  for (const ts of frame.timestamps) {
    // 15-minute labels are interval ends, coarser ones period starts: the middle of the bucket is inside both ways
    const at = instantOf(ts) - (bucketMs <= 900_000 ? 1 : -1);
    const i = Math.floor((at - from) / step);
    if (i >= 0 && i < n) state[i] = 'measured';
  }
  // a bucket is estimated when at least half of it was
  const covered = new Float64Array(n);
  for (const s of estimated) {
    const a = Math.max(from, Date.parse(s.from));
    const b = Math.min(to, Date.parse(s.to));
    for (let i = Math.max(0, Math.floor((a - from) / step)); i < n && from + i * step < b; i++) {
      covered[i] += Math.min(b, from + (i + 1) * step) - Math.max(a, from + i * step);
    }
  }
  for (let i = 0; i < n; i++) if (state[i] === 'measured' && covered[i] >= step / 2) state[i] = 'estimated';
  const w = width / n;
  const counts = { measured: 0, estimated: 0, missing: 0 };
  for (const s of state) counts[s]++;
  return (
    <figure class="timeline">
      <svg width={width} height={28} role="img" aria-label={`${t('quality')}: ${t('measured')} ${counts.measured}, ${t('estimated')} ${counts.estimated}, ${t('missing')} ${counts.missing}`}>
        {state.map((s, i) => <rect x={i * w} y={4} width={Math.max(1, w - (w > 3 ? 1 : 0))} height={20} class={`q-${s}`}><title>{`${fmtDate(from + i * step, zone, { dateStyle: 'short', timeStyle: 'short' })}: ${t(s)}`}</title></rect>)}
      </svg>
      <figcaption class="legend">
        <span class="q-measured-key">■</span> {t('measured')} ({counts.measured}) <span class="q-estimated-key">■</span> {t('estimated')} ({counts.estimated}) <span class="q-missing-key">■</span> {t('missing')} ({counts.missing})
      </figcaption>
    </figure>
  );
}
