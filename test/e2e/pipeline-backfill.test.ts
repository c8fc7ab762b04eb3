/**
 * When pushed readings are served. A push is answered once its readings are
 * durable; the pipeline runs a site's pushes together a moment later (a
 * backfill sent meter by meter becomes a few runs instead of one site-wide
 * allocation per push), and every request about a site first waits for the
 * site's pending work. So:
 * - the same readings pushed meter by meter (runs coalesced) and in time
 *   order (one run per push, forced by a read after each) serve the same
 *   bytes: site_data, every meter_data and the quality report;
 * - a read right after a push includes it;
 * - a live gateway's quarter-hourly push is validated and allocated with no
 *   reader asking for it (polled until the site has nothing pending).
 * Everything goes through the operator, gateway and developer APIs of a real
 * server; only the live-edge test looks at the store's pending work, to see
 * that the run happened without a read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, QH, createPipelineSite, indexSeries, isoZ, naive, rows, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';

// the week around the spring DST change in Zurich (a 92-interval local day)
const FROM = Date.UTC(2025, 2, 27);
const TO = Date.UTC(2025, 3, 3);
const NOW = TO + 6 * HOUR;
const PUSH = 250;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { rateLimitMax: 0 } });
  server.clock.set(NOW);
});

afterAll(async () => {
  await server?.close();
});

const hourOf = (t: number) => new Date(t).getUTCHours();
const pv = (t: number) => (hourOf(t) >= 7 && hourOf(t) < 17 ? 0.2 + 0.05 * (hourOf(t) % 3) : 0);
const flat = (k: number) => (t: number) => 0.05 + 0.0125 * ((hourOf(t) + k) % 5);

interface Layout { site: PipelineSite; ids: string[]; readings: ElecReading[][] }

/**
 * A site of a grid meter, a PV plant and four flats, with a week of index
 * readings per meter: one flat misses six hours (estimated), one has a spike
 * (rejected), one reads only every hour (interpolated).
 */
async function layout(name: string, tag: string): Promise<Layout> {
  const site = await createPipelineSite(server, { name });
  // ids in the same order on both sites: answers list meters by id, so renamed answers compare byte for byte
  const id = (i: number) => `${tag}${String(i).padStart(24 - tag.length, '0')}`;
  const ids = [
    await site.meter({ id: id(1), name: 'Grid', mode: 'introduction' }),
    await site.meter({ id: id(2), name: 'PV', mode: 'production' }),
    ...(await Promise.all([0, 1, 2, 3].map((k) => site.meter({ id: id(3 + k), name: `Flat ${k + 1}` })))),
  ];
  const [grid, pvId, ...flats] = ids;
  const load = (t: number) => flats.reduce((s, _, k) => s + flat(k)(t), 0);
  const readings: ElecReading[][] = [
    indexSeries(grid, FROM, TO, (t) => ({ im: Math.max(0, load(t) - pv(t)), ex: Math.max(0, pv(t) - load(t)) }), { im: 5000, ex: 300 }),
    indexSeries(pvId, FROM, TO, (t) => ({ im: 0, ex: pv(t) }), { im: 0, ex: 1200 }),
    ...flats.map((id, k) => indexSeries(id, FROM, TO, (t) => ({ im: flat(k)(t), ex: 0 }), { im: 100 * (k + 1), ex: 0 })),
  ];
  // a gap, a spike and an hourly meter
  readings[2] = readings[2].filter((r) => Date.parse(r.timestamp as string) <= FROM + 2 * DAY || Date.parse(r.timestamp as string) >= FROM + 2 * DAY + 6 * HOUR);
  const spike = readings[3].findIndex((r) => r.timestamp === isoZ(FROM + 3 * DAY + 5 * HOUR));
  readings[3][spike] = { ...readings[3][spike], en_im: readings[3][spike].en_im + 40 };
  readings[4] = readings[4].filter((r) => Date.parse(r.timestamp as string) % HOUR === 0);
  return { site, ids, readings };
}

function batches(list: ElecReading[]): ElecReading[][] {
  const out: ElecReading[][] = [];
  for (let i = 0; i < list.length; i += PUSH) out.push(list.slice(i, i + PUSH));
  return out;
}

/** every answer a developer and the operator read about the site's data, with the site's ids replaced by `rename`'s */
async function answers(l: Layout, rename: Map<string, string>): Promise<Record<string, string>> {
  const dev = await l.site.dev();
  const week = { t_s: naive(FROM), t_e: naive(TO) };
  const out: Record<string, string> = {
    'site_data 15T': (await dev.post(`/site_data/${l.site.siteId}/electricity`, { ...week, with_quality: true })).text,
    'site_data D': (await dev.post(`/site_data/${l.site.siteId}/electricity`, { ...week, sampling_frequency: 'D' })).text,
    quality: (await l.site.admin.get(`/sites/${l.site.siteId}/quality`)).text,
  };
  for (const id of l.ids) out[`meter_data ${l.ids.indexOf(id)}`] = (await dev.post(`/meter_data/${l.site.siteId}/${id}`, { ...week, with_quality: true })).text;
  for (const [k, text] of Object.entries(out)) {
    let t = text;
    for (const [from, to] of rename) t = t.split(from).join(to);
    out[k] = t;
  }
  return out;
}

