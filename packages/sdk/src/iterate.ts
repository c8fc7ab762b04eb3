/**
 * Long ranges in several requests, rows yielded one by one.
 *
 * 15T: the API serves the 15-minute intervals lying entirely inside
 * [t_s, t_e], so chunks [a, b], [b, c]… with b, c on quarter-hours neither
 * overlap nor miss an interval: the interval ending at b is the last of one
 * chunk, the one starting at b the first of the next.
 *
 * H, D, M, Y: a coarse row is the sum of the covered intervals of its
 * period, so a chunk end inside a period would split it into two partial
 * rows. Period boundaries depend on the site's time zone (local midnights,
 * DST, +05:30 zones), which the SDK is not told — but every coarse row's
 * timestamp is the *start* of its period, offset included. So each chunk's
 * last row, the one the chunk end may have cut, is dropped, and the next
 * chunk starts exactly at that row's period start: every row yielded is the
 * same as in one request over the whole range, in any zone. Dropped rows
 * cost a little overlap; a chunk spans at least two of the longest periods
 * so that it holds one whole period (a chunk answering a single row, at the
 * edges of the data, is retried twice as long).
 */
import { DAY_MS, floorQuarter, QUARTER_MS } from './time.js';
import type { Frequency, TimedRow } from './types.js';

const HOUR_MS = 3_600_000;

/** shortest span of one coarse request: twice the longest period (25-hour day, 31-day month, 366-day year) and then some */
const MIN_SPAN_MS: Record<Frequency, number> = {
  '15T': QUARTER_MS,
  H: 3 * HOUR_MS,
  D: 3 * DAY_MS,
  M: 63 * DAY_MS,
  Y: 733 * DAY_MS,
};

export const DEFAULT_CHUNK_DAYS = 31;

export interface ChunkPlan {
  from: number;
  to: number;
  frequency: Frequency;
  chunkDays: number;
}

/** fetches the rows of [from, to] (epoch ms) in one request */
export type FetchRange<R> = (from: number, to: number) => Promise<R[]>;

export async function* iterateRange<R extends TimedRow>(plan: ChunkPlan, fetchRange: FetchRange<R>): AsyncGenerator<R, void, undefined> {
  if (!(plan.chunkDays > 0) || !Number.isFinite(plan.chunkDays)) throw new RangeError(`chunkDays must be a positive number of days (got ${plan.chunkDays})`);
  if (plan.from > plan.to) throw new RangeError(`from must not be after to (got ${new Date(plan.from).toISOString()} and ${new Date(plan.to).toISOString()})`);
  const base = Math.max(plan.chunkDays * DAY_MS, MIN_SPAN_MS[plan.frequency]);
  const coarse = plan.frequency !== '15T';
  let a = plan.from;
  let span = base;
  while (a < plan.to) {
    // chunk ends on quarter-hours (every zone's periods start on one), and always past a
    const b = Math.min(plan.to, Math.max(floorQuarter(a + span), floorQuarter(a) + QUARTER_MS));
    const rows = await fetchRange(a, b);
    if (!coarse || b >= plan.to) {
      yield* rows;
      a = b;
      continue;
    }
    if (rows.length === 0) {
      // no data in [a, b]: a period across b holds only what lies after b either way
      a = b;
      span = base;
      continue;
    }
    if (rows.length === 1) {
      // cannot tell whether b cut the only row: look further
      span *= 2;
      continue;
    }
    const next = rows[rows.length - 1].time.getTime();
    if (!(next > a)) {
      // rows not in time order: no safe cut here, so widen until one request reaches the end
      span *= 2;
      continue;
    }
    for (let i = 0; i < rows.length - 1; i++) yield rows[i];
    a = next;
    span = base;
  }
}
