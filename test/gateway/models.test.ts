/**
 * The model tables against their datasheets: known register images decode
 * to the documented values (word order, scale, negative power, invalid
 * sentinels), and what the simulator encodes decodes back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeWords, encodeWords, ENCODINGS, wordsOf } from '../../src/gateway/models/codec.js';
import { MODBUS_MODELS } from '../../src/gateway/models/index.js';
import { decodeBlock, planReads } from '../../src/gateway/models/plan.js';
import { genericModbusModel } from '../../src/gateway/models/generic-modbus.js';
import { ELECTRICITY_QUANTITIES, type ElectricityQuantity, type ModbusModel } from '../../src/gateway/models/model.js';

/** a register map of the meter (address -> word) answered through the model's own read plan */
function readAll(model: ModbusModel, image: Record<number, number>, quantities: readonly ElectricityQuantity[] = ELECTRICITY_QUANTITIES) {
  const out: Record<string, number | null> = {};
  for (const b of planReads(model, quantities)) {
    const words = Array.from({ length: b.count }, (_, i) => image[b.address + i] ?? 0);
    Object.assign(out, decodeBlock(b, words));
  }
  return out;
}
const at = (address: number, words: number[]) => Object.fromEntries(words.map((w, i) => [address + i, w]));
const model = (name: string) => MODBUS_MODELS.get(name)!;

describe('Eastron SDM630 / SDM72 / SDM120 (FC04, float32 ABCD)', () => {
  it('should read 1234.5 kWh import from 0x0048 as 0x449A 0x5000, and a negative total power', () => {
    for (const name of ['sdm630', 'sdm72']) {
      const m = model(name);
      expect(m.registers.en_im).toMatchObject({ functionCode: 4, address: 0x48 });
      const v = readAll(m, { ...at(0x48, [0x449a, 0x5000]), ...at(0x4a, [0x4120, 0x0000]), ...at(0x34, [0xc50f, 0xc000]), ...at(0x06, [0x4148, 0x0000]) });
      expect(v).toMatchObject({ en_im: 1234.5, en_ex: 10, total_W: -2300, L1_a: 12.5 });
    }
  });
  it('should read the SDM120 power at 0x000C and have only L1', () => {
    const m = model('sdm120');
    const v = readAll(m, { ...at(0x0c, [0x4496, 0x0000]), ...at(0x48, [0x3f80, 0x0000]) });
    expect(v).toEqual({ L1_a: 0, total_W: 1200, en_im: 1, en_ex: 0 });
    expect(m.registers.L2_a).toBeUndefined();
  });
  it('should read both energies in one request', () => {
    expect(planReads(model('sdm630'), ['en_im', 'en_ex'])).toMatchObject([{ functionCode: 4, address: 0x48, count: 4 }]);
  });
  it('should mark a NaN register invalid', () => {
    expect(readAll(model('sdm630'), at(0x48, [0x7fc0, 0x0000]), ['en_im'])).toEqual({ en_im: null });
  });
});

describe('ABB B23/B24 (FC03, uint64 0.01 kWh, int32 0.01 W)', () => {
  const m = model('abb_b23');
  it('should read 1,234,567.89 kWh from 0x5000 and -1500 W from 0x5B14', () => {
    const v = readAll(m, { ...at(0x5000, [0, 0, 0x075b, 0xcd15]), ...at(0x5004, [0, 0, 0, 42]), ...at(0x5b14, [0xfffd, 0xb610]), ...at(0x5b0c, [0, 1234]) });
    expect(v).toMatchObject({ en_im: 1234567.89, en_ex: 0.42, total_W: -1500, L1_a: 12.34 });
  });
  it('should take all ones (unsigned) and 0x7FFFFFFF (signed) as invalid', () => {
    const v = readAll(m, { ...at(0x5000, [0xffff, 0xffff, 0xffff, 0xffff]), ...at(0x5b14, [0x7fff, 0xffff]), ...at(0x5b0e, [0xffff, 0xffff]) });
    expect(v).toMatchObject({ en_im: null, total_W: null, L2_a: null, en_ex: 0 });
  });
  it('should read both energies in one request of 8 registers', () => {
    expect(planReads(m, ['en_im', 'en_ex'])).toMatchObject([{ functionCode: 3, address: 0x5000, count: 8 }]);
  });
});

describe('Inepro PRO380 (FC03, float32, power in kW)', () => {
  const m = model('pro380');
  it('should scale 2.5 kW at 0x5012 to 2500 W and read the energies at 0x600C/0x6018', () => {
    const v = readAll(m, { ...at(0x5012, [0x4020, 0x0000]), ...at(0x600c, [0x449a, 0x5000]), ...at(0x6018, [0xbf80, 0]) });
    expect(v).toMatchObject({ total_W: 2500, en_im: 1234.5, en_ex: -1 });
    expect(m.defaultParity).toBe('even');
  });
});

describe('Carlo Gavazzi EM340 / EM24 (FC04, int32 low word first, ÷10)', () => {
  it('should read 12,345.6 kWh as 0xE240 0x0001 and -1234.5 W as 0xCFC7 0xFFFF', () => {
    for (const [name, im, ex] of [['em340', 0x34, 0x4e], ['em24', 0x42, 0x5c]] as const) {
      const v = readAll(model(name), { ...at(im, [0xe240, 0x0001]), ...at(ex, [0x0007, 0x0000]), ...at(0x28, [0xcfc7, 0xffff]), ...at(0x0c, [0x3039, 0]) });
      expect(v).toMatchObject({ en_im: 12345.6, en_ex: 0.7, total_W: -1234.5, L1_a: 12.345 });
    }
  });
});

describe('generic_modbus', () => {
  it('should build a table from {register, function_code, size, encoding, factor}', () => {
    const m = genericModbusModel({ en_im: { register: 100, function_code: 3, size: 2, encoding: 'uint32', factor: 0.1 }, total_W: { register: 200, function_code: 4, encoding: 'int16' } });
    expect(readAll(m, { ...at(100, [0x0001, 0x0000]), ...at(200, [0xff9c]) })).toEqual({ en_im: 6553.6, total_W: -100 });
  });
  it('should refuse a size that disagrees with the encoding', () => {
    expect(() => genericModbusModel({ en_im: { register: 1, function_code: 3, size: 4, encoding: 'float32' } })).toThrow(/spans 2 registers/);
  });
});

describe('codec', () => {
  it('should decode what it encodes, for every encoding and decimal factor', () => {
    fc.assert(fc.property(fc.constantFrom(...ENCODINGS), fc.constantFrom(1, 0.1, 0.01, 0.001), fc.integer({ min: 0, max: 30000 }), (enc, factor, n) => {
      // the decimal value as the decoder forms it (n / 10, not n * 0.1)
      const v = factor < 1 ? n / (1 / factor) : n;
      const back = decodeWords(encodeWords(v, enc, factor), enc, factor);
      if (enc.startsWith('float')) expect(Math.abs(back! - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-6 + factor * 1e-6);
      else expect(back).toBe(v);
      expect(encodeWords(v, enc, factor)).toHaveLength(wordsOf(enc));
    }));
  });
  it('should encode null as the sentinel the decoder refuses', () => {
    for (const enc of ENCODINGS) expect(decodeWords(encodeWords(null, enc, 1), enc, 1, 'all_ones')).toBeNull();
  });
});
