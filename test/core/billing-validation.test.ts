/**
 * Bad billing input is refused with a param.invalid error naming the field
 * as the input spells it; and the money and payment-reference helpers the
 * invoices rely on, on the published examples.
 */
import { describe, expect, it } from 'vitest';
import {
  cashRound,
  creditorReference,
  divRound,
  isQrIban,
  isValidCreditorReference,
  isValidIban,
  isValidQrReference,
  parseDecimal,
  qrReference,
  runBilling,
  type BillingInput,
} from '../../src/core/billing/index.js';
import { KwhubError } from '../../src/core/errors.js';
import { baseInput, local, tariff } from './billing-fixtures.js';

const from = local('2024-03-01T00:00');
const n = 31 * 96 - 4;
const zeros = () => new Float64Array(n);
function valid(): BillingInput {
  return baseInput({
    from,
    n,
    meters: { a: { self: zeros(), ext: zeros() }, b: { self: zeros(), ext: zeros() } },
    participants: [{ id: 'p1', name: 'Anna', language: 'de' }],
    units: [{ meter_id: 'a' }, { meter_id: 'b' }],
    tenancies: [{ meter_id: 'a', participant_id: 'p1', from: '2024-01-01' }],
  });
}

function refused(mut: (i: BillingInput) => void): KwhubError {
  const input = valid();
  mut(input);
  try {
    runBilling(input);
  } catch (e) {
    if (e instanceof KwhubError) {
      expect(e.code).toBe('param.invalid');
      return e;
    }
    throw e;
  }
  throw new Error('expected the input to be refused');
}

describe('billing input validation', () => {
  it('should accept the valid base input', () => {
    expect(runBilling(valid()).invoices).toHaveLength(1);
  });

  it('should refuse overlapping tenancies on one meter', () => {
    const e = refused((i) => i.tenancies.push({ meter_id: 'a', participant_id: 'p1', from: '2024-03-10', to: '2024-03-20' }));
    expect(e.param).toBe('tenancies[1]');
    expect(e.message).toContain('overlaps tenancies[0] on meter a');
  });

  it('should accept a move where one tenancy ends as the next begins', () => {
    const input = valid();
    input.participants.push({ id: 'p2', name: 'Bruno', language: 'it' });
    input.tenancies = [
      { meter_id: 'a', participant_id: 'p1', from: '2024-01-01', to: '2024-03-15T12:00' },
      { meter_id: 'a', participant_id: 'p2', from: '2024-03-15T12:00' },
    ];
    expect(runBilling(input).invoices.map((x) => x.tenancies[0].intervals)).toEqual([14 * 96 + 48, n - 14 * 96 - 48]);
  });

  it('should refuse overlapping tariffs', () => {
    const e = refused((i) => i.tariffs.push(tariff({ id: 't2', valid_from: '2024-03-15' })));
    expect(e.param).toBe('tariffs[1].valid_from');
    expect(e.message).toContain('overlaps tariffs[0]');
  });

  it('should refuse a period that no tariff covers', () => {
    const e = refused((i) => (i.tariffs = [tariff({ valid_to: '2024-03-20' })]));
    expect(e.param).toBe('tariffs');
    expect(e.message).toContain('no tariff is in force from 2024-03-19T23:00:00.000Z');
  });

  it('should refuse a window set leaving hours uncovered', () => {
    const e = refused((i) => (i.tariffs = [tariff({ windows: { rules: [{ window: 'HT', days: 'mon-fri', from: '07:00', to: '20:00' }, { window: 'NT', days: 'sat,sun', from: '00:00', to: '24:00' }] } })]));
    expect(e.param).toBe('tariffs[0].windows.rules');
    expect(e.message).toContain('Monday 00:00–07:00 uncovered');
  });

  it('should refuse a negative price and a price with too many decimals', () => {
    let e = refused((i) => ((i.tariffs[0].grid.NT as { levies: string }).levies = '-0.01'));
    expect(e.param).toBe('tariffs[0].grid.NT.levies');
    expect(e.message).toContain('must not be negative');
    e = refused((i) => (i.tariffs[0].solar = { method: 'flat', price: { HT: 0.2, NT: 0.1234567 } }));
    expect(e.param).toBe('tariffs[0].solar.price.NT');
    e = refused((i) => (i.tariffs[0].reference = { HT: 0.3 }));
    expect(e.param).toBe('tariffs[0].reference.NT');
    e = refused((i) => (i.tariffs[0].reference = { HT: 0.3, NT: 0.2, XT: 0.1 }));
    expect(e.param).toBe('tariffs[0].reference.XT');
  });

  it('should refuse an unknown language', () => {
    const e = refused((i) => ((i.participants[0] as { language: string }).language = 'rm'));
    expect(e.param).toBe('participants[0].language');
    expect(e.message).toContain('de, fr, it, en');
  });

  it('should refuse a malformed IBAN', () => {
    let e = refused((i) => (i.owner.iban = 'CH93 0076 2011 6238 5295 8'));
    expect(e.param).toBe('owner.iban');
    expect(e.message).toContain('mod-97');
    e = refused((i) => (i.owner.iban = 'DE89370400440532013000'));
    expect(e.message).toContain('Swiss or Liechtenstein');
  });

  it('should refuse other inconsistencies, naming the field', () => {
    expect(refused((i) => (i.tenancies[0].meter_id = 'zz')).param).toBe('tenancies[0].meter_id');
    expect(refused((i) => (i.tenancies[0].participant_id = 'zz')).param).toBe('tenancies[0].participant_id');
    expect(refused((i) => (i.tenancies[0].from = '2024-02-30')).param).toBe('tenancies[0].from');
    expect(refused((i) => (i.common_area = { meter_ids: ['b'], key: 'equal' })).param).toBe('common_area.meter_ids[0]');
    expect(refused((i) => (i.common_area = { meter_ids: [], key: 'by_mood' as never })).param).toBe('common_area.key');
    expect(refused((i) => (i.vat = [{ valid_from: '2024-01-01', rate_percent: 8.1, registered: true }, { valid_from: '2024-03-01', rate_percent: 8.1, registered: true }])).param).toBe('vat[1].valid_from');
    expect(refused((i) => (i.cap_overrides = [{ participant_id: 'p1', reason: '' }])).param).toBe('cap_overrides[0].reason');
    expect(refused((i) => (i.period = { from: '2024-03-01', to: '2024-05-01' })).param).toBe('period');
    expect(refused((i) => (i.tariffs[0].solar = { method: 'actual_cost', annual_capital_cost: 1, annual_operating_cost: 1, annual_feed_in_revenue: 0, savings_share: 0.6 })).param).toBe('tariffs[0].solar.savings_share');
  });

  it('should require floor areas for the floor_area key', () => {
    const input = valid();
    input.meters.c = { self: zeros(), ext: zeros() };
    input.common_area = { meter_ids: ['c'], key: 'floor_area' };
    input.units[0].floor_area_m2 = 70;
    expect(() => runBilling(input)).toThrow(/units\[1\]\.floor_area_m2 must be given/);
  });
});

