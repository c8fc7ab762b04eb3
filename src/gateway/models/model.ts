/**
 * A Modbus meter model is data: which register holds what, how it is
 * encoded and scaled. A new meter is a new table plus its datasheet test,
 * never a change to the poller.
 */
import type { Encoding, Sentinel } from './codec.js';

/** what the gateway reads from an electricity meter; energies in kWh, power in W, currents in A */
export const ELECTRICITY_QUANTITIES = ['en_im', 'en_ex', 'total_W', 'L1_a', 'L2_a', 'L3_a'] as const;
export type ElectricityQuantity = (typeof ELECTRICITY_QUANTITIES)[number];

/** the registers read at the quarter-hours (and pushed); the others are live values */
export const ENERGY_QUANTITIES: readonly ElectricityQuantity[] = ['en_im', 'en_ex'];

export interface RegisterSpec {
  /** 3: holding registers, 4: input registers */
  functionCode: 3 | 4;
  /** 0-based address on the wire */
  address: number;
  encoding: Encoding;
  /** the decoded integer (or float) times factor is the value in the quantity's unit */
  factor: number;
  sentinel?: Sentinel;
}

export interface ModbusModel {
  name: string;
  /** maker and model, for messages and the README */
  title: string;
  /** the serial framing the meter ships with, when it is not 8N1 */
  defaultParity?: 'none' | 'even' | 'odd';
  /**
   * unused registers a read may bridge to take two values in one request
   * (default 8); larger only where the datasheet maps every register between
   */
  maxGap?: number;
  /** a single-phase meter has only L1 */
  registers: Partial<Record<ElectricityQuantity, RegisterSpec>>;
}
