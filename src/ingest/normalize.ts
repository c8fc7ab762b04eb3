/**
 * Checks a batch of gateway readings one by one against the site's meters
 * and sensors. Good readings become store rows; each bad one becomes a
 * rejection with its index and a reason, and never costs its neighbours.
 */
import { REGISTERS, registersOf, type MeterType } from '../core/types.js';
import type { Meter, RawMeterReading, RawSensorReading, Sensor } from '../store/store.js';

export const MAX_BATCH = 100_000;

export type RejectReason = 'not_an_object' | 'invalid_json' | 'unknown_meter' | 'rule_meter' | 'unknown_sensor' | 'bad_timestamp' | 'wrong_field' | 'missing_field' | 'non_finite_value' | 'conflict';

export interface ReadingRejection {
  kind: 'meter' | 'sensor';
  index: number;
  reason: RejectReason;
  message: string;
}


/** per meter type: which of REGISTERS it sends, and their names for messages (looked up per reading) */
const WANTED = new Map<MeterType, { mask: boolean[]; list: string }>();
function wantedOf(type: MeterType): { mask: boolean[]; list: string } {
  let w = WANTED.get(type);
  if (!w) {
    const regs = registersOf(type);
    w = { mask: REGISTERS.map((r) => regs.includes(r)), list: regs.join(' and ') };
    WANTED.set(type, w);
  }
  return w;
}


const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** readings are plausible from 2000 up to a day ahead of the server's clock (gateway clocks drift) */
const EARLIEST = Date.UTC(2000, 0, 1);
const AHEAD_MS = 24 * 3600 * 1000;

/** epoch ms, or a string saying what is wrong */
export function readingTime(value: unknown, now: number): number | string {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return 'timestamp must be integer epoch milliseconds or ISO-8601 with Z or an offset';
    ms = value;
  } else if (typeof value === 'string') {
    if (!ISO_WITH_ZONE.test(value)) return `timestamp ${JSON.stringify(value.slice(0, 40))} must be ISO-8601 with Z or an offset (e.g. 2024-05-01T10:15:00Z) or epoch milliseconds`;
    ms = Date.parse(value.replace(' ', 'T'));
    if (Number.isNaN(ms)) return `timestamp ${JSON.stringify(value.slice(0, 40))} is not a valid date-time`;
  } else {
    return 'timestamp is missing: give ISO-8601 with Z or an offset, or epoch milliseconds';
  }
  if (ms < EARLIEST || ms > now + AHEAD_MS) return `timestamp ${new Date(ms).toISOString()} is implausible (before 2000 or more than a day ahead of the server's clock)`;
  return ms;
}

export interface NormalizedBatch {
  meters: RawMeterReading[];
  /** index in the request of each normalized meter reading */
  meterIndex: number[];
  sensors: RawSensorReading[];
  sensorIndex: number[];
  rejected: ReadingRejection[];
}

export function normalizeBatch(input: { meters?: unknown[]; sensors?: unknown[] }, site: { meters: Meter[]; sensors: Sensor[] }, now: number): NormalizedBatch {
  const byId = new Map(site.meters.map((m) => [m.id, m]));
  const byPrimAd = new Map(site.meters.filter((m) => m.rule === null).map((m) => [m.prim_ad, m]));
  const sensorsById = new Map(site.sensors.map((s) => [s.id, s]));
  const out: NormalizedBatch = { meters: [], meterIndex: [], sensors: [], sensorIndex: [], rejected: [] };
  const reject = (kind: 'meter' | 'sensor', index: number, reason: RejectReason, message: string) => out.rejected.push({ kind, index, reason, message });

  (input.meters ?? []).forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reject('meter', index, 'not_an_object', 'a reading must be a JSON object');
    const r = raw as Record<string, unknown>;
    // a line of an imported file that did not parse
    if (typeof r.__invalid === 'string') return reject('meter', index, 'invalid_json', r.__invalid);
    let meter: Meter | undefined;
    if (r.meter_id !== undefined) meter = typeof r.meter_id === 'string' ? byId.get(r.meter_id) : undefined;
    else if (r.prim_ad !== undefined) meter = typeof r.prim_ad === 'number' ? byPrimAd.get(r.prim_ad) : undefined;
    else return reject('meter', index, 'unknown_meter', 'name the meter with meter_id or prim_ad');
    if (!meter) return reject('meter', index, 'unknown_meter', `no meter ${JSON.stringify(r.meter_id ?? r.prim_ad)} on this gateway's site`);
    if (meter.rule !== null) return reject('meter', index, 'rule_meter', `meter ${meter.id} is a rule meter: it is computed, not read`);
    const ts = readingTime(r.timestamp, now);
    if (typeof ts === 'string') return reject('meter', index, 'bad_timestamp', ts);
    const wanted = wantedOf(meter.type);
    const row: RawMeterReading = { meter_id: meter.id, ts, en_im: null, en_ex: null, heat_energy_kwh: null, vol_m3: null };
    for (let k = 0; k < REGISTERS.length; k++) {
      const reg = REGISTERS[k];
      const v = r[reg];
      if (v === undefined || v === null) {
        if (wanted.mask[k]) return reject('meter', index, 'missing_field', `a ${meter.type} meter sends ${wanted.list}; ${reg} is missing`);
        continue;
      }
      if (!wanted.mask[k]) return reject('meter', index, 'wrong_field', `a ${meter.type} meter sends ${wanted.list}, not ${reg}`);
      if (typeof v !== 'number' || !Number.isFinite(v)) return reject('meter', index, 'non_finite_value', `${reg} must be a finite number`);
      row[reg] = v;
    }
    out.meters.push(row);
    out.meterIndex.push(index);
  });

  (input.sensors ?? []).forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reject('sensor', index, 'not_an_object', 'a reading must be a JSON object');
    const r = raw as Record<string, unknown>;
    const sensor = typeof r.sensor_id === 'string' ? sensorsById.get(r.sensor_id) : undefined;
    if (!sensor) return reject('sensor', index, 'unknown_sensor', `no sensor ${JSON.stringify(r.sensor_id)} on this gateway's site`);
    const ts = readingTime(r.timestamp, now);
    if (typeof ts === 'string') return reject('sensor', index, 'bad_timestamp', ts);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return reject('sensor', index, 'non_finite_value', 'value must be a finite number');
    out.sensors.push({ sensor_id: sensor.id, ts, value: r.value });
    out.sensorIndex.push(index);
  });
  return out;
}
