/**
 * Carlo Gavazzi EM24 (DIN): input registers, INT32 with the low word first;
 * power in W×10, energies in kWh×10, currents in A×1000.
 */
import type { ModbusModel, RegisterSpec } from './model.js';

const i = (address: number, factor: number): RegisterSpec => ({ functionCode: 4, address, encoding: 'int32_ws', factor });

export const em24: ModbusModel = {
  name: 'em24',
  title: 'Carlo Gavazzi EM24',
  registers: {
    L1_a: i(0x000c, 0.001),
    L2_a: i(0x000e, 0.001),
    L3_a: i(0x0010, 0.001),
    total_W: i(0x0028, 0.1),
    en_im: i(0x0042, 0.1),
    en_ex: i(0x005c, 0.1),
  },
};
