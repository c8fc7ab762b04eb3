/**
 * Turns t_s / t_e into the set of 15-minute intervals a request selects.
 *
 * spec/api.md (decided): the selected intervals are those lying entirely
 * inside [t_s, t_e], so both ends round inward; coarser periods are sums of
 * exactly those intervals. `now` is injected so the core stays pure and tests
 * are deterministic.
 */
import { paramError } from '../errors.js';
import { INTERVAL_MS } from '../types.js';
import { DAY_MS } from './civil.js';
import { parseInstant } from './parse-instant.js';

/** Interval starts in [from, to), both multiples of INTERVAL_MS; empty when from === to. */
export interface IntervalRange {
  from: number;
  to: number;
}

export function ceilToInterval(ms: number): number {
  return Math.ceil(ms / INTERVAL_MS) * INTERVAL_MS;
}

export function floorToInterval(ms: number): number {
  return Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;
}

/**
 * Defaults (decided): t_e = now, t_s = t_e − 24 h (from the unrounded t_e).
 * Throws param.invalid for a malformed t_s / t_e or t_s after t_e.
 */
export function resolveRange(params: { t_s?: unknown; t_e?: unknown }, now: number): IntervalRange {
  const tE = parseInstant(params.t_e, 't_e') ?? now;
  const tS = parseInstant(params.t_s, 't_s') ?? tE - DAY_MS;
  if (tS > tE) {
    throw paramError(
      't_s',
      `t_s must not be after t_e (got t_s ${new Date(tS).toISOString()} and t_e ${new Date(tE).toISOString()}); swap them or omit t_s`,
    );
  }
  const from = ceilToInterval(tS);
  const to = floorToInterval(tE);
  // A range narrower than one whole interval selects nothing.
  return from < to ? { from, to } : { from, to: from };
}

/**
 * Applies a grant's history limit: nothing before `historyFrom` is served.
 * The limit rounds up like t_s does (an interval starting before it is not
 * entirely after it); a limit past the range leaves it empty at its end.
 */
export function clipRange(range: IntervalRange, historyFrom?: number): IntervalRange {
  if (historyFrom === undefined) return range;
  const from = Math.min(Math.max(range.from, ceilToInterval(historyFrom)), range.to);
  return { from, to: range.to };
}
