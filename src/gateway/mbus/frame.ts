/**
 * M-Bus frames (EN 13757-2) and the variable data structure of an RSP_UD
 * (EN 13757-3): a 12-byte header (id, manufacturer, version, medium, access
 * number, status, signature) and data records, each DIF [DIFE…] VIF [VIFE…]
 * data. Everything that does not parse is an error with a reason, never a
 * guessed value.
 */
import { extensionFbVif, primaryVif, scale, type MbusQuantity } from './vif.js';

export interface MbusHeader {
  id: number;
  manufacturer: string;
  manufacturerCode: number;
  version: number;
  medium: number;
  access: number;
  status: number;
  /** as libmbus prints it: id digits, manufacturer bytes in wire order, version, medium (hex) */
  secondaryAddress: string;
}

export interface MbusDataRecord {
  storage: number;
  tariff: number;
  device: number;
  /** 0 instantaneous, 1 maximum, 2 minimum, 3 value during error */
  function: number;
  dif: number;
  vif: number;
  /** the quantity and value in our units, when the record is one the gateway uses */
  quantity: MbusQuantity | null;
  value: number | null;
}

export interface MbusTelegram {
  header: MbusHeader;
  records: MbusDataRecord[];
}

export class MbusFrameError extends Error {}

/** bytes of the data field by the DIF's low nibble; -1: variable length (LVAR), -2: none follows, stop */
const DATA_LENGTH = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -2];

function bcd(bytes: Uint8Array): number | null {
  let v = 0;
  let negative = false;
  for (let i = bytes.length - 1; i >= 0; i--) {
    let hi = bytes[i] >> 4;
    const lo = bytes[i] & 0x0f;
    // an F in the most significant digit is the minus sign
    if (i === bytes.length - 1 && hi === 0x0f) {
      negative = true;
      hi = 0;
    }
    if (hi > 9 || lo > 9) return null;
    v = v * 100 + hi * 10 + lo;
  }
  return negative ? -v : v;
}

function int(bytes: Uint8Array): number {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return Number(BigInt.asIntN(bytes.length * 8, v));
}

