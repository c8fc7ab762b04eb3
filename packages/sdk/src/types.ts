/**
 * Response and parameter types of the Climkit Developer API (v1), field for
 * field as the contract (spec/api.md) names them. Series rows additionally
 * carry `time`, the parsed instant of their `timestamp`, added by the SDK.
 *
 * The SDK checks the shape it depends on (lists, timestamps) but does not
 * re-validate every number: these types describe what the server serves.
 */

/** An instant: a `Date`, epoch milliseconds, or an ISO-8601 string (tz-naive strings are UTC, as the API reads them). */
export type DateInput = Date | number | string;

/** `sampling_frequency`: 15 minutes, hour, day, month, year (periods are calendar periods in the site's time zone). */
export type Frequency = '15T' | 'H' | 'D' | 'M' | 'Y';

/** The `meter_type` path segment of `site_data`. */
export type SiteMeterType = 'electricity' | 'heating' | 'cooling' | 'cold_water' | 'hot_water' | 'charge_point';

/** A meter's `type` in `meter_info`. */
export type MeterType = SiteMeterType;

/** A meter's `mode`: `introduction` is the site's grid connection point (import and export). */
export type MeterMode = 'consumption' | 'production' | 'introduction' | 'battery';

// ---------------------------------------------------------------------------
// Sites and meters

/** An item of `GET /all_installations`; the vendor guarantees only "objects", so extra fields are kept. */
export interface Installation {
  site_id: string;
  site_ref: string;
  name: string;
  [field: string]: unknown;
}

export interface Address {
  street_name: string;
  street_number: string;
  city: string;
  postal_code: number;
}

/** `GET /installation_infos/<site_id>` */
export interface InstallationInfo {
  site_ref: string;
  name: string;
  address: Address;
  /** ISO-8601 local date-time without offset, e.g. `2021-01-12T08:31:00` (kept as served: it has no zone) */
  creation_date: string;
  latitude: number;
  longitude: number;
  /** IANA zone, e.g. `Europe/Zurich`: the zone of every series timestamp and calendar period */
  timezone: string;
}

/** An item of `GET /meter_info/<site_id>` */
export interface MeterInfo {
  /** 24-hex-character object id */
  id: string;
  type: MeterType;
  name: string;
  mode: MeterMode;
  /** M-Bus primary address on the site's gateway */
  prim_ad: number;
  /** a simulated meter computed by a rule from other meters: it has no raw data */
  is_rule_meter: boolean;
}

/** An item of `GET /<site_id>/sensors_list` */
export interface Sensor {
  id: string;
  name: string;
  /** e.g. `temperature` */
  type: string;
  /** e.g. `°C` */
  unit: string;
  /** e.g. `PT1000` */
  model: string;
}

// ---------------------------------------------------------------------------
// Series rows

/** What every row of a validated or raw series carries. */
export interface TimedRow {
  /**
   * As served: the site's local time with its UTC offset, `2022-05-05 17:15:00+02:00`.
   * For 15T it marks the end of the interval; for H/D/M/Y the start of the period.
   */
  timestamp: string;
  /** `timestamp` parsed, offset included (so the two 02:00 hours of a DST autumn night differ) */
  time: Date;
}

/** Per-meter columns of `site_data`: `total_<meter_id>` for every meter, `self_`/`ext_` for consumers. */
export type MeterColumnKey = `total_${string}` | `self_${string}` | `ext_${string}`;

/**
 * A `site_data` row of any meter type. Read a meter's share with
 * `row[`total_${id}`]` or with {@link meterShare}.
 */
export interface SiteDataRow extends TimedRow {
  /** total consumption of the site's consumers of this type (kWh or m³) */
  conso_total: number;
  /** kWhub, with `withQuality`: shares of the row's 15-minute intervals measured, estimated, missing */
  quality?: RowQuality;
  /** total local (PV) production (electricity) */
  prod_total?: number;
  /** energy drawn from the grid (electricity, charge_point) */
  from_ext?: number;
  /** consumption covered by local production (electricity, charge_point) */
  self?: number;
  /** energy exported to the grid (electricity) */
  to_ext?: number;
  storage_charging_total?: number;
  storage_discharging_total?: number;
  storage_charging_self?: number;
  [column: MeterColumnKey]: number;
}

