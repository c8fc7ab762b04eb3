/**
 * The change feed and conditional requests, end to end over HTTP: live data
 * is not a change; a late reading and a meter correction are exactly two
 * entries with the ranges they rewrote; cursors resume after an entry; a
 * grant's history limit hides what lies before it; a lock date is an entry;
 * a cursor older than the retention gets 410. ETags: 304 on an unchanged
 * range (counted by the rate limit), a new tag after late data in the range,
 * the same tag after late data elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, QH, createPipelineSite, indexSeries, isoZ, naive, rows, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';
import { devApi, login } from '../helpers/server.js';

const D0 = Date.UTC(2024, 8, 2); // Monday 2024-09-02 00:00Z
const EDGE = D0 + 7 * DAY; // history until here, then live
const LATE = D0 + 2 * DAY + 10 * HOUR; // a reading that arrives days late
const NOW = EDGE + HOUR;
const ZONE = 'UTC';

let server: TestServer;
let S: PipelineSite;
let apt = '';
let pv = '';
let aptAll: ElecReading[] = [];
let pvAll: ElecReading[] = [];
let slices = '';
/** an interval meter's 5-minute slices ending in (from, to] */
const slicesIn = (from: number, to: number) => {
  const out = [];
  for (let t = Math.floor(from / 300_000) * 300_000 + 300_000; t <= to; t += 300_000) out.push({ meter_id: slices, timestamp: isoZ(t), en_im: 0.05, en_ex: 0 });
  return out;
};

type Entry = { cursor: string; at: string; kind: string; meter_ids: string[]; from: string; to: string; reason: string };
type Feed = { site_id: string; changes: Entry[]; cursor: string; has_more: boolean; live_until: string | null };

/** "2024-09-04 10:15:00+00:00" of an instant (the site is in UTC) */
const ts = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
const between = (a: ElecReading[], from: number, to: number) => a.filter((r) => Date.parse(r.timestamp as string) > from && Date.parse(r.timestamp as string) <= to);

async function feed(since?: string, site = S): Promise<Feed> {
  const dev = await site.dev();
  const res = await dev.get(`/changes/${site.siteId}${since === undefined ? '' : `?since=${since}`}`);
  expect(res.status, res.text).toBe(200);
  return res.body as Feed;
}

beforeAll(async () => {
  // a budget large enough never to refuse, so that RateLimit-Remaining shows what each request cost
  server = await startTestServer({ config: { rateLimitMax: 100_000, rateLimitWindowMs: 3_600_000, changeRetentionDays: 30 } });
  server.clock.set(EDGE);
  S = await createPipelineSite(server, { name: 'Feed', timezone: ZONE });
  apt = await S.meter({ name: 'Apt', prim_ad: 11 });
  pv = await S.meter({ name: 'PV', mode: 'production', prim_ad: 2 });
  slices = await S.meter({ name: 'Heat pump (load profile)', prim_ad: 12, reading_kind: 'interval' });
  aptAll = indexSeries(apt, D0, EDGE + DAY, (t) => ({ im: 0.25 + 0.125 * (new Date(t).getUTCHours() % 4), ex: 0 }), { im: 100, ex: 0 });
  pvAll = indexSeries(pv, D0, EDGE + DAY, () => ({ im: 0, ex: 0.125 }));
  // history until the edge, with one of the flat's readings missing (it arrives late)
  await S.pushOk({ meters: aptAll.filter((r) => Date.parse(r.timestamp as string) <= EDGE && r.timestamp !== isoZ(LATE)) });
  await S.pushOk({ meters: pvAll.filter((r) => Date.parse(r.timestamp as string) <= EDGE) });
  await S.pushOk({ meters: slicesIn(D0, EDGE) });
});

afterAll(async () => {
  await server?.close();
});

