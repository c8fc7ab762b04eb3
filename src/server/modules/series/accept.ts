/**
 * JSON or CSV for a series answer, from the Accept header (RFC 9110 §12.5.1):
 * CSV only when the client prefers text/csv over application/json. JSON
 * stays the answer for no Accept, `*\/*`, a tie, or only types we do not
 * serve (the vendor's clients send all sorts; none expects a 406).
 */
import type { SeriesFormat } from './series.usecases.js';

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parse(accept: string): Range[] {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().split(';');
    const [type, subtype] = media.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim().toLowerCase());
      if (k === 'q') {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      }
    }
    out.push({ type, subtype, q });
  }
  return out;
}

/** the q of `type/subtype` under the most specific matching range (0 when none matches) */
function quality(ranges: Range[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

export function negotiate(accept: string | undefined): SeriesFormat {
  if (!accept) return 'json';
  const ranges = parse(accept);
  return quality(ranges, 'text', 'csv') > quality(ranges, 'application', 'json') ? 'csv' : 'json';
}
