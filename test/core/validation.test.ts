import { describe, expect, it } from 'vitest';
import { INTERVAL_MS } from '../../src/core/types.js';
import { Rng } from '../../src/demo/rng.js';
import {
  validateMeter,
  validateWindow,
  VALIDATION_CONTEXT,
  type MeterValidationConfig,
  type RawReading,
} from '../../src/core/validation/index.js';

const MIN = 60_000;
const Q = INTERVAL_MS;
const T0 = Date.UTC(2024, 4, 1); // a boundary
const IDX: MeterValidationConfig = { readingKind: 'index', reversed: false };

/** readings every 15 minutes on the boundaries, starting at T0 */
function steady(values: number[], ex: number[] = []): RawReading[] {
  return values.map((v, i) => ({ ts: T0 + i * Q, im: v, ex: ex[i] ?? 0 }));
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('validateMeter, index meters', () => {
  it('steady readings on the boundaries give the exact index differences', () => {
    const r = validateMeter(steady([100, 100.25, 101, 101, 103.5], [0, 0, 0.5, 1, 1]), IDX);
    expect(r.intervals.map((i) => i.t)).toEqual([T0, T0 + Q, T0 + 2 * Q, T0 + 3 * Q]);
    expect(r.intervals.map((i) => i.im)).toEqual([100.25 - 100, 101 - 100.25, 0, 103.5 - 101]);
    expect(r.intervals.map((i) => i.ex)).toEqual([0, 0.5, 0.5, 0]);
    expect(r.intervals.every((i) => !i.estimated)).toBe(true);
    expect(r.rejections).toEqual([]);
    expect(r.estimatedSpans).toEqual([]);
  });

  it('jittered readings (every 1–15 min) conserve energy and are not estimated', () => {
    const rng = new Rng(7);
    const rand = () => rng.next();
    const readings: RawReading[] = [];
    let ts = T0 + 7 * MIN;
    let im = 5000;
    for (let i = 0; i < 500; i++) {
      readings.push({ ts, im, ex: 0 });
      const dt = MIN + Math.floor(rand() * 14 * MIN);
      im += (dt / 3_600_000) * (2 + 3 * rand());
      ts += dt;
    }
    const r = validateMeter(readings, IDX);
    const first = Math.ceil(readings[0].ts / Q) * Q;
    const last = Math.floor(readings[readings.length - 1].ts / Q) * Q;
    expect(r.intervals[0].t).toBe(first);
    expect(r.intervals[r.intervals.length - 1].t).toBe(last - Q);
    const at = (t: number): number => {
      const k = readings.findIndex((x) => x.ts >= t);
      const a = readings[k - 1];
      const b = readings[k];
      return b.ts === t ? b.im : a.im + ((b.im - a.im) * (t - a.ts)) / (b.ts - a.ts);
    };
    expect(sum(r.intervals.map((i) => i.im))).toBeCloseTo(at(last) - at(first), 9);
    expect(r.intervals.every((i) => !i.estimated && i.im >= 0)).toBe(true);
  });

  it('a 3-day gap spreads the index difference evenly over 288 estimated intervals', () => {
    const gapStart = T0 + 2 * Q;
    const readings = [...steady([10, 11, 12]), { ts: gapStart + 3 * 24 * 60 * MIN, im: 300, ex: 0 }];
    readings.push({ ts: readings[3].ts + Q, im: 301, ex: 0 });
    const r = validateMeter(readings, IDX);
    const gap = r.intervals.filter((i) => i.t >= gapStart && i.t < readings[3].ts);
    expect(gap).toHaveLength(288);
    expect(gap.every((i) => i.estimated)).toBe(true);
    for (const i of gap) expect(i.im).toBeCloseTo(288 / 288, 12);
    expect(sum(gap.map((i) => i.im))).toBeCloseTo(300 - 12, 9);
    expect(r.intervals.filter((i) => !i.estimated).map((i) => i.im)).toEqual([1, 1, 1]);
    expect(r.estimatedSpans).toEqual([expect.objectContaining({ from: gapStart, to: readings[3].ts, reason: 'gap' })]);
  });

  it('a wrap at registerMax 99999.9 counts on (99999.5 → 0.3 is 0.8), exactly', () => {
    const r = validateMeter(steady([99999.0, 99999.5, 0.3, 1.0]), { ...IDX, registerMax: 99999.9 });
    expect(r.intervals.map((i) => i.im)).toEqual([0.5, 0.8, 1.0 - 0.3]);
    expect(r.intervals.every((i) => !i.estimated)).toBe(true);
    expect(r.wraps).toEqual([{ from: T0 + Q, to: T0 + 2 * Q, register: 'im', before: 99999.5, after: 0.3, energy: 0.8 }]);
    expect(r.exchanges).toEqual([]);
  });

  it('a decrease that is no plausible wrap is a meter exchange: new baseline, estimated across', () => {
    // 10 kWh per 15 min on both sides; 5000 → 12 is an exchange
    const r = validateMeter(steady([4980, 4990, 5000, 12, 22, 32]), { ...IDX, registerMax: 99999.9 });
    expect(r.intervals.map((i) => i.im)).toEqual([10, 10, 10, 10, 10]);
    expect(r.intervals.map((i) => i.estimated)).toEqual([false, false, true, false, false]);
    expect(r.exchanges).toEqual([
      {
        from: T0 + 2 * Q,
        to: T0 + 3 * Q,
        cause: 'register_decrease',
        before: { im: 5000, ex: 0 },
        after: { im: 12, ex: 0 },
        energy: { im: 10, ex: 0 },
      },
    ]);
    expect(r.estimatedSpans.map((s) => s.reason)).toEqual(['meter_exchange']);
    // with no neighbouring rate the estimate is 0, never negative
    const lone = validateMeter(steady([5000, 12]), IDX);
    expect(lone.intervals).toEqual([{ t: T0, im: 0, ex: 0, estimated: true }]);
  });

  it('a single up-spike is rejected and the span re-estimated: totals equal the clean series', () => {
    const clean = [120.5, 120.75, 121, 121.5, 122];
    const spiky = [...clean];
    spiky[2] = 980;
    const r = validateMeter(steady(spiky), IDX);
    expect(r.rejections).toEqual([{ ts: T0 + 2 * Q, reason: 'spike', detail: 'en_im jumped from 120.75 to 980 and back to 121.5' }]);
    expect(r.intervals.map((i) => i.im)).toEqual([0.25, 0.375, 0.375, 0.5]);
    expect(r.intervals.map((i) => i.estimated)).toEqual([false, true, true, false]);
    expect(sum(r.intervals.map((i) => i.im))).toBe(clean[4] - clean[0]);
    expect(r.estimatedSpans).toEqual([expect.objectContaining({ from: T0 + Q, to: T0 + 3 * Q, reason: 'rejected_reading' })]);
  });

  it('a single down-spike is rejected the same way', () => {
    const r = validateMeter(steady([120.5, 120.75, 3, 121.5, 122]), IDX);
    expect(r.rejections.map((x) => [x.ts, x.reason])).toEqual([[T0 + 2 * Q, 'spike']]);
    expect(r.rejections[0].detail).toBe('en_im jumped from 120.75 to 3 and back to 121.5');
    expect(sum(r.intervals.map((i) => i.im))).toBe(122 - 120.5);
    expect(r.intervals.every((i) => i.im >= 0)).toBe(true);
  });

  it('a reading beyond max power is rejected when the next one does not confirm it', () => {
    // 20 kW: 5 kWh per 15 min; 102 → 106 in one minute is 240 kW
    const readings = [
      { ts: T0, im: 100, ex: 0 },
      { ts: T0 + Q, im: 102, ex: 0 },
      { ts: T0 + Q + MIN, im: 106, ex: 0 },
      { ts: T0 + 2 * Q, im: 104.5, ex: 0 },
      { ts: T0 + 3 * Q, im: 105, ex: 0 },
    ];
    // 106 > 104.5 would be a spike; make it monotone so only max power applies
    readings[3].im = 106.2;
    readings[4].im = 107;
    const r = validateMeter(readings, { ...IDX, maxPowerKw: 20 });
    expect(r.rejections).toHaveLength(1);
    expect(r.rejections[0]).toMatchObject({ ts: T0 + Q + MIN, reason: 'max_power' });
    expect(r.rejections[0].detail).toContain('240 kW > max 20 kW');
    expect(r.intervals.map((i) => i.im)).toEqual([2, 106.2 - 102, 107 - 106.2]);
    expect(r.intervals.map((i) => i.estimated)).toEqual([false, true, false]);
  });

  it('a rise beyond max power that the next readings confirm is a baseline shift, not a rejection', () => {
    const r = validateMeter(steady([100, 101, 601, 602, 603]), { ...IDX, maxPowerKw: 20 });
    expect(r.rejections).toEqual([]);
    expect(r.exchanges).toEqual([expect.objectContaining({ from: T0 + Q, to: T0 + 2 * Q, cause: 'max_power_jump' })]);
    // across the shift: the mean rate of the neighbours (1 kWh per 15 min)
    expect(r.intervals.map((i) => i.im)).toEqual([1, expect.closeTo(1, 12), 1, 1]);
    expect(r.intervals.map((i) => i.estimated)).toEqual([false, true, false, false]);
    expect(r.estimatedSpans.map((s) => s.reason)).toEqual(['baseline_shift']);
  });

  it('a reversed meter has its registers swapped', () => {
    const r = validateMeter(steady([0, 0, 0], [10, 12, 15]), { ...IDX, reversed: true });
    expect(r.intervals.map((i) => [i.im, i.ex])).toEqual([
      [2, 0],
      [3, 0],
    ]);
  });

  it('an installation date inserts a zero index there and rejects earlier readings', () => {
    const installedAt = T0 + 2 * Q;
    const readings = steady([7, 8, 9, 1.5, 3]); // 7, 8 before; 9 at the instant itself
    const r = validateMeter(readings, { ...IDX, installedAt });
    expect(r.rejections.map((x) => [x.ts, x.reason])).toEqual([
      [T0, 'before_installation'],
      [T0 + Q, 'before_installation'],
      [T0 + 2 * Q, 'before_installation'],
    ]);
    expect(r.intervals).toEqual([
      { t: installedAt, im: 1.5, ex: 0, estimated: false },
      { t: installedAt + Q, im: 1.5, ex: 0, estimated: false },
    ]);
  });
});

describe('validateMeter, interval meters', () => {
  const INT: MeterValidationConfig = { readingKind: 'interval', reversed: false };

  it('sums 5-minute slices into their interval and keeps a negative slice', () => {
    const r = validateMeter(
      [
        { ts: T0 + 5 * MIN, im: 0.1, ex: 0 },
        { ts: T0 + 10 * MIN, im: 0.2, ex: 0 },
        { ts: T0 + 15 * MIN, im: -0.05, ex: 0.01 }, // closes [T0, T0+15)
        { ts: T0 + 20 * MIN, im: 0.3, ex: 0 },
        { ts: T0 + 25 * MIN, im: 0.3, ex: 0 },
        { ts: T0 + 30 * MIN, im: 0.3, ex: 0 },
      ],
      INT,
    );
    expect(r.intervals.map((i) => i.t)).toEqual([T0, T0 + Q]);
    expect(r.intervals[0].im).toBe(0.1 + 0.2 + -0.05);
    expect(r.intervals[0].ex).toBe(0.01);
    expect(r.intervals[1].im).toBe(0.3 + 0.3 + 0.3);
    expect(r.intervals.every((i) => !i.estimated)).toBe(true);
  });

  it('a 15-minute slice comes out unchanged; missing intervals are estimated 0; a slice beyond max power is rejected', () => {
    const r = validateMeter(
      [
        { ts: T0 + Q, im: 0.1 + 0.2, ex: 0 },
        { ts: T0 + 4 * Q, im: 1.23456789, ex: 0.1 },
        { ts: T0 + 5 * Q, im: 50, ex: 0 }, // 200 kW on a 20 kW meter
        { ts: T0 + 6 * Q, im: -0.02, ex: 2 },
      ],
      { ...INT, maxPowerKw: 20, reversed: false },
    );
    expect(r.intervals).toEqual([
      { t: T0, im: 0.1 + 0.2, ex: 0, estimated: false },
      { t: T0 + Q, im: 0, ex: 0, estimated: true },
      { t: T0 + 2 * Q, im: 0, ex: 0, estimated: true },
      { t: T0 + 3 * Q, im: 1.23456789, ex: 0.1, estimated: false },
      { t: T0 + 4 * Q, im: 0, ex: 0, estimated: true },
      { t: T0 + 5 * Q, im: -0.02, ex: 2, estimated: false },
    ]);
    expect(r.rejections.map((x) => [x.ts, x.reason])).toEqual([[T0 + 5 * Q, 'max_power']]);
    expect(r.estimatedSpans.map((s) => [s.from, s.to, s.reason])).toEqual([
      [T0 + Q, T0 + 3 * Q, 'gap'],
      [T0 + 4 * Q, T0 + 5 * Q, 'rejected_reading'],
    ]);
  });

  it('reversed interval meter swaps the slices', () => {
    const r = validateMeter([{ ts: T0 + Q, im: 0.5, ex: 3 }], { ...INT, reversed: true });
    expect(r.intervals).toEqual([{ t: T0, im: 3, ex: 0.5, estimated: false }]);
  });
});

describe('validateWindow', () => {
  it('a reading arriving a week late re-validates only the intervals around it', () => {
    // two weeks of readings every 15 min at :07, one missing on day 7
    const rng = new Rng(3);
    const rand = () => rng.next();
    const all: RawReading[] = [];
    let im = 1000;
    for (let i = 0; i < 14 * 96; i++) {
      all.push({ ts: T0 + i * Q + 7 * MIN, im, ex: 0 });
      im += 0.5 + rand();
    }
    const lateIdx = 7 * 96 + 40;
    all.splice(lateIdx + 1, 1); // lost for good
    const late = all[lateIdx];
    const before = all.filter((_, i) => i !== lateIdx);
    const oldFull = validateMeter(before, IDX);
    const newFull = validateMeter(all, IDX);

    const win = all.slice(lateIdx - VALIDATION_CONTEXT, lateIdx + VALIDATION_CONTEXT + 1);
    const w = validateWindow(win, IDX, { from: late.ts, to: late.ts }, { moreBefore: true, moreAfter: true });
    // the intervals depending on the late reading, a few hours around it, not the two weeks
    expect(w.writeTo - w.writeFrom).toBeLessThanOrEqual(24 * Q);
    expect(w.writeFrom).toBeLessThan(late.ts - Q);
    expect(w.writeTo).toBeGreaterThan(late.ts + Q);
    const inW = (t: number): boolean => t >= w.writeFrom && t < w.writeTo;
    expect(w.intervals).toEqual(newFull.intervals.filter((i) => inW(i.t)));
    expect(w.estimatedSpans).toEqual(newFull.estimatedSpans.filter((s) => s.from < w.writeTo && s.to > w.writeFrom));
    // outside the range nothing changed
    expect(oldFull.intervals.filter((i) => !inW(i.t))).toEqual(newFull.intervals.filter((i) => !inW(i.t)));
    // the late reading shrinks the 45-minute hole to the 30 minutes of the reading lost for good:
    // only the intervals overlapping that span stay estimated
    const lostFrom = late.ts;
    const lostTo = all[lateIdx + 1].ts;
    const estNew = newFull.intervals.filter((i) => i.estimated);
    expect(oldFull.intervals.filter((i) => i.estimated)).toHaveLength(4);
    expect(estNew.length).toBeGreaterThan(0);
    expect(estNew.length).toBeLessThan(4);
    for (const i of estNew) expect(i.t + Q > lostFrom && i.t < lostTo).toBe(true);
  });

  it('appending the newest reading extends the served range', () => {
    const all = steady([1, 2, 3, 4, 5, 6]);
    const w = validateWindow(all.slice(-1 - VALIDATION_CONTEXT), IDX, { from: all[5].ts, to: all[5].ts }, { moreBefore: false, moreAfter: false });
    expect(w.intervals).toEqual(validateMeter(all, IDX).intervals.filter((i) => i.t >= w.writeFrom));
    expect(w.writeTo).toBe(all[5].ts + Q); // the slot of the new reading (its rejection would live there)
  });
});
