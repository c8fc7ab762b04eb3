/**
 * Validated and allocated 15-minute intervals stored as one row per (meter,
 * UTC day): a "chunk" of 96 slots, as time-series engines store chunks rather
 * than rows (a site month is ~1,900 rows instead of ~180,000). Pure: both
 * engines use it, neither of them knows the layout.
 *
 * UTC days, not local days: the store needs no time zone, a site's time-zone
 * edit cannot misalign chunks, every chunk has 96 slots, and PostgreSQL's
 * monthly UTC partitions hold whole chunks.
 *
 * Layout (version 1), little-endian:
 *   version byte, present bitmap (12 bytes), estimated bitmap (12 bytes),
 *   then the columns im, ex, total, self, ext, each as
 *   tag byte, uint16 payload length, payload over the PRESENT slots only.
 * The length lets a reader skip a column it does not need. Tags:
 *   NAN       every present value is NaN, no payload (self/ext of a producer)
 *   CONST     one value's 8 bytes (the all-zero `ex` of a consumer)
 *   XOR       per value a control byte lz*9+tz for the leading/trailing zero
 *             bytes of (bits XOR previous bits), then the 8-lz-tz middle
 *             bytes (Gorilla-like, byte-aligned so decoding needs no BigInt)
 *   derived   total = im - ex | ex - im | im, ext = total - self: what
 *             allocate.ts computes, so they almost always apply; chosen only
 *             when they reproduce every present value to the bit and never
 *             yield NaN, so decoding is exact, -0 and NaN included.
 */
import type { IntervalColumns, IntervalCounts, MeterAllocColumns, MeterIntervalColumns } from './store.js';

export const SLOT_MS = 900_000,
  DAY_MS = 86_400_000,
  DAY_SLOTS = 96;

const VERSION = 1;
const BITMAP_BYTES = DAY_SLOTS / 8;
/** version and bitmaps: all that countChunks, chunkEdge and chunkCounts read (a store may fetch only these bytes) */
export const HEADER_BYTES = 1 + 2 * BITMAP_BYTES;

const TAG_NAN = 0,
  TAG_CONST = 1,
  TAG_XOR = 2,
  TAG_IM_MINUS_EX = 3,
  TAG_EX_MINUS_IM = 4,
  TAG_IM = 5,
  TAG_TOTAL_MINUS_SELF = 6;

/** One meter's intervals of one UTC day, dense over the 96 slots; values of absent slots mean nothing. */
export interface DayChunk {
  present: Uint8Array;
  estimated: Uint8Array;
  im: Float64Array;
  ex: Float64Array;
  total: Float64Array;
  self: Float64Array;
  ext: Float64Array;
}

/** a chunk row as the engines read it */
export interface ChunkRow {
  day: number;
  data: Uint8Array;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('chunks.ts assumes a little-endian platform');

// Scratch views over one float64 (no allocation per value); the codec is synchronous, so sharing them is safe.
const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);
// Compact columns (present slots only) of the chunk being decoded or encoded.
const cIm = new Float64Array(DAY_SLOTS);
const cEx = new Float64Array(DAY_SLOTS);
const cTotal = new Float64Array(DAY_SLOTS);
const cSelf = new Float64Array(DAY_SLOTS);
const cExt = new Float64Array(DAY_SLOTS);
/** slot of the i-th present value */
const slotOf = new Uint8Array(DAY_SLOTS);
const LZ = new Uint8Array(81);
const TZ = new Uint8Array(81);
for (let c = 0; c < 81; c++) {
  LZ[c] = Math.floor(c / 9);
  TZ[c] = c % 9;
}
const encodeBuf = new Uint8Array(HEADER_BYTES + 5 * (3 + 9 * DAY_SLOTS));

