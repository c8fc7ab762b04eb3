/**
 * Reads readings from a CSV or JSON Lines file as gateway-shaped objects, in
 * batches, so a year of data never sits in memory at once.
 *
 * CSV: a header row naming the columns — meter_id or prim_ad, timestamp, and
 * the registers (en_im, en_ex, heat_energy_kwh, vol_m3); or sensor_id,
 * timestamp, value. Empty cells are "not sent". JSONL: one reading object per
 * line, exactly as in a gateway push.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export interface ReadingBatch {
  meters: unknown[];
  sensors: unknown[];
  /** bytes of the file read so far */
  bytes: number;
  /** line number of each reading, for error messages (meters then sensors) */
  lines: { meters: number[]; sensors: number[] };
}

const NUMERIC = new Set(['prim_ad', 'en_im', 'en_ex', 'heat_energy_kwh', 'vol_m3', 'value']);

function csvValue(key: string, v: string): unknown {
  if (v === '') return undefined;
  if (NUMERIC.has(key)) return Number(v);
  if (key === 'timestamp' && /^\d+$/.test(v)) return Number(v);
  return v;
}

export async function* readReadings(path: string, batchSize: number): AsyncGenerator<ReadingBatch> {
  const input = createReadStream(path);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
  });
  let batch: ReadingBatch = { meters: [], sensors: [], bytes: 0, lines: { meters: [], sensors: [] } };
  const add = (o: Record<string, unknown>, line: number) => {
    if (o.sensor_id !== undefined) {
      batch.sensors.push(o);
      batch.lines.sensors.push(line);
    } else {
      batch.meters.push(o);
      batch.lines.meters.push(line);
    }
  };
  const full = () => batch.meters.length + batch.sensors.length >= batchSize;
  const flush = () => {
    const b = { ...batch, bytes };
    batch = { meters: [], sensors: [], bytes: 0, lines: { meters: [], sensors: [] } };
    return b;
  };

  if (/\.jsonl?$|\.ndjson$/i.test(path)) {
    const { createInterface } = await import('node:readline');
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let o: unknown;
      try {
        o = JSON.parse(text);
      } catch {
        o = { __invalid: `line ${line} is not valid JSON` };
      }
      add((typeof o === 'object' && o !== null ? o : { __invalid: `line ${line} is not a JSON object` }) as Record<string, unknown>, line);
      if (full()) yield flush();
    }
  } else {
    // info: true hands each record its own line number (the parser reads ahead)
    const parser = input.pipe(parse({ columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, relax_column_count: false, info: true }));
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record)) {
        const val = csvValue(k, v);
        if (val !== undefined) o[k] = val;
      }
      add(o, info.lines);
      if (full()) yield flush();
    }
  }
  if (batch.meters.length + batch.sensors.length > 0) yield flush();
}
