/**
 * Conditional requests on the series endpoints. A tag is made of the site's
 * data version over the requested range (the last change-log entry touching
 * it: late data, corrections, the live edge growing) and of what was asked
 * (range, frequency, meter or type, format, coverage, site configuration):
 * never of the answer's bytes, so `If-None-Match` is answered with a 304
 * before anything is read or built.
 */
import { createHash } from 'node:crypto';
import type { IntervalRange } from '../../../core/time/range.js';
import type { Site, Store } from '../../../store/store.js';

export interface TagInput {
  site: Site;
  range: IntervalRange;
  /** everything else the answer depends on: route, meter or type, frequency, format, with_quality */
  shape: string[];
}

/** the strong ETag of a series answer (quoted); `coding`: the content coding it is sent in, if any */
export async function seriesTag(store: Store, t: TagInput, coding: string | null = null): Promise<string> {
  const version = t.range.from < t.range.to ? await store.dataVersion(t.site.id, t.range.from, t.range.to) : 0;
  const shape = createHash('sha256')
    .update(JSON.stringify([t.site.id, t.site.config_version ?? 0, t.range.from, t.range.to, ...t.shape]))
    .digest('base64url')
    .slice(0, 16);
  return `"v${version}-${shape}${coding ? `-${coding}` : ''}"`;
}

/** RFC 9110 §13.1.2: weak comparison, `*` matches any current answer */
export function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (s: string) => s.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(tag));
}