describe('the change feed', () => {
  let first: Entry;

  it('should stay empty while live data arrives, and say where the live edge is', async () => {
    const before = await feed();
    expect(before.changes).toEqual([]);
    expect(before.live_until).toBe(ts(EDGE));
    // every 10 minutes, as a gateway would: the interval meter's current quarter-hour fills up slice by slice
    for (let k = 1; k <= 12; k++) {
      server.clock.set(EDGE + k * 10 * 60_000);
      const from = EDGE + (k - 1) * 10 * 60_000;
      const to = EDGE + k * 10 * 60_000;
      await S.pushOk({ meters: [...between(aptAll, from, to), ...between(pvAll, from, to), ...slicesIn(from, to)] });
    }
    const after = await feed(before.cursor);
    expect(after.changes).toEqual([]);
    expect(after.live_until).toBe(ts(EDGE + 2 * HOUR));
    expect((await feed()).changes).toEqual([]);
  });

  it('should list late data and a meter correction as exactly two entries with their ranges', async () => {
    server.clock.set(NOW + HOUR);
    await S.pushOk({ meters: aptAll.filter((r) => r.timestamp === isoZ(LATE)) });
    server.clock.set(NOW + 2 * HOUR);
    const patch = await S.admin.patch(`/sites/${S.siteId}/meters/${pv}`, { reversed: true });
    expect(patch.status).toBe(200);

    const all = await feed();
    expect(all.changes).toHaveLength(2);
    [first] = all.changes;
    const [, second] = all.changes;
    // the late reading rewrote the two intervals around it, of the flat only
    expect(first).toMatchObject({ kind: 'data', meter_ids: [apt], from: ts(LATE - QH), to: ts(LATE + QH), reason: 'late data', at: ts(NOW + HOUR) });
    // reversing the PV rewrote every one of its intervals
    expect(second).toMatchObject({ kind: 'correction', meter_ids: [pv], from: ts(D0), to: ts(EDGE + 2 * HOUR), at: ts(NOW + 2 * HOUR) });
    expect(second.reason).toContain('reversed');
    expect(all.cursor).toBe(second.cursor);
    expect(all.has_more).toBe(false);
  });

  it('should give only the second entry from a cursor taken between them, and nothing after the last', async () => {
    const rest = await feed(first.cursor);
    expect(rest.changes.map((c) => c.kind)).toEqual(['correction']);
    expect((await feed(rest.cursor)).changes).toEqual([]);
    const dev = await S.dev();
    const page = await dev.get(`/changes/${S.siteId}?limit=1`);
    expect(page.body.changes).toHaveLength(1);
    expect(page.body.has_more).toBe(true);
    expect(page.body.cursor).toBe(first.cursor);
  });

  it('should clip entries to a grant\'s history limit', async () => {
    const username = `late-${Math.random().toString(36).slice(2, 8)}`;
    expect((await S.admin.post('/developers', { username, password: 'pw-late-secret-1' })).status).toBe(201);
    const historyFrom = D0 + 3 * DAY;
    expect((await S.admin.post(`/developers/${username}/grants`, { site_id: S.siteId, consent_ref: 'c', history_from: isoZ(historyFrom) })).status).toBe(201);
    const dev = devApi(server, await login(server, username, 'pw-late-secret-1'));
    const res = await dev.get(`/changes/${S.siteId}`);
    expect(res.status).toBe(200);
    // the late data lies before the limit: hidden; the correction starts at the limit
    expect(res.body.changes.map((c: Entry) => [c.kind, c.from])).toEqual([['correction', ts(historyFrom)]]);
  });

  it('should list a lock date as an entry', async () => {
    const cursor = (await feed()).cursor;
    server.clock.set(NOW + 3 * HOUR);
    expect((await S.admin.patch(`/sites/${S.siteId}`, { lock_date: isoZ(D0 + 3 * DAY) })).status).toBe(200);
    const next = await feed(cursor);
    expect(next.changes).toHaveLength(1);
    expect(next.changes[0]).toMatchObject({ kind: 'lock', to: ts(D0 + 3 * DAY), reason: 'lock date set' });
  });

  it('should refuse a cursor that is not one, naming since, and an unknown site with 404', async () => {
    const dev = await S.dev();
    const bad = await dev.get(`/changes/${S.siteId}?since=garbage!`);
    expect(bad.status).toBe(400);
    expect(errorBody(bad).message).toContain('since');
    expect((await dev.get('/changes/0123456789abcdef01234567')).status).toBe(404);
  });
});

