/**
 * Eastron SDM630 (Modbus protocol V1.8) and SDM72D-M V2, which shares the
 * SDM630's input-register map: IEEE-754 float32, big-endian word order.
 */
import type { ModbusModel, RegisterSpec } from './model.js';

const f = (address: number, factor = 1): RegisterSpec => ({ functionCode: 4, address, encoding: 'float32', factor });

export const sdm630: ModbusModel = {
  name: 'sdm630',
  title: 'Eastron SDM630',
  registers: {
    L1_a: f(0x0006),
    L2_a: f(0x0008),
    L3_a: f(0x000a),
    // "Total system power", W, negative when exporting
    total_W: f(0x0034),
    // "Import / Export Wh since last reset", in kWh despite the name
    en_im: f(0x0048),
    en_ex: f(0x004a),
  },
};

export const sdm72: ModbusModel = { ...sdm630, name: 'sdm72', title: 'Eastron SDM72D-M' };
