/** The gateway API (/api/gateway/v1): a batch of readings in, what became of each out. */
import Type from 'typebox';
import { component } from './components.js';
import { EX } from './examples.js';

/**
 * One reading, documented but not constrained: no `type` and no `required`,
 * so the batch schema accepts any item. Every reading is checked on its
 * own, and a bad one is reported in `rejected` (with its index) without
 * costing the good ones next to it.
 */
function documentedOnly(description: string, fields: Record<string, string>) {
  return Type.Unsafe<unknown>({ description, properties: Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, { description: d }])) });
}

const MeterReading = documentedOnly(
  "A meter reading: the meter (`meter_id` or `prim_ad`), `timestamp`, and the registers of the meter's type. For an index meter " +
    'they are cumulative register values; for an interval meter the amounts of the slice ending at `timestamp` (slightly ' +
    "negative amounts, such as a producer's standby draw, are kept).",
  {
    meter_id: 'the meter, by id (or give `prim_ad`)',
    prim_ad: "the meter, by its M-Bus primary address on this gateway's site",
    timestamp: 'ISO-8601 with `Z` or an offset, or epoch milliseconds: the end of the measured period',
    en_im: 'electricity and charge points: import register (kWh)',
    en_ex: 'electricity and charge points: export register (kWh)',
    heat_energy_kwh: 'heating and cooling: energy register (kWh)',
    vol_m3: 'water: volume register (m³)',
  },
);

const SensorReading = documentedOnly('A sensor reading.', {
  sensor_id: 'the sensor, by id',
  timestamp: 'ISO-8601 with `Z` or an offset, or epoch milliseconds',
  value: 'a finite number, in the unit of the sensor',
});

export const PushBody = component('ReadingsBatch', Type.Object({
  meters: Type.Optional(Type.Array(MeterReading, { description: 'meter readings' })),
  sensors: Type.Optional(Type.Array(SensorReading, { description: 'sensor readings' })),
}, {
  description: 'Up to 100,000 readings per request (meters and sensors together). A missing or empty body pushes nothing.',
  examples: [{
    meters: [
      { meter_id: EX.apartment, timestamp: '2026-05-05T15:15:00Z', en_im: 31684.585011, en_ex: 0 },
      { prim_ad: 30, timestamp: 1777994100000, heat_energy_kwh: 40493.2368 },
    ],
    sensors: [{ sensor_id: EX.sensor, timestamp: 1777994100000, value: 10.37 }],
  }],
}));

export const PushResult = component('ReadingsResult', Type.Object({
  stored: Type.Integer({ minimum: 0, description: 'readings stored now (durable once the answer is 200)' }),
  duplicates: Type.Integer({ minimum: 0, description: 'readings already stored identically' }),
  rejected: Type.Array(Type.Object({
    kind: Type.Enum(['meter', 'sensor']),
    index: Type.Integer({ minimum: 0, description: 'position of the reading in its list (`meters` or `sensors`)' }),
    reason: Type.Enum(['not_an_object', 'invalid_json', 'unknown_meter', 'rule_meter', 'unknown_sensor', 'bad_timestamp', 'wrong_field', 'missing_field', 'non_finite_value', 'conflict']),
    message: Type.String(),
  }, { additionalProperties: false }), { description: 'each refused reading, with its index and reason' }),
}, {
  additionalProperties: false,
  description: 'What became of the batch. Validation and allocation of the touched intervals follow once the site\'s pushes settle (a quarter of a second after a lone push); a developer API read of the site\'s data waits for them, so it reflects every acknowledged push.',
  examples: [{ stored: 2, duplicates: 0, rejected: [{ kind: 'sensor', index: 0, reason: 'unknown_sensor', message: 'no sensor "60dc9374000000000000beef" on this gateway\'s site' }] }],
}));
