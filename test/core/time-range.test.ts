import { describe, expect, it } from 'vitest';
import { KwhubError } from '../../src/core/errors.js';
import { clipRange, resolveRange } from '../../src/core/time/range.js';

const ms = (iso: string) => Date.parse(iso);
const NOW = ms('2024-05-01T10:07:30Z');

describe('resolveRange', () => {
  it('should default to the 24 hours before now, rounded inward', () => {
    // t_e = 10:07:30 -> 10:00; t_s = 10:07:30 the day before -> 10:15
    expect(resolveRange({}, NOW)).toEqual({ from: ms('2024-04-30T10:15:00Z'), to: ms('2024-05-01T10:00:00Z') });
    expect(resolveRange({ t_s: null, t_e: null }, NOW)).toEqual(resolveRange({}, NOW));
  });

  it('should default t_s to 24 hours before a given t_e', () => {
    expect(resolveRange({ t_e: '2024-03-01' }, NOW)).toEqual({
      from: ms('2024-02-29T00:00:00Z'),
      to: ms('2024-03-01T00:00:00Z'),
    });
  });

  it('should default t_e to now when only t_s is given', () => {
    expect(resolveRange({ t_s: '2024-05-01T08:00' }, NOW)).toEqual({
      from: ms('2024-05-01T08:00:00Z'),
      to: ms('2024-05-01T10:00:00Z'),
    });
  });

  it('should keep only intervals lying entirely inside [t_s, t_e]', () => {
    // 10:01 -> first whole interval starts 10:15; 11:14 -> last one ends 11:00
    expect(resolveRange({ t_s: '2024-05-01T10:01', t_e: '2024-05-01T11:14' }, NOW)).toEqual({
      from: ms('2024-05-01T10:15:00Z'),
      to: ms('2024-05-01T11:00:00Z'),
    });
    // aligned ends are kept as they are: 4 intervals
    expect(resolveRange({ t_s: '2024-05-01 10:00', t_e: '2024-05-01 11:00' }, NOW)).toEqual({
      from: ms('2024-05-01T10:00:00Z'),
      to: ms('2024-05-01T11:00:00Z'),
    });
  });

  it('should apply offsets before rounding', () => {
    expect(resolveRange({ t_s: '2024-05-01T12:00+02:00', t_e: '2024-05-01T12:10:00+01:00' }, NOW)).toEqual({
      from: ms('2024-05-01T10:00:00Z'),
      to: ms('2024-05-01T11:00:00Z'),
    });
  });

  it('should return an empty range when no whole interval fits', () => {
    const r = resolveRange({ t_s: '2024-05-01T10:01', t_e: '2024-05-01T10:14' }, NOW);
    expect(r.from).toBe(r.to);
    const same = resolveRange({ t_s: '2024-05-01T10:00', t_e: '2024-05-01T10:00' }, NOW);
    expect(same).toEqual({ from: ms('2024-05-01T10:00:00Z'), to: ms('2024-05-01T10:00:00Z') });
  });

  it('should reject t_s after t_e, naming t_s', () => {
    expect.assertions(3);
    try {
      resolveRange({ t_s: '2024-05-02', t_e: '2024-05-01' }, NOW);
    } catch (e) {
      expect(e).toBeInstanceOf(KwhubError);
      expect((e as KwhubError).param).toBe('t_s');
      expect((e as KwhubError).message).toContain('t_s must not be after t_e');
    }
  });

  it('should reject t_s in the future when t_e defaults to now', () => {
    expect(() => resolveRange({ t_s: '2024-05-02' }, NOW)).toThrow(/t_s must not be after t_e/);
  });

  it('should report a malformed t_e as t_e', () => {
    expect(() => resolveRange({ t_e: 'tomorrow' }, NOW)).toThrow(/^t_e must be/);
  });
});

describe('clipRange', () => {
  const range = { from: ms('2024-05-01T00:00:00Z'), to: ms('2024-05-02T00:00:00Z') };

  it('should leave the range alone without a limit or with an earlier one', () => {
    expect(clipRange(range)).toEqual(range);
    expect(clipRange(range, ms('2024-01-01T00:00:00Z'))).toEqual(range);
  });

  it('should raise from to the limit rounded up to a whole interval', () => {
    expect(clipRange(range, ms('2024-05-01T06:05:00Z'))).toEqual({ from: ms('2024-05-01T06:15:00Z'), to: range.to });
    expect(clipRange(range, ms('2024-05-01T06:00:00Z'))).toEqual({ from: ms('2024-05-01T06:00:00Z'), to: range.to });
  });

  it('should never make from pass to', () => {
    expect(clipRange(range, ms('2030-01-01T00:00:00Z'))).toEqual({ from: range.to, to: range.to });
  });
});
