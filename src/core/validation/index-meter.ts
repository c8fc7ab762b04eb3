/**
 * Index (cumulative register) meters: decide which readings to keep, then
 * turn each pair of consecutive kept readings into a segment with an exact
 * or estimated energy.
 *
 * Every decision looks at a bounded number of neighbouring readings, never at
 * "the last accepted reading however far back". That is what lets a late
 * reading re-validate a small window (see window.ts, INDEX_REACH):
 * - a reading's status depends on the readings at most STATUS_RADIUS away;
 * - rejected readings are never adjacent to one another in a way that lets
 *   more than 3 rejections sit between two kept readings;
 * - an estimated segment looks one kept segment to each side.
 */
import { energyLimiter, registerModulus, averageKw, WRAP_SHARE_WITHOUT_MAX_POWER } from './registers.js';
import { iso, num, type Points } from './points.js';
import type { EstimatedSpan, MeterExchange, MeterValidationConfig, Rejection, RegisterWrap } from './types.js';

/** Readings a status decision can look at on each side (spike: 2 via candidates; max power: 3). */
export const STATUS_RADIUS = 3;
/**
 * A gap: kept readings further apart than this make their intervals
 * estimated. Readings come every 1–15 minutes with jitter; one missing
 * 15-minute reading makes ~30 minutes, so the line is drawn between.
 */
export const GAP_MS = 20 * 60 * 1000;

export const ACCEPTED = 0;
export const SPIKE = 1;
export const MAX_POWER = 2;

export const SEG_NORMAL = 0;
export const SEG_WRAP = 1;
export const SEG_JUMP = 2;
export const SEG_EXCHANGE = 3;

export interface Segments {
  /** raw point indices of the kept readings, increasing */
  acc: Int32Array;
  nAcc: number;
  /** per segment i = acc[i] → acc[i+1] */
  kind: Uint8Array;
  eIm: Float64Array;
  eEx: Float64Array;
  estimated: Uint8Array;
}

export interface IndexAnalysis extends Segments {
  status: Uint8Array;
  rejections: Rejection[];
  spans: EstimatedSpan[];
  exchanges: MeterExchange[];
  wraps: RegisterWrap[];
}

export function analyzeIndex(p: Points, cfg: MeterValidationConfig): IndexAnalysis {
  const { n, ts, im, ex, names } = p;
  const rejections: Rejection[] = [];
  const status = classify(p, cfg, rejections);

  let nAcc = 0;
  const acc = new Int32Array(n);
  for (let k = 0; k < n; k++) if (status[k] === ACCEPTED) acc[nAcc++] = k;
  const nSeg = Math.max(0, nAcc - 1);
  const kind = new Uint8Array(nSeg);
  const eIm = new Float64Array(nSeg);
  const eEx = new Float64Array(nSeg);
  const estimated = new Uint8Array(nSeg);
  const limit = energyLimiter(cfg);
  const modulus = cfg.registerMax !== undefined ? registerModulus(cfg.registerMax) : undefined;
  const wrapCap = (dt: number): number =>
    cfg.maxPowerKw !== undefined ? limit(dt) : (modulus as number) * WRAP_SHARE_WITHOUT_MAX_POWER;
  const wraps: RegisterWrap[] = [];
  const wrapsHere: RegisterWrap[] = [];

  // Pass 1: exact segments, and the kind of the others.
  for (let i = 0; i < nSeg; i++) {
    const a = acc[i];
    const b = acc[i + 1];
    const dt = ts[b] - ts[a];
    const lim = limit(dt);
    let k = SEG_NORMAL;
    wrapsHere.length = 0;
    for (let r = 0; r < 2; r++) {
      const reg = r === 0 ? im : ex;
      let d = reg[b] - reg[a];
      if (d < 0) {
        const w = modulus !== undefined && reg[b] < modulus ? modulus - reg[a] + reg[b] : -1;
        if (w >= 0 && w <= wrapCap(dt)) {
          d = w;
          if (k === SEG_NORMAL) k = SEG_WRAP;
          wrapsHere.push({ from: ts[a], to: ts[b], register: r === 0 ? 'im' : 'ex', before: reg[a], after: reg[b], energy: w });
        } else {
          k = SEG_EXCHANGE;
        }
      } else if (d > lim && k !== SEG_EXCHANGE) {
        k = SEG_JUMP;
      }
      if (r === 0) eIm[i] = d;
      else eEx[i] = d;
    }
    kind[i] = k;
    if (k === SEG_WRAP) for (const w of wrapsHere) wraps.push(w);
    if (k >= SEG_JUMP || dt > GAP_MS || b - a > 1) estimated[i] = 1;
  }

  // Pass 2: new baselines. The energy across is the mean rate of the exact
  // neighbouring segments (one per side) times the span's duration; with no
  // exact neighbour it is 0. Rates are never negative, so neither is this.
  const spans: EstimatedSpan[] = [];
  const exchanges: MeterExchange[] = [];
  for (let i = 0; i < nSeg; i++) {
    const a = acc[i];
    const b = acc[i + 1];
    const dt = ts[b] - ts[a];
    if (kind[i] >= SEG_JUMP) {
      let rIm = 0;
      let rEx = 0;
      let sides = 0;
      for (const j of [i - 1, i + 1]) {
        if (j < 0 || j >= nSeg || kind[j] >= SEG_JUMP) continue;
        const d = ts[acc[j + 1]] - ts[acc[j]];
        rIm += eIm[j] / d;
        rEx += eEx[j] / d;
        sides++;
      }
      const eI = sides ? (rIm / sides) * dt : 0;
      const eE = sides ? (rEx / sides) * dt : 0;
      const exchange = kind[i] === SEG_EXCHANGE;
      const jumpIm = eIm[i];
      const jumpEx = eEx[i];
      eIm[i] = eI;
      eEx[i] = eE;
      exchanges.push({
        from: ts[a],
        to: ts[b],
        cause: exchange ? 'register_decrease' : 'max_power_jump',
        before: { im: im[a], ex: ex[a] },
        after: { im: im[b], ex: ex[b] },
        energy: { im: eI, ex: eE },
      });
      const what = exchange
        ? `register went down (${names[0]} ${num(im[a])} → ${num(im[b])}, ${names[1]} ${num(ex[a])} → ${num(ex[b])}) and is not a wrap: meter exchange, new baseline`
        : `rise beyond max power (${names[0]} +${num(jumpIm)}, ${names[1]} +${num(jumpEx)} in ${num(dt / 60000)} min) confirmed by the next reading: new baseline`;
      spans.push({
        from: ts[a],
        to: ts[b],
        reason: exchange ? 'meter_exchange' : 'baseline_shift',
        detail: `${what}; energy estimated from the neighbouring rates (${names[0]} ${num(eI)}, ${names[1]} ${num(eE)})`,
      });
    } else if (b - a > 1) {
      spans.push({
        from: ts[a],
        to: ts[b],
        reason: 'rejected_reading',
        detail: `${b - a - 1} rejected reading(s) between ${iso(ts[a])} and ${iso(ts[b])}: index difference spread linearly`,
      });
    } else if (dt > GAP_MS) {
      spans.push({
        from: ts[a],
        to: ts[b],
        reason: 'gap',
        detail: `no reading for ${num(dt / 60000)} min: index difference (${names[0]} ${num(eIm[i])}, ${names[1]} ${num(eEx[i])}) spread linearly`,
      });
    }
  }
  return { status, rejections, spans, exchanges, wraps, acc, nAcc, kind, eIm, eEx, estimated };
}

