/** Request bodies of the operator API; the CLI's `apply` files use the same shapes. */
import Type from 'typebox';

const strict = { additionalProperties: false } as const;
import { METER_MODES, METER_TYPES, READING_KINDS } from '../../../core/types.js';

const ObjectId = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24-hex object id' });
/** ISO-8601 (UTC unless an offset is given) or epoch milliseconds */
const Instant = Type.Union([Type.String({ minLength: 10, maxLength: 40 }), Type.Integer()], { description: 'ISO-8601 (UTC unless an offset is given) or epoch milliseconds' });
const NullableInstant = Type.Union([Instant, Type.Null()]);

export const AddressSchema = Type.Object({
  street_name: Type.String({ maxLength: 200 }),
  street_number: Type.String({ maxLength: 20 }),
  city: Type.String({ maxLength: 200 }),
  postal_code: Type.Integer({ minimum: 0, maximum: 999999 }),
}, strict);

const siteFields = {
  site_ref: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  address: AddressSchema,
  latitude: Type.Number({ minimum: -90, maximum: 90 }),
  longitude: Type.Number({ minimum: -180, maximum: 180 }),
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Zurich' }),
  creation_date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$', description: 'local date-time, e.g. 2021-01-12T08:31:00' }),
  lock_date: Type.Union([Instant, Type.Null()], { description: 'validated data before this instant is frozen (billed); null: none' }),
};

export const SiteCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  site_ref: siteFields.site_ref,
  name: siteFields.name,
  address: siteFields.address,
  latitude: siteFields.latitude,
  longitude: siteFields.longitude,
  timezone: siteFields.timezone,
  creation_date: Type.Optional(siteFields.creation_date),
  lock_date: Type.Optional(siteFields.lock_date),
}, {
  ...strict,
  examples: [{
    id: '60dc9374b09d0f23bfaa841c', site_ref: 'SONNENHOF', name: 'Sonnenhof',
    address: { street_name: 'Sonnenhofweg', street_number: '12', city: 'Winterthur', postal_code: 8400 },
    latitude: 47.5, longitude: 8.72, timezone: 'Europe/Zurich', creation_date: '2021-06-30T17:53:24',
  }],
});
export type SiteCreate = Type.Static<typeof SiteCreateSchema>;

export const SitePatchSchema = Type.Partial(Type.Object(siteFields), strict);
export type SitePatchBody = Type.Static<typeof SitePatchSchema>;

const meterFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.Union(METER_TYPES.map((t) => Type.Literal(t))),
  mode: Type.Union(METER_MODES.map((t) => Type.Literal(t))),
  prim_ad: Type.Integer({ minimum: 0, maximum: 65535, description: "M-Bus primary address on the site's gateway (unique among the site's physical meters)" }),
  reading_kind: Type.Union(READING_KINDS.map((t) => Type.Literal(t)), { description: '`index` (default): cumulative registers; `interval`: the amounts of the slice ending at each timestamp' }),
  rule: Type.Union([Type.String({ minLength: 1, maxLength: 10_000 }), Type.Null()], { description: 'a rule (simulated) meter: a sum/difference of meter ids of the same site, e.g. "<id1> - <id2>"' }),
  in_balance: Type.Boolean({ description: "takes part in the site's balance (default true; false for a group meter)" }),
  reversed: Type.Boolean({ description: 'import and export registers swapped at installation (default false)' }),
  installed_at: Type.Union([Instant, Type.Null()], { description: 'readings before this instant are not the meter\'s' }),
  max_power_kw: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: 'plausibility limit of validation' }),
  register_max: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: 'where the register rolls over' }),
};

export const MeterCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  name: meterFields.name,
  type: meterFields.type,
  mode: meterFields.mode,
  prim_ad: meterFields.prim_ad,
  reading_kind: Type.Optional(meterFields.reading_kind),
  rule: Type.Optional(meterFields.rule),
  in_balance: Type.Optional(meterFields.in_balance),
  reversed: Type.Optional(meterFields.reversed),
  installed_at: Type.Optional(meterFields.installed_at),
  max_power_kw: Type.Optional(meterFields.max_power_kw),
  register_max: Type.Optional(meterFields.register_max),
}, {
  ...strict,
  examples: [{ id: '60dc937464a04c38920b8e9d', name: 'Wohnung 1.1', type: 'electricity', mode: 'consumption', prim_ad: 10, reading_kind: 'index', max_power_kw: 25, register_max: 1000000 }],
});
export type MeterCreate = Type.Static<typeof MeterCreateSchema>;

export const MeterPatchSchema = Type.Partial(Type.Object(meterFields), strict);
export type MeterPatchBody = Type.Static<typeof MeterPatchSchema>;

export const SensorCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.String({ minLength: 1, maxLength: 50 }),
  unit: Type.String({ minLength: 1, maxLength: 20 }),
  model: Type.String({ maxLength: 100 }),
}, strict);
export type SensorCreate = Type.Static<typeof SensorCreateSchema>;

export const GatewayCreateSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, strict);

export const SensorPatchSchema = Type.Partial(Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.String({ minLength: 1, maxLength: 50 }),
  unit: Type.String({ minLength: 1, maxLength: 20 }),
  model: Type.String({ maxLength: 100 }),
}), strict);

export const DeveloperCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  username: Type.String({ pattern: '^[A-Za-z0-9._@+-]{3,100}$', description: '3-100 letters, digits or ._@+-' }),
  password: Type.String({ minLength: 8, maxLength: 1024 }),
}, strict);
export type DeveloperCreate = Type.Static<typeof DeveloperCreateSchema>;

export const GrantCreateSchema = Type.Object({
  site_id: ObjectId,
  history_from: Type.Optional(Type.Union([Instant, Type.Null()], { description: 'no data before this instant is served to the developer; null: no limit' })),
  consent_ref: Type.String({ minLength: 1, maxLength: 500, description: "reference of the site owner's consent" }),
}, { ...strict, examples: [{ site_id: '60dc9374b09d0f23bfaa841c', history_from: '2024-01-01', consent_ref: 'Sonnenhof owners, agreement of 2024-01-15' }] });
export type GrantCreate = Type.Static<typeof GrantCreateSchema>;

export const RevalidateSchema = Type.Object({
  from: Type.Optional(NullableInstant),
  to: Type.Optional(NullableInstant),
}, strict);
