/**
 * The SDK against a real test server: a client whose clock is the server's
 * test clock and whose sleep advances it (so pacing and retries take no real
 * time), with every HTTP exchange it makes recorded by a wrapping fetch.
 */
import { createClient, type ClientOptions, type KwhubClient } from '../../packages/sdk/src/index.js';
import { adminApi, devApi, login, type Api, type TestServer } from '../helpers/server.js';

export interface Exchange {
  method: string;
  /** path below /api/v1 */
  path: string;
  status: number;
  /** the test clock when the request was sent */
  at: number;
}

export interface SdkHarness {
  client: KwhubClient;
  /** every sleep the client asked for, in ms */
  sleeps: number[];
  exchanges: Exchange[];
  /** exchanges with one endpoint (first path segment, or `sensor_data`/`sensors_list`) */
  to(endpoint: string): Exchange[];
}

export function endpointOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  // /<site_id>/sensors_list and /<site_id>/sensor_data/<id> start with the site
  return /^[0-9a-f]{24}$/.test(parts[0] ?? '') ? (parts[1] ?? '') : (parts[0] ?? '');
}

export function sdk(
  server: TestServer,
  developer: { username: string; password: string },
  extra: Partial<ClientOptions> & { wrap?: (input: string, init: RequestInit | undefined) => [string, RequestInit | undefined] } = {},
): SdkHarness {
  const sleeps: number[] = [];
  const exchanges: Exchange[] = [];
  const { wrap, ...options } = extra;
  const spy: typeof fetch = async (input, init) => {
    let url = String(input);
    let reqInit = init;
    if (wrap) [url, reqInit] = wrap(url, reqInit);
    const at = server.clock.now();
    const res = await fetch(url, reqInit);
    exchanges.push({ method: reqInit?.method ?? 'GET', path: new URL(url).pathname.replace(/^\/api\/v1/, ''), status: res.status, at });
    return res;
  };
  const client = createClient({
    baseUrl: `${server.url}/api/v1`,
    username: developer.username,
    password: developer.password,
    fetch: spy,
    clock: server.clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      server.clock.advance(ms);
    },
    ...options,
  });
  return { client, sleeps, exchanges, to: (endpoint) => exchanges.filter((e) => endpointOf(e.path) === endpoint) };
}

let n = 0;

/** a second developer granted `siteId`, for reading the raw API beside the SDK without sharing its rate budget */
export async function rawReader(server: TestServer, siteIds: string[]): Promise<() => Promise<Api>> {
  const admin = adminApi(server);
  const username = `raw-reader-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  const password = `pw-${username}`;
  const dev = await admin.post('/developers', { username, password });
  if (dev.status !== 201) throw new Error(`create developer: ${dev.status} ${dev.text}`);
  for (const site_id of siteIds) {
    const g = await admin.post(`/developers/${username}/grants`, { site_id, consent_ref: `raw-${n}` });
    if (g.status !== 201) throw new Error(`grant: ${g.status} ${g.text}`);
  }
  // a fresh token each time (tokens follow the test clock), and a second between calls (1 request/s per endpoint)
  return async () => {
    server.clock.advance(1000);
    return devApi(server, await login(server, username, password));
  };
}