/** floor to the UTC day */
export function dayOf(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

/** a fresh chunk with no slot present */
export function emptyChunk(): DayChunk {
  const col = () => new Float64Array(DAY_SLOTS);
  return { present: new Uint8Array(DAY_SLOTS), estimated: new Uint8Array(DAY_SLOTS), im: col(), ex: col(), total: col(), self: col(), ext: col() };
}

function bit(data: Uint8Array, base: number, k: number): number {
  return (data[base + (k >> 3)] >> (k & 7)) & 1;
}

// ---------------------------------------------------------------------------
// encoding

function writeXor(col: Float64Array, n: number, out: Uint8Array, pos: number): number {
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
  for (let i = 0; i < n; i++) {
    f64[0] = col[i];
    const x0 = u8[0] ^ p0, x1 = u8[1] ^ p1, x2 = u8[2] ^ p2, x3 = u8[3] ^ p3;
    const x4 = u8[4] ^ p4, x5 = u8[5] ^ p5, x6 = u8[6] ^ p6, x7 = u8[7] ^ p7;
    p0 = u8[0]; p1 = u8[1]; p2 = u8[2]; p3 = u8[3]; p4 = u8[4]; p5 = u8[5]; p6 = u8[6]; p7 = u8[7];
    // u8 now holds the XOR, byte 7 the most significant
    u8[0] = x0; u8[1] = x1; u8[2] = x2; u8[3] = x3; u8[4] = x4; u8[5] = x5; u8[6] = x6; u8[7] = x7;
    let lz = 0;
    while (lz < 8 && u8[7 - lz] === 0) lz++;
    if (lz === 8) {
      out[pos++] = 72; // 8 leading zero bytes, nothing follows
      continue;
    }
    let tz = 0;
    while (u8[tz] === 0) tz++;
    out[pos++] = lz * 9 + tz;
    for (let b = tz; b < 8 - lz; b++) out[pos++] = u8[b];
  }
  return pos;
}

const pair = new Float64Array(2);
const pairBits = new Uint32Array(pair.buffer);

/** equal to the bit (Object.is would take NaNs of different payloads for equal) */
function sameBits(a: number, b: number): boolean {
  pair[0] = a;
  pair[1] = b;
  return pairBits[0] === pairBits[2] && pairBits[1] === pairBits[3];
}

function allSame(col: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (!sameBits(col[i], col[0])) return false;
  return true;
}

function allNaN(col: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!sameBits(col[i], Number.NaN)) return false;
  return true;
}

/** writes one column (tag, length, payload); `derived` is a tag that reproduces it exactly, or -1 */
function writeColumn(col: Float64Array, n: number, derived: number, out: Uint8Array, pos: number): number {
  const start = pos;
  pos += 3;
  let tag: number;
  if (derived >= 0) tag = derived;
  else if (allNaN(col, n)) tag = TAG_NAN;
  else if (allSame(col, n)) {
    tag = TAG_CONST;
    f64[0] = col[0];
    out.set(u8, pos);
    pos += 8;
  } else {
    tag = TAG_XOR;
    pos = writeXor(col, n, out, pos);
  }
  const len = pos - start - 3;
  out[start] = tag;
  out[start + 1] = len & 0xff;
  out[start + 2] = len >> 8;
  return pos;
}

/**
 * A derivation applies when it gives every value to the bit. One that yields a
 * NaN is never taken: which NaN a subtraction yields depends on the CPU, and a
 * blob must decode the same on every machine.
 */
function derives(target: number, computed: number): boolean {
  return computed === computed && sameBits(target, computed);
}

function derivedTotal(n: number): number {
  let a = true, b = true, c = true;
  for (let i = 0; i < n && (a || b || c); i++) {
    const t = cTotal[i];
    if (a && !derives(t, cIm[i] - cEx[i])) a = false;
    if (b && !derives(t, cEx[i] - cIm[i])) b = false;
    if (c && !derives(t, cIm[i])) c = false;
  }
  return a ? TAG_IM_MINUS_EX : b ? TAG_EX_MINUS_IM : c ? TAG_IM : -1;
}

function derivedExt(n: number): number {
  for (let i = 0; i < n; i++) if (!derives(cExt[i], cTotal[i] - cSelf[i])) return -1;
  return TAG_TOTAL_MINUS_SELF;
}

/** the blob of a chunk; it must have at least one present slot */
export function encodeChunk(c: DayChunk): Uint8Array {
  const out = encodeBuf;
  out.fill(0, 0, HEADER_BYTES);
  out[0] = VERSION;
  let n = 0;
  for (let k = 0; k < DAY_SLOTS; k++) {
    if (c.present[k] === 0) continue;
    out[1 + (k >> 3)] |= 1 << (k & 7);
    if (c.estimated[k] !== 0) out[1 + BITMAP_BYTES + (k >> 3)] |= 1 << (k & 7);
    cIm[n] = c.im[k];
    cEx[n] = c.ex[k];
    cTotal[n] = c.total[k];
    cSelf[n] = c.self[k];
    cExt[n] = c.ext[k];
    n++;
  }
  if (n === 0) throw new Error('encodeChunk: a chunk needs at least one present slot (delete the row instead)');
  let pos = HEADER_BYTES;
  pos = writeColumn(cIm, n, -1, out, pos);
  pos = writeColumn(cEx, n, -1, out, pos);
  pos = writeColumn(cTotal, n, derivedTotal(n), out, pos);
  pos = writeColumn(cSelf, n, -1, out, pos);
  pos = writeColumn(cExt, n, derivedExt(n), out, pos);
  return out.slice(0, pos);
}

