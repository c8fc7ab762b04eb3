/**
 * First pass shared by both reading kinds: orient the registers (`reversed`),
 * apply the installation date, and lay the readings out in typed arrays so
 * the later passes run without per-reading allocations.
 */
import { INTERVAL_MS } from '../types.js';
import type { MeterValidationConfig, RawColumns, RawReading, Rejection, WindowEdges } from './types.js';

export interface Points {
  n: number;
  ts: Float64Array;
  im: Float64Array;
  ex: Float64Array;
  /** the point at index 0 is the synthetic zero index of the installation */
  zeroInserted: boolean;
  /** whether the meter's point sequence continues beyond what we hold */
  moreBefore: boolean;
  moreAfter: boolean;
  /** raw field names as they apply after the swap, for details */
  names: readonly [string, string];
}

export const floorSlot = (t: number): number => Math.floor(t / INTERVAL_MS) * INTERVAL_MS;
export const ceilSlot = (t: number): number => Math.ceil(t / INTERVAL_MS) * INTERVAL_MS;

export function iso(t: number): string {
  return new Date(t).toISOString();
}

/** Short decimal rendering for details (no float noise like 0.30000000000000004). */
export function num(v: number): string {
  return String(Number(v.toFixed(6)));
}

/** Readings as columns: the objects are copied once, columns are taken as they are. */
export function rawColumns(readings: readonly RawReading[] | RawColumns): RawColumns {
  if (!Array.isArray(readings)) return readings as RawColumns;
  const list = readings as readonly RawReading[];
  const out: RawColumns = { ts: new Float64Array(list.length), im: new Float64Array(list.length), ex: new Float64Array(list.length) };
  for (let i = 0; i < list.length; i++) {
    out.ts[i] = list[i].ts;
    out.im[i] = list[i].im;
    out.ex[i] = list[i].ex;
  }
  return out;
}

/**
 * `edges` describes the readings given: for a full history both are false.
 * Readings at or before `installedAt` are rejected: the zero index replaces
 * them (consumption starts at installation). The zero is inserted when the
 * installation instant falls inside the readings given, or on a history edge
 * we hold; when it lies beyond a window's end the window's readings are all
 * pre-installation and it holds no point at all.
 */
export function preparePoints(
  readings: RawColumns,
  cfg: MeterValidationConfig,
  edges: WindowEdges,
  rejections: Rejection[],
): Points {
  const names = cfg.registerNames ?? (['en_im', 'en_ex'] as const);
  const oriented: readonly [string, string] = cfg.reversed ? [names[1], names[0]] : [names[0], names[1]];
  const inst = cfg.installedAt;
  const isIndex = cfg.readingKind === 'index';
  const m = readings.ts.length;

  let start = 0;
  if (inst !== undefined) {
    while (start < m && readings.ts[start] <= inst) {
      const t = readings.ts[start];
      rejections.push({
        ts: t,
        reason: 'before_installation',
        detail:
          t === inst
            ? `reading at the installation instant ${iso(inst)} is replaced by the zero index`
            : `reading at ${iso(t)} precedes the installation on ${iso(inst)}`,
      });
      start++;
    }
  }
  // Everything before the installation is discarded, so the point sequence
  // truly starts here when we saw the installation instant.
  const sawInstallation = inst !== undefined && ((m > 0 && readings.ts[0] <= inst) || !edges.moreBefore);
  // With no later reading in hand and more to come, the zero belongs to a
  // later window: these readings are all pre-installation rejections.
  const zero = isIndex && inst !== undefined && sawInstallation && (start < m || !edges.moreAfter);

  const n = m - start + (zero ? 1 : 0);
  const ts = new Float64Array(n);
  const im = new Float64Array(n);
  const ex = new Float64Array(n);
  let j = 0;
  if (zero) {
    ts[0] = inst as number;
    j = 1;
  }
  const [srcIm, srcEx] = cfg.reversed ? [readings.ex, readings.im] : [readings.im, readings.ex];
  ts.set(readings.ts.subarray(start), j);
  im.set(srcIm.subarray(start), j);
  ex.set(srcEx.subarray(start), j);
  return {
    n,
    ts,
    im,
    ex,
    zeroInserted: zero,
    moreBefore: edges.moreBefore && !sawInstallation,
    moreAfter: edges.moreAfter,
    names: oriented,
  };
}
