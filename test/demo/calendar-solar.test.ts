import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { Calendar, demoSpan } from '../../src/demo/physics/calendar.js';
import { elevationDeg, irradianceAt, newIrradiance, pvPowerKw } from '../../src/demo/physics/solar.js';

const plane = { latitudeDeg: 47.5, longitudeDeg: 8.72, tiltDeg: 30, azimuthDeg: 0 };

describe('Calendar', () => {
  const cal = new Calendar('Europe/Zurich');

  it('should give the local wall-clock hour and weekend of every step, across DST changes', () => {
    // windows starting at odd UTC times, covering both 2024 transitions
    for (const t0 of [Date.UTC(2024, 2, 30, 14, 15), Date.UTC(2024, 9, 26, 22, 45), Date.UTC(2024, 6, 1, 0, 0)]) {
      const day = cal.day(t0);
      for (let k = 0; k < 96; k++) {
        const local = DateTime.fromMillis(t0 + k * 900_000 + 450_000, { zone: 'Europe/Zurich' });
        expect(day.localHour[k]).toBeCloseTo(local.hour + local.minute / 60 + local.second / 3600, 9);
        expect(day.weekend[k]).toBe(local.weekday >= 6 ? 1 : 0);
      }
    }
  });

  it('should say how wintry a day is', () => {
    expect(cal.day(Date.UTC(2024, 0, 15)).winter).toBeGreaterThan(0.99);
    expect(cal.day(Date.UTC(2024, 6, 15)).winter).toBeLessThan(-0.99);
  });

  it('should floor the end to the quarter-hour and refuse nonsense', () => {
    expect(demoSpan(Date.UTC(2024, 0, 10, 10, 14, 59), 2)).toEqual({ start: Date.UTC(2024, 0, 8, 10), end: Date.UTC(2024, 0, 10, 10), days: 2 });
    expect(() => demoSpan(Number.NaN)).toThrow(RangeError);
    expect(() => demoSpan(0, 0)).toThrow(RangeError);
    expect(() => demoSpan(0, 1.5)).toThrow(RangeError);
  });
});

describe('solar model', () => {
  const year = Date.UTC(2024, 0, 1);
  const at = (iso: string, cloud = 0) => irradianceAt(Date.parse(iso), year, plane, cloud, newIrradiance());

  it('should put the sun at 90° − 47.5° + 23.44° at solar noon of the June solstice', () => {
    let best = -90;
    let bestT = 0;
    for (let t = Date.UTC(2024, 5, 20, 10); t < Date.UTC(2024, 5, 20, 13); t += 60_000) {
      const e = elevationDeg(irradianceAt(t, year, plane, 0, newIrradiance()).cosZenith);
      if (e > best) { best = e; bestT = t; }
    }
    expect(best).toBeCloseTo(90 - 47.5 + 23.44, 0);
    // 12:00 − 8.72° × 4 min − equation of time (≈ −1.5 min) ≈ 11:26 UTC, 13:26 CEST
    expect(new Date(bestT).toISOString().slice(11, 16)).toMatch(/^11:2[3-9]$/);
  });

  it('should give a realistic clear sky and dimmer, more diffuse light under clouds', () => {
    const clear = at('2024-06-20T11:25:00Z');
    expect(clear.ghi).toBeGreaterThan(800);
    expect(clear.ghi).toBeLessThan(1000);
    const overcast = at('2024-06-20T11:25:00Z', 1);
    expect(overcast.ghi / clear.ghi).toBeCloseTo(0.25, 2);
    // in winter the tilted plane catches much more than the horizontal
    const winter = at('2024-12-21T11:30:00Z');
    expect(winter.poa).toBeGreaterThan(1.5 * winter.ghi);
    expect(at('2024-06-20T23:00:00Z').poa).toBe(0);
  });

  it('should turn irradiance into AC power with temperature losses, clipping and standby', () => {
    const plant = { peakKw: 60, inverterKw: 55, systemLosses: 0.1, standbyKw: 0.012 };
    expect(pvPowerKw(plant, 0, 10)).toBe(-0.012);
    expect(pvPowerKw(plant, 2, 10)).toBe(-0.012); // below the inverters' no-load loss
    expect(pvPowerKw(plant, 1000, 5)).toBeGreaterThan(pvPowerKw(plant, 1000, 30));
    expect(pvPowerKw(plant, 1400, -10)).toBe(55);
  });
});
