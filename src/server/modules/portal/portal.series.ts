/**
 * The portal's series: the developer API's frames (siteFrame, meterFrame:
 * the same use cases, so the same numbers) for the parts of a range the
 * viewer may see, sent as columns (a year at 15 minutes is 35,040 rows: one
 * array per column is a third of the bytes of one object per row and parses
 * faster), or as the developer API's CSV.
 */
import type { IntervalRange } from '../../../core/time/range.js';
import { csvLine, rowsCsv } from '../series/series-csv.js';
import { ByteWriter, MAX_NUMBER_BYTES } from '../series/byte-writer.js';
import { streamSeries, type SeriesFrame } from '../series/series.usecases.js';
import type { Frequency } from '../../../core/types.js';

export type FrameBuilder = (r: IntervalRange) => Promise<SeriesFrame>;

/** the frames of several disjoint ranges, one after the other, with the columns of the first */
export async function framesOf(ranges: IntervalRange[], build: FrameBuilder): Promise<SeriesFrame> {
  if (ranges.length === 0) return build({ from: 0, to: 0 });
  const frames = await Promise.all(ranges.map(build));
  if (frames.length === 1) return frames[0];
  const keys = frames[0].cols.map((c) => c.key);
  return {
    labels: frames.flatMap((f) => f.labels),
    cols: keys.map((key) => ({
      key,
      values: Float64Array.from(frames.flatMap((f) => Array.from(f.cols.find((c) => c.key === key)?.values ?? new Float64Array(f.labels.length).fill(NaN)))),
    })),
  };
}

/** values written between two looks for full pieces to hand out */
const VALUES_PER_TURN = 4096;

/**
 * {"timestamps": [...], "columns": {"key": [...]}}: values rounded as the
 * developer API rounds them, null where none; written as bytes in pieces
 * (byte-writer.ts), so a site's year at 15T is never one string.
 */
export function* frameJson(f: SeriesFrame, keep: (key: string) => boolean = () => true): Generator<Buffer> {
  const w = new ByteWriter();
  w.text('{"timestamps":[');
  for (let i = 0; i < f.labels.length; i++) {
    // labels are generated timestamps: nothing in them needs escaping
    w.reserve(f.labels[i].length + 3);
    if (i > 0) w.buf[w.pos++] = 44;
    w.buf[w.pos++] = 34;
    w.ascii(f.labels[i]);
    w.buf[w.pos++] = 34;
    if (i % VALUES_PER_TURN === 0) yield* w.take();
  }
  w.text('],"columns":{');
  let first = true;
  for (const c of f.cols) {
    if (!keep(c.key)) continue;
    w.text(`${first ? '' : ','}${JSON.stringify(c.key)}:[`);
    first = false;
    const v = c.values;
    for (let i = 0; i < v.length; i++) {
      w.reserve(MAX_NUMBER_BYTES + 1);
      if (i > 0) w.buf[w.pos++] = 44;
      const x = v[i];
      if (x - x === 0) w.round6(x);
      else w.ascii('null');
      if (i % VALUES_PER_TURN === 0) yield* w.take();
    }
    w.text(']');
    yield* w.take();
  }
  w.text('}}');
  yield* w.end();
}

/** the developer API's CSV of the ranges: one range is exactly its answer; several share one header */
export async function* frameCsv(ranges: IntervalRange[], freq: Frequency, build: FrameBuilder, keep: (key: string) => boolean = () => true): AsyncGenerator<Buffer | string> {
  const filtered: FrameBuilder = async (r) => {
    const f = await build(r);
    return { labels: f.labels, cols: f.cols.filter((c) => keep(c.key)) };
  };
  if (ranges.length <= 1) {
    yield* streamSeries(ranges[0] ?? { from: 0, to: 0 }, freq, filtered, 'csv');
    return;
  }
  let header: string[] | null = null;
  for (const r of ranges) {
    const f = await filtered(r);
    if (header === null) {
      header = f.cols.map((c) => c.key);
      yield csvLine([...header, 'timestamp']);
    }
    const rows = rowsCsv(f.labels, f.cols, header);
    if (rows !== '') yield rows;
  }
}