/** A `site_data/<site>/electricity` row: every site-level field is present. */
export interface ElectricitySiteDataRow extends SiteDataRow {
  prod_total: number;
  from_ext: number;
  self: number;
  to_ext: number;
  /** battery flows: 0 when the site has no battery */
  storage_charging_total: number;
  storage_discharging_total: number;
  storage_charging_self: number;
}

/** A `site_data/<site>/charge_point` row: charge points are electricity consumers, so they carry self / from_ext. */
export interface ChargePointSiteDataRow extends SiteDataRow {
  self: number;
  from_ext: number;
}

/** The row type `siteData` answers for a meter type. */
export type SiteDataRowOf<T extends SiteMeterType> = T extends 'electricity'
  ? ElectricitySiteDataRow
  : T extends 'charge_point'
    ? ChargePointSiteDataRow
    : SiteDataRow;

/** A `meter_data` row: `self`/`ext` only for an electricity consumer (`total = self + ext`). */
export interface MeterDataRow extends TimedRow {
  total: number;
  self?: number;
  ext?: number;
  /** kWhub, with `withQuality` */
  quality?: RowQuality;
}

/**
 * A `meter_data_raw` row, as the gateway reported it, at its own timestamp
 * (end of the measured period). Only the registers of the meter's type are
 * present; a register the gateway did not report is `null`.
 */
export interface RawRow extends TimedRow {
  /** electricity import index (or interval energy), kWh */
  en_im?: number | null;
  /** electricity export index (or interval energy), kWh */
  en_ex?: number | null;
  /** heat or cold index, kWh */
  heat_energy_kwh?: number | null;
  /** water volume index, m³ */
  vol_m3?: number | null;
}

/** An item of `GET /<site_id>/sensor_data/<sensor_id>` */
export interface SensorReading {
  /** as served: epoch milliseconds */
  timestamp: number;
  value: number;
  /** `timestamp` as a Date */
  time: Date;
}

/** `POST /auth` */
export interface AuthResponse {
  access_token: string;
  /** epoch milliseconds */
  valid_until: { $date: number };
}

// ---------------------------------------------------------------------------
// Call options

export interface CallOptions {
  /** aborts the call (including waits for pacing, retries and login); the call rejects with the signal's reason */
  signal?: AbortSignal;
}

export interface RangeOptions extends CallOptions {
  /** `t_s`; the API's default is `to` minus 24 hours */
  from?: DateInput;
  /** `t_e`; the API's default is now */
  to?: DateInput;
}

export interface SeriesOptions extends RangeOptions {
  /** `sampling_frequency`, default `15T` */
  frequency?: Frequency;
  /** kWhub: each row gains `quality: {measured, estimated, missing}` (shares of its 15-minute intervals) */
  withQuality?: boolean;
}

/** kWhub: a row's coverage, with `withQuality` */
export interface RowQuality {
  measured: number;
  estimated: number;
  missing: number;
}

/** kWhub: one rewrite of a site's history (GET /changes/<site_id>) */
export interface ChangeEntry {
  cursor: string;
  at: string;
  kind: 'data' | 'correction' | 'lock';
  meter_ids: string[];
  from: string;
  to: string;
  reason: string;
}

export interface ChangesPage {
  site_id: string;
  changes: ChangeEntry[];
  /** pass as `since` next time */
  cursor: string;
  has_more: boolean;
  live_until: string | null;
}

export interface IterateOptions extends CallOptions {
  from: DateInput;
  /** default: now (by the client's clock) */
  to?: DateInput;
  /** default `15T` */
  frequency?: Frequency;
  /** length of one request's range in days (default 31); see README "Chunked iteration" */
  chunkDays?: number;
}

/** A meter's share in a `site_data` row (`self`/`ext` only for consumers). */
export interface MeterShare {
  total: number;
  self?: number;
  ext?: number;
}

/** The typed accessor for the per-meter columns of a `site_data` row; undefined when the row has no column of that meter. */
export function meterShare(row: SiteDataRow, meterId: string): MeterShare | undefined {
  const total = row[`total_${meterId}`];
  if (typeof total !== 'number') return undefined;
  const share: MeterShare = { total };
  const self = row[`self_${meterId}`];
  const ext = row[`ext_${meterId}`];
  if (typeof self === 'number') share.self = self;
  if (typeof ext === 'number') share.ext = ext;
  return share;
}
