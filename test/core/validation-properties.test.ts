import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTERVAL_MS } from '../../src/core/types.js';
import {
  validateMeter,
  validateWindow,
  VALIDATION_CONTEXT,
  type MeterValidationConfig,
  type RawReading,
  type ValidationResult,
} from '../../src/core/validation/index.js';

const MIN = 60_000;
const Q = INTERVAL_MS;
const T0 = Date.UTC(2024, 0, 1);
const MODULUS = 100000; // registerMax 99999.9

type Event = 'none' | 'spikeUp' | 'spikeDown' | 'exchange' | 'jump';
interface Step {
  dtMin: number;
  sec: number;
  dIm: number;
  dEx: number;
  event: Event;
}

const stepArb = (eventWeight: number): fc.Arbitrary<Step> => fc.record({
  // every 1–15 minutes with jitter, sometimes a gap of up to 3 days
  dtMin: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 15 }) }, { weight: 1, arbitrary: fc.integer({ min: 16, max: 3 * 24 * 60 }) }),
  sec: fc.integer({ min: 0, max: 59 }),
  dIm: fc.double({ min: 0, max: 6, noNaN: true }),
  dEx: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2, noNaN: true })),
  event: fc.oneof(
    { weight: 30, arbitrary: fc.constant<Event>('none') },
    { weight: eventWeight, arbitrary: fc.constantFrom<Event>('spikeUp', 'spikeDown', 'exchange', 'jump') },
  ),
});

const cfgArb: fc.Arbitrary<MeterValidationConfig> = fc.record(
  {
    readingKind: fc.constant<'index'>('index'),
    reversed: fc.boolean(),
    maxPowerKw: fc.constantFrom(10, 25, 100),
    registerMax: fc.constant(99999.9),
  },
  { requiredKeys: ['readingKind', 'reversed'] },
);

interface History {
  readings: RawReading[];
  /** the true cumulative import behind each reading (no events) */
  cum: number[];
}

function build(start: number, steps: Step[], wrap: boolean, withEvents: boolean): History {
  const readings: RawReading[] = [];
  const cum: number[] = [];
  let ts = T0 + 7 * MIN;
  let im = start;
  let ex = 0;
  let offset = 0;
  for (const s of steps) {
    ts += s.dtMin * MIN + s.sec * 1000;
    im += s.dIm;
    ex += s.dEx;
    let v = im + offset;
    if (withEvents) {
      if (s.event === 'exchange') offset = -im + 3;
      if (s.event === 'jump') offset += 1000;
      v = im + offset;
      if (s.event === 'spikeUp') v += 700;
      if (s.event === 'spikeDown') v -= 400;
    }
    if (wrap) v = ((v % MODULUS) + MODULUS) % MODULUS;
    readings.push({ ts, im: v, ex });
    cum.push(im);
  }
  return { readings, cum };
}

const inRange = (from: number, to: number) => (t: number) => t >= from && t < to;

/** points by their instant; estimated spans by whether they overlap the range (`keepSpan`) */
function restrict(r: ValidationResult, keep: (t: number) => boolean, keepSpan: (s: { from: number; to: number }) => boolean): ValidationResult {
  return {
    intervals: r.intervals.filter((i) => keep(i.t)),
    rejections: r.rejections.filter((x) => keep(x.ts)),
    estimatedSpans: r.estimatedSpans.filter(keepSpan),
    exchanges: r.exchanges.filter((e) => keep(e.from)),
    wraps: r.wraps.filter((w) => keep(w.from)),
  };
}

/**
 * A late batch: the readings of `now` in [from, to] were missing from `before`.
 * Checks the window result against a full re-validation, and that nothing
 * outside the write range changed.
 */
function checkLate(now: RawReading[], cfg: MeterValidationConfig, i: number, len: number): void {
  const j = Math.min(now.length - 1, i + len - 1);
  const changed = { from: now[i].ts, to: now[j].ts };
  const before = now.filter((_, k) => k < i || k > j);
  const lo = Math.max(0, i - VALIDATION_CONTEXT);
  const hi = Math.min(now.length, j + 1 + VALIDATION_CONTEXT);
  const win = validateWindow(now.slice(lo, hi), cfg, changed, { moreBefore: lo > 0, moreAfter: hi < now.length });
  const { writeFrom, writeTo, ...got } = win;
  expect(writeFrom % Q).toBe(0);
  expect(writeTo % Q).toBe(0);
  const full = validateMeter(now, cfg);
  const inside = inRange(writeFrom, writeTo);
  const overlaps = (x: { from: number; to: number }) => x.from < writeTo && x.to > writeFrom;
  expect(got).toEqual(restrict(full, inside, overlaps));
  const old = validateMeter(before, cfg);
  const outside = (t: number) => !inside(t);
  expect(restrict(old, outside, (x) => !overlaps(x))).toEqual(restrict(full, outside, (x) => !overlaps(x)));
}

