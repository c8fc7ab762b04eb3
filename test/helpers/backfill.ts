/**
 * A small site and its week of readings for the backfill tests: the same
 * readings pushed in time order and meter by meter must serve the same
 * bytes. Meter ids are given in the same order on every site built here,
 * so that one site's answers, with its ids replaced by another's, compare
 * byte for byte (answers list meters by id).
 */
import { DAY, HOUR, createPipelineSite, indexSeries, isoZ, naive, type ElecReading, type PipelineSite } from './pipeline.js';
import { adminApi, devApi, login, type TestServer } from './server.js';

// the week around the spring DST change in Zurich (a 92-interval local day)
export const FROM = Date.UTC(2025, 2, 27);
export const TO = Date.UTC(2025, 3, 3);

const hourOf = (t: number) => new Date(t).getUTCHours();
const pv = (t: number) => (hourOf(t) >= 7 && hourOf(t) < 17 ? 0.2 + 0.05 * (hourOf(t) % 3) : 0);
const flat = (k: number) => (t: number) => 0.05 + 0.0125 * ((hourOf(t) + k) % 5);

export interface BackfillSite { site: PipelineSite; ids: string[]; readings: ElecReading[][] }

/**
 * A site of a grid meter, a PV plant and four flats, with a week of index
 * readings per meter: one flat misses six hours (estimated), one has a spike
 * (rejected), one reads only every hour (interpolated). `tag`: the first hex
 * digits of its meter ids (unique per database).
 */
export async function backfillSite(server: TestServer, name: string, tag: string): Promise<BackfillSite> {
  const site = await createPipelineSite(server, { name });
  const id = (i: number) => `${tag}${String(i).padStart(24 - tag.length, '0')}`;
  const ids = [
    await site.meter({ id: id(1), name: 'Grid', mode: 'introduction' }),
    await site.meter({ id: id(2), name: 'PV', mode: 'production' }),
  ];
  for (let k = 0; k < 4; k++) ids.push(await site.meter({ id: id(3 + k), name: `Flat ${k + 1}` }));
  const [grid, pvId, ...flats] = ids;
  const load = (t: number) => flats.reduce((s, _, k) => s + flat(k)(t), 0);
  const readings: ElecReading[][] = [
    indexSeries(grid, FROM, TO, (t) => ({ im: Math.max(0, load(t) - pv(t)), ex: Math.max(0, pv(t) - load(t)) }), { im: 5000, ex: 300 }),
    indexSeries(pvId, FROM, TO, (t) => ({ im: 0, ex: pv(t) }), { im: 0, ex: 1200 }),
    ...flats.map((fid, k) => indexSeries(fid, FROM, TO, (t) => ({ im: flat(k)(t), ex: 0 }), { im: 100 * (k + 1), ex: 0 })),
  ];
  const at = (r: ElecReading) => Date.parse(r.timestamp as string);
  readings[2] = readings[2].filter((r) => at(r) <= FROM + 2 * DAY || at(r) >= FROM + 2 * DAY + 6 * HOUR);
  const spike = readings[3].findIndex((r) => r.timestamp === isoZ(FROM + 3 * DAY + 5 * HOUR));
  readings[3][spike] = { ...readings[3][spike], en_im: readings[3][spike].en_im + 40 };
  readings[4] = readings[4].filter((r) => at(r) % HOUR === 0);
  return { site, ids, readings };
}

/** every meter's reading of a quarter-hour, then the next quarter-hour's (as a gateway sends them) */
export function timeOrder(b: BackfillSite): ElecReading[] {
  const out: ElecReading[] = [];
  const longest = Math.max(...b.readings.map((r) => r.length));
  for (let k = 0; k < longest; k++) for (const list of b.readings) if (k < list.length) out.push(list[k]);
  return out;
}

/** each meter's week in sequence (as a history export arrives) */
export function meterOrder(b: BackfillSite): ElecReading[] {
  return b.readings.flat();
}

export function batches<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * What a developer and the operator read about the site's data: site_data
 * (15T with quality, D), each meter's meter_data, the quality report; from
 * the site's server, or from the server at `url` (another process on the
 * same database).
 */
export async function answers(b: BackfillSite, url?: string): Promise<Record<string, string>> {
  const dev = url ? devApi({ url }, await login({ url }, b.site.developer.username, b.site.developer.password)) : await b.site.dev();
  const admin = url ? adminApi({ url, adminToken: b.site.server.adminToken } as TestServer) : b.site.admin;
  const week = { t_s: naive(FROM), t_e: naive(TO) };
  const out: Record<string, string> = {
    'site_data 15T': (await dev.post(`/site_data/${b.site.siteId}/electricity`, { ...week, with_quality: true })).text,
    'site_data D': (await dev.post(`/site_data/${b.site.siteId}/electricity`, { ...week, sampling_frequency: 'D' })).text,
    quality: (await admin.get(`/sites/${b.site.siteId}/quality`)).text,
  };
  for (const [i, id] of b.ids.entries()) out[`meter_data ${i}`] = (await dev.post(`/meter_data/${b.site.siteId}/${id}`, { ...week, with_quality: true })).text;
  return out;
}

/** `b`'s answers with its site and meter ids replaced by `a`'s */
export function renamed(answersOfB: Record<string, string>, b: BackfillSite, a: BackfillSite): Record<string, string> {
  const rename = new Map([[b.site.siteId, a.site.siteId], ...b.ids.map((id, i) => [id, a.ids[i]] as [string, string])]);
  const out: Record<string, string> = {};
  for (const [k, text] of Object.entries(answersOfB)) {
    let t = text;
    for (const [from, to] of rename) t = t.split(from).join(to);
    out[k] = t;
  }
  return out;
}

/** null when the texts are the same; else where they part (a short excerpt of each) */
export function firstDifference(x: string, y: string): string | null {
  if (x === y) return null;
  let i = 0;
  while (x[i] === y[i]) i++;
  return `at ${i}: ${x.slice(Math.max(0, i - 80), i + 80)} ≠ ${y.slice(Math.max(0, i - 80), i + 80)}`;
}
