/**
 * Which simulated meter stands for each of the demo community's meters: the
 * electricity meters as Modbus slaves of a mix of models (unit id =
 * prim_ad), heat and water meters as M-Bus slaves found by secondary
 * address, encoded in several of the ways real meters do.
 */
import type { MeterType } from '../../core/types.js';
import { demoSiteDocument } from '../site.js';

/** how an M-Bus meter encodes its main register (the DIF/VIF a reader must honour) */
export type MbusLayout = 'heat_wh_int64' | 'heat_10wh_bcd' | 'water_l_int32' | 'water_dl_bcd';

export interface SimMeter {
  meterId: string;
  name: string;
  primAd: number;
  type: MeterType;
  bus: 'modbus' | 'mbus';
  /** Modbus model table name */
  model: string;
  /** M-Bus: 16 hex digits (id, manufacturer, version, medium) as libmbus writes them */
  secondaryAddress?: string;
  layout?: MbusLayout;
  /** M-Bus medium byte */
  medium?: number;
}

/** the grid meter must show negative power, so it is an SDM630; the others take turns */
const MODEL_TURNS = ['abb_b23', 'em340', 'pro380', 'em24', 'sdm72', 'sdm120', 'sdm630'];

/** "KWH" as an M-Bus manufacturer code: three letters of 5 bits */
export const SIM_MANUFACTURER = (('K'.charCodeAt(0) - 64) << 10) | (('W'.charCodeAt(0) - 64) << 5) | ('H'.charCodeAt(0) - 64);
const MEDIUM: Partial<Record<MeterType, number>> = { heating: 0x04, hot_water: 0x06, cold_water: 0x16 };

/** the 8 id digits, then the manufacturer's two bytes in wire order (low byte first), version and medium, like libmbus's scan prints it */
export function secondaryAddressOf(id: number, medium: number, version = 1): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  return `${String(id).padStart(8, '0')}${hex(SIM_MANUFACTURER & 0xff)}${hex(SIM_MANUFACTURER >> 8)}${hex(version)}${hex(medium)}`;
}

export function demoMeterPlan(seed: number): SimMeter[] {
  const doc = demoSiteDocument(seed);
  const out: SimMeter[] = [];
  let turn = 0;
  let mbusTurn = 0;
  for (const m of doc.meters) {
    if (m.rule !== null) continue;
    if (m.type === 'electricity' || m.type === 'charge_point') {
      const model = m.prim_ad === 1 ? 'sdm630' : MODEL_TURNS[turn++ % MODEL_TURNS.length];
      out.push({ meterId: m.id, name: m.name, primAd: m.prim_ad, type: m.type, bus: 'modbus', model });
    } else {
      const medium = MEDIUM[m.type] ?? 0x07;
      const heat = m.type === 'heating' || m.type === 'cooling';
      const alt = mbusTurn++ % 2 === 1;
      const layout: MbusLayout = heat ? (alt ? 'heat_10wh_bcd' : 'heat_wh_int64') : alt ? 'water_dl_bcd' : 'water_l_int32';
      out.push({ meterId: m.id, name: m.name, primAd: m.prim_ad, type: m.type, bus: 'mbus', model: 'mbus', secondaryAddress: secondaryAddressOf(71_000_000 + m.prim_ad, medium), layout, medium });
    }
  }
  return out;
}