function manufacturerText(code: number): string {
  return String.fromCharCode(((code >> 10) & 0x1f) + 64, ((code >> 5) & 0x1f) + 64, (code & 0x1f) + 64);
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** The telegram of a complete RSP_UD long frame (start, lengths, checksum and stop already checked by `frameAt`). */
export function parseRspUd(frame: Uint8Array): MbusTelegram {
  const c = frame[4];
  const ci = frame[6];
  if ((c & 0x4f) !== 0x08) throw new MbusFrameError(`not an RSP_UD answer (C field 0x${hex2(c)})`);
  if (ci !== 0x72 && ci !== 0x76) throw new MbusFrameError(`unsupported CI field 0x${hex2(ci)} (variable data structure 0x72 expected)`);
  const end = frame.length - 2;
  const h = 7;
  if (end - h < 12) throw new MbusFrameError('the answer is too short for its header');
  const idBcd = bcd(frame.subarray(h, h + 4));
  if (idBcd === null) throw new MbusFrameError('the identification number is not BCD');
  const man = frame[h + 4] | (frame[h + 5] << 8);
  const header: MbusHeader = {
    id: idBcd, manufacturerCode: man, manufacturer: manufacturerText(man), version: frame[h + 6], medium: frame[h + 7], access: frame[h + 8], status: frame[h + 9],
    secondaryAddress: `${String(idBcd).padStart(8, '0')}${hex2(frame[h + 4])}${hex2(frame[h + 5])}${hex2(frame[h + 6])}${hex2(frame[h + 7])}`,
  };
  const records: MbusDataRecord[] = [];
  let i = h + 12;
  while (i < end) {
    const dif = frame[i++];
    // idle filler, then manufacturer-specific data (0x0F) or "more records follow" (0x1F): nothing standard after
    if (dif === 0x2f) continue;
    if ((dif & 0x0f) === 0x0f) break;
    let storage = (dif >> 6) & 1;
    let tariff = 0;
    let device = 0;
    let ext = dif & 0x80;
    for (let k = 0; ext; k++) {
      if (i >= end || k >= 10) throw new MbusFrameError('a record ends inside its DIFEs');
      const dife = frame[i++];
      storage |= (dife & 0x0f) << (1 + 4 * k);
      tariff |= ((dife >> 4) & 0x03) << (2 * k);
      device |= ((dife >> 6) & 0x01) << k;
      ext = dife & 0x80;
    }
    if (i >= end) throw new MbusFrameError('a record has no VIF');
    let vifByte = frame[i++];
    let table: 'primary' | 'fb' | 'fd' | 'text' | 'other' = 'primary';
    if (vifByte === 0xfb || vifByte === 0xfd) {
      table = vifByte === 0xfb ? 'fb' : 'fd';
      if (i >= end) throw new MbusFrameError('a record ends after its extension VIF');
      vifByte = frame[i++];
    } else if ((vifByte & 0x7f) === 0x7c) {
      table = 'text';
      const len = frame[i++];
      i += len;
    } else if ((vifByte & 0x7f) >= 0x7e) {
      table = 'other';
    }
    let unit = table === 'primary' ? primaryVif(vifByte & 0x7f) : table === 'fb' ? extensionFbVif(vifByte & 0x7f) : null;
    // VIFEs: a multiplicative correction 10^(nnn-6) (E111 0nnn) is applied; any other combination makes the record one we do not use
    let vifeExt = vifByte & 0x80;
    while (vifeExt) {
      if (i >= end) throw new MbusFrameError('a record ends inside its VIFEs');
      const vife = frame[i++];
      vifeExt = vife & 0x80;
      const v = vife & 0x7f;
      if (unit && v >= 0x70 && v <= 0x77) unit = { ...unit, exp: unit.exp + (v & 0x07) - 6 };
      else unit = null;
    }
    let len = DATA_LENGTH[dif & 0x0f];
    if (len === -1) {
      const lvar = frame[i++];
      if (lvar >= 0xc0) throw new MbusFrameError(`variable-length data of type 0x${hex2(lvar)} is not supported`);
      len = lvar;
      unit = null;
    }
    if (i + len > end) throw new MbusFrameError(`a record's data runs past the end of the answer (DIF 0x${hex2(dif)})`);
    const data = frame.subarray(i, i + len);
    i += len;
    let raw: number | null = null;
    const df = dif & 0x0f;
    if (df >= 0x09 && df <= 0x0e && df !== 0x0d) raw = bcd(data);
    else if (df === 0x05) raw = Buffer.from(data).readFloatLE(0);
    else if (len > 0 && df !== 0x0d) raw = int(data);
    const usable = unit !== null && raw !== null && Number.isFinite(raw);
    records.push({
      storage, tariff, device, function: (dif >> 4) & 0x03, dif, vif: vifByte,
      quantity: usable ? unit!.quantity : null,
      value: usable ? scale(raw!, unit!) : null,
    });
  }
  return { header, records };
}

/** current values: storage 0, tariff 0, instantaneous; the first record of each quantity wins */
export function currentValues(t: MbusTelegram): Partial<Record<MbusQuantity, number>> {
  const out: Partial<Record<MbusQuantity, number>> = {};
  for (const r of t.records) {
    if (r.storage !== 0 || r.tariff !== 0 || r.device !== 0 || r.function !== 0 || r.quantity === null || r.value === null) continue;
    if (out[r.quantity] === undefined) out[r.quantity] = r.value;
  }
  return out;
}

export type FrameScan =
  | { kind: 'ack'; length: 1 }
  | { kind: 'long'; length: number; frame: Uint8Array }
  | { kind: 'short'; length: 5; frame: Uint8Array }
  | { kind: 'incomplete' }
  | { kind: 'garbage'; length: number; reason: string };

/** What the bytes at the start of `buf` are: a whole frame, not yet a whole frame, or garbage to skip. */
export function frameAt(buf: Uint8Array): FrameScan {
  if (buf.length === 0) return { kind: 'incomplete' };
  const b0 = buf[0];
  if (b0 === 0xe5) return { kind: 'ack', length: 1 };
  if (b0 === 0x10) {
    if (buf.length < 5) return { kind: 'incomplete' };
    if (buf[4] !== 0x16 || ((buf[1] + buf[2]) & 0xff) !== buf[3]) return { kind: 'garbage', length: 1, reason: 'short frame with a bad checksum' };
    return { kind: 'short', length: 5, frame: buf.subarray(0, 5) };
  }
  if (b0 === 0x68) {
    if (buf.length < 4) return { kind: 'incomplete' };
    if (buf[1] !== buf[2] || buf[3] !== 0x68 || buf[1] < 3) return { kind: 'garbage', length: 1, reason: 'long frame with a bad header' };
    const total = buf[1] + 6;
    if (buf.length < total) return { kind: 'incomplete' };
    let cs = 0;
    for (let i = 4; i < total - 2; i++) cs = (cs + buf[i]) & 0xff;
    if (cs !== buf[total - 2]) return { kind: 'garbage', length: total, reason: 'checksum mismatch' };
    if (buf[total - 1] !== 0x16) return { kind: 'garbage', length: total, reason: 'no stop byte' };
    return { kind: 'long', length: total, frame: buf.subarray(0, total) };
  }
  return { kind: 'garbage', length: 1, reason: `unexpected byte 0x${hex2(b0)}` };
}

/** frames a master sends */
export function shortFrame(c: number, address: number): Buffer {
  return Buffer.from([0x10, c, address, (c + address) & 0xff, 0x16]);
}

/** SND_UD to 0xFD selecting the meter with this secondary address ("IIIIIIIIMMMMVVDD", F = wildcard) */
export function selectionFrame(secondary: string): Buffer {
  const s = secondary.toUpperCase();
  const data: number[] = [];
  for (let i = 3; i >= 0; i--) {
    const hi = s[2 * i];
    const lo = s[2 * i + 1];
    data.push(((hi === 'F' ? 0xf : Number(hi)) << 4) | (lo === 'F' ? 0xf : Number(lo)));
  }
  data.push(parseInt(s.slice(8, 10), 16), parseInt(s.slice(10, 12), 16), parseInt(s.slice(12, 14), 16), parseInt(s.slice(14, 16), 16));
  const body = [0x53, 0xfd, 0x52, ...data];
  let cs = 0;
  for (const b of body) cs = (cs + b) & 0xff;
  return Buffer.from([0x68, body.length, body.length, 0x68, ...body, cs, 0x16]);
}