describe('validation properties', () => {
  it('energy is conserved across jitter, gaps and wraps, and never negative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 99999, noNaN: true }),
        fc.array(stepArb(1), { minLength: 2, maxLength: 150, size: 'max' }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (start, steps, wrap, u, v) => {
          const { readings, cum } = build(start, steps, wrap, false);
          const cfg: MeterValidationConfig = { readingKind: 'index', reversed: false, ...(wrap ? { registerMax: 99999.9 } : {}) };
          const r = validateMeter(readings, cfg);
          for (const x of r.intervals) expect(x.im >= 0 && x.ex >= 0).toBe(true);
          if (r.intervals.length === 0) return;
          // the true cumulative, linear between readings
          const curve = (t: number): number => {
            let k = 0;
            while (readings[k].ts < t) k++;
            if (readings[k].ts === t) return cum[k];
            return cum[k - 1] + ((cum[k] - cum[k - 1]) * (t - readings[k - 1].ts)) / (readings[k].ts - readings[k - 1].ts);
          };
          const n = r.intervals.length;
          const a = Math.floor((u / 1001) * n);
          const b = a + Math.floor((v / 1000) * (n - a));
          const total = r.intervals.slice(a, b).reduce((s, x) => s + x.im, 0);
          const t1 = r.intervals[a].t;
          const t2 = t1 + (b - a) * Q;
          expect(Math.abs(total - (curve(t2) - curve(t1)))).toBeLessThan(1e-9 * Math.max(1, Math.abs(total)));
          // wraps are exact, never estimates; only > 30-minute gaps are
          for (const x of r.intervals) {
            if (!x.estimated) continue;
            expect(r.estimatedSpans.some((s) => s.reason === 'gap' && s.from < x.t + Q && s.to > x.t)).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ['rare', 1],
    ['frequent', 10],
  ])('validateWindow equals a full re-validation after a late batch, touching nothing outside its range (%s anomalies)', (_, weight) => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 99990, noNaN: true }),
        fc.array(stepArb(weight), { minLength: 2, maxLength: 220, size: 'max' }),
        cfgArb,
        fc.boolean(),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
        fc.integer({ min: -8, max: 8 }),
        (start, steps, cfg, wrap, pick, len, inst, near) => {
          const { readings } = build(start, steps, wrap, true);
          const c: MeterValidationConfig = { ...cfg };
          if (inst !== undefined) {
            // an installation instant somewhere in the first tenth of the history
            const k = Math.floor((inst / 10_001) * Math.ceil(readings.length / 10));
            c.installedAt = readings[k].ts - ((inst % 3) * MIN) / 2;
          }
          // half of the time, land the late batch close to an anomaly
          const events = steps.flatMap((st, k) => (st.event === 'none' ? [] : [k]));
          let i = Math.floor((pick / 10_001) * readings.length);
          if (events.length > 0 && pick % 2 === 0) i = Math.min(readings.length - 1, Math.max(0, events[pick % events.length] + near));
          checkLate(readings, c, i, len);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('the same holds for interval meters', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dtMin: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(1, 5, 15) }, { weight: 1, arbitrary: fc.integer({ min: 16, max: 600 }) }),
            im: fc.double({ min: -0.1, max: 8, noNaN: true }),
            ex: fc.oneof(fc.constant(0), fc.double({ min: -0.1, max: 8, noNaN: true })),
          }),
          { minLength: 1, maxLength: 200, size: 'max' },
        ),
        fc.boolean(),
        fc.option(fc.constantFrom(20, 60), { nil: undefined }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 5 }),
        (slices, reversed, maxPowerKw, pick, len) => {
          let ts = T0;
          const readings = slices.map((s) => ({ ts: (ts += s.dtMin * MIN), im: s.im, ex: s.ex }));
          const cfg: MeterValidationConfig = { readingKind: 'interval', reversed, ...(maxPowerKw ? { maxPowerKw } : {}) };
          checkLate(readings, cfg, Math.floor((pick / 10_001) * readings.length), len);
          // energy: the intervals hold exactly the kept slices
          const r = validateMeter(readings, cfg);
          const rejected = new Set(r.rejections.map((x) => x.ts));
          const kept = readings.filter((x) => !rejected.has(x.ts));
          const total = r.intervals.reduce((s, x) => s + x.im + x.ex, 0);
          const want = kept.reduce((s, x) => s + x.im + x.ex, 0);
          expect(total).toBeCloseTo(want, 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
