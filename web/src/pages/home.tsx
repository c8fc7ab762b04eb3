/**
 * A resident's home: per tenancy (a move gives two, each on its own), my
 * consumption, solar versus grid, the solar share of my electricity and the
 * comparison with last year; then the community's figures.
 */
import { api, total, type Session, type TenancyRef } from '../api';
import { PeriodSelector } from '../cards/period-selector';
import { StackedChart } from '../cards/stacked-chart';
import { KeyFigures, figuresOf } from '../cards/key-figures';
import { useAsync } from '../hooks';
import { fmtDate, fmtDelta, fmtKwh, fmtPct, t } from '../i18n';
import { bucketOf, comparePeriod, period, periodAt, rangeOf } from '../period';
import { href } from '../router';
import { MyInvoices } from '../cards/my-invoices';

export function Home({ session }: { session: Session }) {
  const site = session.sites[0];
  if (!site) return <main id="main"><h1>{t('home')}</h1><p>{t('noData')}</p></main>;
  const zone = site.timezone;
  if (!period.value) period.value = periodAt('month', session.now, zone);
  return (
    <main id="main">
      <h1>{t('welcome', { name: session.name })}</h1>
      <PeriodSelector zone={zone} now={session.now} />
      <h2>{t('myMeters')}</h2>
      {session.tenancies.map((x) => <TenancyCard tenancy={x} zone={zone} />)}
      {session.sites.map((s) => <Community siteId={s.id} zone={s.timezone} name={s.name} />)}
      <MyInvoices />
    </main>
  );
}

function TenancyCard({ tenancy, zone }: { tenancy: TenancyRef; zone: string }) {
  const p = period.value!;
  const freq = bucketOf(p);
  const r = rangeOf(p, zone);
  const from = Date.parse(tenancy.from);
  const to = tenancy.to ? Date.parse(tenancy.to) : Infinity;
  // the server clips to the tenancy too; clipping here keeps the question honest
  const clipped = { from: Math.max(r.from, from), to: Math.min(r.to, to) };
  const inside = clipped.from < clipped.to;
  const lastYear = comparePeriod(p, 'year', zone)!;
  const ly = rangeOf(lastYear, zone);
  const lyClipped = { from: Math.max(ly.from, from), to: Math.min(ly.to, to) };
  const cur = useAsync(() => (inside ? api.meterData(tenancy.site_id, tenancy.meter_id, clipped, freq) : Promise.resolve(null)), [tenancy.id, clipped.from, clipped.to, freq]);
  const prev = useAsync(() => (lyClipped.from < lyClipped.to ? api.meterData(tenancy.site_id, tenancy.meter_id, lyClipped, freq) : Promise.resolve(null)), [tenancy.id, lyClipped.from, lyClipped.to, freq]);
  const tot = total(cur.value, 'total');
  const self = total(cur.value, 'self');
  const ext = total(cur.value, 'ext');
  const lyTot = prev.value ? total(prev.value, 'total') : null;
  return (
    <section class="card" data-tenancy={tenancy.id} aria-labelledby={`h-${tenancy.id}`}>
      <h3 id={`h-${tenancy.id}`}>
        <a href={href(`/sites/${tenancy.site_id}/meters/${tenancy.meter_id}`)}>{tenancy.meter_name}</a>{' '}
        <small>{t('since')} {fmtDate(from, zone)}{tenancy.to ? ` ${t('until')} ${fmtDate(to - 1, zone)}` : ''}</small>
      </h3>
      {!inside ? <p class="muted">{t('noData')}</p> : !cur.value ? <p>{t('loading')}</p> : (
        <>
          <div class="figures">
            <div class="figure" data-figure="my-consumption" data-value={tot}><div class="fig-label">{t('home')}</div><div class="fig-value">{fmtKwh(tot)}</div>
              {lyTot !== null && lyTot > 0 && <div class="fig-delta">{fmtDelta((tot - lyTot) / lyTot)} {t('vsLastYear')}</div>}</div>
            <div class="figure"><div class="fig-label">{t('solar')}</div><div class="fig-value">{fmtKwh(self)}</div></div>
            <div class="figure"><div class="fig-label">{t('grid')}</div><div class="fig-value">{fmtKwh(ext)}</div></div>
            <div class="figure" data-figure="solar-share"><div class="fig-label">{t('solarShare')}</div><div class="fig-value">{fmtPct(tot > 0 ? self / tot : null)}</div></div>
          </div>
          <StackedChart frame={cur.value} zone={zone} selfKey="self" extKey="ext" />
        </>
      )}
    </section>
  );
}

function Community({ siteId, zone, name }: { siteId: string; zone: string; name: string }) {
  const p = period.value!;
  const f = useAsync(() => api.siteData(siteId, 'electricity', rangeOf(p, zone), bucketOf(p)), [siteId, p.start, p.end]);
  return (
    <section aria-labelledby={`h-c-${siteId}`}>
      <h2 id={`h-c-${siteId}`}>{t('community')}: {name}</h2>
      {f.value ? <KeyFigures cur={figuresOf(f.value)!} cmp={null} /> : <p>{t('loading')}</p>}
    </section>
  );
}
