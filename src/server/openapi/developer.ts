/**
 * Schemas of the developer API (/api/v1, the "Climkit Developer API"): the
 * requests its handlers check and the answers they give, field for field
 * as spec/api.md has them.
 */
import Type from 'typebox';
import { FREQUENCIES, METER_MODES, METER_TYPES } from '../../core/types.js';
import { AddressSchema } from '../modules/admin/admin.schemas.js';
import { component, ref } from './components.js';
import {
  EX, chargePointRowExample, installationExample, installationInfoExample, meterDataExamples, meterInfoExample,
  rawExamples, sensorDataExample, sensorExample, siteDataRowExample,
} from './examples.js';

// ---------------------------------------------------------------------------
// Shared pieces

export const Address = component('Address', Type.Object(AddressSchema.properties, {
  additionalProperties: false,
  description: 'postal address; `postal_code` is an integer',
  examples: [installationInfoExample.address],
}));

export const ObjectId = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24-hex-character object id', examples: [EX.site] });

const VENDOR_TS_PATTERN = '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}$';

/** the vendor's timestamp: the site's local time with its UTC offset */
export const VendorTimestamp = Type.String({
  pattern: VENDOR_TS_PATTERN,
  description:
    "The site's local time with its UTC offset, as the vendor's API writes it. For 15T rows it marks the END of the " +
    '15-minute interval; for H, D, M and Y rows the START of the local hour, day, month or year (days, months and years ' +
    "are calendar periods in the site's time zone: a DST day has 23 or 25 hours).",
  examples: ['2022-05-05 17:15:00+02:00'],
});

/** the accepted forms of t_s / t_e (the shape only: a date that does not exist, such as 2024-02-30, is a 400 too) */
export const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$';

const INSTANT_TEXT =
  'ISO-8601 date-time, tz-naive and read as UTC: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.ffffff]]`, or the same with a space ' +
  'instead of `T`. An explicit `Z` or offset (`+02:00`) is honoured. Anything else, or a date that does not exist, is a 400 naming the parameter.';

export const T_S_TEXT = `Start of the range. ${INSTANT_TEXT} Omitted or null: t_e minus 24 hours. It is clipped to your grant's history limit, if the site has one.`;
export const T_E_TEXT = `End of the range. ${INSTANT_TEXT} Omitted or null: now.`;
const FREQ_TEXT =
  'Rows per 15-minute interval (`15T`, the default), or per local hour, day, month or year (`H`, `D`, `M`, `Y`) of the site. ' +
  'A coarser row is the sum of exactly the 15-minute intervals of the range that fall into it (a period cut by the range holds only its covered part).';

const instant = (description: string, example: string) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: INSTANT_PATTERN, description, examples: [example] });

/** sampling_frequency as the handler checks it (null means omitted) */
export const FrequencySchema = Type.Unsafe<(typeof FREQUENCIES)[number] | null>({ enum: [...FREQUENCIES, null], description: FREQ_TEXT, default: '15T' });

/** meter_type of site_data's path, as the handler checks it */
export const MeterTypeSchema = Type.Enum([...METER_TYPES], {
  description:
    'The meter type the rows are about: `electricity` (the site balance), `heating`, `cooling`, `cold_water`, `hot_water` or ' +
    '`charge_point`. Anything else is a 400.',
  examples: ['electricity'],
});

// ---------------------------------------------------------------------------
// Requests

export const AuthBody = component('AuthRequest', Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200, description: 'issued by the operator' }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { description: 'JSON or application/x-www-form-urlencoded', examples: [{ username: 'demo', password: 'sonnenhof-demo' }] }));

const WITH_QUALITY_TEXT =
  '*(beyond the vendor\'s API)* With `true`, every row gains `quality: {measured, estimated, missing}`: the shares of the ' +
  'row\'s 15-minute intervals (inside the range) that were measured, estimated by validation (spread over a gap between two ' +
  'readings) or missing (no validated value yet), summing to 1. site_data counts over every meter taking part in the answer ' +
  '(a rule meter stands for its terms), meter_data over the meter (a rule meter: over its terms). CSV answers get three ' +
  'columns `quality_measured`, `quality_estimated`, `quality_missing` before `timestamp`. Without it, answers are exactly the vendor\'s.';

export const SeriesBody = component('SeriesRequest', Type.Object({
  t_s: Type.Optional(instant(T_S_TEXT, '2026-05-05T15:00')),
  t_e: Type.Optional(instant(T_E_TEXT, '2026-05-05 16:00:00')),
  sampling_frequency: Type.Optional(FrequencySchema),
  with_quality: Type.Optional(Type.Boolean({ description: WITH_QUALITY_TEXT, default: false })),
}, {
  additionalProperties: true,
  description:
    'Every field is optional, and so is the body itself: a missing or empty body (or JSON null) means "all omitted". ' +
    'Unknown fields are ignored. The range selects the 15-minute intervals lying entirely inside [t_s, t_e].',
  examples: [{ t_s: '2026-05-05T15:00', t_e: '2026-05-05T16:00', sampling_frequency: '15T' }],
}));

