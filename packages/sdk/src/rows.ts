/**
 * Reading answers into typed values: lists checked to be lists, and every
 * series row given its parsed `time` next to the `timestamp` it came with.
 * Rows are decorated in place: a year of 15-minute rows is 35,040 objects,
 * not worth copying.
 */
import { invalidResponse } from './http.js';
import { parseTimestamp } from './time.js';

export interface Origin {
  method: string;
  path: string;
}

export function asList<T>(body: unknown, at: Origin): T[] {
  if (!Array.isArray(body)) throw invalidResponse(200, at, `expected a JSON list, got ${kindOf(body)}`);
  return body as T[];
}

export function asObject<T>(body: unknown, at: Origin): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidResponse(200, at, `expected a JSON object, got ${kindOf(body)}`);
  return body as T;
}

/** series rows: `timestamp` is "YYYY-MM-DD HH:MM:SS+HH:MM" → adds `time` */
export function withTime<T>(body: unknown, at: Origin): T[] {
  const list = asList<Record<string, unknown>>(body, at);
  for (const row of list) {
    const ts = typeof row === 'object' && row !== null ? row.timestamp : undefined;
    const ms = typeof ts === 'string' ? parseTimestamp(ts) : NaN;
    if (Number.isNaN(ms)) throw invalidResponse(200, at, `row without a readable timestamp: ${JSON.stringify(row).slice(0, 200)}`);
    row.time = new Date(ms);
  }
  return list as T[];
}

/** sensor readings: `timestamp` is epoch ms → adds `time` (an ISO string, as some servers send, is read too) */
export function withEpochTime<T>(body: unknown, at: Origin): T[] {
  const list = asList<Record<string, unknown>>(body, at);
  for (const row of list) {
    const ts = typeof row === 'object' && row !== null ? row.timestamp : undefined;
    const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? parseTimestamp(ts) : NaN;
    if (!Number.isFinite(ms)) throw invalidResponse(200, at, `reading without a readable timestamp: ${JSON.stringify(row).slice(0, 200)}`);
    row.time = new Date(ms);
  }
  return list as T[];
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 80)}`;
}
