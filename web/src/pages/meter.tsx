/**
 * A meter: raw index readings and validated 15-minute energies in one
 * zoomable chart (uPlot: a year at 15 minutes is 35,040 points), the readings
 * validation rejected with their reasons, and a rule meter's formula.
 */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { api, type Frame, type Meter, type Raw, type Session, type SiteDetail } from '../api';
import { Chart, cssVar } from '../cards/chart';
import { PeriodSelector } from '../cards/period-selector';
import { useAsync } from '../hooks';
import { fmtDate, fmtNum, t } from '../i18n';
import { instantOf, period, periodAt, rangeOf } from '../period';
import { href } from '../router';
import { NotFound } from './not-found';

export function MeterPage({ siteId, meterId, session }: { siteId: string; meterId: string; session: Session }) {
  const detail = useAsync(() => api.site(siteId), [siteId]);
  if (detail.error) return <NotFound />;
  if (!detail.value) return <main id="main"><p>{t('loading')}</p></main>;
  const meter = detail.value.meters.find((m) => m.id === meterId);
  if (!meter) return <NotFound />;
  return <MeterView detail={detail.value} meter={meter} session={session} />;
}

/** raw and validated on one time axis (the union of both instants; gaps where one has none) */
function merge(frame: Frame, raw: Raw | null): uPlot.AlignedData {
  const vt = frame.timestamps.map((ts) => instantOf(ts) / 1000);
  const vv = frame.columns.total ?? [];
  const rt = raw ? raw.ts.map((x) => x / 1000) : [];
  const rv = raw?.values[0] ?? [];
  const xs: number[] = [];
  const a: (number | null)[] = [];
  const b: (number | null)[] = [];
  let i = 0;
  let j = 0;
  while (i < vt.length || j < rt.length) {
    const x = Math.min(i < vt.length ? vt[i] : Infinity, j < rt.length ? rt[j] : Infinity);
    xs.push(x);
    a.push(i < vt.length && vt[i] === x ? vv[i++] : null);
    b.push(j < rt.length && rt[j] === x ? rv[j++] : null);
  }
  return [xs, a, b];
}

function MeterView({ detail, meter, session }: { detail: SiteDetail; meter: Meter; session: Session }) {
  const zone = detail.site.timezone;
  if (!period.value) period.value = periodAt('month', session.now, zone);
  const p = period.value!;
  const range = rangeOf(p, zone);
  const frame = useAsync(() => api.meterData(detail.site.id, meter.id, range, '15T'), [meter.id, p.start, p.end]);
  const raw = useAsync(() => (meter.rule === null ? api.raw(detail.site.id, meter.id, range) : Promise.resolve(null)), [meter.id, p.start, p.end]);
  const quality = useAsync(() => (session.kind === 'operator' ? api.quality(detail.site.id) : Promise.resolve(null)), [detail.site.id]);
  const data = useMemo(() => (frame.value && !raw.loading ? merge(frame.value, raw.value) : null), [frame.value, raw.value, raw.loading]);
  const unit = meter.type.endsWith('water') ? 'm³' : 'kWh';
  const options = useMemo(() => (width: number): uPlot.Options => ({
    width, height: 300,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
    cursor: { drag: { x: true, y: false, setScale: true } },
    scales: { x: { time: true }, e: {}, idx: {} },
    axes: [
      { stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--grid') } },
      { scale: 'e', stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--grid') }, values: (_u, v) => v.map((x) => fmtNum(x, 2)), size: 60 },
      { scale: 'idx', side: 1, stroke: cssVar('--fg-muted'), grid: { show: false }, values: (_u, v) => v.map((x) => fmtNum(x, 0)), size: 70 },
    ],
    series: [
      { value: (_u, v) => (v === null ? '–' : fmtDate(v * 1000, zone, { dateStyle: 'short', timeStyle: 'short' })) },
      { label: `${t('validated')} (${unit})`, scale: 'e', stroke: cssVar('--pv-c'), width: 1, points: { show: false }, spanGaps: true },
      { label: `${t('rawReadings')} (${unit})`, scale: 'idx', stroke: cssVar('--grid-c'), width: 1, points: { show: false }, spanGaps: true },
    ],
  }), [zone, unit]);
  const rejected = (quality.value?.rejected ?? []).filter((r) => r.meter_id === meter.id && Date.parse(r.timestamp ?? r.from) >= range.from && Date.parse(r.timestamp ?? r.from) < range.to);
  const byId = new Map(detail.meters.map((m) => [m.id, m]));
  return (
    <main id="main">
      <p><a href={href(session.kind === 'operator' ? `/sites/${detail.site.id}` : '/')}>← {detail.site.name}</a></p>
      <h1>{meter.name}</h1>
      <PeriodSelector zone={zone} now={session.now} />
      {meter.rule && (
        <section class="card" aria-labelledby="h-formula">
          <h2 id="h-formula">{t('formula')}</h2>
          <p class="formula" data-testid="formula">
            {meter.rule.split(/([+-])/).map((part) => {
              const id = part.trim();
              const m = byId.get(id);
              return m ? <a href={href(`/sites/${detail.site.id}/meters/${id}`)}>{m.name}</a> : <span> {part.trim()} </span>;
            })}
          </p>
        </section>
      )}
      <section class="card" aria-labelledby="h-meter-chart">
        <h2 id="h-meter-chart">{t('validated')} · {t('rawReadings')}</h2>
        <p class="muted">{t('zoomHint')}</p>
        {data ? (data[0].length > 0 ? <Chart options={options} data={data} label={`${meter.name}: ${t('validated')}, ${t('rawReadings')}`} mark="kwhub:meter-chart" /> : <p class="muted" data-testid="no-data">{t('noData')}</p>) : <p>{t('loading')}</p>}
      </section>
      {session.kind === 'operator' && (
        <section class="card" aria-labelledby="h-rejected">
          <h2 id="h-rejected">{t('rejectedReadings')} ({rejected.length})</h2>
          {rejected.length === 0 ? <p class="muted">{t('none')}</p> : (
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('reason')}</th><th scope="col">Detail</th></tr></thead>
                <tbody>
                  {rejected.slice(0, 500).map((r) => (
                    <tr><td>{fmtDate(Date.parse(r.timestamp ?? r.from), zone, { dateStyle: 'short', timeStyle: 'short' })}</td><td>{r.reason}</td><td>{r.detail}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </main>
  );
}