describe('conditional requests', () => {
  const RANGE_A = { t_s: naive(D0 + 4 * DAY), t_e: naive(D0 + 5 * DAY) };
  const RANGE_B = { t_s: naive(D0 + 5 * DAY), t_e: naive(D0 + 6 * DAY) };
  let B: PipelineSite;
  let flat = '';
  let readings: ElecReading[] = [];
  const MISSING_A = D0 + 4 * DAY + 12 * HOUR;
  const MISSING_B = D0 + 5 * DAY + 12 * HOUR;

  beforeAll(async () => {
    B = await createPipelineSite(server, { name: 'ETags', timezone: ZONE });
    flat = await B.meter({ name: 'Flat', prim_ad: 11 });
    readings = indexSeries(flat, D0, EDGE, () => ({ im: 0.25, ex: 0 }));
    await B.pushOk({ meters: readings.filter((r) => r.timestamp !== isoZ(MISSING_A) && r.timestamp !== isoZ(MISSING_B)) });
  });

  async function get(range: object, tag?: string, path = `/site_data/${B.siteId}/electricity`) {
    const dev = await B.dev();
    return dev.post(path, { ...range, sampling_frequency: 'H' }, tag ? { headers: { 'if-none-match': tag } } : {});
  }

  it('should answer 304 without a body for an unchanged range, and count it against the rate limit', async () => {
    const first = await get(RANGE_A);
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"v\d+-[A-Za-z0-9_-]+"$/);
    const left = Number(first.headers.get('ratelimit-remaining'));
    const again = await get(RANGE_A, tag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    expect(Number(again.headers.get('ratelimit-remaining'))).toBe(left - 1);
    // another representation of the same range has its own tag
    const csv = await (await B.dev()).post(`/site_data/${B.siteId}/electricity`, { ...RANGE_A, sampling_frequency: 'H' }, { headers: { accept: 'text/csv', 'if-none-match': tag } });
    expect(csv.status).toBe(200);
    expect((await get({ ...RANGE_A, with_quality: true }, tag)).status).toBe(200);
    expect((await get(RANGE_A, `W/${tag}`)).status).toBe(304);
    expect((await get(RANGE_A, `"nope", ${tag}`)).status).toBe(304);
  });

  it('should change the tag when late data lands in the range, and keep it when it lands elsewhere', async () => {
    const a0 = (await get(RANGE_A)).headers.get('etag')!;
    const b0 = (await get(RANGE_B)).headers.get('etag')!;
    const meterA0 = (await get(RANGE_A, undefined, `/meter_data/${B.siteId}/${flat}`)).headers.get('etag')!;
    server.clock.set(server.clock.now() + HOUR);
    await B.pushOk({ meters: readings.filter((r) => r.timestamp === isoZ(MISSING_B)) });
    // range A did not change: still 304
    expect((await get(RANGE_A, a0)).status).toBe(304);
    expect((await get(RANGE_A, meterA0, `/meter_data/${B.siteId}/${flat}`)).status).toBe(304);
    // range B did: a new answer with a new tag
    const b1 = await get(RANGE_B, b0);
    expect(b1.status).toBe(200);
    expect(b1.headers.get('etag')).not.toBe(b0);
    expect((await get(RANGE_B, b1.headers.get('etag')!)).status).toBe(304);
    // and now the other way round
    await B.pushOk({ meters: readings.filter((r) => r.timestamp === isoZ(MISSING_A)) });
    expect((await get(RANGE_A, a0)).status).toBe(200);
    expect((await get(RANGE_B, b1.headers.get('etag')!)).status).toBe(304);
  });

  it('should change the tag of a range reaching the live edge when live data arrives', async () => {
    const live = { t_s: naive(EDGE - DAY), t_e: naive(EDGE + DAY) };
    const t0 = (await get(live)).headers.get('etag')!;
    expect((await get(live, t0)).status).toBe(304);
    await B.pushOk({ meters: indexSeries(flat, EDGE + QH, EDGE + HOUR, () => ({ im: 0.25, ex: 0 }), { im: readings.at(-1)!.en_im + 0.25, ex: 0 }) });
    const t1 = await get(live, t0);
    expect(t1.status).toBe(200);
    expect(rows(t1).length).toBeGreaterThan(0);
  });
});

describe('retention', () => {
  it('should answer 410 Gone to a cursor older than the retention, and start again without since', async () => {
    const old = (await feed()).changes[0].cursor;
    // 31 days later (the server keeps 30), another rewrite prunes the log
    server.clock.set(NOW + 31 * DAY);
    await S.admin.post(`/sites/${S.siteId}/revalidate`, { from: isoZ(D0 + 5 * DAY), to: isoZ(D0 + 6 * DAY) });
    await S.admin.patch(`/sites/${S.siteId}/meters/${pv}`, { reversed: false });
    const dev = await S.dev();
    const gone = await dev.get(`/changes/${S.siteId}?since=${old}`);
    expect(gone.status).toBe(410);
    expect(errorBody(gone)).toMatchObject({ error: 'changes.gone' });
    expect(errorBody(gone).message).toContain('30 days');
    const fresh = await feed();
    expect(fresh.changes.map((c) => c.kind)).toEqual(['correction']);
  });
});
