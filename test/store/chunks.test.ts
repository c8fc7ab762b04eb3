/**
 * The chunk codec (src/store/chunks.ts): exact to the bit, and a sequence of
 * chunk writes reads back as the plainest model of the old `intervals` table
 * (one row per interval start, replaced over [from, to)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DAY_SLOTS,
  HEADER_BYTES,
  SLOT_MS,
  allocFromChunks,
  chunkCounts,
  chunkDays,
  chunkEdge,
  chunksForWrite,
  columnsFromChunks,
  countChunks,
  dayOf,
  decodeChunk,
  emptyChunk,
  encodeChunk,
  intervalsFromChunks,
  partialDays,
  type DayChunk,
} from '../../src/store/chunks.js';
import type { MeterIntervalColumns } from '../../src/store/store.js';

const bits = (x: number): string => {
  const f = new Float64Array([x]);
  return Buffer.from(f.buffer).toString('hex');
};

/** a NaN of another sign and payload than Number.NaN */
const oddNaN = new Float64Array(new Uint32Array([1, 0xfff80000]).buffer)[0];

/** values that break naive codecs: NaN, both zeros, subnormals, extremes, and ordinary meter readings */
const nasty = fc.oneof(
  fc.constantFrom(Number.NaN, oddNaN, 0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 1, 0.25),
  fc.double(),
  fc.integer({ min: 0, max: 4000 }).map((k) => k / 1000),
);

type Shape = 'random' | 'consumer' | 'producer' | 'heat' | 'constant';