// ---------------------------------------------------------------------------
// decoding (into the compact scratch columns)

/** reads the present bitmap into slotOf; returns how many slots are present */
function readPresent(data: Uint8Array): number {
  if (data.length < HEADER_BYTES || data[0] !== VERSION) throw new Error(`interval chunk: unknown format (version ${data[0]}, ${data.length} bytes)`);
  let n = 0;
  for (let k = 0; k < DAY_SLOTS; k++) if (bit(data, 1, k) === 1) slotOf[n++] = k;
  return n;
}

function readXor(data: Uint8Array, pos: number, n: number, out: Float64Array): void {
  f64[0] = 0;
  for (let i = 0; i < n; i++) {
    const ctl = data[pos++];
    const end = 8 - LZ[ctl];
    for (let b = TZ[ctl]; b < end; b++) u8[b] ^= data[pos++];
    out[i] = f64[0];
  }
}

/** decodes the column at `pos` into `out`; returns the position after it */
function readColumn(data: Uint8Array, pos: number, n: number, out: Float64Array): number {
  const tag = data[pos];
  const len = data[pos + 1] | (data[pos + 2] << 8);
  const p = pos + 3;
  switch (tag) {
    case TAG_NAN:
      out.fill(Number.NaN, 0, n);
      break;
    case TAG_CONST: {
      for (let b = 0; b < 8; b++) u8[b] = data[p + b];
      out.fill(f64[0], 0, n);
      break;
    }
    case TAG_XOR:
      readXor(data, p, n, out);
      break;
    case TAG_IM_MINUS_EX:
      for (let i = 0; i < n; i++) out[i] = cIm[i] - cEx[i];
      break;
    case TAG_EX_MINUS_IM:
      for (let i = 0; i < n; i++) out[i] = cEx[i] - cIm[i];
      break;
    case TAG_IM:
      out.set(cIm.subarray(0, n));
      break;
    case TAG_TOTAL_MINUS_SELF:
      for (let i = 0; i < n; i++) out[i] = cTotal[i] - cSelf[i];
      break;
    default:
      throw new Error(`interval chunk: unknown column tag ${tag}`);
  }
  return p + len;
}

function skipColumn(data: Uint8Array, pos: number): number {
  return pos + 3 + (data[pos + 1] | (data[pos + 2] << 8));
}

/** decodes into the scratch columns: im/ex always (the derived columns need them), total/self/ext when `alloc` */
function decodeCompact(data: Uint8Array, alloc: boolean): number {
  const n = readPresent(data);
  let pos = readColumn(data, HEADER_BYTES, n, cIm);
  pos = readColumn(data, pos, n, cEx);
  if (alloc) {
    pos = readColumn(data, pos, n, cTotal);
    pos = readColumn(data, pos, n, cSelf);
    readColumn(data, pos, n, cExt);
  } else {
    skipColumn(data, skipColumn(data, skipColumn(data, pos)));
  }
  return n;
}

export function decodeChunk(data: Uint8Array): DayChunk {
  const n = decodeCompact(data, true);
  const c = emptyChunk();
  for (let i = 0; i < n; i++) {
    const k = slotOf[i];
    c.present[k] = 1;
    c.estimated[k] = bit(data, 1 + BITMAP_BYTES, k);
    c.im[k] = cIm[i];
    c.ex[k] = cEx[i];
    c.total[k] = cTotal[i];
    c.self[k] = cSelf[i];
    c.ext[k] = cExt[i];
  }
  return c;
}

// ---------------------------------------------------------------------------
// ranges

/** the slots [k0, k1) of day `day` whose start lies in [from, to) */
function slotRange(day: number, from: number, to: number): [number, number] {
  const k0 = from <= day ? 0 : Math.min(DAY_SLOTS, Math.ceil((from - day) / SLOT_MS));
  const k1 = to >= day + DAY_MS ? DAY_SLOTS : Math.max(0, Math.ceil((to - day) / SLOT_MS));
  return [k0, Math.max(k0, k1)];
}

