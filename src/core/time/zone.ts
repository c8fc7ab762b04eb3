/**
 * Time zones: validation, a cached table of UTC-offset segments, and the
 * vendor-style timestamp formatter ("2022-05-05 17:15:00+02:00").
 *
 * Answers can hold hundreds of thousands of rows and a luxon DateTime costs
 * ~15 µs, so per-row work is integer arithmetic on (ms + offset). Luxon is
 * only asked for the offset at day-spaced probe points, and a change between
 * two probes is binary-searched to the second (tzdb transitions fall on whole
 * seconds). Known stretches of constant offset are merged, so a stream moving
 * forward or backward through time hits the same segment for months.
 *
 * Assumption: a zone changes offset at most once within one UTC day. True of
 * every tzdb zone since 1970; a violation would shift a few hours of labels.
 */
import { IANAZone } from 'luxon';
import { DAY_MS, MINUTE_MS, TWO_DIGITS, civilFromDays, fourDigitYear } from './civil.js';

/** IANA zone name as accepted by the platform's Intl (luxon asks Intl). */
export function isValidZone(zone: string): boolean {
  return typeof zone === 'string' && zone !== '' && IANAZone.isValidZone(zone);
}

/**
 * The zone's offset is `offset` ms (local = utc + offset) on [start, end).
 * Bounds are what is known so far, not necessarily transitions, and a held
 * segment may grow as neighbouring days are learned; read `end` before the
 * next lookup if you need it fixed.
 */
export interface OffsetSegment {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

interface MutableSegment {
  start: number;
  end: number;
  offset: number;
}

// Random access over decades leaves one small segment per probed day; past
// this many we forget and start over rather than grow without bound.
const MAX_SEGMENTS = 50_000;

export class ZoneOffsets {
  private readonly zone: IANAZone;
  /** sorted, disjoint; touching segments with equal offsets are merged */
  private segs: MutableSegment[] = [];
  private hot: MutableSegment | undefined;

  constructor(readonly name: string) {
    if (!isValidZone(name)) throw new RangeError(`unknown time zone "${name}"`);
    this.zone = IANAZone.create(name);
  }

  offsetAt(ms: number): number {
    const h = this.hot;
    if (h !== undefined && ms >= h.start && ms < h.end) return h.offset;
    return this.segmentAt(ms).offset;
  }

  /** The known stretch of constant offset containing `ms` (its bounds are not necessarily transitions). */
  segmentAt(ms: number): OffsetSegment {
    const h = this.hot;
    if (h !== undefined && ms >= h.start && ms < h.end) return h;
    if (!Number.isFinite(ms)) throw new RangeError(`not a finite instant: ${ms}`);
    let i = this.search(ms);
    const found = this.segs[i];
    if (found !== undefined && ms >= found.start && ms < found.end) return (this.hot = found);

    if (this.segs.length > MAX_SEGMENTS) this.segs = [];
    this.probeDay(Math.floor(ms / DAY_MS) * DAY_MS);
    i = this.search(ms);
    return (this.hot = this.segs[i]);
  }

  /** Index of the first segment whose end is after ms (segs.length if none). */
  private search(ms: number): number {
    let lo = 0;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segs[mid].end <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // The last two samples: a walk forward or backward probes each day edge
  // twice (as one day's end and the next day's start), so this halves the
  // luxon calls. (A known neighbour segment cannot stand in: its offset is the
  // one just BEFORE the edge, and transitions do fall on UTC midnight, e.g.
  // Africa/Casablanca 2008-06-01, Europe/Moscow 1991-09-29.)
  private sampleAt = [NaN, NaN];
  private sample = [0, 0];

  private raw(ms: number): number {
    if (ms === this.sampleAt[0]) return this.sample[0];
    if (ms === this.sampleAt[1]) return this.sample[1];
    // luxon gives minutes (fractional for pre-1900 local mean time): keep whole ms.
    const o = Math.round(this.zone.offset(ms) * MINUTE_MS);
    this.sampleAt[1] = this.sampleAt[0];
    this.sample[1] = this.sample[0];
    this.sampleAt[0] = ms;
    this.sample[0] = o;
    return o;
  }

  /** Learns the offsets on [day, day + 1 day) and records them. */
  private probeDay(day: number): void {
    const end = day + DAY_MS;
    const o0 = this.raw(day);
    const o1 = this.raw(end);
    if (o0 === o1) {
      this.insert({ start: day, end, offset: o0 });
      return;
    }
    // offset(lo) === o0, offset(hi) !== o0: narrow to the first second of the new offset.
    let lo = day;
    let hi = end;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.raw(mid) === o0) lo = mid;
      else hi = mid;
    }
    this.insert({ start: day, end: hi, offset: o0 });
    if (hi < end) this.insert({ start: hi, end, offset: this.raw(hi) });
  }

