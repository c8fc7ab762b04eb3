/**
 * Deterministic benchmark data: a site with N consumers, a PV plant and the
 * grid connection, and a year (or more) of 15-minute index readings in the
 * gateway format, generated in batches so they never sit in memory at once.
 */
import { Rng } from '../src/demo/rng.js';

export interface BenchSite {
  id: string;
  consumers: string[];
  pv: string;
  grid: string;
  doc: Record<string, unknown>;
}

const hex = (prefix: number, i: number) => (prefix.toString(16).padStart(8, '0') + i.toString(16).padStart(16, '0'));

export function benchSite(tag: number, consumers: number): BenchSite {
  const id = hex(0xbe0c0000 + tag, 0);
  const ids = Array.from({ length: consumers }, (_, i) => hex(0xbe0c1000 + tag, i + 1));
  const pv = hex(0xbe0c2000 + tag, 1);
  const grid = hex(0xbe0c2000 + tag, 2);
  const meters = [
    ...ids.map((mid, i) => ({ id: mid, name: `Consumer ${i + 1}`, type: 'electricity', mode: 'consumption', prim_ad: i + 1 })),
    { id: pv, name: 'PV', type: 'electricity', mode: 'production', prim_ad: 1000 },
    { id: grid, name: 'Grid', type: 'electricity', mode: 'introduction', prim_ad: 1001 },
  ];
  return {
    id,
    consumers: ids,
    pv,
    grid,
    doc: {
      id, site_ref: `BENCH-${tag}`, name: `Bench ${tag}`, address: { street_name: 'Benchweg', street_number: '1', city: 'Winterthur', postal_code: 8400 },
      latitude: 47.5, longitude: 8.72, timezone: 'Europe/Zurich', meters,
    },
  };
}

export interface GatewayReading {
  meter_id: string;
  timestamp: number;
  en_im: number;
  en_ex: number;
}

/**
 * Readings for every meter at every quarter-hour in [start, start + steps×15 min],
 * `batch` readings at a time, in time order. Consumers draw 0–0.6 kWh per
 * quarter-hour; PV follows a day curve; the grid meter closes the balance.
 */
export function* benchReadings(site: BenchSite, start: number, steps: number, batch: number, seed = 7): Generator<GatewayReading[]> {
  const rand = new Rng(seed, 'bench');
  const r = () => rand.next();
  const cons = new Float64Array(site.consumers.length).map(() => 1000 + r() * 5000);
  let pvEx = 20_000;
  let gridIm = 100_000;
  let gridEx = 50_000;
  let out: GatewayReading[] = [];
  for (let k = 0; k <= steps; k++) {
    const t = start + k * 900_000;
    let load = 0;
    for (let i = 0; i < cons.length; i++) {
      const e = k === 0 ? 0 : r() * 0.6;
      cons[i] += e;
      load += e;
      out.push({ meter_id: site.consumers[i], timestamp: t, en_im: cons[i], en_ex: 0 });
    }
    const hour = ((t / 3_600_000) % 24 + 24) % 24;
    const pv = k === 0 ? 0 : Math.max(0, Math.sin(((hour - 5) / 14) * Math.PI)) * 15 * (0.5 + r() * 0.5);
    pvEx += pv;
    const net = load - pv;
    if (net > 0) gridIm += net;
    else gridEx -= net;
    out.push({ meter_id: site.pv, timestamp: t, en_im: 0, en_ex: pvEx });
    out.push({ meter_id: site.grid, timestamp: t, en_im: gridIm, en_ex: gridEx });
    if (out.length >= batch) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
