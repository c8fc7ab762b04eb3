/**
 * The developer API's time series: site_data, meter_data, meter_data_raw and
 * sensor_data, read from the stored results (never recomputed here).
 */
import Value from 'typebox/value';
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import { clipRange, resolveRange, type IntervalRange } from '../../../core/time/range.js';
import { parseInstant } from '../../../core/time/parse-instant.js';
import { createTimestampFormatter } from '../../../core/time/zone.js';
import { FREQUENCIES, METER_TYPES, isElectric, registersOf, type Frequency, type MeterType } from '../../../core/types.js';
import type { Grant, Meter, Site, Store } from '../../../store/store.js';
import { SITE_FIELDS } from '../../../store/store.js';
import { createSeriesTable, type SeriesTable } from '../../../core/time/series-table.js';
import { qualityColumns, qualityCsvColumns, sourceMeters, type QualityColumns } from './series-quality.js';
import { readMeterSeries, readPlan, readSiteSeries } from './series-read.js';
import { jsonRows, rowsJson, vendorOrder, type JsonColumn } from './series-json.js';
import { csvLine, csvRows } from './series-csv.js';
import { ByteWriter } from './byte-writer.js';
import { FrequencySchema, MeterTypeSchema } from '../../openapi/developer.js';

export interface SeriesParams {
  t_s?: unknown;
  t_e?: unknown;
  sampling_frequency?: unknown;
  /** beyond the vendor's API: each row's coverage (measured, estimated, missing) */
  with_quality?: unknown;
}

/** 15-minute answers are built and sent two weeks at a time: memory stays flat however long the range */
const STREAM_CHUNK_MS = 14 * 24 * 3600 * 1000;

/** the two forms of a series answer: JSON (the default) or CSV (`Accept: text/csv`) */
export type SeriesFormat = 'json' | 'csv';

/**
 * The rows of a sub-range of an answer: row labels (timestamps) and the
 * value columns in the order the JSON rows carry them (`timestamp` last).
 */
export interface SeriesFrame {
  labels: string[];
  cols: JsonColumn[];
  /** each row's coverage, when asked for (JSON: a `quality` object per row; CSV: three columns before `timestamp`) */
  quality?: QualityColumns;
}

/** the columns of a frame as CSV writes them: the coverage's three after the values */
function csvColumns(frame: SeriesFrame): JsonColumn[] {
  return frame.quality ? [...frame.cols, ...qualityCsvColumns(frame.quality)] : frame.cols;
}

/** rows written between two looks for full pieces to hand out */
const ROWS_PER_TURN = 64;

/**
 * A series answer in pieces of bytes (byte-writer.ts): `build` renders the
 * rows of a sub-range. Only 15T is cut: coarser rows are few, and a cut would
 * split a period. JSON is one array; CSV a header row (the JSON rows' keys,
 * in their order) then one line per row. The header of an answer without
 * rows still names its columns. Pieces are handed out as they fill, a few
 * dozen rows at a time, so a frame's answer is never held whole.
 */
export async function* streamSeries(
  range: IntervalRange,
  freq: Frequency,
  build: (r: IntervalRange) => Promise<SeriesFrame>,
  format: SeriesFormat = 'json',
): AsyncGenerator<Buffer> {
  const step = freq === '15T' ? STREAM_CHUNK_MS : Infinity;
  const w = new ByteWriter();
  if (format === 'csv') {
    let header: string[] | null = null;
    for (let from = range.from; from < range.to; from += step) {
      const frame = await build({ from, to: Math.min(range.to, from + step) });
      const cols = csvColumns(frame);
      if (header === null) {
        header = cols.map((c) => c.key);
        w.text(csvLine([...header, 'timestamp']));
      }
      const rows = csvRows(frame.labels, cols, header);
      for (let i = 0; i < frame.labels.length; i += ROWS_PER_TURN) {
        rows.write(w, i, Math.min(frame.labels.length, i + ROWS_PER_TURN));
        yield* w.take();
      }
    }
    if (header === null) w.text(csvLine([...csvColumns(await build({ from: range.from, to: range.from })).map((c) => c.key), 'timestamp']));
    yield* w.end();
    return;
  }
  w.text('[');
  let comma = false;
  for (let from = range.from; from < range.to; from += step) {
    const frame = await build({ from, to: Math.min(range.to, from + step) });
    const rows = jsonRows(frame.labels, frame.cols, frame.quality);
    for (let i = 0; i < frame.labels.length; i += ROWS_PER_TURN) {
      rows.write(w, i, Math.min(frame.labels.length, i + ROWS_PER_TURN), comma);
      comma = true;
      yield* w.take();
    }
  }
  w.text(']');
  yield* w.end();
}

