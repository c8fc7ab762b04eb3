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
import { DAY, HOUR, QH, createPipelineSite, isoZ, naive, rows, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';
import { FROM, TO, answers, backfillSite, batches, firstDifference, meterOrder, renamed, timeOrder } from '../helpers/backfill.js';

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

describe('a backfill pushed meter by meter', () => {
  it('should serve exactly what the same readings pushed in time order serve, the quality report included', async () => {
    const a = await backfillSite(server, 'Time order', 'a1');
    const b = await backfillSite(server, 'Meter order', 'b2');

    // time order, each push run on its own: a request about the site after each push waits for its run
    for (const batch of batches(timeOrder(a), PUSH)) {
      await a.site.pushOk({ meters: batch });
      expect((await a.site.admin.get(`/sites/${a.site.siteId}`)).status).toBe(200);
    }
    // meter order, each meter's week in sequence, pushes straddling meters; nothing asks in between
    const sequence = meterOrder(b);
    expect(sequence).toHaveLength(timeOrder(a).length);
    for (const batch of batches(sequence, PUSH)) await b.site.pushOk({ meters: batch });

    const [x, y] = [await answers(a), renamed(await answers(b), b, a)];
    expect(Object.keys(y)).toEqual(Object.keys(x));
    for (const key of Object.keys(x)) expect(firstDifference(y[key], x[key]), key).toBe(null);

    // and the answers hold the data: every interval of the week, estimated ones flagged, the spike rejected
    expect(JSON.parse(x['site_data 15T'])).toHaveLength((TO - FROM) / QH);
    const q = JSON.parse(x.quality) as { rejected: unknown[]; estimated: unknown[] };
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
