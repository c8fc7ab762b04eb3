/** Answers of the operator API (/api/admin/v1); its request bodies are in modules/admin/admin.schemas.ts. */
import Type from 'typebox';
import { METER_MODES, METER_TYPES, READING_KINDS } from '../../core/types.js';
import { component, ref } from './components.js';
import { Address, ObjectId } from './developer.js';
import { EX, installationInfoExample } from './examples.js';

const IsoInstant = Type.String({ format: 'date-time', description: 'ISO-8601 instant in UTC', examples: ['2026-05-05T15:00:00.000Z'] });
const NullableIsoInstant = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: 'ISO-8601 instant in UTC, or null' });

export const SiteView = component('Site', Type.Object({
  id: ObjectId,
  site_ref: Type.String(),
  name: Type.String(),
  address: ref(Address),
  latitude: Type.Number(),
  longitude: Type.Number(),
  timezone: Type.String({ description: 'IANA time zone', examples: ['Europe/Zurich'] }),
  creation_date: Type.String({ description: 'local date-time of the site, ISO-8601 without offset', examples: ['2021-06-30T17:53:24'] }),
  lock_date: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    format: 'date-time',
    description: 'validated data before this instant is frozen (billed): readings arriving later for it are kept raw and reported as discrepancies',
  }),
}, { additionalProperties: false, examples: [{ id: EX.site, ...installationInfoExample, lock_date: null }] }));

export const MeterView = component('Meter', Type.Object({
  id: ObjectId,
  site_id: ObjectId,
  name: Type.String(),
  type: Type.Enum([...METER_TYPES]),
  mode: Type.Enum([...METER_MODES]),
  prim_ad: Type.Integer({ description: "M-Bus primary address on the site's gateway" }),
  reading_kind: Type.Enum([...READING_KINDS], { description: '`index`: cumulative registers; `interval`: the amounts of the slice ending at the timestamp' }),
  rule: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'formula over meter ids of the site (`<id1> - <id2>`) for a rule meter, else null' }),
  in_balance: Type.Boolean({ description: "whether the meter takes part in the site's balance" }),
  reversed: Type.Boolean({ description: 'import and export registers swapped at installation' }),
  installed_at: NullableIsoInstant,
  max_power_kw: Type.Unsafe<number | null>({ type: ['number', 'null'], description: 'plausibility limit of validation' }),
  register_max: Type.Unsafe<number | null>({ type: ['number', 'null'], description: 'where the register rolls over' }),
  is_rule_meter: Type.Boolean(),
}, {
  additionalProperties: false,
  examples: [{
    id: EX.apartment, site_id: EX.site, name: 'Wohnung 1.1', type: 'electricity', mode: 'consumption', prim_ad: 10, reading_kind: 'index',
    rule: null, in_balance: true, reversed: false, installed_at: null, max_power_kw: 25, register_max: 1000000, is_rule_meter: false,
  }],
}));

export const SensorView = component('Sensor', Type.Object({
  id: ObjectId,
  site_id: ObjectId,
  name: Type.String(),
  type: Type.String(),
  unit: Type.String(),
  model: Type.String(),
}, { additionalProperties: false, examples: [{ id: EX.sensor, site_id: EX.site, name: 'Aussentemperatur', type: 'temperature', unit: '°C', model: 'PT1000' }] }));

export const GatewayCreated = component('GatewayCreated', Type.Object({
  gateway_id: ObjectId,
  token: Type.String({ minLength: 1, description: "the gateway's bearer token: shown this once, stored hashed" }),
}, { additionalProperties: false }));

export const DeveloperView = component('Developer', Type.Object({
  id: ObjectId,
  username: Type.String(),
  created_at: IsoInstant,
}, { additionalProperties: false, description: 'an API user (never the password)', examples: [{ id: '6b09b6565626f20d6a7c353d', username: 'demo', created_at: '2026-05-01T08:00:00.000Z' }] }));

export const GrantView = component('Grant', Type.Object({
  username: Type.String(),
  site_id: ObjectId,
  history_from: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: 'no data before this instant is served to the developer; null: no limit' }),
  consent_ref: Type.String({ description: "reference of the site owner's consent" }),
  created_at: IsoInstant,
}, {
  additionalProperties: false,
  examples: [{ username: 'demo', site_id: EX.site, history_from: null, consent_ref: 'demo: synthetic community, no personal data', created_at: '2026-05-01T08:00:00.000Z' }],
}));

export const PipelineRunView = component('PipelineRun', Type.Object({
  meters: Type.Integer({ minimum: 0, description: 'meters validated again' }),
  intervals: Type.Integer({ minimum: 0, description: '15-minute meter intervals validated' }),
  allocated: Type.Integer({ minimum: 0, description: '15-minute site intervals allocated' }),
}, { additionalProperties: false }));

const span = {
  meter_id: ObjectId,
  from: IsoInstant,
  to: IsoInstant,
  reason: Type.String({ examples: ['gap', 'spike', 'after_lock_date'] }),
  detail: Type.String(),
  recorded_at: Type.Optional(IsoInstant),
};

export const QualityReport = component('QualityReport', Type.Object({
  site_id: ObjectId,
  rejected: Type.Array(Type.Object({ ...span, timestamp: IsoInstant }, { additionalProperties: false }), { description: 'raw readings validation refused, with the reason' }),
  estimated: Type.Array(Type.Object(span, { additionalProperties: false }), { description: 'spans validation filled by estimation, one per stretch and meter' }),
  discrepancies: Type.Array(Type.Object(span, { additionalProperties: false }), { description: 'e.g. readings that arrived for a locked (billed) period' }),
}, { additionalProperties: false }));
