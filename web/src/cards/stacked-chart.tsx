/** Solar versus grid per bucket of the period, stacked (uPlot bars). */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import type { Frame } from '../api';
import { fmtDate, fmtNum, t } from '../i18n';
import { instantOf } from '../period';
import { Chart, cssVar } from './chart';

export function StackedChart({ frame, zone, selfKey, extKey, mark }: { frame: Frame; zone: string; selfKey: string; extKey: string; mark?: string }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const xs = frame.timestamps.map((ts) => instantOf(ts) / 1000);
    const self = (frame.columns[selfKey] ?? []).map((v) => v ?? 0);
    const ext = frame.columns[extKey] ?? [];
    // stacked: the grid bar is drawn from the top of the solar bar
    return [xs, self.map((s, i) => s + Math.max(0, ext[i] ?? 0)), self];
  }, [frame, selfKey, extKey]);
  const options = useMemo(() => (width: number): uPlot.Options => {
    const bars = uPlot.paths.bars!({ size: [0.8, 40], align: 1 });
    const fmt = (v: number) => fmtNum(v, 1);
    return {
      width, height: 240,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--grid') } },
        { stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--grid') }, values: (_u, vals) => vals.map(fmt), size: 60 },
      ],
      series: [
        { value: (_u, v) => (v === null ? '–' : fmtDate(v * 1000, zone, { dateStyle: 'short', timeStyle: 'short' })) },
        { label: `${t('grid')} + ${t('solar')} (kWh)`, fill: cssVar('--grid-c'), stroke: cssVar('--grid-c'), paths: bars, points: { show: false }, value: (_u, v) => (v === null ? '–' : fmt(v)) },
        { label: `${t('solar')} (kWh)`, fill: cssVar('--pv-c'), stroke: cssVar('--pv-c'), paths: bars, points: { show: false }, value: (_u, v) => (v === null ? '–' : fmt(v)) },
      ],
    };
  }, [zone]);
  if (frame.timestamps.length === 0) return <p class="muted">{t('noData')}</p>;
  return <Chart options={options} data={data} label={t('selfVsGrid')} mark={mark} />;
}
