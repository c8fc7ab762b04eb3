/**
 * The one typed client of the page: every call of the portal API goes
 * through here, with the session's CSRF token on changes. Types of the
 * developer API's data come from the SDK (packages/sdk), not copies.
 */
import type { Address, Frequency, MeterMode, SiteMeterType } from '../../packages/sdk/src/types';

export type { Frequency, SiteMeterType };
export type Lang = 'de' | 'fr' | 'it' | 'en';

/** a series as columns: the developer API's rows, one array per field */
export interface Frame {
  timestamps: string[];
  columns: Record<string, (number | null)[]>;
}

export interface SiteRef { id: string; name: string; timezone: string }
export interface TenancyRef { id: string; meter_id: string; meter_name: string; site_id: string; from: string; to: string | null }

export interface Session {
  kind: 'operator' | 'resident';
  csrf: string;
  name: string;
  language: Lang | null;
  expires_at: string;
  /** the server's clock (epoch ms): "today" of the data */
  now: number;
  sites: SiteRef[];
  tenancies: TenancyRef[];
}

export interface Meter {
  id: string;
  site_id: string;
  name: string;
  type: SiteMeterType | 'heating' | 'cooling';
  mode: MeterMode;
  prim_ad: number;
  rule: string | null;
  in_balance: boolean;
  is_rule_meter: boolean;
}

export interface SiteDetail {
  site: { id: string; name: string; site_ref: string; timezone: string; address: Address; lock_date: string | null; creation_date?: string };
  meters: Meter[];
  sensors: { id: string; name: string; type: string; unit: string }[];
}

export interface Figures { prod_total: number; conso_total: number; self: number }

export interface SiteOverview {
  id: string;
  name: string;
  timezone: string;
  today: Figures;
  month: Figures;
  self_consumption: number | null;
  self_sufficiency: number | null;
  health: null | {
    last_reading: string | null;
    last_reading_age_s: number | null;
    estimated_share: number | null;
    rejected_readings: number;
    silent_meters: { id: string; name: string; last_reading: string | null }[];
  };
}

export interface Raw { registers: string[]; ts: number[]; values: (number | null)[][] }

export interface QualitySpan { meter_id: string; from: string; to: string; reason: string; detail: string; timestamp?: string }
export interface Quality { site_id: string; rejected: QualitySpan[]; estimated: QualitySpan[]; discrepancies: QualitySpan[] }

export interface Range { from: number; to: number }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const BASE = '/api/portal/v1';
let csrf: string | null = null;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, e.error ?? 'http', e.message ?? res.statusText);
  }
  return json as T;
}

function remember(s: Session): Session {
  csrf = s.csrf;
  return s;
}

const rangeQuery = (r: Range, freq?: Frequency) =>
  new URLSearchParams({ t_s: new Date(r.from).toISOString(), t_e: new Date(r.to).toISOString(), ...(freq ? { sampling_frequency: freq } : {}) }).toString();

export const api = {
  /** null: nobody logged in */
  session: () => call<Session | undefined>('GET', '/session').then((s) => (s ? remember(s) : null)),
  login: (body: { username: string; password: string } | { token: string }) => call<Session>('POST', '/login', body).then(remember),
  logout: () => call<void>('POST', '/logout').finally(() => (csrf = null)),
  invite: (token: string) => call<{ valid: boolean; name?: string; email?: string; language?: Lang | null }>('GET', `/invites/${encodeURIComponent(token)}`),
  acceptInvite: (token: string, password: string) => call<Session>('POST', `/invites/${encodeURIComponent(token)}`, { password }).then(remember),

  sites: () => call<SiteOverview[]>('GET', '/sites'),
  site: (id: string) => call<SiteDetail>('GET', `/sites/${id}`),
  siteData: (id: string, type: SiteMeterType, r: Range, freq: Frequency) => call<Frame>('GET', `/sites/${id}/data/${type}?${rangeQuery(r, freq)}`),
  siteCsvUrl: (id: string, type: SiteMeterType, r: Range, freq: Frequency) => `${BASE}/sites/${id}/data/${type}?${rangeQuery(r, freq)}&format=csv`,
  meterData: (site: string, meter: string, r: Range, freq: Frequency) => call<Frame>('GET', `/sites/${site}/meters/${meter}/data?${rangeQuery(r, freq)}`),
  raw: (site: string, meter: string, r: Range) => call<Raw>('GET', `/sites/${site}/meters/${meter}/raw?${rangeQuery(r)}`),
  quality: (site: string) => call<Quality>('GET', `/sites/${site}/quality`),
  /** a resident's own finalized invoices */
  invoices: <T>() => call<T>('GET', '/invoices'),

  /** the operator API (/api/admin/v1), through the operator's session */
  admin: {
    get: <T>(path: string) => call<T>('GET', `/admin${path}`),
    post: <T>(path: string, body: unknown = {}) => call<T>('POST', `/admin${path}`, body),
    patch: <T>(path: string, body: unknown) => call<T>('PATCH', `/admin${path}`, body),
    delete: (path: string) => call<void>('DELETE', `/admin${path}`),
  },
};

/** a frame's column summed (nulls skipped) */
export function total(f: Frame | null | undefined, key: string): number {
  let s = 0;
  for (const v of f?.columns[key] ?? []) if (v !== null) s += v;
  return s;
}
