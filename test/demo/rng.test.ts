import { describe, expect, it } from 'vitest';
import { Rng, hash32, streamOf } from '../../src/demo/rng.js';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.next());

describe('Rng', () => {
  it('should give the same numbers for the same seed and stream', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(streamOf(42, 'weather'), 50)).toEqual(draw(streamOf(42, 'weather'), 50));
  });

  it('should give different numbers for different seeds, streams and large or fractional seeds', () => {
    const a = draw(new Rng(42), 10);
    expect(draw(new Rng(43), 10)).not.toEqual(a);
    expect(draw(streamOf(42, 'water'), 10)).not.toEqual(draw(streamOf(42, 'weather'), 10));
    expect(draw(new Rng(2 ** 40), 10)).not.toEqual(draw(new Rng(2 ** 40 + 2 ** 33), 10));
    expect(draw(new Rng(1.5), 10)).not.toEqual(draw(new Rng(1), 10));
  });

  it('should draw uniforms in [0, 1) with the right mean and normals with the right moments', () => {
    const r = new Rng(7);
    const u = draw(r, 50_000);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, x) => s + x, 0) / u.length).toBeCloseTo(0.5, 2);
    const z = Array.from({ length: 50_000 }, () => r.normal(3, 2));
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('should draw integers within inclusive bounds, hitting both ends', () => {
    const r = new Rng(9);
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(3, 7)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('should hash statelessly and spread neighbouring inputs', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 2, 4));
    const buckets = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) buckets[hash32(5, i) % 16]++;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
  });

  it('should refuse a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
  });
});