/** Data exists only from 2000 to shortly after now (the gateway accepts nothing else): no range needs more. */
const EARLIEST = Date.UTC(2000, 0, 1);
const AHEAD_MS = 2 * 24 * 3600 * 1000;

export function parseFrequency(v: unknown): Frequency {
  if (v === undefined || v === null) return '15T';
  if (Value.Check(FrequencySchema, v)) return v as Frequency;
  throw paramError('sampling_frequency', `sampling_frequency must be one of ${FREQUENCIES.join(', ')} (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

/** with_quality: a JSON boolean in a body; `true`/`false` (or 1/0) in a query string */
export function parseWithQuality(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 'false' || v === '0' || v === 0) return false;
  if (v === true || v === 'true' || v === '1' || v === 1) return true;
  throw paramError('with_quality', `with_quality must be true or false (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

export function parseMeterType(v: string): MeterType {
  if (Value.Check(MeterTypeSchema, v)) return v as MeterType;
  throw paramError('meter_type', `meter_type must be one of ${METER_TYPES.join(', ')} (got ${JSON.stringify(v.slice(0, 40))})`);
}

/** The 15-minute range a request selects, clipped to the grant's history limit (if any) and to where data can exist. */
export function requestRange(params: SeriesParams, grant: Pick<Grant, 'history_from'>, now: number): IntervalRange {
  const r = clipRange(resolveRange(params, now), grant.history_from ?? undefined);
  const from = Math.max(r.from, EARLIEST);
  const to = Math.min(r.to, Math.ceil((now + AHEAD_MS) / 900_000) * 900_000);
  return from < to ? { from, to } : { from, to: from };
}

const participates = (m: Meter) => isElectric(m.type) && m.in_balance;

/** site_data as JSON rows (comma-separated, no brackets) */
export async function siteData(store: Store, site: Site, meters: Meter[], type: MeterType, range: IntervalRange, freq: Frequency): Promise<string> {
  const f = await siteFrame(store, site, meters, type, range, freq);
  return rowsJson(f.labels, f.cols);
}

export async function siteFrame(store: Store, site: Site, meters: Meter[], type: MeterType, range: IntervalRange, freq: Frequency, withQuality = false): Promise<SeriesFrame> {
  const frame = await siteValues(store, site, meters, type, range, freq);
  if (!withQuality) return { labels: frame.table.labels, cols: frame.cols };
  const sources = sourceMeters(meters, type === 'electricity' ? meters.filter(participates) : meters.filter((m) => m.type === type && m.in_balance));
  const plan = readPlan(site.timezone, freq, range.from, range.to);
  return { labels: frame.table.labels, cols: frame.cols, quality: await qualityColumns(store, frame.table, sources, range.from, range.to, plan) };
}

async function siteValues(store: Store, site: Site, meters: Meter[], type: MeterType, range: IntervalRange, freq: Frequency): Promise<{ table: SeriesTable; cols: JsonColumn[] }> {
  const { from, to } = range;
  const cols: JsonColumn[] = [];
  const plan = readPlan(site.timezone, freq, from, to);

  if (type === 'electricity') {
    const s = await readSiteSeries(store, site.id, plan);
    const table = createSeriesTable(freq, site.timezone, from, to, s.t);
    for (const f of SITE_FIELDS) table.add(f, s.t, s.fields[f]);
    for (const m of meters.filter(participates)) {
      if (m.mode !== 'consumption' && m.mode !== 'production') continue;
      const a = await readMeterSeries(store, m.id, plan);
      table.add(`total_${m.id}`, a.t, a.total);
      if (m.mode === 'consumption') {
        table.add(`self_${m.id}`, a.t, a.self);
        table.add(`ext_${m.id}`, a.t, a.ext);
      }
    }
    for (const name of table.names()) cols.push({ key: name, values: table.column(name) });
    return { table, cols: vendorOrder(cols) };
  }

  // other types: sums over the in-balance meters of the type; charge points carry their electricity shares
  const own = meters.filter((m) => m.type === type && m.in_balance);
  const allocs = await Promise.all(own.map((m) => readMeterSeries(store, m.id, plan)));
  const base = mergeTimes(allocs.map((a) => a.t));
  const table = createSeriesTable(freq, site.timezone, from, to, base);
  table.column('conso_total');
  const shared = type === 'charge_point';
  if (shared) {
    table.column('self');
    table.column('from_ext');
  }
  own.forEach((m, i) => {
    const a = allocs[i];
    table.add(`total_${m.id}`, a.t, a.total);
    if (m.mode !== 'consumption') return;
    table.add('conso_total', a.t, a.total);
    if (shared) {
      table.add(`self_${m.id}`, a.t, a.self);
      table.add(`ext_${m.id}`, a.t, a.ext);
      table.add('self', a.t, a.self);
      table.add('from_ext', a.t, a.ext);
    }
  });
  for (const name of table.names()) cols.push({ key: name, values: table.column(name) });
  return { table, cols: vendorOrder(cols) };
}

/** sorted union of several sorted time columns */
function mergeTimes(cols: Float64Array[]): Float64Array {
  if (cols.length === 1) return cols[0];
  const all = new Set<number>();
  for (const c of cols) for (const t of c) all.add(t);
  return Float64Array.from([...all].sort((a, b) => a - b));
}

export async function meterOf(store: Store, site: Site, meterId: string): Promise<Meter> {
  const meter = isObjectId(meterId) ? await store.getMeter(meterId) : null;
  if (!meter || meter.site_id !== site.id) throw new KwhubError('meter.not_found', `no meter ${meterId} on site ${site.id}`);
  return meter;
}

export async function meterFrame(store: Store, site: Site, meter: Meter, range: IntervalRange, freq: Frequency, withQuality?: { meters: Meter[] }): Promise<SeriesFrame> {
  const plan = readPlan(site.timezone, freq, range.from, range.to);
  const a = await readMeterSeries(store, meter.id, plan);
  const table = createSeriesTable(freq, site.timezone, range.from, range.to, a.t);
  const cols: JsonColumn[] = [];
  table.add('total', a.t, a.total);
  cols.push({ key: 'total', values: table.column('total') });
  if (participates(meter) && meter.mode === 'consumption') {
    table.add('self', a.t, a.self);
    table.add('ext', a.t, a.ext);
    cols.push({ key: 'self', values: table.column('self') }, { key: 'ext', values: table.column('ext') });
  }
  if (!withQuality) return { labels: table.labels, cols };
  return { labels: table.labels, cols, quality: await qualityColumns(store, table, sourceMeters(withQuality.meters, [meter]), range.from, range.to, plan) };
}

/** the keys of a meter's raw rows, in their order: its registers, then `timestamp` */
export function rawColumns(meter: Meter): string[] {
  return [...registersOf(meter.type), 'timestamp'];
}


/** Raw readings in [t_s, t_e] (instants, not rounded to intervals), at their own timestamps. */
export async function meterDataRaw(store: Store, site: Site, meter: Meter, params: SeriesParams, grant: Pick<Grant, 'history_from'>, now: number): Promise<Record<string, unknown>[]> {
  if (meter.rule !== null) {
    throw new KwhubError('meter.no_raw_data', `meter ${meter.id} is a rule meter: raw data exists only for physical meters; use meter_data for its validated series`);
  }
  const tE = parseInstant(params.t_e, 't_e') ?? now;
  let tS = parseInstant(params.t_s, 't_s') ?? tE - 24 * 3600 * 1000;
  if (tS > tE) throw paramError('t_s', 't_s must not be after t_e');
  if (grant.history_from !== null) tS = Math.max(tS, grant.history_from);
  const rows = await store.rawReadings(meter.id, tS, tE);
  const fmt = createTimestampFormatter(site.timezone);
  const regs = registersOf(meter.type);
  return rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const k of regs) o[k] = r[k];
    o.timestamp = fmt(r.ts);
    return o;
  });
}

