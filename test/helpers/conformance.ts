/**
 * Response conformance: checks an HTTP answer of kWhub against the OpenAPI
 * document the server itself serves (GET /api/v1/openapi.json, loaded once
 * per server address): the status must be documented for the operation, the
 * content type must be one the document declares for it, a JSON body must
 * validate (ajv, JSON Schema 2020-12 as OpenAPI 3.1 has it: additional
 * properties are refused where the schema says so, site_data's per-meter
 * columns are matched by patternProperties), and required headers must be
 * there. Bodies that are not JSON (CSV, the docs page) are checked for their
 * content type only.
 *
 * `request()` in server.ts runs every answer of the e2e suites through it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export const OPENAPI_PATH = '/api/v1/openapi.json';

/** what a check needs of an answer */
export interface ObservedResponse {
  method: string;
  /** the full URL that was requested */
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /** the body parsed as JSON, when it is JSON (parsed from `text` otherwise) */
  json?: unknown;
}

export class ConformanceError extends Error {
  constructor(r: ObservedResponse, problem: string) {
    const path = new URL(r.url).pathname + new URL(r.url).search;
    super(`${r.method} ${path} -> ${r.status} does not conform to the OpenAPI document: ${problem}\n  body: ${r.text.slice(0, 400)}`);
    this.name = 'ConformanceError';
  }
}

type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, unknown> } };

export interface Checker {
  /** throws a ConformanceError naming the method, path, status and what is wrong */
  check(r: ObservedResponse): void;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `#/components/schemas/X` → `components#/$defs/X`, so a schema of the document compiles on its own */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') ? `components#/$defs/${v.slice('#/components/schemas/'.length)}` : relink(v);
  }
  return out;
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** A checker of answers against one OpenAPI document. */
export function createChecker(doc: Doc): Checker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'components', $defs: relink(doc.components?.schemas ?? {}) as Record<string, object> });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: unknown): ValidateFunction => {
    let v = compiled.get(key);
    if (!v) compiled.set(key, (v = ajv.compile(relink(schema) as object)));
    return v;
  };

  // path templates, the most literal first: /api/v1/site_data/{a}/{b} before /api/v1/{site_id}/sensors_list
  const templates = Object.keys(doc.paths)
    .map((template) => {
      const segs = template.split('/');
      const re = new RegExp(`^${segs.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
      return { template, re, literal: segs.filter((s) => !s.startsWith('{')).length };
    })
    .sort((a, b) => b.literal - a.literal);

  const parseBody = (r: ObservedResponse): unknown => {
    if (r.json !== undefined) return r.json;
    try {
      return JSON.parse(r.text);
    } catch {
      throw new ConformanceError(r, `the body is not valid JSON although the content type is ${r.headers.get('content-type')}`);
    }
  };

  const validate = (r: ObservedResponse, key: string, schema: unknown, what: string): void => {
    const v = validator(key, schema);
    if (!v(parseBody(r))) {
      throw new ConformanceError(r, `the body does not match ${what}: ${ajv.errorsText(v.errors, { dataVar: 'body', separator: '; ' })}`);
    }
  };

  /** an answer outside the documented operations: must be one of the documented errors */
  const checkError = (r: ObservedResponse, why: string): void => {
    const name = `Error${r.status}`;
    if (!doc.components?.schemas?.[name]) throw new ConformanceError(r, `${why}, and ${r.status} is not a documented error status`);
    if (mediaType(r.headers.get('content-type')) !== 'application/json') throw new ConformanceError(r, `${why}: expected a JSON error, got ${r.headers.get('content-type')}`);
    if (r.status === 405 && !r.headers.get('allow')) throw new ConformanceError(r, '405 without an Allow header');
    // an answer to HEAD has the headers of the GET answer and no body
    if (r.method.toUpperCase() === 'HEAD') return;
    validate(r, `#${name}`, { $ref: `#/components/schemas/${name}` }, name);
  };

  return {
    check(r) {
      let path = new URL(r.url).pathname;
      if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
      // the portal is not a public contract: its session API (test/e2e/portal-api.test.ts) and its page and assets
      // (test/portal/); a path beside them that is neither still gets a documented JSON error
      if (path.startsWith('/api/portal/')) return;
      if (!path.startsWith('/api/') && r.status < 400 && mediaType(r.headers.get('content-type')) !== 'application/json') return;
      const method = r.method.toLowerCase();
      const found = templates.find((t) => t.re.test(path));
      if (!found) return checkError(r, 'the path is not in the document');
      const item = doc.paths[found.template];
      const op = item[method === 'head' ? 'get' : method];
      if (!op || !METHODS.includes(method)) return checkError(r, `${r.method} is not documented on ${found.template}`);

      const status = String(r.status);
      const response = op.responses?.[status] ?? op.responses?.[`${status[0]}XX`] ?? op.responses?.default;
      if (!response) throw new ConformanceError(r, `status ${status} is not documented for ${r.method} ${found.template} (documented: ${Object.keys(op.responses ?? {}).join(', ')})`);

      for (const [name, header] of Object.entries<{ required?: boolean }>(response.headers ?? {})) {
        if (header.required && !r.headers.has(name)) throw new ConformanceError(r, `the required header ${name} is missing`);
      }

      if (!response.content) {
        if (r.text !== '') throw new ConformanceError(r, 'the document declares no body for this answer, but there is one');
        return;
      }
      const type = mediaType(r.headers.get('content-type'));
      const media = response.content[type];
      if (!media) {
        throw new ConformanceError(r, `content type ${r.headers.get('content-type')} is not one the document declares (${Object.keys(response.content).join(', ')})`);
      }
      if (method === 'head') return;
      if (type === 'application/json' || type.endsWith('+json')) {
        validate(r, `${method} ${found.template} ${status} ${type}`, media.schema ?? {}, `the schema of ${r.method} ${found.template} ${status}`);
      }
    },
  };
}

const checkers = new Map<string, Promise<Checker>>();

/** the checker of the kWhub server at `origin`, from the document it serves (fetched once per origin) */
export function checkerFor(origin: string): Promise<Checker> {
  let c = checkers.get(origin);
  if (!c) {
    c = (async () => {
      const res = await fetch(origin + OPENAPI_PATH);
      if (res.status !== 200) throw new Error(`conformance: GET ${origin}${OPENAPI_PATH} answered ${res.status}: is this a kWhub server (built with npm run build)?`);
      return createChecker((await res.json()) as Doc);
    })();
    checkers.set(origin, c);
    // a server that failed to answer is asked again next time
    c.catch(() => checkers.delete(origin));
  }
  return c;
}

/** checks one answer of the server it came from */
export async function checkConformance(r: ObservedResponse): Promise<void> {
  (await checkerFor(new URL(r.url).origin)).check(r);
}
