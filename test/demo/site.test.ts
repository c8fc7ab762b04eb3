import { describe, expect, it } from 'vitest';
import { METER_MODES, METER_TYPES } from '../../src/core/types.js';
import { demoSite, demoSiteDocument } from '../../src/demo/site.js';

describe('demoSiteDocument', () => {
  const doc = demoSiteDocument(1);
  const site = demoSite(1);
  const byId = new Map(doc.meters.map((m) => [m.id, m]));

  it('should describe Sonnenhof in Winterthur in the operator API shape', () => {
    expect(doc).toMatchObject({
      site_ref: 'SONNENHOF',
      name: 'Sonnenhof',
      address: { street_name: 'Sonnenhofweg', street_number: '12', city: 'Winterthur', postal_code: 8400 },
      latitude: 47.5,
      longitude: 8.72,
      timezone: 'Europe/Zurich',
    });
    expect(doc.creation_date).toMatch(/^2021-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(doc.id).toBe(site.siteId);
  });

  it('should be deterministic in the seed and differ between seeds', () => {
    expect(demoSiteDocument(1)).toEqual(doc);
    const other = demoSiteDocument(2);
    expect(other.id).not.toBe(doc.id);
    expect(other.meters.map((m) => m.id)).not.toEqual(doc.meters.map((m) => m.id));
  });

  it('should use unique 24-hex ids and unique primary addresses', () => {
    const ids = [doc.id, ...doc.meters.map((m) => m.id), ...doc.sensors.map((s) => s.id)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const prim = doc.meters.map((m) => m.prim_ad);
    expect(new Set(prim).size).toBe(prim.length);
    for (const p of prim) expect(Number.isInteger(p)).toBe(true);
  });

  it('should list the meters by role with the right types and modes', () => {
    expect(doc.meters).toHaveLength(12 * 4 + 8);
    for (const m of doc.meters) {
      expect(METER_TYPES).toContain(m.type);
      expect(METER_MODES).toContain(m.mode);
      expect(m.reading_kind).toBe('index');
    }
    const expectMeter = (id: string, type: string, mode: string) => expect(byId.get(id)).toMatchObject({ type, mode });
    site.apartments.forEach((id, i) => {
      expectMeter(id, 'electricity', 'consumption');
      expect(byId.get(id)!.name).toBe(`Wohnung ${Math.floor(i / 3) + 1}.${(i % 3) + 1}`);
      expect(byId.get(id)!.max_power_kw).toBe(25);
    });
    site.hotWater.forEach((id) => expectMeter(id, 'hot_water', 'consumption'));
    site.coldWater.forEach((id) => expectMeter(id, 'cold_water', 'consumption'));
    site.heat.forEach((id) => expectMeter(id, 'heating', 'consumption'));
    expectMeter(site.house, 'electricity', 'consumption');
    expect(byId.get(site.house)!.in_balance).toBe(false);
    expectMeter(site.heatPump, 'electricity', 'consumption');
    site.chargePoints.forEach((id) => {
      expectMeter(id, 'charge_point', 'consumption');
      expect(byId.get(id)!.max_power_kw).toBe(11);
    });
    expectMeter(site.pv, 'electricity', 'production');
    expectMeter(site.battery, 'electricity', 'battery');
    expectMeter(site.grid, 'electricity', 'introduction');
    expect(site.physicalMeters).toHaveLength(doc.meters.length - 1);
  });

  it('should define the common areas as house minus all apartments, in the balance', () => {
    const common = byId.get(site.common)!;
    expect(common).toMatchObject({ name: 'Allgemein', type: 'electricity', mode: 'consumption', in_balance: true });
    expect(common.rule).toBe([site.house, ...site.apartments].join(' - '));
    for (const m of doc.meters) if (m.id !== site.common) expect(m.rule).toBeNull();
    // listed after every meter its formula names, so a file applied in order works
    const pos = (id: string) => doc.meters.findIndex((m) => m.id === id);
    for (const id of [site.house, ...site.apartments]) expect(pos(id)).toBeLessThan(pos(site.common));
  });

  it('should have outdoor, two indoor and one CO2 sensor', () => {
    const s = new Map(doc.sensors.map((x) => [x.id, x]));
    expect(doc.sensors).toHaveLength(4);
    expect(s.get(site.sensors.outdoor)).toMatchObject({ type: 'temperature', unit: '°C', model: 'PT1000' });
    for (const id of site.sensors.indoor) expect(s.get(id)).toMatchObject({ type: 'temperature', unit: '°C' });
    expect(s.get(site.sensors.co2)).toMatchObject({ type: 'co2', unit: 'ppm' });
  });

  it('should give each apartment 1 to 4 persons and a plausible area', () => {
    expect(site.apartmentInfo).toHaveLength(12);
    for (const a of site.apartmentInfo) {
      expect(a.persons).toBeGreaterThanOrEqual(1);
      expect(a.persons).toBeLessThanOrEqual(4);
      expect(a.areaM2).toBeGreaterThan(40);
      expect(a.areaM2).toBeLessThan(150);
    }
  });
});