  private insert(seg: MutableSegment): void {
    const i = this.search(seg.start); // segs[i - 1].end <= seg.start; segs[i] lies after it
    const prev = this.segs[i - 1];
    const next = this.segs[i];
    const joinPrev = prev !== undefined && prev.end === seg.start && prev.offset === seg.offset;
    const joinNext = next !== undefined && next.start === seg.end && next.offset === seg.offset;
    // Extend existing objects in place: holders of an older reference then see a
    // larger but still true segment.
    if (joinPrev && joinNext) {
      prev.end = next.end;
      this.segs.splice(i, 1);
    } else if (joinPrev) {
      prev.end = seg.end;
    } else if (joinNext) {
      next.start = seg.start;
    } else {
      this.segs.splice(i, 0, seg);
    }
  }
}

// Zone offsets are facts about the tz database, so one table per zone is
// shared by all requests; the zone count is bounded by the sites configured.
const tables = new Map<string, ZoneOffsets>();
const MAX_TABLES = 256;

/** The shared offset table of `zone`; throws RangeError for an unknown zone. */
export function zoneOffsets(zone: string): ZoneOffsets {
  let t = tables.get(zone);
  if (t === undefined) {
    t = new ZoneOffsets(zone);
    if (tables.size >= MAX_TABLES) tables.clear();
    tables.set(zone, t);
  }
  return t;
}

export type TimestampFormatter = (ms: number) => string;

/** "+02:00", "-03:30", "+00:00"; a pre-1900 offset with seconds gets ":SS" like Python's isoformat. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.floor(Math.abs(offsetMs) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return sign + (h < 100 ? TWO_DIGITS[h] : String(h)) + ':' + TWO_DIGITS[m] + (s === 0 ? '' : ':' + TWO_DIGITS[s]);
}

/**
 * Formats a UTC instant as the zone's wall time with its offset, in the
 * vendor's form "YYYY-MM-DD HH:MM:SS±HH:MM" (sub-second part dropped).
 * The returned function keeps per-call state (current segment, current day)
 * and is cheapest when consecutive calls are close in time.
 */
export function createTimestampFormatter(zone: string): TimestampFormatter {
  const table = zoneOffsets(zone);
  let seg: OffsetSegment = { start: 0, end: 0, offset: 0 };
  let offsetText = '';
  let day = NaN;
  let dateText = '';
  return (ms: number): string => {
    if (!(ms >= seg.start && ms < seg.end)) {
      seg = table.segmentAt(ms);
      offsetText = formatOffset(seg.offset);
    }
    const local = ms + seg.offset;
    const d = Math.floor(local / DAY_MS);
    if (d !== day) {
      const c = civilFromDays(d);
      day = d;
      dateText = fourDigitYear(c.year) + '-' + TWO_DIGITS[c.month] + '-' + TWO_DIGITS[c.day] + ' ';
    }
    const secs = Math.floor((local - d * DAY_MS) / 1000);
    return (
      dateText +
      TWO_DIGITS[Math.floor(secs / 3600)] +
      ':' +
      TWO_DIGITS[Math.floor(secs / 60) % 60] +
      ':' +
      TWO_DIGITS[secs % 60] +
      offsetText
    );
  };
}
