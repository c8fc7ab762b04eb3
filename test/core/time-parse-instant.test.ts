import { describe, expect, it } from 'vitest';
import { KwhubError } from '../../src/core/errors.js';
import { parseInstant } from '../../src/core/time/parse-instant.js';

const ms = (iso: string) => Date.parse(iso); // reference for ISO strings with an explicit Z

function errorOf(value: unknown, param = 't_s'): KwhubError {
  try {
    parseInstant(value, param);
  } catch (e) {
    expect(e).toBeInstanceOf(KwhubError);
    return e as KwhubError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('parseInstant', () => {
  it('should treat undefined and null as not given', () => {
    expect(parseInstant(undefined, 't_s')).toBeUndefined();
    expect(parseInstant(null, 't_s')).toBeUndefined();
  });

  it('should read a date as UTC midnight', () => {
    expect(parseInstant('2024-05-01', 't_s')).toBe(ms('2024-05-01T00:00:00Z'));
    expect(parseInstant('1970-01-01', 't_s')).toBe(0);
  });

  it('should accept minutes, seconds and fractions with T or a space', () => {
    expect(parseInstant('2024-05-01T10:15', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01 10:15', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01T10:15:30', 't_s')).toBe(ms('2024-05-01T10:15:30Z'));
    expect(parseInstant('2024-05-01 10:15:30', 't_s')).toBe(ms('2024-05-01T10:15:30Z'));
    expect(parseInstant('2024-05-01T10:15:30.5', 't_s')).toBe(ms('2024-05-01T10:15:30.500Z'));
    expect(parseInstant('2024-05-01 10:15:30.123456', 't_s')).toBe(ms('2024-05-01T10:15:30.123Z'));
    expect(parseInstant('2024-05-01T10:15:30.999999999', 't_s')).toBe(ms('2024-05-01T10:15:30.999Z'));
  });

  it('should honour Z and offsets in both forms', () => {
    expect(parseInstant('2024-05-01T10:15:00Z', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01T12:15:00+02:00', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01T12:15:00+0200', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01 05:45-04:30', 't_s')).toBe(ms('2024-05-01T10:15:00Z'));
    expect(parseInstant('2024-05-01T15:45:00.250+05:30', 't_s')).toBe(ms('2024-05-01T10:15:00.250Z'));
    expect(parseInstant('2024-05-01T00:30:00+01:00', 't_s')).toBe(ms('2024-04-30T23:30:00Z'));
  });

  it('should accept 29 February only in leap years', () => {
    expect(parseInstant('2024-02-29', 't_s')).toBe(ms('2024-02-29T00:00:00Z'));
    expect(() => parseInstant('2023-02-29', 't_s')).toThrow(KwhubError);
    expect(parseInstant('2000-02-29', 't_s')).toBe(ms('2000-02-29T00:00:00Z'));
    expect(() => parseInstant('1900-02-29', 't_s')).toThrow(KwhubError);
  });

  it.each([
    '2022-02-30',
    '2022-13-01',
    '2022-00-10',
    '2022-04-31',
    '2024-05-01T25:00',
    '2024-05-01T24:00',
    '2024-05-01T10:60',
    '2024-05-01T10:15:60',
    '2024-05-01T10:15+24:00',
  ])('should reject the impossible %s', (value) => {
    expect(errorOf(value).message).toContain('does not exist');
  });

  it.each([
    '',
    ' ',
    'now',
    'yesterday',
    '2024',
    '2024-05',
    '2024-5-1',
    '20240501',
    '2024/05/01',
    '01.05.2024',
    '2024-05-01T',
    '2024-05-01T10',
    '2024-05-01T10:15:30.',
    '2024-05-01T10:15:30.1234567890',
    '2024-05-01T10:15:30+2',
    '2024-05-01Z',
    '2024-05-01t10:15',
    ' 2024-05-01',
    '2024-05-01 ',
    '2024-05-01T10:15:30 +02:00',
  ])('should reject the malformed string %j', (value) => {
    expect(errorOf(value).code).toBe('param.invalid');
  });

  it.each([[1714557600000], [0], [true], [{ $date: 1 }], [['2024-05-01']], [Symbol.for('x')]])(
    'should reject the non-string %s',
    (value) => {
      expect(errorOf(value).code).toBe('param.invalid');
    },
  );

  it('should name the parameter and show how to fix it', () => {
    const e = errorOf('garbage', 't_e');
    expect(e.param).toBe('t_e');
    expect(e.message).toBe(
      't_e must be an ISO-8601 date-time in UTC such as 2024-05-01 or 2024-05-01T10:15:00 (got "garbage")',
    );
    expect(errorOf(12).message).toContain('(got number 12)');
    expect(errorOf({}).message).toContain('(got an object)');
  });

  it('should truncate a long echoed value', () => {
    const e = errorOf('x'.repeat(5000));
    expect(e.message).toContain(`"${'x'.repeat(40)}…"`);
    expect(e.message.length).toBeLessThan(200);
  });
});