/**
 * Spikes, then readings beyond max power. A spike candidate is a reading
 * whose removal leaves its two neighbours in order (in every register) while
 * it is out of order with one of them. A lone candidate is a spike. Two
 * adjacent candidates (a small wobble, or an outlier next to its echo) are
 * resolved by dropping the first if that leaves the next two in order; the
 * second of a run is never dropped, so kept readings stay close together.
 */
function classify(p: Points, cfg: MeterValidationConfig, rejections: Rejection[]): Uint8Array {
  const { n, ts, im, ex, names } = p;
  const status = new Uint8Array(n);
  const cand = new Uint8Array(n);
  for (let k = 1; k < n - 1; k++) {
    const fits = im[k - 1] <= im[k + 1] && ex[k - 1] <= ex[k + 1];
    const breaks = im[k] > im[k + 1] || im[k] < im[k - 1] || ex[k] > ex[k + 1] || ex[k] < ex[k - 1];
    if (fits && breaks) cand[k] = 1;
  }
  for (let k = 1; k < n - 1; k++) {
    if (!cand[k] || cand[k - 1]) continue;
    if (cand[k + 1] && !(im[k + 1] <= im[k + 2] && ex[k + 1] <= ex[k + 2])) continue;
    status[k] = SPIKE;
    const out = im[k] > im[k + 1] || im[k] < im[k - 1] ? 0 : 1;
    const reg = out === 0 ? im : ex;
    rejections.push({
      ts: ts[k],
      reason: 'spike',
      detail: `${names[out]} jumped from ${num(reg[k - 1])} to ${num(reg[k])} and back to ${num(reg[k + 1])}`,
    });
  }

  // Max power: a reading rising implausibly fast from its previous
  // non-spike neighbour is dropped when the next one continues plausibly
  // from the previous one (the outlier is isolated). When the next reading
  // confirms the new level instead, the reading is kept and the rise
  // becomes a baseline shift (an estimated segment, see analyzeIndex).
  if (cfg.maxPowerKw === undefined) return status;
  const limit = energyLimiter(cfg);
  const rises = (x: number, y: number): boolean => {
    const lim = limit(ts[y] - ts[x]);
    return im[y] - im[x] > lim || ex[y] - ex[x] > lim;
  };
  const plausible = (x: number, y: number): boolean => {
    const lim = limit(ts[y] - ts[x]);
    const di = im[y] - im[x];
    const de = ex[y] - ex[x];
    return di >= 0 && de >= 0 && di <= lim && de <= lim;
  };
  for (let k = 1; k < n - 1; k++) {
    if (status[k] !== ACCEPTED) continue;
    const prev = status[k - 1] === SPIKE ? k - 2 : k - 1;
    const next = status[k + 1] === SPIKE ? k + 2 : k + 1;
    if (prev < 0 || next >= n) continue;
    if (!rises(prev, k) || !plausible(prev, next) || rises(k, next)) continue;
    status[k] = MAX_POWER;
    const dt = ts[k] - ts[prev];
    const dIm = im[k] - im[prev];
    const dEx = ex[k] - ex[prev];
    const out = dIm >= dEx ? 0 : 1;
    const d = out === 0 ? dIm : dEx;
    rejections.push({
      ts: ts[k],
      reason: 'max_power',
      detail: `${names[out]} rose by ${num(d)} in ${num(dt / 60000)} min (${num(averageKw(d, dt))} kW > max ${num(cfg.maxPowerKw)} kW) and the next reading does not confirm it`,
    });
  }
  return status;
}