/** null when the texts are the same; else where they part (a short excerpt of each) */
function firstDifference(x: string, y: string): string | null {
  if (x === y) return null;
  let i = 0;
  while (x[i] === y[i]) i++;
  return `at ${i}: ${x.slice(Math.max(0, i - 80), i + 80)} ≠ ${y.slice(Math.max(0, i - 80), i + 80)}`;
}

describe('a backfill pushed meter by meter', () => {
  it('should serve exactly what the same readings pushed in time order serve, the quality report included', async () => {
    const timeOrder = await layout('Time order', 'a1');
    const meterOrder = await layout('Meter order', 'b2');

    // time order, each push run on its own: a read of the site after each push waits for its run
    const points = timeOrder.readings.map((r) => r.length);
    const interleaved: ElecReading[] = [];
    for (let k = 0; k < Math.max(...points); k++) for (const list of timeOrder.readings) if (k < list.length) interleaved.push(list[k]);
    for (const b of batches(interleaved)) {
      await timeOrder.site.pushOk({ meters: b });
      expect((await timeOrder.site.admin.get(`/sites/${timeOrder.site.siteId}`)).status).toBe(200);
    }

    // meter order, each meter's week in sequence, pushes straddling meters; nothing reads in between
    const sequence = meterOrder.readings.flat();
    expect(sequence).toHaveLength(interleaved.length);
    for (const b of batches(sequence)) await meterOrder.site.pushOk({ meters: b });

    const rename = new Map([[meterOrder.site.siteId, timeOrder.site.siteId], ...meterOrder.ids.map((id, i) => [id, timeOrder.ids[i]] as [string, string])]);
    const [a, b] = [await answers(timeOrder, new Map()), await answers(meterOrder, rename)];
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const key of Object.keys(a)) expect(firstDifference(b[key], a[key]), key).toBe(null);

    // and the answers hold the data: every interval of the week, estimated ones flagged, the spike rejected
    const site15 = JSON.parse(a['site_data 15T']) as Record<string, unknown>[];
    expect(site15).toHaveLength((TO - FROM) / QH);
    const q = JSON.parse(a.quality) as { rejected: unknown[]; estimated: unknown[] };
    expect(q.rejected.length).toBeGreaterThan(0);
    expect(q.estimated.length).toBeGreaterThan(0);
  });
});

describe('when pushed readings are served', () => {
  let live: PipelineSite;
  let meter: string;
  const regs = (t: number) => ({ en_im: 10 + (t - FROM) / QH * 0.25, en_ex: 0 });

  beforeAll(async () => {
    live = await createPipelineSite(server, { name: 'Live edge', timezone: 'UTC' });
    meter = await live.meter({ name: 'Flat' });
    const day: ElecReading[] = [];
    for (let t = FROM; t <= FROM + DAY; t += QH) day.push({ meter_id: meter, timestamp: isoZ(t), ...regs(t) });
    await live.pushOk({ meters: day });
  });

  const served = async (until: number) => rows(await (await live.dev()).post(`/meter_data/${live.siteId}/${meter}`, { t_s: naive(FROM), t_e: naive(until) }));

  it('should include a push in a read sent right after its 200', async () => {
    const t = FROM + DAY + QH;
    await live.pushOk({ meters: [{ meter_id: meter, timestamp: isoZ(t), ...regs(t) }] });
    const list = await served(t);
    expect(list).toHaveLength(DAY / QH + 1);
    expect(list.at(-1)!.total).toBe(0.25);
  });

  it("should validate and allocate a live gateway's quarter-hourly push with no reader asking (polled until nothing is pending)", async () => {
    for (const t of [FROM + DAY + 2 * QH, FROM + DAY + 3 * QH]) {
      await live.pushOk({ meters: [{ meter_id: meter, timestamp: isoZ(t), ...regs(t) }] });
      // no request about the site until its pending work is done: only the server's own timer runs it
      let pending = await server.store.listPending(live.siteId);
      for (let i = 0; i < 600 && pending.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        pending = await server.store.listPending(live.siteId);
      }
      expect(pending).toEqual([]);
      const list = await served(t);
      expect(list).toHaveLength((t - FROM) / QH);
      expect(list.at(-1)!.total).toBe(0.25);
    }
  });
});
