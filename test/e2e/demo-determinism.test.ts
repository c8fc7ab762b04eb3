/**
 * The demo is a function of its seed and `now`: created with runDemo into
 * two fresh stores (two servers), the same seed and `now` give byte-identical
 * developer-API answers — through the same gateway path, its late outage
 * batch, duplicates, exchange and spike; another seed gives other data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSite, type DemoSite } from '../../src/demo/site.js';
import { isoZ, ok, startDemoServer, type DemoServer } from '../helpers/demo.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAYS = 20;

let a: DemoServer;
let b: DemoServer;
let other: DemoServer;

beforeAll(async () => {
  // one after the other: each run alone in its store, as `kwhub demo` would be
  a = await startDemoServer({ seed: 1, now: NOW, days: DAYS });
  b = await startDemoServer({ seed: 1, now: NOW, days: DAYS });
  other = await startDemoServer({ seed: 2, now: NOW, days: DAYS });
}, 300_000);

afterAll(async () => {
  await Promise.all([a, b, other].map((d) => d?.server.close()));
});

/** the whole generated span, as the API's t_s / t_e */
const span = (d: DemoServer) => ({ t_s: isoZ(d.facts.start), t_e: isoZ(d.facts.end) });

interface Query {
  name: string;
  /** the raw answer body of one server */
  fetch(d: DemoServer): Promise<string>;
}

const siteData = (freq: string): Query => ({
  name: `site_data electricity at ${freq}`,
  fetch: async (d) => ok(await d.dev.post(`/site_data/${d.site.siteId}/electricity`, { ...span(d), sampling_frequency: freq }), `site_data ${freq}`).text,
});
const meterData = (role: string, pick: (d: DemoServer) => string): Query => ({
  name: `meter_data of the ${role} at 15T`,
  fetch: async (d) => ok(await d.dev.post(`/meter_data/${d.site.siteId}/${pick(d)}`, { ...span(d), sampling_frequency: '15T' }), `meter_data ${role}`).text,
});
const sensorData: Query = {
  name: 'sensor_data of the outdoor sensor',
  fetch: async (d) => ok(await d.dev.get(`/${d.site.siteId}/sensor_data/${d.site.sensors.outdoor}?t_s=${span(d).t_s}&t_e=${span(d).t_e}`), 'sensor_data').text,
};
const QUERIES: Query[] = [
  siteData('15T'),
  siteData('D'),
  meterData('PV', (d) => d.site.pv),
  // the apartment whose meter is exchanged: its estimate across the exchange must be reproducible too
  meterData('apartment with the exchanged meter', (d) => d.facts.exchange.meterId),
  sensorData,
];

/** the same answer with every id of the site replaced by its role, to compare data across seeds */
function byRole(text: string, site: DemoSite): string {
  const roles: [string, string][] = [
    [site.siteId, 'site'], [site.grid, 'grid'], [site.pv, 'pv'], [site.battery, 'battery'], [site.house, 'house'], [site.common, 'common'], [site.heatPump, 'heat-pump'],
    ...site.chargePoints.map((id, i): [string, string] => [id, `charge-point-${i}`]),
    ...site.apartments.map((id, i): [string, string] => [id, `apartment-${i}`]),
  ];
  let out = text;
  for (const [id, role] of roles) out = out.split(id).join(role);
  return out;
}

describe('the demo is a function of its seed and now (two fresh stores)', () => {
  it('should push the same readings into both stores and a different set for another seed', () => {
    expect(a.result).toEqual(b.result);
    expect(a.result.readings.stored).toBeGreaterThan(50_000);
    expect(other.result.siteId).not.toBe(a.result.siteId);
    expect(other.site.siteId).toBe(demoSite(2).siteId);
  });

  it.each(QUERIES)('should answer $name byte for byte the same on both servers', async (q) => {
    const [x, y] = await Promise.all([q.fetch(a), q.fetch(b)]);
    expect(x.length).toBeGreaterThan(100);
    // compare lengths first: a readable failure on a large body
    expect(y.length).toBe(x.length);
    expect(y === x).toBe(true);
  });

  it.each(QUERIES)('should answer $name with different bytes for another seed, and different data once ids are replaced by roles', async (q) => {
    const [x, z] = await Promise.all([q.fetch(a), q.fetch(other)]);
    expect(z).not.toBe(x);
    expect(byRole(z, other.site)).not.toBe(byRole(x, a.site));
  });

  it('should serve the same site, meters and sensors on both servers', async () => {
    for (const path of [`/installation_infos/${a.site.siteId}`, `/meter_info/${a.site.siteId}`, `/${a.site.siteId}/sensors_list`, '/all_installations']) {
      const [x, y] = await Promise.all([a.dev.get(path), b.dev.get(path)]);
      expect(ok(x, path).text, path).toBe(ok(y, path).text);
    }
  });
});
