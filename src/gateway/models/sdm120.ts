/** Eastron SDM120-Modbus (single phase): input registers, float32 big-endian. */
import type { ModbusModel, RegisterSpec } from './model.js';

const f = (address: number): RegisterSpec => ({ functionCode: 4, address, encoding: 'float32', factor: 1 });

export const sdm120: ModbusModel = {
  name: 'sdm120',
  title: 'Eastron SDM120',
  registers: {
    L1_a: f(0x0006),
    total_W: f(0x000c),
    en_im: f(0x0048),
    en_ex: f(0x004a),
  },
};
