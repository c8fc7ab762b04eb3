/**
 * Which Modbus requests read a set of quantities: registers of one function
 * code close together are read in one request (fewer round trips on a slow
 * bus), but never across a wide gap, since a meter may refuse to answer for
 * addresses it does not map.
 */
import { decodeWords, wordsOf } from './codec.js';
import type { ElectricityQuantity, ModbusModel, RegisterSpec } from './model.js';

export interface ReadBlock {
  functionCode: 3 | 4;
  address: number;
  count: number;
  items: { quantity: ElectricityQuantity; offset: number; spec: RegisterSpec }[];
}

/** largest gap of unused registers bridged, and largest request (Modbus allows 125 words) */
const MAX_GAP = 8;
const MAX_COUNT = 64;

export function planReads(model: ModbusModel, quantities: readonly ElectricityQuantity[]): ReadBlock[] {
  const wanted = quantities
    .map((q) => ({ quantity: q, spec: model.registers[q] }))
    .filter((x): x is { quantity: ElectricityQuantity; spec: RegisterSpec } => x.spec !== undefined)
    .sort((a, b) => a.spec.functionCode - b.spec.functionCode || a.spec.address - b.spec.address);
  const blocks: ReadBlock[] = [];
  for (const { quantity, spec } of wanted) {
    const n = wordsOf(spec.encoding);
    const last = blocks[blocks.length - 1];
    if (last && last.functionCode === spec.functionCode && spec.address >= last.address
      && spec.address - (last.address + last.count) <= (model.maxGap ?? MAX_GAP) && spec.address + n - last.address <= MAX_COUNT) {
      last.count = Math.max(last.count, spec.address + n - last.address);
      last.items.push({ quantity, offset: spec.address - last.address, spec });
    } else {
      blocks.push({ functionCode: spec.functionCode, address: spec.address, count: n, items: [{ quantity, offset: 0, spec }] });
    }
  }
  return blocks;
}

/** the values of one answered block; null where the meter marks a value invalid */
export function decodeBlock(block: ReadBlock, words: ArrayLike<number>): Partial<Record<ElectricityQuantity, number | null>> {
  const out: Partial<Record<ElectricityQuantity, number | null>> = {};
  for (const it of block.items) {
    const n = wordsOf(it.spec.encoding);
    out[it.quantity] = decodeWords(Array.prototype.slice.call(words, it.offset, it.offset + n), it.spec.encoding, it.spec.factor, it.spec.sentinel);
  }
  return out;
}