describe('money', () => {
  it('should round half away from zero and to 0.05 CHF', () => {
    expect([5n, 15n, 25n, -5n, -15n, 4n, 6n].map((x) => divRound(x, 10n))).toEqual([1n, 2n, 3n, -1n, -2n, 0n, 1n]);
    expect([100, 102, 103, 107, 108, 1, 2, 3, -3, -2].map(cashRound)).toEqual([100, 100, 105, 105, 110, 0, 0, 5, -5, 0]);
  });

  it('should read decimals exactly from numbers and strings', () => {
    expect(parseDecimal(0.1, 6, 'x')).toBe(100000);
    expect(parseDecimal('0.2735', 6, 'x')).toBe(273500);
    expect(parseDecimal(1e-6, 6, 'x')).toBe(1);
    expect(parseDecimal('12', 2, 'x')).toBe(1200);
    expect(() => parseDecimal('1.5e3', 6, 'x')).toThrow(/decimal number/);
    expect(() => parseDecimal(0.0000001, 6, 'x')).toThrow(/more than 6 decimal places/);
  });
});

describe('payment references (SIX and ISO examples)', () => {
  it('should validate IBANs and tell QR-IBANs apart', () => {
    expect(isValidIban('CH93 0076 2011 6238 5295 7')).toBe(true);
    expect(isValidIban('CH4431999123000889012')).toBe(true);
    expect(isQrIban('CH4431999123000889012')).toBe(true);
    expect(isQrIban('CH9300762011623852957')).toBe(false);
    expect(isValidIban('CH9300762011623852958')).toBe(false);
    expect(isValidIban('CH930076201162385295')).toBe(false);
  });

  it('should make and check QR references (recursive mod 10)', () => {
    expect(isValidQrReference('210000000003139471430009017')).toBe(true); // SIX's example
    expect(isValidQrReference('210000000003139471430009018')).toBe(false);
    expect(qrReference('21000000000313947143000901')).toBe('210000000003139471430009017');
    expect(isValidQrReference(qrReference('42'))).toBe(true);
  });

  it('should make and check creditor references (ISO 11649)', () => {
    expect(isValidCreditorReference('RF18539007547034')).toBe(true); // ISO 11649's example
    expect(isValidCreditorReference('RF18 5390 0754 7034')).toBe(true);
    expect(isValidCreditorReference('RF19539007547034')).toBe(false);
    expect(creditorReference('539007547034')).toBe('RF18539007547034');
  });
});
