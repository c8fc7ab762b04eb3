/**
 * ABB B23/B24 (EQ meters, Modbus mapping 2CMC485003M0201): holding
 * registers; energies uint64 in 0.01 kWh, power int32 in 0.01 W, currents
 * uint32 in 0.01 A. A quantity the meter cannot give reads all ones
 * (unsigned) or 0x7FFF… (signed).
 */
import type { ModbusModel, RegisterSpec } from './model.js';

const r = (address: number, encoding: RegisterSpec['encoding'], factor: number): RegisterSpec => ({ functionCode: 3, address, encoding, factor, sentinel: 'all_ones' });

export const abbB23: ModbusModel = {
  name: 'abb_b23',
  title: 'ABB B23/B24',
  registers: {
    en_im: r(0x5000, 'uint64', 0.01),
    en_ex: r(0x5004, 'uint64', 0.01),
    L1_a: r(0x5b0c, 'uint32', 0.01),
    L2_a: r(0x5b0e, 'uint32', 0.01),
    L3_a: r(0x5b10, 'uint32', 0.01),
    total_W: r(0x5b14, 'int32', 0.01),
  },
};
