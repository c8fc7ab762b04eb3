/**
 * When the settle scheduler starts a site's run, on vitest's fake timers (no
 * waiting, nothing timed): once after a lone push's settle delay; once for a
 * burst, after a quiet time that grows with the burst; at the latest the
 * longest delay after the burst's first push, or twice the site's last run
 * time; never for a cancelled site; per site.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSettleScheduler } from '../../src/pipeline/settle.js';

const SETTLE = 250;
const LONGEST = 30_000;

let fired: { site: string; at: number }[];
let start: number;
const make = () => createSettleScheduler({ settleMs: SETTLE, maxDelayMs: LONGEST, run: (site) => fired.push({ site, at: Date.now() - start }) });

beforeEach(() => {
  vi.useFakeTimers();
  start = Date.now();
  fired = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the settle scheduler', () => {
  it('should run a lone push once, its settle delay after it', () => {
    const s = make();
    s.schedule('a');
    vi.advanceTimersByTime(SETTLE - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ site: 'a', at: SETTLE }]);
    vi.advanceTimersByTime(10 * LONGEST);
    expect(fired).toHaveLength(1);
  });

  it('should run a burst once, after a quiet time that grows by a quarter of the settle delay per push, up to ten times it', () => {
    const s = make();
    for (let i = 0; i < 5; i++) {
      s.schedule('a');
      vi.advanceTimersByTime(100);
    }
    // five pushes: 250 × (1 + 4/4) = 500 ms of quiet after the last one (at 400 ms)
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(400 + 500 - 500 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ site: 'a', at: 900 }]);

    fired = [];
    start = Date.now();
    for (let i = 0; i < 100; i++) {
      s.schedule('b');
      vi.advanceTimersByTime(200);
    }
    // the last push at 19,800 ms; quiet time capped at 10 × 250 ms
    vi.advanceTimersByTime(19_800 + 2_500 - 20_000 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ site: 'b', at: 22_300 }]);
  });

  it('should run a burst that never pauses at the latest the longest delay after its first push, and the next one then waits twice the last run time when that is longer', () => {
    const s = make();
    for (let t = 0; t < LONGEST + 1_000; t += 100) {
      s.schedule('a');
      vi.advanceTimersByTime(100);
    }
    expect(fired).toEqual([{ site: 'a', at: LONGEST }]);
    // the pushes after that run are a new burst: dropped here, to start the next one afresh
    expect(s.cancel('a')).toBe(true);
    s.ran('a', 20_000);
    start = Date.now();
    for (let t = 0; t < 45_000; t += 100) {
      s.schedule('a');
      vi.advanceTimersByTime(100);
    }
    expect(fired.slice(1)).toEqual([{ site: 'a', at: 40_000 }]);
  });

  it('should forget a cancelled site, say whether it had a timer, and keep sites apart', () => {
    const s = make();
    s.schedule('a');
    s.schedule('b');
    expect(s.cancel('a')).toBe(true);
    expect(s.cancel('a')).toBe(false);
    vi.advanceTimersByTime(SETTLE);
    expect(fired.map((f) => f.site)).toEqual(['b']);
    s.schedule('c');
    s.schedule('d');
    expect(s.cancelAll().sort()).toEqual(['c', 'd']);
    vi.advanceTimersByTime(LONGEST);
    expect(fired.map((f) => f.site)).toEqual(['b']);
  });
});