/**
 * The days [lo, hi) whose chunks hold a slot start in [from, to): a write over
 * [from, to) replaces exactly the rows of those days (chunksForWrite's days). Null when no slot start is in range.
 */
export function chunkDays(from: number, to: number): [number, number] | null {
  const first = Math.ceil(from / SLOT_MS) * SLOT_MS;
  if (!(first < to)) return null;
  return [dayOf(first), dayOf(Math.ceil(to / SLOT_MS) * SLOT_MS - SLOT_MS) + DAY_MS];
}

/** the days of [from, to) only partly covered: their stored chunks must be read before a write */
export function partialDays(from: number, to: number): number[] {
  if (!(from < to)) return [];
  const out: number[] = [];
  const first = dayOf(from);
  const last = dayOf(to - 1);
  const [a0, a1] = slotRange(first, from, to);
  if (a0 < a1 && (a0 > 0 || a1 < DAY_SLOTS)) out.push(first);
  if (last !== first) {
    const [b0, b1] = slotRange(last, from, to);
    if (b0 < b1 && (b0 > 0 || b1 < DAY_SLOTS)) out.push(last);
  }
  return out;
}

/**
 * Rows replacing the intervals with start in [from, to) by `cols`; `old`: the
 * stored chunks of partialDays. data null = delete that row. Days without a
 * slot in the range are left out; `cols.t` must be slot starts in [from, to), ascending.
 */
export function chunksForWrite(from: number, to: number, cols: MeterIntervalColumns, old: Map<number, Uint8Array>): { day: number; data: Uint8Array | null }[] {
  const out: { day: number; data: Uint8Array | null }[] = [];
  if (!(from < to)) return out;
  const n = cols.t.length;
  let i = 0;
  const last = dayOf(to - 1);
  const c = emptyChunk();
  for (let day = dayOf(from); day <= last; day += DAY_MS) {
    const [k0, k1] = slotRange(day, from, to);
    if (k0 >= k1) continue;
    const stored = old.get(day);
    if (stored !== undefined && (k0 > 0 || k1 < DAY_SLOTS)) {
      const o = decodeChunk(stored);
      c.present.set(o.present);
      c.estimated.set(o.estimated);
      c.im.set(o.im);
      c.ex.set(o.ex);
      c.total.set(o.total);
      c.self.set(o.self);
      c.ext.set(o.ext);
      c.present.fill(0, k0, k1);
    } else {
      c.present.fill(0);
    }
    const end = day + DAY_MS;
    for (; i < n && cols.t[i] < end; i++) {
      const t = cols.t[i];
      const k = (t - day) / SLOT_MS;
      if (!Number.isInteger(k) || k < k0 || k >= k1) throw new Error(`chunksForWrite: interval start ${t} is not a 15-minute slot in [${from}, ${to}) (or not ascending)`);
      c.present[k] = 1;
      c.estimated[k] = cols.estimated[i] !== 0 ? 1 : 0;
      c.im[k] = cols.im[i];
      c.ex[k] = cols.ex[i];
      c.total[k] = cols.total[i];
      c.self[k] = cols.self[i];
      c.ext[k] = cols.ext[i];
    }
    let any = false;
    for (let k = 0; k < DAY_SLOTS && !any; k++) any = c.present[k] !== 0;
    out.push({ day, data: any ? encodeChunk(c) : null });
  }
  if (i < n) throw new Error(`chunksForWrite: interval start ${cols.t[i]} outside [${from}, ${to})`);
  return out;
}

/** how many present slots of each row fall in [from, to) (to size the result once) */
function countInRange(rows: readonly ChunkRow[], from: number, to: number): number {
  let total = 0;
  for (const r of rows) {
    const [k0, k1] = slotRange(r.day, from, to);
    for (let k = k0; k < k1; k++) total += bit(r.data, 1, k);
  }
  return total;
}

type Want = 'intervals' | 'alloc' | 'all';