export const RawBody = component('RawRequest', Type.Object({
  t_s: Type.Optional(instant(`${T_S_TEXT} Raw readings are selected by their own timestamps (instants), not by intervals.`, '2026-05-05T15:00')),
  t_e: Type.Optional(instant(T_E_TEXT, '2026-05-05T15:15')),
}, {
  additionalProperties: true,
  description: 'Both optional, and so is the body itself; no sampling (readings come at their own timestamps). Unknown fields are ignored.',
  examples: [{ t_s: '2026-05-05T15:00', t_e: '2026-05-05T15:15' }],
}));

/** the GET forms: the same parameters in the query string */
export const SeriesQuery = Type.Object({
  t_s: Type.Optional(Type.String({ pattern: INSTANT_PATTERN, description: T_S_TEXT, examples: ['2026-05-05T15:00'] })),
  t_e: Type.Optional(Type.String({ pattern: INSTANT_PATTERN, description: T_E_TEXT, examples: ['2026-05-05T16:00'] })),
  sampling_frequency: Type.Optional(Type.Enum([...FREQUENCIES], { description: FREQ_TEXT, default: '15T' })),
  with_quality: Type.Optional(Type.Enum(['true', 'false', '1', '0'], { description: WITH_QUALITY_TEXT, default: 'false' })),
});

export const RawQuery = Type.Object({
  t_s: SeriesQuery.properties.t_s,
  t_e: SeriesQuery.properties.t_e,
});

// ---------------------------------------------------------------------------
// Answers

