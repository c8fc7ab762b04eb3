/**
 * Inepro PRO380-Mod: holding registers, float32 big-endian; power in kW
 * (scaled to W here). Ships with 9600 baud 8E1.
 */
import type { ModbusModel, RegisterSpec } from './model.js';

const f = (address: number, factor = 1): RegisterSpec => ({ functionCode: 3, address, encoding: 'float32', factor });

export const pro380: ModbusModel = {
  name: 'pro380',
  title: 'Inepro PRO380',
  defaultParity: 'even',
  // 0x6000 to 0x6031 are all mapped (energies by direction and phase): import and export in one request
  maxGap: 32,
  registers: {
    L1_a: f(0x500c),
    L2_a: f(0x500e),
    L3_a: f(0x5010),
    total_W: f(0x5012, 1000),
    // "forward active energy" / "reverse active energy", kWh
    en_im: f(0x600c),
    en_ex: f(0x6018),
  },
};
