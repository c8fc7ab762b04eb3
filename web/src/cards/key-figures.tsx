/** Production, consumption, self-consumption and self-sufficiency of the period, each with its delta to the comparison. */
import { total, type Frame } from '../api';
import { fmtDelta, fmtKwh, fmtPct, t } from '../i18n';

export interface SiteFigures { production: number; consumption: number; selfConsumption: number | null; selfSufficiency: number | null }

export function figuresOf(f: Frame | null): SiteFigures | null {
  if (!f) return null;
  const prod = total(f, 'prod_total');
  const conso = total(f, 'conso_total');
  const self = total(f, 'self');
  return { production: prod, consumption: conso, selfConsumption: prod > 0 ? self / prod : null, selfSufficiency: conso > 0 ? self / conso : null };
}

const delta = (a: number | null, b: number | null | undefined) => (a === null || b === null || b === undefined || b === 0 ? null : (a - b) / Math.abs(b));

export function KeyFigures({ cur, cmp }: { cur: SiteFigures; cmp: SiteFigures | null }) {
  const items: { id: string; label: string; value: number | null; shown: string; d: number | null }[] = [
    { id: 'production', label: t('production'), value: cur.production, shown: fmtKwh(cur.production), d: delta(cur.production, cmp?.production) },
    { id: 'consumption', label: t('consumption'), value: cur.consumption, shown: fmtKwh(cur.consumption), d: delta(cur.consumption, cmp?.consumption) },
    { id: 'self-consumption', label: t('selfConsumption'), value: cur.selfConsumption, shown: fmtPct(cur.selfConsumption), d: cmp && cur.selfConsumption !== null && cmp.selfConsumption !== null ? cur.selfConsumption - cmp.selfConsumption : null },
    { id: 'self-sufficiency', label: t('selfSufficiency'), value: cur.selfSufficiency, shown: fmtPct(cur.selfSufficiency), d: cmp && cur.selfSufficiency !== null && cmp.selfSufficiency !== null ? cur.selfSufficiency - cmp.selfSufficiency : null },
  ];
  return (
    <section class="card figures" aria-label={t('keyFigures')}>
      {items.map((x) => (
        <div class="figure" data-figure={x.id} data-value={x.value ?? ''}>
          <div class="fig-label">{x.label}</div>
          <div class="fig-value">{x.shown}</div>
          {cmp && <div class={`fig-delta ${x.d !== null && x.d < 0 ? 'down' : 'up'}`} title={t('delta')}>{fmtDelta(x.d)}</div>}
        </div>
      ))}
    </section>
  );
}
