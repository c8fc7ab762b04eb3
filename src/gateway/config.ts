/**
 * gateway.yaml: read and checked once at start. Every mistake names its line
 * and says how to fix it (ConfigError: the CLI prints it and exits with 2).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { ConfigError } from '../config/config.js';
import { ENCODINGS, wordsOf, type Encoding } from './models/codec.js';
import { MODBUS_MODELS, MODEL_NAMES } from './models/index.js';
import { genericModbusModel, type GenericRegister } from './models/generic-modbus.js';
import { ELECTRICITY_QUANTITIES, type ElectricityQuantity, type ModbusModel } from './models/model.js';

export const GATEWAY_METER_TYPES = ['electricity', 'charge_point', 'heating', 'cooling', 'cold_water', 'hot_water'] as const;
export type GatewayMeterType = (typeof GATEWAY_METER_TYPES)[number];
export const BUS_TYPES = ['serial', 'modbus_tcp', 'rtu_over_tcp', 'mbus_serial', 'mbus_tcp'] as const;
export type BusType = (typeof BUS_TYPES)[number];

export interface BusConfig {
  name: string;
  type: BusType;
  line: number;
  /** serial */
  device?: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  /** TCP */
  host?: string;
  port?: number;
  timeoutMs: number;
  retries: number;
}

export interface MeterConfig {
  primAd: number;
  type: GatewayMeterType;
  modelName: string;
  /** Modbus meters: the table to read */
  model: ModbusModel | null;
  bus: string;
  unitId?: number;
  secondaryAddress?: string;
  line: number;
}

export interface GatewayConfig {
  file: string;
  server: { url: string; token: string; batchSize: number; retryMaxSeconds: number };
  localApi: { host: string; port: number };
  queue: { path: string; maxReadings: number };
  liveSeconds: number;
  buses: BusConfig[];
  meters: MeterConfig[];
}

const PARITY: Record<string, { parity: BusConfig['parity']; dataBits: 7 | 8; stopBits: 1 | 2 }> = {
  '8N1': { parity: 'none', dataBits: 8, stopBits: 1 },
  '8N2': { parity: 'none', dataBits: 8, stopBits: 2 },
  '8E1': { parity: 'even', dataBits: 8, stopBits: 1 },
  '8O1': { parity: 'odd', dataBits: 8, stopBits: 1 },
  '7E1': { parity: 'even', dataBits: 7, stopBits: 1 },
};

/** default disk bound of the queue: about 29 bytes a reading on disk (measured), so ~60 MB */
export const DEFAULT_MAX_READINGS = 2_000_000;