export const AuthAnswer = component('AccessToken', Type.Object({
  access_token: Type.String({ minLength: 1, description: 'a JSON Web Token valid 15 minutes: send it as `Authorization: Bearer <access_token>`' }),
  valid_until: Type.Object({
    $date: Type.Integer({ description: 'expiry of the token, epoch **milliseconds**' }),
  }, { additionalProperties: false }),
}, {
  additionalProperties: false,
  examples: [{ access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2YjA5YjY1NjU2MjZmMjBkNmE3YzM1M2QiLCJpc3MiOiJrd2h1YiJ9.c2lnbmF0dXJl', valid_until: { $date: 1777994100000 } }],
}));

export const Installation = component('Installation', Type.Object({
  site_id: Type.String({ description: 'the id every other path takes' }),
  site_ref: Type.String(),
  name: Type.String(),
}, { additionalProperties: false, examples: [installationExample] }));

export const InstallationInfo = component('InstallationInfo', Type.Object({
  site_ref: Type.String(),
  name: Type.String(),
  address: ref(Address),
  creation_date: Type.String({ description: 'ISO-8601, local time of the site', examples: ['2021-06-30T17:53:24'] }),
  latitude: Type.Number(),
  longitude: Type.Number(),
  timezone: Type.String({ description: "IANA time zone of the site: timestamps of the answers are in it", examples: ['Europe/Zurich'] }),
}, { additionalProperties: false, examples: [installationInfoExample] }));

export const MeterInfo = component('MeterInfo', Type.Object({
  id: ObjectId,
  type: Type.Enum([...METER_TYPES], { description: 'a charge point is an electricity consumer that feeds an electric vehicle' }),
  name: Type.String(),
  mode: Type.Enum([...METER_MODES], { description: '`introduction` is the grid connection point (import and export)' }),
  prim_ad: Type.Integer({ description: "the meter's M-Bus primary address on the site's gateway" }),
  is_rule_meter: Type.Boolean({ description: 'a simulated meter computed from other meters by a formula: it has no raw data' }),
}, { additionalProperties: false, examples: [meterInfoExample[1]] }));

export const SensorInfo = component('SensorInfo', Type.Object({
  id: ObjectId,
  name: Type.String(),
  type: Type.String({ examples: ['temperature'] }),
  unit: Type.String({ examples: ['°C'] }),
  model: Type.String({ examples: ['PT1000'] }),
}, { additionalProperties: false, examples: [sensorExample] }));

const energy = (description: string) =>
  Type.Number({ description: `${description} (kWh; m³ for water), rounded to at most 6 decimals` });

/** per-meter columns of a site_data row: `total_<id>`, `self_<id>`, `ext_<id>` */
export const PER_METER_COLUMN = '^(total|self|ext)_[0-9a-f]{24}$';

/** a row's coverage, only with `with_quality` */
export const RowQuality = component('RowQuality', Type.Object({
  measured: Type.Number({ minimum: 0, maximum: 1, description: 'share of the intervals measured (from real readings)' }),
  estimated: Type.Number({ minimum: 0, maximum: 1, description: 'share estimated by validation (spread over a gap)' }),
  missing: Type.Number({ minimum: 0, maximum: 1, description: 'share with no validated value (before the first or after the last reading)' }),
}, {
  additionalProperties: false,
  description: 'Only with `with_quality`: shares of the row\'s 15-minute intervals, summing to 1 (each rounded to 6 decimals, `missing` takes the rest).',
  examples: [{ measured: 0.75, estimated: 0.25, missing: 0 }],
}));

export const SiteDataRow = component('SiteDataRow', Type.Object({
  conso_total: energy('total consumption of the site\'s consumers of this type'),
  prod_total: Type.Optional(energy('electricity: total local (PV) production')),
  from_ext: Type.Optional(energy('electricity and charge_point: energy drawn from the grid')),
  self: Type.Optional(energy('electricity and charge_point: consumption covered by local production')),
  to_ext: Type.Optional(energy('electricity: energy exported to the grid')),
  storage_charging_total: Type.Optional(energy('electricity: energy charged into batteries (0 without one)')),
  storage_discharging_total: Type.Optional(energy('electricity: energy discharged from batteries (0 without one)')),
  storage_charging_self: Type.Optional(energy('electricity: battery charging covered by local production (0 without one)')),
  quality: Type.Optional(ref(RowQuality)),
  timestamp: VendorTimestamp,
}, {
  patternProperties: {
    [PER_METER_COLUMN]: energy(
      "one meter's share, named by its id: `total_<meter_id>` for every meter of the type in the balance; consumers also carry " +
        '`self_<meter_id>` (covered by local production) and `ext_<meter_id>` (from the grid), with total = self + ext',
    ),
  },
  additionalProperties: false,
  description:
    'One period of a site. Keys come in ascending order with `timestamp` last. `electricity` rows carry `conso_total`, ' +
    '`prod_total`, `from_ext`, `self`, `to_ext`, the three storage fields and per-meter columns for every consumer ' +
    '(`total_`, `self_`, `ext_`) and producer (`total_` only); `charge_point` rows carry `conso_total`, `self`, `from_ext` and ' +
    'per-meter `total_`/`self_`/`ext_`; the other types carry `conso_total` and `total_<meter_id>` per meter. How the numbers ' +
    'relate: conso_total = Σ total_i, self + from_ext = conso_total, self_i + ext_i = total_i.',
  examples: [siteDataRowExample, chargePointRowExample],
}));

export const MeterDataRow = component('MeterDataRow', Type.Object({
  total: energy("the meter's validated energy or volume"),
  self: Type.Optional(energy('electricity consumers: the part covered by local production')),
  ext: Type.Optional(energy('electricity consumers: the part drawn from the grid (total = self + ext)')),
  quality: Type.Optional(ref(RowQuality)),
  timestamp: VendorTimestamp,
}, {
  additionalProperties: false,
  description: '`{total, self, ext, timestamp}` for an electricity consumer, `{total, timestamp}` for other meters (producers, heat, water).',
  examples: [meterDataExamples.consumer, meterDataExamples.producer],
}));

const register = (description: string) => Type.Number({ description: `${description}, exactly as the gateway reported it (not rounded)` });

export const MeterDataRawRow = component('MeterDataRawRow', Type.Object({
  en_im: Type.Optional(register('electricity import register, kWh')),
  en_ex: Type.Optional(register('electricity export register, kWh')),
  heat_energy_kwh: Type.Optional(register('heat or cold register, kWh')),
  vol_m3: Type.Optional(register('water volume register, m³')),
  timestamp: Type.String({
    pattern: VENDOR_TS_PATTERN,
    description: "when the reading was taken (the end of the measured period), site local time with UTC offset, to the second",
    examples: ['2026-05-05 17:00:23+02:00'],
  }),
}, {
  additionalProperties: false,
  minProperties: 2,
  description:
    'One raw reading, unvalidated. The registers of the meter\'s type: `en_im`/`en_ex` (electricity, charge points), ' +
    '`heat_energy_kwh` (heating, cooling) or `vol_m3` (water). An index meter reports cumulative register values, an interval ' +
    'meter the amounts of the slice ending at `timestamp`.',
  examples: [rawExamples.electricity, rawExamples.heat, rawExamples.water],
}));

export const SensorDataRow = component('SensorDataRow', Type.Object({
  timestamp: Type.Integer({ description: 'epoch **milliseconds**' }),
  value: Type.Number({ description: 'in the unit of the sensor (sensors_list)' }),
}, { additionalProperties: false, examples: [sensorDataExample] }));
