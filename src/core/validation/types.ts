/**
 * Vocabulary of the validation step (raw readings → one energy per meter per
 * 15-minute interval). Times are UTC epoch milliseconds; an interval is named
 * by its start and covers [t, t + INTERVAL_MS).
 */

/**
 * One raw reading as stored. Electricity: `im` = en_im, `ex` = en_ex. Heat,
 * cold and water meters have one register: it is in `im` and `ex` is 0.
 * Index meters send cumulative registers, interval meters the amount of the
 * slice ending at `ts`. The store hands readings sorted by `ts`, one per `ts`.
 */
export interface RawReading {
  ts: number;
  im: number;
  ex: number;
}

/**
 * The same readings as columns (what the store reads back in bulk): no
 * object per reading. Ascending `ts`, one per instant.
 */
export interface RawColumns {
  ts: Float64Array;
  im: Float64Array;
  ex: Float64Array;
}

export interface MeterValidationConfig {
  readingKind: 'index' | 'interval';
  /** wired backwards: the two registers are swapped before anything else */
  reversed: boolean;
  /** a zero index is inserted here (index meters); earlier readings are rejected */
  installedAt?: number;
  /** physical maximum; an energy beyond maxPowerKw × elapsed time is implausible */
  maxPowerKw?: number;
  /**
   * Largest value the register shows (e.g. 99999.9). It wraps to 0 one unit
   * of its last digit later, so the modulus is 100000 for 99999.9.
   */
  registerMax?: number;
  /** raw field names used in human-readable details; default ['en_im', 'en_ex'] */
  registerNames?: readonly [string, string];
}

/** Energies (not indexes) of the interval [t, t + 15 min). */
export interface ValidatedInterval {
  t: number;
  im: number;
  ex: number;
  estimated: boolean;
}

/**
 * A raw reading validation did not use. 'non_monotonic' is part of the
 * stored vocabulary but not emitted: a decrease that is neither a spike nor
 * a wrap is a meter exchange, which keeps the reading as the new baseline.
 */
export type RejectionReason = 'spike' | 'max_power' | 'before_installation' | 'non_monotonic';

export interface Rejection {
  ts: number;
  reason: RejectionReason;
  /** human-readable, with the numbers (for the operator's quality page) */
  detail: string;
}

/**
 * Why a span's intervals are estimated rather than measured:
 * - gap: more than 30 minutes between two accepted readings (the index
 *   difference is exact, its spread over time is not);
 * - rejected_reading: the span bridges a reading that was rejected;
 * - meter_exchange: a register went down and it is not a wrap: the energy
 *   across is estimated from the neighbouring rates;
 * - baseline_shift: a jump beyond max power that the following readings
 *   confirm: handled like an exchange.
 * A register wrap is exact, hence not an estimate (see RegisterWrap).
 */
export type EstimateReason = 'gap' | 'rejected_reading' | 'meter_exchange' | 'baseline_shift';

export interface EstimatedSpan {
  from: number;
  to: number;
  reason: EstimateReason;
  detail: string;
}

export interface RegisterPair {
  im: number;
  ex: number;
}

/** A new register baseline: a meter exchange or a confirmed implausible jump. */
export interface MeterExchange {
  /** last accepted reading on the old baseline */
  from: number;
  /** first accepted reading on the new baseline */
  to: number;
  cause: 'register_decrease' | 'max_power_jump';
  before: RegisterPair;
  after: RegisterPair;
  /** the energy attributed to [from, to] (estimated) */
  energy: RegisterPair;
}

/** A register that rolled over at its maximum: counted exactly. */
export interface RegisterWrap {
  from: number;
  to: number;
  register: 'im' | 'ex';
  before: number;
  after: number;
  energy: number;
}

/**
 * Everything a validation run produces. Rejections are keyed by the
 * reading's ts; spans, exchanges and wraps by their `from`.
 */
export interface ValidationResult {
  intervals: ValidatedInterval[];
  rejections: Rejection[];
  estimatedSpans: EstimatedSpan[];
  exchanges: MeterExchange[];
  wraps: RegisterWrap[];
}

export interface ChangedRange {
  from: number;
  to: number;
}

export interface WindowEdges {
  /** the history holds readings before the first one given */
  moreBefore: boolean;
  /** the history holds readings after the last one given */
  moreAfter: boolean;
}

export interface WindowResult extends ValidationResult {
  /** write range [writeFrom, writeTo), 15-minute aligned */
  writeFrom: number;
  writeTo: number;
}
