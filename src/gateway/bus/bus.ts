/** What the poller needs of a bus, whatever its wire. */
import type { ElectricityQuantity, ModbusModel } from '../models/model.js';
import type { Priority } from './request-queue.js';
import type { MbusValues } from './mbus-bus.js';

export type ReadOutcome<T> =
  | { ok: true; values: T }
  /** timeout: nothing came back; exception: the meter answered with an error; error: the wire failed */
  | { ok: false; kind: 'timeout' | 'exception' | 'error'; message: string };

export interface ModbusBus {
  kind: 'modbus';
  name: string;
  read(unitId: number, model: ModbusModel, quantities: readonly ElectricityQuantity[], priority: Priority): Promise<ReadOutcome<Partial<Record<ElectricityQuantity, number | null>>>>;
  close(): Promise<void>;
}

export interface MbusBus {
  kind: 'mbus';
  name: string;
  read(address: string | number, priority: Priority): Promise<ReadOutcome<MbusValues>>;
  close(): Promise<void>;
}

export type Bus = ModbusBus | MbusBus;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
