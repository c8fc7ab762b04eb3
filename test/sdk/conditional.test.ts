/**
 * The SDK's kWhub extras against a real server: series answers are asked for
 * again with If-None-Match (an unchanged range comes back as a 304 and the
 * same rows), a change in the range brings the new rows; `withQuality` adds
 * each row's coverage; `changes()` follows the change feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, createPipelineSite, indexSeries, isoZ, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';
import { sdk, type SdkHarness } from './sdk-helpers.js';

const D0 = Date.UTC(2024, 10, 4);
const LATE = D0 + 10 * HOUR;
const RANGE = { from: new Date(D0), to: new Date(D0 + DAY), frequency: 'H' as const };

let server: TestServer;
let S: PipelineSite;
let h: SdkHarness;
let apt = '';
let readings: ElecReading[] = [];

beforeAll(async () => {
  server = await startTestServer();
  server.clock.set(D0 + 3 * DAY);
  S = await createPipelineSite(server, { name: 'SDK conditional', timezone: 'UTC' });
  apt = await S.meter({ name: 'Apt', prim_ad: 11 });
  readings = indexSeries(apt, D0, D0 + 2 * DAY, (t) => ({ im: 0.25 + 0.125 * (new Date(t).getUTCHours() % 2), ex: 0 }));
  await S.pushOk({ meters: readings.filter((r) => r.timestamp !== isoZ(LATE)) });
  h = sdk(server, S.developer);
});

afterAll(async () => {
  await server?.close();
});

describe('the SDK and conditional requests', () => {
  it('should send If-None-Match and return the same rows on a 304, and new rows after a change in the range', async () => {
    const first = await h.client.meterData(S.siteId, apt, RANGE);
    const second = await h.client.meterData(S.siteId, apt, RANGE);
    expect(h.to('meter_data').map((e) => e.status)).toEqual([200, 304]);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    await S.pushOk({ meters: readings.filter((r) => r.timestamp === isoZ(LATE)) });
    const third = await h.client.meterData(S.siteId, apt, RANGE);
    expect(h.to('meter_data').map((e) => e.status)).toEqual([200, 304, 200]);
    expect(third).not.toEqual(first);
  });

  it('should ask for the coverage with withQuality', async () => {
    const rows = await h.client.siteData(S.siteId, 'electricity', { ...RANGE, withQuality: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0].quality).toEqual({ measured: 1, estimated: 0, missing: 0 });
  });

  it('should follow the change feed', async () => {
    const page = await h.client.changes(S.siteId);
    expect(page.changes.map((c) => c.kind)).toEqual(['data']);
    expect((await h.client.changes(S.siteId, { since: page.cursor })).changes).toEqual([]);
  });
});
