/**
 * A portal client as a browser is one: a cookie jar (the session cookie),
 * the CSRF token from the login answer sent on every change.
 */
export interface PortalResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface PortalClient {
  cookie: string | null;
  csrf: string | null;
  setCookie: string | null;
  request(method: string, path: string, opts?: { json?: unknown; csrf?: string | null; accept?: string; headers?: Record<string, string> }): Promise<PortalResponse>;
  get(path: string, accept?: string): Promise<PortalResponse>;
  post(path: string, json?: unknown): Promise<PortalResponse>;
  login(body: Record<string, string>): Promise<PortalResponse>;
}

export const PORTAL = '/api/portal/v1';

export function portalClient(baseUrl: string): PortalClient {
  const c: PortalClient = {
    cookie: null,
    csrf: null,
    setCookie: null,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (c.cookie) headers.cookie = c.cookie;
      const csrf = opts.csrf === undefined ? c.csrf : opts.csrf;
      if (csrf) headers['x-csrf-token'] = csrf;
      if (opts.accept) headers.accept = opts.accept;
      let body: string | undefined;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(baseUrl + PORTAL + path, { method, headers, body });
      const set = res.headers.get('set-cookie');
      if (set) {
        c.setCookie = set;
        const m = /kwhub_session=([^;]*)/.exec(set);
        if (m) c.cookie = m[1] === '' ? null : `kwhub_session=${m[1]}`;
      }
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    get: (path, accept) => c.request('GET', path, { accept }),
    post: (path, json) => c.request('POST', path, { json: json ?? {} }),
    async login(body) {
      const r = await c.request('POST', '/login', { json: body });
      if (r.status === 200) c.csrf = (r.body as { csrf: string }).csrf;
      return r;
    },
  };
  return c;
}

/** columns answer of the portal → rows like the developer API's */
export function frameRows(frame: { timestamps: string[]; columns: Record<string, (number | null)[]> }): Record<string, number | string | null>[] {
  return frame.timestamps.map((timestamp, i) => {
    const row: Record<string, number | string | null> = {};
    for (const [k, v] of Object.entries(frame.columns)) row[k] = v[i];
    row.timestamp = timestamp;
    return row;
  });
}
