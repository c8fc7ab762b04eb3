/** A uPlot chart that fills its container's width and marks when it is drawn (the bench reads the marks). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** builds the options for a width (series, axes, scales) */
  options: (width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  label: string;
  /** performance mark set after the first draw */
  mark?: string;
}

export function Chart({ options, data, label, mark }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const width = Math.max(280, el.clientWidth);
    const opts = options(width);
    if (mark) {
      opts.hooks = { ...opts.hooks, draw: [...(opts.hooks?.draw ?? []), () => performance.mark(mark)] };
    }
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 2) plot.current.setSize({ width: w, height: plot.current.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [options, data]);

  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/** colours read from the page's CSS variables, so charts follow dark mode */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}
