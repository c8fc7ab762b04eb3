/** Every Modbus model table the gateway knows, by the name used in gateway.yaml. */
import { abbB23 } from './abb-b23.js';
import { em24 } from './em24.js';
import { em340 } from './em340.js';
import type { ModbusModel } from './model.js';
import { pro380 } from './pro380.js';
import { sdm120 } from './sdm120.js';
import { sdm630, sdm72 } from './sdm630.js';

export const MODBUS_MODELS: ReadonlyMap<string, ModbusModel> = new Map(
  [sdm630, sdm72, sdm120, abbB23, pro380, em340, em24].map((m) => [m.name, m]),
);

/** the names accepted as `model:` (the tables, generic_modbus, and the M-Bus meters) */
export const MODEL_NAMES = [...MODBUS_MODELS.keys(), 'generic_modbus', 'mbus'];