/** a chunk whose columns are random, or derived the way allocate.ts derives them, or mixed */
const chunk = fc
  .record({
    present: fc.array(fc.boolean(), { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    estimated: fc.array(fc.boolean(), { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    shape: fc.constantFrom<Shape>('random', 'consumer', 'producer', 'heat', 'constant'),
    im: fc.array(nasty, { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    ex: fc.array(nasty, { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    total: fc.array(nasty, { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    self: fc.array(nasty, { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    ext: fc.array(nasty, { minLength: DAY_SLOTS, maxLength: DAY_SLOTS }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    spoil: fc.option(fc.integer({ min: 0, max: DAY_SLOTS - 1 })),
  })
  .filter((r) => r.present.some((p) => p))
  .map((r): DayChunk => {
    const c = emptyChunk();
    for (let k = 0; k < DAY_SLOTS; k++) {
      c.present[k] = r.present[k] ? 1 : 0;
      c.estimated[k] = r.present[k] && r.estimated[k] ? 1 : 0;
      c.im[k] = r.im[k];
      c.ex[k] = r.shape === 'consumer' ? 0 : r.ex[k];
      c.total[k] = r.total[k];
      c.self[k] = r.self[k];
      c.ext[k] = r.ext[k];
      if (r.shape === 'consumer') {
        c.total[k] = c.im[k] - c.ex[k];
        c.self[k] = c.total[k] * r.share;
        c.ext[k] = c.total[k] - c.self[k];
      } else if (r.shape === 'producer') {
        c.total[k] = c.ex[k] - c.im[k];
        c.self[k] = Number.NaN;
        c.ext[k] = Number.NaN;
      } else if (r.shape === 'heat') {
        c.total[k] = c.im[k];
        c.self[k] = Number.NaN;
        c.ext[k] = Number.NaN;
      } else if (r.shape === 'constant') {
        c.im[k] = r.im[0];
        c.ex[k] = -0;
        c.total[k] = r.total[0];
      }
    }
    // one value off the derivation: the column must then be stored, not derived
    if (r.spoil !== null) c.total[r.spoil] = r.total[r.spoil];
    return c;
  });

function expectSameChunk(a: DayChunk, b: DayChunk): void {
  expect(Array.from(b.present)).toEqual(Array.from(a.present));
  for (let k = 0; k < DAY_SLOTS; k++) {
    if (a.present[k] === 0) continue;
    expect(b.estimated[k], `estimated[${k}]`).toBe(a.estimated[k]);
    for (const col of ['im', 'ex', 'total', 'self', 'ext'] as const) expect(bits(b[col][k]), `${col}[${k}]`).toBe(bits(a[col][k]));
  }
}

describe('encodeChunk / decodeChunk', () => {
  it('should give back every present value bit for bit, whatever the columns', () => {
    fc.assert(
      fc.property(chunk, (c) => {
        expectSameChunk(c, decodeChunk(encodeChunk(c)));
      }),
      { numRuns: 400 },
    );
  });

  it('should store a consumer day of meter readings in far fewer bytes than 5 float64 per interval', () => {
    const c = emptyChunk();
    let e = 0.8;
    for (let k = 0; k < DAY_SLOTS; k++) {
      e = Math.round((e + Math.sin(k) * 0.3 + 0.31) * 1000) / 1000;
      c.present[k] = 1;
      c.im[k] = e;
      c.ex[k] = 0;
      c.total[k] = c.im[k] - c.ex[k];
      c.self[k] = c.total[k] * 0.37;
      c.ext[k] = c.total[k] - c.self[k];
    }
    const data = encodeChunk(c);
    // header 25, im ≤ 7 B/value here, ex constant (11), total and ext derived (3 each), self XOR-packed
    expect(data.length).toBeLessThan(25 + 3 * 5 + 8 + DAY_SLOTS * 8 + DAY_SLOTS * 8);
    expect(data.length).toBeLessThan(DAY_SLOTS * 5 * 8 * 0.5);
    expectSameChunk(c, decodeChunk(data));
  });

  it('should refuse a chunk without a present slot and a blob of an unknown version', () => {
    expect(() => encodeChunk(emptyChunk())).toThrow(/present slot/);
    expect(() => decodeChunk(new Uint8Array([9, 0, 0]))).toThrow(/unknown format/);
  });

  it('should read the counts and edges from the bitmaps', () => {
    fc.assert(
      fc.property(chunk, fc.integer({ min: -5, max: 5 }).map((d) => d * DAY_MS), (c, day) => {
        const data = encodeChunk(c);
        const slots = Array.from(c.present).flatMap((p, k) => (p ? [k] : []));
        expect(chunkCounts(data)).toEqual({ present: slots.length, estimated: slots.filter((k) => c.estimated[k]).length });
        // the header alone is enough (the stores fetch only it for counts and edges)
        const head = data.slice(0, HEADER_BYTES);
        expect(chunkCounts(head)).toEqual(chunkCounts(data));
        expect(chunkEdge(day, head, 'first')).toBe(day + slots[0] * SLOT_MS);
        expect(chunkEdge(day, head, 'last')).toBe(day + slots[slots.length - 1] * SLOT_MS);
        const all = countChunks([{ day, data: head }], day, day + DAY_MS);
        expect(Array.from(all.t)).toEqual(slots.map((k) => day + k * SLOT_MS));
        expect(Array.from(all.estimated)).toEqual(slots.map((k) => c.estimated[k]));
      }),
    );
  });
});

describe('dayOf / partialDays', () => {
  it('should floor to UTC days, before 1970 too, and list only the days the range cuts', () => {
    expect(dayOf(0)).toBe(0);
    expect(dayOf(DAY_MS - 1)).toBe(0);
    expect(dayOf(-1)).toBe(-DAY_MS);
    expect(partialDays(0, DAY_MS)).toEqual([]);
    expect(partialDays(0, 2 * DAY_MS)).toEqual([]);
    expect(partialDays(SLOT_MS, DAY_MS)).toEqual([0]);
    expect(partialDays(0, DAY_MS + SLOT_MS)).toEqual([DAY_MS]);
    expect(partialDays(SLOT_MS, 3 * DAY_MS - SLOT_MS)).toEqual([0, 2 * DAY_MS]);
    expect(partialDays(5, 10)).toEqual([]); // no slot start in the range
    expect(partialDays(0, 10)).toEqual([0]);
    expect(partialDays(10, 10)).toEqual([]);
    // not aligned to slots: the day is cut as soon as one of its slot starts falls outside
    expect(partialDays(1, DAY_MS)).toEqual([0]);
    expect(partialDays(-SLOT_MS + 1, DAY_MS)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// chunk writes against a row model

interface Row {
  im: number;
  ex: number;
  estimated: number;
  total: number;
  self: number;
  ext: number;
}

const DAYS = 4;
const ORIGIN = 20_000 * DAY_MS; // 2024-10-04
const instant = fc.integer({ min: -DAY_MS, max: (DAYS + 1) * DAY_MS }).map((x) => ORIGIN + x);
/** mostly slot- or day-aligned bounds, some arbitrary */
const bound = fc.oneof(
  instant,
  fc.integer({ min: -1, max: DAYS + 1 }).map((d) => ORIGIN + d * DAY_MS),
  fc.integer({ min: -96, max: (DAYS + 1) * 96 }).map((k) => ORIGIN + k * SLOT_MS),
);
const write = fc.record({
  a: bound,
  b: bound,
  keep: fc.array(fc.boolean(), { minLength: (DAYS + 2) * 96, maxLength: (DAYS + 2) * 96 }),
  vals: fc.array(nasty, { minLength: 8, maxLength: 8 }),
  derived: fc.boolean(),
});

function slotStarts(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / SLOT_MS) * SLOT_MS; t < to; t += SLOT_MS) out.push(t);
  return out;
}

function toColumns(ts: number[], rows: Row[]): MeterIntervalColumns {
  return {
    t: Float64Array.from(ts),
    im: Float64Array.from(rows, (r) => r.im),
    ex: Float64Array.from(rows, (r) => r.ex),
    estimated: Uint8Array.from(rows, (r) => r.estimated),
    total: Float64Array.from(rows, (r) => r.total),
    self: Float64Array.from(rows, (r) => r.self),
    ext: Float64Array.from(rows, (r) => r.ext),
  };
}

function expectColumns(actual: MeterIntervalColumns, model: Map<number, Row>, from: number, to: number): void {
  const ts = [...model.keys()].filter((t) => t >= from && t < to).sort((x, y) => x - y);
  expect(Array.from(actual.t)).toEqual(ts);
  ts.forEach((t, i) => {
    const r = model.get(t)!;
    expect(actual.estimated[i]).toBe(r.estimated);
    for (const col of ['im', 'ex', 'total', 'self', 'ext'] as const) expect(bits(actual[col][i]), `${col} at ${t}`).toBe(bits(r[col]));
  });
}

describe('chunksForWrite / columnsFromChunks', () => {
  it('should read back, after any sequence of writes over any ranges, what a table of one row per interval holds', () => {
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 6 }), bound, bound, (writes, r0, r1) => {
        const model = new Map<number, Row>();
        const table = new Map<number, Uint8Array>();
        for (const [j, w] of writes.entries()) {
          const from = Math.min(w.a, w.b);
          const to = Math.max(w.a, w.b);
          const ts: number[] = [];
          const rows: Row[] = [];
          for (const t of slotStarts(from, to)) {
            if (!w.keep[(t - ORIGIN + DAY_MS) / SLOT_MS]) continue;
            const v = (i: number) => w.vals[(i + t / SLOT_MS) % 8];
            const im = v(0);
            const ex = w.derived ? 0 : v(1);
            const total = w.derived ? im - ex : v(2);
            const self = w.derived ? total * 0.5 : v(3);
            ts.push(t);
            rows.push({ im, ex, estimated: (t / SLOT_MS + j) % 3 === 0 ? 1 : 0, total, self, ext: w.derived ? total - self : v(4) });
          }
          // the model: DELETE … WHERE t >= from AND t < to, then INSERT
          for (const t of [...model.keys()]) if (t >= from && t < to) model.delete(t);
          ts.forEach((t, i) => model.set(t, rows[i]));

          const old = new Map<number, Uint8Array>();
          for (const d of partialDays(from, to)) if (table.has(d)) old.set(d, table.get(d)!);
          const written = chunksForWrite(from, to, toColumns(ts, rows), old);
          // as the engines apply it: delete the rows of chunkDays, insert the non-null ones
          const days = chunkDays(from, to);
          const expectedDays: number[] = [];
          if (days) for (let d = days[0]; d < days[1]; d += DAY_MS) expectedDays.push(d);
          expect(written.map((r) => r.day)).toEqual(expectedDays);
          for (const d of expectedDays) table.delete(d);
          for (const { day, data } of written) if (data !== null) table.set(day, data);
        }
        // no empty chunk is ever kept
        for (const data of table.values()) expect(chunkCounts(data).present).toBeGreaterThan(0);
        const sorted = [...table.entries()].sort((x, y) => x[0] - y[0]).map(([day, data]) => ({ day, data }));
        const from = Math.min(r0, r1);
        const to = Math.max(r0, r1);
        const all = columnsFromChunks(sorted, from, to);
        expectColumns(all, model, from, to);
        const iv = intervalsFromChunks(sorted, from, to);
        expect(Array.from(iv.t)).toEqual(Array.from(all.t));
        expect(iv.im.map(bits as never)).toEqual(all.im.map(bits as never));
        expect(Array.from(iv.ex, bits)).toEqual(Array.from(all.ex, bits));
        expect(Array.from(iv.estimated)).toEqual(Array.from(all.estimated));
        const al = allocFromChunks(sorted, from, to);
        expect(Array.from(al.t)).toEqual(Array.from(all.t));
        for (const col of ['total', 'self', 'ext'] as const) expect(Array.from(al[col], bits)).toEqual(Array.from(all[col], bits));
        // counts over one meter: one per present start
        const counts = countChunks(sorted, from, to);
        expect(Array.from(counts.t)).toEqual(Array.from(all.t));
        expect(Array.from(counts.present)).toEqual(Array.from(all.t, () => 1));
        expect(Array.from(counts.estimated)).toEqual(Array.from(all.estimated));
      }),
      { numRuns: 150 },
    );
  });

  it('should count intervals per start over several meters', () => {
    const c = (slots: number[], est: number[]) => {
      const x = emptyChunk();
      for (const k of slots) x.present[k] = 1;
      for (const k of est) x.estimated[k] = 1;
      return encodeChunk(x);
    };
    const rows = [
      { day: 0, data: c([0, 1, 95], [1]) },
      { day: DAY_MS, data: c([0], [0]) },
      { day: 0, data: c([1, 2], [1, 2]) },
    ];
    const counts = countChunks(rows, SLOT_MS, 2 * DAY_MS);
    expect(Array.from(counts.t)).toEqual([SLOT_MS, 2 * SLOT_MS, 95 * SLOT_MS, DAY_MS]);
    expect(Array.from(counts.present)).toEqual([2, 1, 1, 1]);
    expect(Array.from(counts.estimated)).toEqual([2, 1, 0, 1]);
  });

  it('should refuse interval starts that are not slots of the range', () => {
    const cols = toColumns([SLOT_MS + 1], [{ im: 1, ex: 0, estimated: 0, total: 1, self: Number.NaN, ext: Number.NaN }]);
    expect(() => chunksForWrite(0, DAY_MS, cols, new Map())).toThrow(/not a 15-minute slot/);
    const outside = toColumns([DAY_MS], [{ im: 1, ex: 0, estimated: 0, total: 1, self: Number.NaN, ext: Number.NaN }]);
    expect(() => chunksForWrite(0, DAY_MS, outside, new Map())).toThrow(/outside/);
  });
});
