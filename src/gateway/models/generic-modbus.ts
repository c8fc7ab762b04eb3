/**
 * `generic_modbus`: a meter the gateway has no table for, described in the
 * configuration one register at a time, like the vendor's gateway does:
 * `{register, function_code, size, encoding, factor}`.
 */
import { wordsOf, type Encoding } from './codec.js';
import type { ElectricityQuantity, ModbusModel, RegisterSpec } from './model.js';

export interface GenericRegister {
  register: number;
  function_code: 3 | 4;
  /** registers the value spans; must agree with the encoding when given */
  size?: number;
  encoding: Encoding;
  factor?: number;
}

export function genericModbusModel(registers: Partial<Record<ElectricityQuantity, GenericRegister>>): ModbusModel {
  const specs: Partial<Record<ElectricityQuantity, RegisterSpec>> = {};
  for (const [q, g] of Object.entries(registers) as [ElectricityQuantity, GenericRegister][]) {
    if (g.size !== undefined && g.size !== wordsOf(g.encoding)) throw new RangeError(`${q}: ${g.encoding} spans ${wordsOf(g.encoding)} registers, not ${g.size}`);
    specs[q] = { functionCode: g.function_code, address: g.register, encoding: g.encoding, factor: g.factor ?? 1 };
  }
  return { name: 'generic_modbus', title: 'generic Modbus meter', registers: specs };
}