function fromChunks(rows: readonly ChunkRow[], from: number, to: number, want: Want): MeterIntervalColumns {
  const size = countInRange(rows, from, to);
  const t = new Float64Array(size);
  const withIntervals = want !== 'alloc';
  const withAlloc = want !== 'intervals';
  const e = new Float64Array(0);
  const im = withIntervals ? new Float64Array(size) : e;
  const ex = withIntervals ? new Float64Array(size) : e;
  const estimated = withIntervals ? new Uint8Array(size) : new Uint8Array(0);
  const total = withAlloc ? new Float64Array(size) : e;
  const self = withAlloc ? new Float64Array(size) : e;
  const ext = withAlloc ? new Float64Array(size) : e;
  let o = 0;
  for (const { day, data } of rows) {
    const [k0, k1] = slotRange(day, from, to);
    if (k0 >= k1) continue;
    const n = decodeCompact(data, withAlloc);
    for (let i = 0; i < n; i++) {
      const k = slotOf[i];
      if (k < k0 || k >= k1) continue;
      t[o] = day + k * SLOT_MS;
      if (withIntervals) {
        im[o] = cIm[i];
        ex[o] = cEx[i];
        estimated[o] = bit(data, 1 + BITMAP_BYTES, k);
      }
      if (withAlloc) {
        total[o] = cTotal[i];
        self[o] = cSelf[i];
        ext[o] = cExt[i];
      }
      o++;
    }
  }
  return { t, im, ex, estimated, total, self, ext };
}

/** the intervals with start in [from, to) of one meter's chunk rows (ascending by day) */
export function columnsFromChunks(rows: ChunkRow[], from: number, to: number): MeterIntervalColumns {
  return fromChunks(rows, from, to, 'all');
}

/** im/ex/estimated only: the allocation columns are skipped, not decoded */
export function intervalsFromChunks(rows: readonly ChunkRow[], from: number, to: number): IntervalColumns {
  const { t, im, ex, estimated } = fromChunks(rows, from, to, 'intervals');
  return { t, im, ex, estimated };
}

/** total/self/ext only (readMeterAlloc) */
export function allocFromChunks(rows: readonly ChunkRow[], from: number, to: number): MeterAllocColumns {
  const { t, total, self, ext } = fromChunks(rows, from, to, 'alloc');
  return { t, total, self, ext };
}

/**
 * Validated intervals counted per slot start over the chunks of several
 * meters, from the bitmaps alone: only starts with at least one present.
 */
export function countChunks(rows: readonly ChunkRow[], from: number, to: number): IntervalCounts {
  if (rows.length === 0 || !(from < to)) return { t: new Float64Array(0), present: new Float64Array(0), estimated: new Float64Array(0) };
  let lo = Infinity, hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.day);
    hi = Math.max(hi, r.day);
  }
  const slots = ((hi - lo) / DAY_MS + 1) * DAY_SLOTS;
  const pres = new Uint32Array(slots);
  const est = new Uint32Array(slots);
  for (const { day, data } of rows) {
    const [k0, k1] = slotRange(day, from, to);
    const base = ((day - lo) / DAY_MS) * DAY_SLOTS;
    for (let k = k0; k < k1; k++) {
      if (bit(data, 1, k) === 0) continue;
      pres[base + k]++;
      est[base + k] += bit(data, 1 + BITMAP_BYTES, k);
    }
  }
  let m = 0;
  for (let s = 0; s < slots; s++) if (pres[s] > 0) m++;
  const out = { t: new Float64Array(m), present: new Float64Array(m), estimated: new Float64Array(m) };
  let o = 0;
  for (let s = 0; s < slots; s++) {
    if (pres[s] === 0) continue;
    out.t[o] = lo + s * SLOT_MS;
    out.present[o] = pres[s];
    out.estimated[o] = est[s];
    o++;
  }
  return out;
}

/** the first or last present slot start of a chunk (every stored chunk has one) */
export function chunkEdge(day: number, data: Uint8Array, which: 'first' | 'last'): number {
  if (which === 'first') {
    for (let k = 0; k < DAY_SLOTS; k++) if (bit(data, 1, k) === 1) return day + k * SLOT_MS;
  } else {
    for (let k = DAY_SLOTS - 1; k >= 0; k--) if (bit(data, 1, k) === 1) return day + k * SLOT_MS;
  }
  throw new Error('interval chunk without a present slot');
}

/** how many slots are present (and estimated) in a chunk */
export function chunkCounts(data: Uint8Array): { present: number; estimated: number } {
  let present = 0, estimated = 0;
  for (let k = 0; k < DAY_SLOTS; k++) {
    present += bit(data, 1, k);
    estimated += bit(data, 1 + BITMAP_BYTES, k);
  }
  return { present, estimated };
}
