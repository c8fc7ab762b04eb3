/**
 * Register images to numbers and back. Modbus registers are 16-bit words;
 * a 32- or 64-bit value spans several, in an order each maker chooses:
 * "ABCD" is big-endian words (Eastron, ABB, Inepro), "_ws" (word-swapped,
 * "CDAB") puts the low word first (Carlo Gavazzi). Bytes within a word are
 * always big-endian on the wire.
 */

export const ENCODINGS = ['int16', 'uint16', 'int32', 'int32_ws', 'uint32', 'uint32_ws', 'float32', 'float32_ws', 'int64', 'uint64'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** how a table marks a value the meter could not measure */
export type Sentinel = 'none' | 'all_ones';

/** registers (16-bit words) a value of this encoding spans */
export function wordsOf(encoding: Encoding): number {
  switch (encoding) {
    case 'int16':
    case 'uint16':
      return 1;
    case 'int64':
    case 'uint64':
      return 4;
    default:
      return 2;
  }
}

function toBuffer(words: ArrayLike<number>, swap: boolean): Buffer {
  const n = words.length;
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeUInt16BE(words[swap ? n - 1 - i : i] & 0xffff, i * 2);
  return buf;
}

/**
 * The value of a register image, times `factor`; null when the meter says
 * "invalid": ABB's sentinel (all ones for unsigned, the largest positive
 * value for signed: 0x7FFF…), or a float that is not finite.
 */
export function decodeWords(words: ArrayLike<number>, encoding: Encoding, factor: number, sentinel: Sentinel = 'none'): number | null {
  if (words.length !== wordsOf(encoding)) throw new RangeError(`${encoding} spans ${wordsOf(encoding)} registers, got ${words.length}`);
  const swap = encoding.endsWith('_ws');
  const b = toBuffer(words, swap);
  let raw: number;
  switch (encoding) {
    case 'int16':
      if (sentinel === 'all_ones' && b.readUInt16BE(0) === 0x7fff) return null;
      raw = b.readInt16BE(0);
      break;
    case 'uint16':
      if (sentinel === 'all_ones' && b.readUInt16BE(0) === 0xffff) return null;
      raw = b.readUInt16BE(0);
      break;
    case 'int32':
    case 'int32_ws':
      if (sentinel === 'all_ones' && b.readUInt32BE(0) === 0x7fffffff) return null;
      raw = b.readInt32BE(0);
      break;
    case 'uint32':
    case 'uint32_ws':
      if (sentinel === 'all_ones' && b.readUInt32BE(0) === 0xffffffff) return null;
      raw = b.readUInt32BE(0);
      break;
    case 'float32':
    case 'float32_ws':
      raw = b.readFloatBE(0);
      if (!Number.isFinite(raw)) return null;
      break;
    case 'int64': {
      const v = b.readBigInt64BE(0);
      if (sentinel === 'all_ones' && v === 0x7fffffffffffffffn) return null;
      raw = Number(v);
      break;
    }
    case 'uint64': {
      const v = b.readBigUInt64BE(0);
      if (sentinel === 'all_ones' && v === 0xffffffffffffffffn) return null;
      raw = Number(v);
      break;
    }
  }
  // dividing by an exact power of ten rounds once, where multiplying by 0.01 would round twice
  return factor < 1 && Number.isInteger(1 / factor) ? raw / (1 / factor) : raw * factor;
}

/** The register image of `value` (the simulator's side of decodeWords); null writes the invalid sentinel. */
export function encodeWords(value: number | null, encoding: Encoding, factor: number): number[] {
  const n = wordsOf(encoding);
  const b = Buffer.alloc(n * 2);
  const scaled = value === null ? NaN : factor < 1 && Number.isInteger(1 / factor) ? value * (1 / factor) : value / factor;
  const int = Math.round(scaled);
  switch (encoding) {
    case 'int16':
      if (value === null) b.writeUInt16BE(0x7fff, 0);
      else b.writeInt16BE(Math.max(-0x8000, Math.min(0x7ffe, int)), 0);
      break;
    case 'uint16':
      b.writeUInt16BE(value === null ? 0xffff : Math.max(0, Math.min(0xfffe, int)), 0);
      break;
    case 'int32':
    case 'int32_ws':
      if (value === null) b.writeUInt32BE(0x7fffffff, 0);
      else b.writeInt32BE(Math.max(-0x80000000, Math.min(0x7ffffffe, int)), 0);
      break;
    case 'uint32':
    case 'uint32_ws':
      b.writeUInt32BE(value === null ? 0xffffffff : Math.max(0, Math.min(0xfffffffe, int)), 0);
      break;
    case 'float32':
    case 'float32_ws':
      b.writeFloatBE(value === null ? NaN : scaled, 0);
      break;
    case 'int64':
      b.writeBigInt64BE(value === null ? 0x7fffffffffffffffn : BigInt(int), 0);
      break;
    case 'uint64':
      b.writeBigUInt64BE(value === null ? 0xffffffffffffffffn : BigInt(Math.max(0, int)), 0);
      break;
  }
  const words: number[] = [];
  for (let i = 0; i < n; i++) words.push(b.readUInt16BE(i * 2));
  return encoding.endsWith('_ws') ? words.reverse() : words;
}
