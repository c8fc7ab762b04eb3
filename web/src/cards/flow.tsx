/** The period's energy flows as a Sankey diagram: PV → consumers / battery / grid, grid → consumers, battery → consumers. */
import { sankey, sankeyLinkHorizontal, type SankeyGraph } from 'd3-sankey';
import { total, type Frame } from '../api';
import { fmtKwh, t } from '../i18n';

interface N { name: string; cls: string }
interface L { source: number; target: number; value: number }

export function flowsOf(f: Frame) {
  const discharge = total(f, 'storage_discharging_total');
  const charge = total(f, 'storage_charging_self');
  return {
    pvToConsumers: Math.max(0, total(f, 'self') - discharge),
    pvToBattery: Math.max(0, charge),
    pvToGrid: Math.max(0, total(f, 'to_ext')),
    gridToConsumers: Math.max(0, total(f, 'from_ext')),
    batteryToConsumers: Math.max(0, discharge),
  };
}

export function FlowDiagram({ frame, width }: { frame: Frame; width: number }) {
  const fl = flowsOf(frame);
  const nodes: N[] = [
    { name: t('solar'), cls: 'pv' }, { name: `${t('grid')} ↓`, cls: 'grid' }, { name: `${t('battery')} ↓`, cls: 'battery' },
    { name: t('consumers'), cls: 'cons' }, { name: `${t('battery')} ↑`, cls: 'battery' }, { name: `${t('grid')} ↑`, cls: 'grid' },
  ];
  const links: L[] = [
    { source: 0, target: 3, value: fl.pvToConsumers }, { source: 0, target: 4, value: fl.pvToBattery }, { source: 0, target: 5, value: fl.pvToGrid },
    { source: 1, target: 3, value: fl.gridToConsumers }, { source: 2, target: 3, value: fl.batteryToConsumers },
  ].filter((l) => l.value > 0.05);
  const used = new Set(links.flatMap((l) => [l.source, l.target]));
  if (links.length === 0) return <p class="muted">{t('noData')}</p>;
  const index = new Map<number, number>();
  const keptNodes = nodes.filter((_, i) => used.has(i) && index.set(i, index.size));
  const height = 220;
  const layout = sankey<N, L>().nodeWidth(12).nodePadding(14).extent([[1, 8], [width - 1, height - 8]]);
  const graph: SankeyGraph<N, L> = layout({
    nodes: keptNodes.map((n) => ({ ...n })),
    links: links.map((l) => ({ ...l, source: index.get(l.source)!, target: index.get(l.target)! })),
  });
  const path = sankeyLinkHorizontal();
  const summary = links.map((l) => `${nodes[l.source].name} → ${nodes[l.target].name}: ${fmtKwh(l.value)}`).join('; ');
  return (
    <svg class="flow" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${t('flow')}: ${summary}`}>
      {graph.links.map((l) => (
        <path d={path(l) ?? ''} class={`link ${(l.source as N).cls}`} stroke-width={Math.max(1, l.width ?? 1)} fill="none">
          <title>{`${(l.source as N).name} → ${(l.target as N).name}: ${fmtKwh(l.value)}`}</title>
        </path>
      ))}
      {graph.nodes.map((n) => {
        const left = (n.x0 ?? 0) < width / 2;
        return (
          <g>
            <rect x={n.x0} y={n.y0} width={(n.x1 ?? 0) - (n.x0 ?? 0)} height={Math.max(1, (n.y1 ?? 0) - (n.y0 ?? 0))} class={`node ${n.cls}`} />
            <text x={left ? (n.x1 ?? 0) + 6 : (n.x0 ?? 0) - 6} y={((n.y0 ?? 0) + (n.y1 ?? 0)) / 2} dy="0.35em" text-anchor={left ? 'start' : 'end'}>
              {n.name} {fmtKwh(n.value ?? 0)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
