/**
 * Ground truth: the vendor's real site_data output (1,438 intervals, four
 * consumers, one producer, one introduction meter). Feeding its meter
 * totals and from_ext/to_ext back in must reproduce every other field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocate, SITE_FIELDS, type AllocationInput, type AllocationMeter } from '../../src/core/allocation/allocate.js';

/** in the repository (see its README): a missing file fails the suite, it never skips it */
const FIXTURE = new URL('../fixtures/vendor-site-data/site-data-15T.json', import.meta.url);
const CONSUMERS = ['61dfcb4beba4e3563fdf3d9f', '61dfcb80eba4e3563fdf3da2', '61dfcb8ceba4e3564021f374', '61dfcb97eba4e3564021f377'];
const PRODUCER = '61dfca85eba4e3564021f36f';

type Row = Record<string, number | string>;

function build(rows: Row[]): AllocationInput {
  const n = rows.length;
  const col = (f: (r: Row) => number) => Float64Array.from(rows, f);
  const zeros = () => new Float64Array(n);
  const meters: AllocationMeter[] = [];
  const im: Float64Array[] = [];
  const ex: Float64Array[] = [];
  for (const id of CONSUMERS) {
    meters.push({ mode: 'consumption', type: 'electricity', inBalance: true });
    im.push(col((r) => r[`total_${id}`] as number));
    ex.push(zeros());
  }
  // the producer's total (ex - im) includes small negatives: carried in ex as is
  meters.push({ mode: 'production', type: 'electricity', inBalance: true });
  im.push(zeros());
  ex.push(col((r) => r[`total_${PRODUCER}`] as number));
  meters.push({ mode: 'introduction', type: 'electricity', inBalance: true });
  im.push(col((r) => r.from_ext as number));
  ex.push(col((r) => r.to_ext as number));
  return { n, meters, im, ex, present: meters.map(() => new Uint8Array(n).fill(1)) };
}

describe('allocation against the vendor site_data fixture', () => {
  const rows = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Row[];
  const input = build(rows);
  const result = allocate(input);

  /** every numeric field of a vendor row, as our result names it */
  function ours(t: number): Record<string, number> {
    const o: Record<string, number> = {};
    for (const f of SITE_FIELDS) o[f] = result.site[f][t];
    CONSUMERS.forEach((id, i) => {
      o[`total_${id}`] = result.meters[i].total[t];
      o[`self_${id}`] = result.meters[i].self[t];
      o[`ext_${id}`] = result.meters[i].ext[t];
    });
    o[`total_${PRODUCER}`] = result.meters[CONSUMERS.length].total[t];
    return o;
  }

  it('should read the whole fixture with the expected field set', () => {
    expect(rows.length).toBe(1438);
    const fields = Object.keys(rows[0]).filter((k) => k !== 'timestamp').sort();
    expect(Object.keys(ours(0)).sort()).toEqual(fields);
    expect(Array.from(result.siteRow).every((v) => v === 1)).toBe(true);
  });

  it('should reproduce every field of every row to 1e-9', () => {
    let checked = 0;
    rows.forEach((row, t) => {
      const o = ours(t);
      for (const [k, v] of Object.entries(row)) {
        if (k === 'timestamp') continue;
        if (Math.abs(o[k] - (v as number)) > 1e-9) {
          throw new Error(`row ${t} (${row.timestamp}) field ${k}: ours ${o[k]}, vendor ${v}`);
        }
        checked++;
      }
    });
    expect(checked).toBe(1438 * 21);
  });

  it('should reproduce every field bit for bit (same operation order as the vendor)', () => {
    const diffs: string[] = [];
    rows.forEach((row, t) => {
      const o = ours(t);
      for (const [k, v] of Object.entries(row)) {
        if (k !== 'timestamp' && o[k] !== v) diffs.push(`${t}:${k}`);
      }
    });
    expect(diffs).toEqual([]);
  });

  it('should keep the small negative prod_total and self the vendor keeps at site level', () => {
    const negatives = rows.filter((r) => (r.self as number) < 0).length;
    expect(negatives).toBeGreaterThan(0);
    for (let t = 0; t < rows.length; t++) {
      for (let i = 0; i < CONSUMERS.length; i++) expect(result.meters[i].self[t]).toBeGreaterThanOrEqual(0);
    }
  });
});
