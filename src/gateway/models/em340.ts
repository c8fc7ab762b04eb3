/**
 * Carlo Gavazzi EM340: input registers, INT32 with the low word first;
 * power in W×10, energies in kWh×10, currents in A×1000.
 */
import type { ModbusModel, RegisterSpec } from './model.js';

const i = (address: number, factor: number): RegisterSpec => ({ functionCode: 4, address, encoding: 'int32_ws', factor });

export const em340: ModbusModel = {
  name: 'em340',
  title: 'Carlo Gavazzi EM340',
  registers: {
    L1_a: i(0x000c, 0.001),
    L2_a: i(0x000e, 0.001),
    L3_a: i(0x0010, 0.001),
    total_W: i(0x0028, 0.1),
    en_im: i(0x0034, 0.1),
    en_ex: i(0x004e, 0.1),
  },
};