export const SENSOR_COLUMNS = ['timestamp', 'value'];

export async function sensorData(store: Store, sensorId: string, params: SeriesParams, grant: Pick<Grant, 'history_from'>, now: number): Promise<{ timestamp: number; value: number }[]> {
  let tS = parseInstant(params.t_s, 't_s');
  let tE = parseInstant(params.t_e, 't_e');
  if (tS === undefined && tE === undefined) {
    // no range: the last 24 hours that hold data
    const last = await store.latestSensorTs(sensorId);
    if (last === null) return [];
    tE = last;
    tS = last - 24 * 3600 * 1000;
  }
  tE ??= now;
  tS ??= tE - 24 * 3600 * 1000;
  if (tS > tE) throw paramError('t_s', 't_s must not be after t_e');
  if (grant.history_from !== null) tS = Math.max(tS, grant.history_from);
  const r = await store.sensorReadings(sensorId, tS, tE);
  return r.ts.map((t, i) => ({ timestamp: t, value: r.value[i] }));
}

/** CSV of rows already built as objects (raw readings, sensor data), in pieces of a few thousand lines */
export function* objectRowsCsv(columns: string[], rows: Record<string, unknown>[], piece = 5000): Generator<string> {
  yield csvLine(columns);
  for (let i = 0; i < rows.length; i += piece) {
    let out = '';
    for (const r of rows.slice(i, i + piece)) out += csvLine(columns.map((k) => csvValue(r[k])));
    yield out;
  }
}

/** a value as its JSON text (numbers as JSON writes them, strings bare); null or missing: an empty field */
function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
