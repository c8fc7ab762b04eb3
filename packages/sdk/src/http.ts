/**
 * One HTTP exchange over the injected `fetch`, with its failures turned into
 * KwhubApiErrors: no answer → KwhubNetworkError, an unreadable 2xx →
 * KwhubResponseError. A caller's abort is not a failure of the API: it
 * rejects with the signal's reason, as fetch itself does.
 */
import { KwhubNetworkError, KwhubResponseError } from './errors.js';

export type FetchFn = typeof fetch;

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** below the base URL, path segments already encoded: `/meter_info/61df…` */
  path: string;
  query?: Record<string, string>;
  /** JSON body (POST) */
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
  /** a tag of an earlier answer: the server may answer 304 Not Modified */
  ifNoneMatch?: string;
}

export function urlOf(baseUrl: string, req: HttpRequest): string {
  const q = req.query && Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query).toString()}` : '';
  return `${baseUrl}${req.path}${q}`;
}

/** sends the request; resolves when the answer's status and headers are in (the body is read separately) */
export async function send(fetchFn: FetchFn, baseUrl: string, req: HttpRequest): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
  if (req.ifNoneMatch !== undefined) headers['if-none-match'] = req.ifNoneMatch;
  let body: string | undefined;
  if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.body);
  }
  try {
    return await fetchFn(urlOf(baseUrl, req), { method: req.method, headers, body, signal: req.signal });
  } catch (e) {
    throw networkOrAbort(e, req, 'calling');
  }
}

/** the body as text; a connection dropped mid-body is a network error */
export async function readText(res: Response, req: HttpRequest): Promise<string> {
  try {
    return await res.text();
  } catch (e) {
    throw networkOrAbort(e, req, 'reading the answer of');
  }
}

function networkOrAbort(e: unknown, req: HttpRequest, doing: string): unknown {
  if (req.signal?.aborted) return req.signal.reason;
  const why = e instanceof Error ? (e.cause instanceof Error ? `${e.message} (${e.cause.message})` : e.message) : String(e);
  return new KwhubNetworkError({ message: `network error ${doing} ${req.method} ${req.path}: ${why}`, method: req.method, path: req.path, cause: e });
}

/** JSON of a 2xx answer's text */
export function parseJson(text: string, res: Response, req: HttpRequest): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalidResponse(res.status, req, `answer is not JSON: ${text.slice(0, 200)}`, e);
  }
}

export function invalidResponse(status: number, req: { method: string; path: string }, why: string, cause?: unknown): KwhubResponseError {
  return new KwhubResponseError({ status, message: `unexpected answer to ${req.method} ${req.path}: ${why}`, method: req.method, path: req.path, cause });
}
