/** Time is injected wherever it matters (tokens, rate limits, default ranges). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function createTestClock(start = Date.UTC(2024, 4, 1, 12)): TestClock {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/**
 * A clock that runs `speed` times faster than `base`, showing `start` at the
 * base instant `origin`. For tests and demos only: the meter simulator and
 * the gateway given the same spec agree on "now" while a simulated day
 * passes in seconds.
 */
export interface ScaledClockSpec {
  start: number;
  speed: number;
  origin: number;
}

export interface ScaledClock extends Clock {
  readonly speed: number;
}

export function createScaledClock(spec: ScaledClockSpec, base: Clock = systemClock): ScaledClock {
  return { speed: spec.speed, now: () => Math.floor(spec.start + (base.now() - spec.origin) * spec.speed) };
}

/**
 * `start=<ISO-8601>[,speed=<n>][,origin=<epoch ms>]` (origin defaults to
 * `originDefault`, the moment the process reads it); a string saying what
 * is wrong otherwise.
 */
export function parseScaledClockSpec(text: string, originDefault: number): ScaledClockSpec | string {
  const spec: Partial<ScaledClockSpec> = { speed: 1, origin: originDefault };
  for (const part of text.split(',')) {
    const [key, value = ''] = part.split('=', 2).map((x) => x.trim());
    if (key === 'start') spec.start = Date.parse(value);
    else if (key === 'speed') spec.speed = Number(value);
    else if (key === 'origin') spec.origin = Number(value);
    else return `unknown key "${key}" (write start=<ISO-8601>,speed=<n>,origin=<epoch ms>)`;
  }
  if (spec.start === undefined || !Number.isFinite(spec.start)) return 'start=<ISO-8601 instant> is required, e.g. start=2026-01-01T00:00:00Z';
  if (!(spec.speed! > 0 && spec.speed! <= 1e6)) return 'speed must be a number between 0 and 1,000,000';
  if (!Number.isFinite(spec.origin)) return 'origin must be epoch milliseconds';
  return spec as ScaledClockSpec;
}
