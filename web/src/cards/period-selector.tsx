/** The one period selector of a page: kind, previous/next, custom dates and what to compare with. */
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { compare, period, periodAt, rangeOf, shift, type CompareMode, type PeriodKind } from '../period';

const KINDS: PeriodKind[] = ['day', 'week', 'month', 'year', 'custom'];

export function PeriodSelector({ zone, now }: { zone: string; now: number }) {
  const p = period.value;
  const [from, setFrom] = useState(p?.start ?? '');
  const [to, setTo] = useState(p?.end ?? '');
  if (!p) return null;
  const pick = (kind: PeriodKind) => {
    if (kind === 'custom') {
      period.value = { kind, start: p.start, end: p.end };
      setFrom(p.start);
      setTo(p.end);
    } else {
      // keep looking at the same time: today when the current period holds it, else the current period's start
      const r = rangeOf(p, zone);
      const at = now >= r.from && now < r.to ? now : r.from;
      period.value = periodAt(kind, at, zone);
    }
  };
  return (
    <section class="period card" aria-label={t('keyFigures')}>
      <div class="seg" role="group" aria-label="period">
        {KINDS.map((k) => (
          <button type="button" class={p.kind === k ? 'on' : ''} aria-pressed={p.kind === k} data-period={k} onClick={() => pick(k)}>
            {t(k)}
          </button>
        ))}
      </div>
      <div class="nav">
        <button type="button" aria-label={t('previous')} data-nav="prev" onClick={() => (period.value = shift(p, -1, zone))}>‹</button>
        <span class="label" data-testid="period-label">{p.start} – {p.end}</span>
        <button type="button" aria-label={t('next')} data-nav="next" onClick={() => (period.value = shift(p, 1, zone))}>›</button>
      </div>
      {p.kind === 'custom' && (
        <form class="custom" onSubmit={(e) => {
          e.preventDefault();
          if (from && to && from < to) period.value = { kind: 'custom', start: from, end: to };
        }}>
          <label>{t('from')} <input type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
          <label>{t('to')} <input type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
          <button type="submit">{t('apply')}</button>
        </form>
      )}
      <label class="compare">
        {t('compare')}{' '}
        <select value={compare.value} onChange={(e) => (compare.value = (e.target as HTMLSelectElement).value as CompareMode)}>
          <option value="previous">{t('comparePrev')}</option>
          <option value="year">{t('compareYear')}</option>
          <option value="none">{t('compareNone')}</option>
        </select>
      </label>
    </section>
  );
}
