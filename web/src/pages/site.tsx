/**
 * A site: one period for every card (key figures with deltas, energy flow,
 * solar vs grid chart, consumers, battery, data quality), heat and water
 * tabs, and the CSV of exactly what is on screen.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, total, type Frame, type Quality, type Session, type SiteDetail, type SiteMeterType } from '../api';
import { ConsumerTable } from '../cards/consumer-table';
import { FlowDiagram } from '../cards/flow';
import { KeyFigures, figuresOf } from '../cards/key-figures';
import { PeriodSelector } from '../cards/period-selector';
import { QualityTimeline } from '../cards/quality-timeline';
import { StackedChart } from '../cards/stacked-chart';
import { useAsync, useWidth } from '../hooks';
import { fmtKwh, t, type Key } from '../i18n';
import { bucketOf, compare, comparePeriod, period, periodAt, rangeOf } from '../period';
import { href } from '../router';
import { NotFound } from './not-found';

type Tab = 'electricity' | 'heat' | 'water';
const TAB_TYPES: Record<Tab, SiteMeterType[]> = { electricity: ['electricity'], heat: ['heating'], water: ['hot_water', 'cold_water'] };

export function SitePage({ siteId, session }: { siteId: string; session: Session }) {
  const detail = useAsync(() => api.site(siteId), [siteId]);
  if (detail.error) return <NotFound />;
  if (!detail.value) return <main id="main"><p>{t('loading')}</p></main>;
  return <SiteView detail={detail.value} session={session} />;
}

function SiteView({ detail, session }: { detail: SiteDetail; session: Session }) {
  const zone = detail.site.timezone;
  const [tab, setTab] = useState<Tab>('electricity');
  const [quality, setQuality] = useState<Quality | null>(null);
  const [box, width] = useWidth<HTMLDivElement>();
  if (!period.value) period.value = periodAt('month', session.now, zone);
  const p = period.value!;
  const cmpP = comparePeriod(p, compare.value, zone);
  const range = rangeOf(p, zone);
  const freq = bucketOf(p);
  const types = TAB_TYPES[tab];
  const frames = useAsync(() => Promise.all(types.map((ty) => api.siteData(detail.site.id, ty, range, freq))), [detail.site.id, p.start, p.end, p.kind, tab]);
  const cmpFrame = useAsync(() => (cmpP && tab === 'electricity' ? api.siteData(detail.site.id, 'electricity', rangeOf(cmpP, zone), freq) : Promise.resolve(null)), [detail.site.id, cmpP?.start, cmpP?.end, tab]);
  useEffect(() => {
    if (session.kind === 'operator') api.quality(detail.site.id).then(setQuality, () => setQuality(null));
  }, [detail.site.id]);

  const cur = frames.value?.[0] ?? null;
  return (
    <main id="main">
      <div class="title-row">
        <h1>{detail.site.name}</h1>
        {session.kind === 'operator' && <a class="button" href={href(`/sites/${detail.site.id}/admin`)}>{t('actions')}</a>}
      </div>
      <PeriodSelector zone={zone} now={session.now} />
      <div class="tabs" role="tablist" aria-label={t('charts')}>
        {(['electricity', 'heat', 'water'] as Tab[]).map((x) => (
          <button type="button" role="tab" id={`tab-${x}`} aria-selected={tab === x} aria-controls="tabpanel" class={tab === x ? 'on' : ''} onClick={() => setTab(x)}>{t(x)}</button>
        ))}
      </div>
      <div id="tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`} ref={box} aria-busy={frames.loading}
        data-loaded={frames.key === JSON.stringify([detail.site.id, p.start, p.end, p.kind, tab]) ? `${p.kind}:${p.start}:${tab}` : ''}>
        {!cur ? <p>{t('loading')}</p> : tab === 'electricity' ? (
          <>
            <KeyFigures cur={figuresOf(cur)!} cmp={figuresOf(cmpFrame.value)} />
            <div class="grid2">
              <section class="card" aria-labelledby="h-flow">
                <h2 id="h-flow">{t('flow')}</h2>
                <FlowDiagram frame={cur} width={Math.min(width, 640) - 32} />
              </section>
              <section class="card" aria-labelledby="h-battery">
                <h2 id="h-battery">{t('battery')}</h2>
                <dl class="pairs">
                  <dt>{t('charge')}</dt><dd data-figure="battery-charge">{fmtKwh(total(cur, 'storage_charging_total'))}</dd>
                  <dt>{t('discharge')}</dt><dd data-figure="battery-discharge">{fmtKwh(total(cur, 'storage_discharging_total'))}</dd>
                </dl>
              </section>
            </div>
            <section class="card" aria-labelledby="h-chart">
              <h2 id="h-chart">{t('selfVsGrid')}</h2>
              <StackedChart frame={cur} zone={zone} selfKey="self" extKey="from_ext" mark="kwhub:site-chart" />
            </section>
            <section class="card" aria-labelledby="h-cons">
              <h2 id="h-cons">{t('consumers')}</h2>
              <ConsumerTable frame={cur} meters={detail.meters} siteId={detail.site.id} />
            </section>
            {quality && (
              <section class="card" aria-labelledby="h-quality">
                <h2 id="h-quality">{t('quality')}</h2>
                <QualityTimeline frame={cur} estimated={quality.estimated} meterIds={detail.meters.filter((m) => m.type === 'electricity' && m.in_balance && m.rule === null).map((m) => m.id)} zone={zone} width={Math.max(200, width - 32)} from={range.from} to={range.to} freq={freq} />
              </section>
            )}
          </>
        ) : (
          <OtherTypes frames={frames.value!} types={types} detail={detail} />
        )}
        <p>
          <a class="button" download href={api.siteCsvUrl(detail.site.id, types[0], range, freq)} data-testid="csv">{t('download')}</a>
        </p>
      </div>
    </main>
  );
}

function OtherTypes({ frames, types, detail }: { frames: Frame[]; types: SiteMeterType[]; detail: SiteDetail }) {
  return (
    <>
      {frames.map((f, i) => {
        const unit = types[i].endsWith('water') ? 'm³' : 'kWh';
        return (
          <section class="card" aria-labelledby={`h-${types[i]}`}>
            <h2 id={`h-${types[i]}`}>{t(types[i] as Key)}: {fmtKwh(total(f, 'conso_total'), unit)}</h2>
            <ConsumerTable frame={f} meters={detail.meters} siteId={detail.site.id} unit={unit} shares={false} />
          </section>
        );
      })}
    </>
  );
}
