/**
 * M-Bus (EN 13757-3) frames as a simulated meter sends them: an RSP_UD long
 * frame with variable data records, each a DIF (data length and storage
 * number), a VIF (quantity and decimal exponent) and the value. Real meters
 * state the same quantity in different units (Wh, 10 Wh, litres, 0.1 l): a
 * reader that ignores the VIF's exponent is off by powers of ten.
 */
import type { MbusLayout } from './plan.js';
import type { MeterValues } from './state.js';

export interface MbusRecord {
  /** data field: 0x2/0x4/0x7 integers of 2/4/8 bytes, 0xC/0xE BCD of 8/12 digits */
  field: 0x02 | 0x04 | 0x07 | 0x0c | 0x0e;
  storage: 0 | 1;
  vif: number;
  /** the value in units of the VIF's exponent (an integer) */
  raw: number;
}

const BYTES: Record<MbusRecord['field'], number> = { 0x02: 2, 0x04: 4, 0x07: 8, 0x0c: 4, 0x0e: 6 };

function recordBytes(r: MbusRecord): number[] {
  const out = [r.field | (r.storage ? 0x40 : 0), r.vif];
  const n = BYTES[r.field];
  if (r.field === 0x0c || r.field === 0x0e) {
    // BCD, least significant digit pair first
    let v = Math.round(Math.abs(r.raw));
    for (let i = 0; i < n; i++) {
      const lo = v % 10;
      v = Math.floor(v / 10);
      const hi = v % 10;
      v = Math.floor(v / 10);
      out.push((hi << 4) | lo);
    }
  } else {
    let v = BigInt.asUintN(n * 8, BigInt(Math.round(r.raw)));
    for (let i = 0; i < n; i++) {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    }
  }
  return out;
}

/** value = raw × 10^exp, with exp the VIF's: the one place the simulator scales */
export function toRaw(value: number, exp: number): number {
  return exp < 0 ? Math.round(value * 10 ** -exp) : Math.round(value / 10 ** exp);
}
export function fromRaw(raw: number, exp: number): number {
  return exp < 0 ? raw / 10 ** -exp : raw * 10 ** exp;
}

/** the main register's encoding per layout: data field, VIF, and its exponent in kWh or m³ */
export const MAIN_REGISTER: Record<MbusLayout, { field: MbusRecord['field']; vif: number; exp: number }> = {
  // VIF 0000 0nnn: energy 10^(nnn-3) Wh; 0x03 = Wh = 10^-3 kWh, 0x04 = 10 Wh = 10^-2 kWh
  heat_wh_int64: { field: 0x07, vif: 0x03, exp: -3 },
  heat_10wh_bcd: { field: 0x0e, vif: 0x04, exp: -2 },
  // VIF 0001 0nnn: volume 10^(nnn-6) m³; 0x13 = litres, 0x12 = 0.1 l
  water_l_int32: { field: 0x04, vif: 0x13, exp: -3 },
  water_dl_bcd: { field: 0x0c, vif: 0x12, exp: -4 },
};

/** The records of a meter with `layout` showing `v`, and the main register as a correct reader decodes it. */
export function meterRecords(layout: MbusLayout, v: MeterValues): { records: MbusRecord[]; main: number } {
  const reg = MAIN_REGISTER[layout];
  const value = layout.startsWith('heat') ? v.heat_energy_kwh! : v.vol_m3!;
  const raw = toRaw(value, reg.exp);
  const records: MbusRecord[] = [
    // last due date's value (storage 1) first: a reader must pick storage 0
    { field: reg.field, storage: 1, vif: reg.vif, raw: Math.floor(raw * 0.9) },
    { field: reg.field, storage: 0, vif: reg.vif, raw },
    // volume flow, VIF 0x3B: 10^-3 m³/h
    { field: 0x04, storage: 0, vif: 0x3b, raw: toRaw(v.vol_flow_m3_h ?? 0, -3) },
  ];
  if (layout.startsWith('heat')) {
    records.push(
      // power, VIF 0x2B: W
      { field: 0x04, storage: 0, vif: 0x2b, raw: toRaw((v.power_kw ?? 0) * 1000, 0) },
      // flow and return temperature, VIF 0x5A / 0x5E: 0.1 °C; difference, VIF 0x62: 0.1 K
      { field: 0x02, storage: 0, vif: 0x5a, raw: toRaw(v.flow_temp ?? 0, -1) },
      { field: 0x02, storage: 0, vif: 0x5e, raw: toRaw(v.return_temp ?? 0, -1) },
      { field: 0x02, storage: 0, vif: 0x62, raw: toRaw(v.diff_temp ?? 0, -1) },
    );
  }
  return { records, main: fromRaw(raw, reg.exp) };
}

function checksum(bytes: number[]): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

/** parts of the secondary address "IIIIIIIIMMMMVVDD" (id as 8 decimal digits, manufacturer bytes in wire order, version, medium) */
export function parseSecondary(address: string): { id: number; manufacturer: number; version: number; medium: number } {
  return { id: Number(address.slice(0, 8)), manufacturer: parseInt(address.slice(8, 10), 16) | (parseInt(address.slice(10, 12), 16) << 8), version: parseInt(address.slice(12, 14), 16), medium: parseInt(address.slice(14, 16), 16) };
}

function idBytes(id: number): number[] {
  const out: number[] = [];
  let v = id;
  for (let i = 0; i < 4; i++) {
    const lo = v % 10;
    v = Math.floor(v / 10);
    const hi = v % 10;
    v = Math.floor(v / 10);
    out.push((hi << 4) | lo);
  }
  return out;
}

/** RSP_UD long frame from `primary` with a fixed header for `secondary` and the records */
export function rspUd(primary: number, secondary: string, access: number, records: MbusRecord[], corrupt = false): Buffer {
  const s = parseSecondary(secondary);
  const body = [0x08, primary & 0xff, 0x72, ...idBytes(s.id), s.manufacturer & 0xff, s.manufacturer >> 8, s.version, s.medium, access & 0xff, 0x00, 0x00, 0x00];
  for (const r of records) body.push(...recordBytes(r));
  const cs = (checksum(body) + (corrupt ? 1 : 0)) & 0xff;
  return Buffer.from([0x68, body.length, body.length, 0x68, ...body, cs, 0x16]);
}

/** does the 8-byte selection (id BCD LSB first, manufacturer LE, version, medium) with wildcards name `secondary`? */
export function selects(selection: Buffer, secondary: string): boolean {
  const s = parseSecondary(secondary);
  const ours = idBytes(s.id);
  for (let i = 0; i < 4; i++) {
    const b = selection[i];
    if ((b & 0x0f) !== 0x0f && (b & 0x0f) !== (ours[i] & 0x0f)) return false;
    if ((b & 0xf0) !== 0xf0 && (b & 0xf0) !== (ours[i] & 0xf0)) return false;
  }
  const man = selection[4] | (selection[5] << 8);
  if (man !== 0xffff && man !== s.manufacturer) return false;
  if (selection[6] !== 0xff && selection[6] !== s.version) return false;
  if (selection[7] !== 0xff && selection[7] !== s.medium) return false;
  return true;
}