export function parseGatewayConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): GatewayConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new ConfigError(`${file}:${line}: this is not valid YAML (${e.message.split('\n')[0]}): check the indentation and quoting on that line`);
  }
  const lineOf = (n: Node | null | undefined, fallback = 1): number => (n?.range ? lc.linePos(n.range[0]).line : fallback);
  const fail = (n: Node | null | undefined, where: string, msg: string, fallback = 1): never => {
    throw new ConfigError(`${file}:${lineOf(n, fallback)}: ${where}: ${msg}`);
  };
  const root = doc.contents;
  if (!isMap(root)) return fail(root as Node, 'the file', 'must be a map with server, buses and meters (see "kwhub gateway --help" or the README\'s YAML reference)');

  const get = (map: YAMLMap, key: string): Node | null => (map.get(key, true) as Node | undefined) ?? null;
  const known = (map: YAMLMap, where: string, keys: string[]) => {
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (!keys.includes(k)) fail(pair.key as Node, where, `unknown key "${k}": the keys here are ${keys.join(', ')}`);
    }
  };
  const str = (map: YAMLMap, key: string, where: string, opts: { required?: boolean; def?: string } = {}): string | undefined => {
    const n = get(map, key);
    if (n === null) {
      if (opts.required) fail(map, where, `"${key}" is missing`);
      return opts.def;
    }
    if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number') || String(n.value) === '') fail(n, `${where}.${key}`, 'must be a text value');
    // as written: YAML reads 8E1 (a parity) or an unquoted secondary address as numbers
    const sc = n as { value: unknown; source?: string };
    return typeof sc.value === 'number' && typeof sc.source === 'string' ? sc.source : String(sc.value);
  };
  const num = (map: YAMLMap, key: string, where: string, opts: { required?: boolean; def?: number; min?: number; max?: number; integer?: boolean } = {}): number | undefined => {
    const n = get(map, key);
    if (n === null) {
      if (opts.required) fail(map, where, `"${key}" is missing`);
      return opts.def;
    }
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      const range = opts.min !== undefined || opts.max !== undefined ? ` from ${opts.min ?? '-∞'} to ${opts.max ?? '∞'}` : '';
      fail(n, `${where}.${key}`, `must be ${opts.integer ? 'an integer' : 'a number'}${range}, not ${isScalar(n) ? JSON.stringify(n.value) : 'a map or a list'}`);
    }
    return v as number;
  };
  const oneOf = <T extends string>(map: YAMLMap, key: string, where: string, values: readonly T[], opts: { required?: boolean; def?: T } = {}): T | undefined => {
    const v = str(map, key, where, opts);
    if (v === undefined) return undefined;
    if (!values.includes(v as T)) fail(get(map, key), `${where}.${key}`, `"${v}" is not one of ${values.join(', ')}`);
    return v as T;
  };
  const mapAt = (map: YAMLMap, key: string, where: string, required: boolean): YAMLMap | null => {
    const n = get(map, key);
    if (n === null) {
      if (required) fail(map, where, `"${key}" is missing`);
      return null;
    }
    if (!isMap(n)) fail(n, `${where}.${key}`, 'must be a map of keys and values');
    return n as YAMLMap;
  };

  known(root, 'the file', ['server', 'local_api', 'queue', 'poll', 'buses', 'meters']);
  const srv = mapAt(root, 'server', 'the file', true)!;
  known(srv, 'server', ['url', 'token', 'batch_size', 'retry_max_seconds']);
  const url = str(srv, 'url', 'server', { required: true })!;
  if (!/^https?:\/\/[^/]+/.test(url)) fail(get(srv, 'url'), 'server.url', `"${url}" is not an http(s) URL: write the kWhub server's base URL, e.g. http://kwhub.example.ch:8080`);
  const token = str(srv, 'token', 'server') ?? env.KWHUB_GATEWAY_TOKEN;
  if (!token) fail(srv, 'server', 'no gateway token: set server.token, or KWHUB_GATEWAY_TOKEN in the environment (the operator creates one with POST /api/admin/v1/sites/<site_id>/gateways)');
  const batchSize = num(srv, 'batch_size', 'server', { def: 10_000, min: 1, max: 100_000, integer: true })!;
  const retryMaxSeconds = num(srv, 'retry_max_seconds', 'server', { def: 300, min: 0.1, max: 86_400 })!;

  const api = mapAt(root, 'local_api', 'the file', false);
  if (api) known(api, 'local_api', ['host', 'port']);
  const localApi = {
    host: (api && str(api, 'host', 'local_api')) ?? '0.0.0.0',
    port: (api && num(api, 'port', 'local_api', { min: 0, max: 65535, integer: true })) ?? 8080,
  };
  const q = mapAt(root, 'queue', 'the file', false);
  if (q) known(q, 'queue', ['path', 'max_readings']);
  const queue = {
    path: (q && str(q, 'path', 'queue')) ?? './gateway-queue.sqlite',
    maxReadings: (q && num(q, 'max_readings', 'queue', { min: 1000, integer: true })) ?? DEFAULT_MAX_READINGS,
  };
  const poll = mapAt(root, 'poll', 'the file', false);
  if (poll) known(poll, 'poll', ['live_seconds']);
  const liveSeconds = (poll && num(poll, 'live_seconds', 'poll', { min: 1, max: 900 })) ?? 5;

  const busesNode = get(root, 'buses');
  if (!isSeq(busesNode) || busesNode.items.length === 0) fail(busesNode ?? root, 'buses', 'list at least one bus, e.g. "- {name: rs485, type: serial, device: /dev/ttyUSB0, baud: 9600, parity: 8N1}"');
  const buses: BusConfig[] = [];
  for (const [i, n] of (busesNode as { items: Node[] }).items.entries()) {
    const where = `buses[${i}]`;
    if (!isMap(n)) fail(n, where, 'must be a map: {name, type, ...}');
    const m = n as YAMLMap;
    known(m, where, ['name', 'type', 'device', 'baud', 'parity', 'host', 'port', 'timeout_ms', 'retries']);
    const name = str(m, 'name', where, { required: true })!;
    if (buses.some((b) => b.name === name)) fail(get(m, 'name'), `${where}.name`, `a bus named "${name}" is already defined: give each bus its own name`);
    const type = oneOf(m, 'type', where, BUS_TYPES, { required: true })!;
    const serial = type === 'serial' || type === 'mbus_serial';
    const framing = str(m, 'parity', where);
    if (framing !== undefined && !PARITY[framing]) fail(get(m, 'parity'), `${where}.parity`, `"${framing}" is not one of ${Object.keys(PARITY).join(', ')}`);
    const fr = PARITY[framing ?? '8N1'];
    const bus: BusConfig = {
      name, type, line: lineOf(m),
      baud: num(m, 'baud', where, { def: type === 'mbus_serial' ? 2400 : 9600, min: 300, max: 921_600, integer: true })!,
      ...fr,
      timeoutMs: num(m, 'timeout_ms', where, { def: type.startsWith('mbus') ? 1000 : 600, min: 1, max: 60_000, integer: true })!,
      retries: num(m, 'retries', where, { def: 1, min: 0, max: 10, integer: true })!,
    };
    if (serial) {
      bus.device = str(m, 'device', where, { required: true });
      for (const k of ['host', 'port']) if (get(m, k)) fail(get(m, k), `${where}.${k}`, `a ${type} bus is a serial port: give device (e.g. /dev/ttyUSB0), not ${k}`);
    } else {
      bus.host = str(m, 'host', where, { required: true });
      bus.port = num(m, 'port', where, { def: type === 'modbus_tcp' ? 502 : undefined, required: type !== 'modbus_tcp', min: 1, max: 65535, integer: true });
      if (get(m, 'device')) fail(get(m, 'device'), `${where}.device`, `a ${type} bus is reached over the network: give host and port, not device`);
    }
    buses.push(bus);
  }

  const metersNode = get(root, 'meters');
  if (!isSeq(metersNode) || metersNode.items.length === 0) fail(metersNode ?? root, 'meters', 'list the meters, e.g. "- {prim_ad: 1, type: electricity, model: sdm630, bus: rs485, unit_id: 1}"');
  const meters: MeterConfig[] = [];
  const seenUnit = new Map<string, number>();
  for (const [i, n] of (metersNode as { items: Node[] }).items.entries()) {
    const where = `meters[${i}]`;
    if (!isMap(n)) fail(n, where, 'must be a map: {prim_ad, type, model, bus, unit_id | secondary_address}');
    const m = n as YAMLMap;
    known(m, where, ['prim_ad', 'type', 'model', 'bus', 'unit_id', 'secondary_address', 'registers', 'name']);
    const primAd = num(m, 'prim_ad', where, { required: true, min: 0, max: 1_000_000, integer: true })!;
    const dup = meters.find((x) => x.primAd === primAd);
    if (dup) fail(get(m, 'prim_ad'), `${where}.prim_ad`, `prim_ad ${primAd} is already used by the meter on line ${dup.line}: each meter has its own prim_ad (the one it has on the kWhub site)`);
    const type = oneOf(m, 'type', where, GATEWAY_METER_TYPES, { required: true })!;
    const modelName = str(m, 'model', where, { required: true })!;
    if (!MODEL_NAMES.includes(modelName)) fail(get(m, 'model'), `${where}.model`, `unknown model "${modelName}": use one of ${MODEL_NAMES.join(', ')} (generic_modbus takes a registers map for any other Modbus meter)`);
    const busName = str(m, 'bus', where, { required: true })!;
    const bus = buses.find((b) => b.name === busName);
    if (!bus) fail(get(m, 'bus'), `${where}.bus`, `no bus named "${busName}": the buses are ${buses.map((b) => b.name).join(', ')}`);
    const isMbusBus = bus!.type.startsWith('mbus');
    const electric = type === 'electricity' || type === 'charge_point';
    const meter: MeterConfig = { primAd, type, modelName, model: null, bus: busName, line: lineOf(m) };
    if (modelName === 'mbus') {
      if (!isMbusBus) fail(get(m, 'bus'), `${where}.bus`, `an M-Bus meter needs an mbus_serial or mbus_tcp bus; "${busName}" is ${bus!.type}`);
      const sa = str(m, 'secondary_address', where);
      const ua = num(m, 'unit_id', where, { min: 1, max: 250, integer: true });
      if (sa !== undefined && !/^[0-9]{8}[0-9A-Fa-f]{8}$/.test(sa)) fail(get(m, 'secondary_address'), `${where}.secondary_address`, `"${sa}" is not a secondary address: 16 characters, the 8-digit id then manufacturer, version and medium in hex (e.g. 71000030E82E0104), as an M-Bus scan prints it`);
      if (sa === undefined && ua === undefined) fail(m, where, 'an M-Bus meter needs secondary_address (recommended) or unit_id (its primary address, 1-250)');
      meter.secondaryAddress = sa?.toUpperCase();
      meter.unitId = ua;
    } else {
      if (isMbusBus) fail(get(m, 'bus'), `${where}.bus`, `model ${modelName} is a Modbus meter; "${busName}" is an M-Bus bus`);
      if (!electric) fail(get(m, 'type'), `${where}.type`, `a Modbus model reads electricity meters; a ${type} meter is read over M-Bus (model: mbus)`);
      meter.unitId = num(m, 'unit_id', where, { required: true, min: 1, max: 247, integer: true });
      if (modelName === 'generic_modbus') meter.model = genericRegisters(m, where);
      else {
        meter.model = MODBUS_MODELS.get(modelName)!;
        if (get(m, 'registers')) fail(get(m, 'registers'), `${where}.registers`, 'only a generic_modbus meter takes a registers map');
      }
    }
    if (!electric && modelName !== 'mbus') fail(get(m, 'model'), `${where}.model`, 'heat and water meters are read with model: mbus');
    const unitKey = `${busName}/${meter.secondaryAddress ?? meter.unitId}`;
    const other = seenUnit.get(unitKey);
    if (other !== undefined) fail(m, where, `the meter on line ${other} has the same address on bus "${busName}": two meters cannot share one`);
    seenUnit.set(unitKey, meter.line);
    meters.push(meter);
  }
  return { file, server: { url: url.replace(/\/+$/, ''), token: token!, batchSize, retryMaxSeconds }, localApi, queue, liveSeconds, buses, meters };

  function genericRegisters(m: YAMLMap, where: string): ModbusModel {
    const regs = mapAt(m, 'registers', where, true)!;
    const out: Partial<Record<ElectricityQuantity, GenericRegister>> = {};
    for (const pair of regs.items) {
      const q = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (!(ELECTRICITY_QUANTITIES as readonly string[]).includes(q)) fail(pair.key as Node, `${where}.registers`, `unknown quantity "${q}": use ${ELECTRICITY_QUANTITIES.join(', ')}`);
      if (!isMap(pair.value)) fail(pair.value as Node, `${where}.registers.${q}`, 'must be {register, function_code, size, encoding, factor}');
      const r = pair.value as YAMLMap;
      const w = `${where}.registers.${q}`;
      known(r, w, ['register', 'function_code', 'size', 'encoding', 'factor']);
      const fc = num(r, 'function_code', w, { required: true, integer: true })!;
      if (fc !== 3 && fc !== 4) fail(get(r, 'function_code'), `${w}.function_code`, 'must be 3 (holding registers) or 4 (input registers)');
      const encoding = oneOf(r, 'encoding', w, ENCODINGS, { required: true }) as Encoding;
      const size = num(r, 'size', w, { min: 1, max: 4, integer: true });
      if (size !== undefined && size !== wordsOf(encoding)) fail(get(r, 'size'), `${w}.size`, `${encoding} spans ${wordsOf(encoding)} registers, not ${size}: drop size or make it agree`);
      out[q as ElectricityQuantity] = {
        register: num(r, 'register', w, { required: true, min: 0, max: 65535, integer: true })!,
        function_code: fc as 3 | 4,
        size,
        encoding,
        factor: num(r, 'factor', w, { def: 1 }),
      };
    }
    if (!out.en_im) fail(regs, `${where}.registers`, 'en_im is missing: the gateway pushes at least the import energy (kWh)');
    try {
      return genericModbusModel(out);
    } catch (e) {
      return fail(regs, `${where}.registers`, `${(e as Error).message}: drop size or make it agree`);
    }
  }
}
