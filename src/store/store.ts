/**
 * The one storage interface of kWhub. Every method returns a Promise so that a
 * networked engine (PostgreSQL) can implement it as well as the embedded one
 * (SQLite); nothing engine-specific leaks past this file. Times are UTC epoch
 * milliseconds; ids are 24-hex object ids.
 */
import type { MeterMode, MeterType, ReadingKind, Register } from '../core/types.js';
import { SITE_FIELDS } from '../core/allocation/allocate.js';
import type { BillingStore } from './billing-store.js';
import type { ResidentStore } from './resident-store.js';

export interface Address {
  street_name: string;
  street_number: string;
  city: string;
  postal_code: number;
}

export interface Site {
  id: string;
  site_ref: string;
  name: string;
  address: Address;
  latitude: number;
  longitude: number;
  timezone: string;
  /** ISO-8601 local date-time without offset, as the vendor shows it */
  creation_date: string;
  /** validated data before this instant is frozen (after billing) */
  lock_date: number | null;
  /**
   * Bumped by every change to the site or its meters: a cached meter list
   * is valid while the version it was read at is current. Read-only.
   */
  config_version?: number;
}

export interface Meter {
  id: string;
  site_id: string;
  name: string;
  type: MeterType;
  mode: MeterMode;
  prim_ad: number;
  reading_kind: ReadingKind;
  /** formula over meter ids of the same site, for a rule (simulated) meter */
  rule: string | null;
  in_balance: boolean;
  reversed: boolean;
  installed_at: number | null;
  max_power_kw: number | null;
  register_max: number | null;
}

export interface Sensor {
  id: string;
  site_id: string;
  name: string;
  type: string;
  unit: string;
  model: string;
}

export interface Developer {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
}

export interface Grant {
  developer_id: string;
  site_id: string;
  history_from: number | null;
  consent_ref: string;
  created_at: number;
}

export interface Gateway {
  id: string;
  site_id: string;
  name: string;
  created_at: number;
}

export type SitePatch = Partial<Omit<Site, 'id'>>;
export type MeterPatch = Partial<Omit<Meter, 'id' | 'site_id'>>;

/** One raw meter reading exactly as received (null = register not sent). */
export interface RawMeterReading {
  meter_id: string;
  ts: number;
  en_im: number | null;
  en_ex: number | null;
  heat_energy_kwh: number | null;
  vol_m3: number | null;
}

export interface RawSensorReading {
  sensor_id: string;
  ts: number;
  value: number;
}

/** per input row: stored now, already there identically, or another value is stored for that instant */
export type InsertOutcome = 'stored' | 'duplicate' | 'conflict';

/** A span of raw data that changed and still has to be validated. */
export interface PendingRange {
  seq: number;
  meter_id: string;
  from: number;
  to: number;
}

/**
 * A meter's raw readings as validation reads them, in columns (a year of a
 * meter is 35,040 readings: no object each): `im` is the first register
 * asked for, `ex` the second (0 when only one is asked for); a register
 * the reading lacks reads 0.
 */
export interface RawWindow {
  ts: Float64Array;
  im: Float64Array;
  ex: Float64Array;
  moreBefore: boolean;
  moreAfter: boolean;
}

export interface RejectionRow {
  ts: number;
  reason: string;
  detail: string;
}

export interface SpanRow {
  from: number;
  to: number;
  reason: string;
  detail: string;
}

export interface QualityRecord {
  meter_id: string;
  kind: 'rejection' | 'estimated' | 'discrepancy';
  from: number;
  to: number;
  reason: string;
  detail: string;
}

/** Validated energies of one meter, columnar; `t` are interval starts, ascending. */
export interface IntervalColumns {
  t: Float64Array;
  im: Float64Array;
  ex: Float64Array;
  estimated: Uint8Array;
}

/** Allocation result of one meter, columnar. self/ext are NaN where they do not apply. */
export interface MeterAllocColumns {
  t: Float64Array;
  total: Float64Array;
  self: Float64Array;
  ext: Float64Array;
}

/** the site-level fields of an electricity allocation, as the core computes them */
export { SITE_FIELDS };
export type SiteField = (typeof SITE_FIELDS)[number];

export interface SiteAllocColumns {
  t: Float64Array;
  fields: Record<SiteField, Float64Array>;
}

/**
 * The quality records a validation run found for one meter in [from, to):
 * they replace the rejections there, and the estimated spans there (spans
 * reaching beyond the range keep their parts outside it).
 */
export interface QualityWrite {
  meter_id: string;
  from: number;
  to: number;
  rejections: RejectionRow[];
  spans: SpanRow[];
  /** when they were found */
  recorded_at: number;
}

/** Validated energies and allocation result of one meter, columnar (one row per interval). */
export interface MeterIntervalColumns extends IntervalColumns {
  total: Float64Array;
  /** NaN where the meter has no share (not a participating consumer) */
  self: Float64Array;
  ext: Float64Array;
}

/**
 * Sums per local calendar day of the site (t = the day's start, UTC ms), so
 * that daily, monthly and yearly answers read one row per day, not 96.
 */
export interface DayRollups {
  /** days with start in [from, to) are replaced; from and to are local day starts */
  from: number;
  to: number;
  site: SiteAllocColumns;
  meters: { meter_id: string; cols: MeterAllocColumns }[];
}

export interface AllocationWrite {
  site_id: string;
  /** interval starts in [from, to) are replaced */
  from: number;
  to: number;
  /** the day sums of the whole days [days.from, days.to) ⊇ [from, to) */
  days: DayRollups;
  site: SiteAllocColumns;
  /** every meter of the site (rule meters included): its intervals in [from, to) are replaced by these */
  meters: { meter_id: string; cols: MeterIntervalColumns }[];
}

export interface Store extends ResidentStore, BillingStore {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** stores value unless the key exists; returns what is stored afterwards */
  setMetaIfAbsent(key: string, value: string): Promise<string>;

  /** true when any site, meter, sensor, gateway or developer has this id */
  idInUse(id: string): Promise<boolean>;

  insertSite(site: Site): Promise<void>;
  updateSite(id: string, patch: SitePatch): Promise<void>;
  getSite(id: string): Promise<Site | null>;
  listSites(): Promise<Site[]>;

  insertMeter(meter: Meter): Promise<void>;
  updateMeter(id: string, patch: MeterPatch): Promise<void>;
  getMeter(id: string): Promise<Meter | null>;
  listMeters(siteId: string): Promise<Meter[]>;

  insertSensor(sensor: Sensor): Promise<void>;
  updateSensor(id: string, patch: Partial<Omit<Sensor, 'id' | 'site_id'>>): Promise<void>;
  getSensor(id: string): Promise<Sensor | null>;
  listSensors(siteId: string): Promise<Sensor[]>;

  insertGateway(gateway: Gateway, tokenHash: string): Promise<void>;
  findGatewayByTokenHash(tokenHash: string): Promise<Gateway | null>;
  /** every gateway with its token hash (for copying a deployment to another store) */
  listGateways(): Promise<(Gateway & { token_hash: string })[]>;

  insertDeveloper(dev: Developer): Promise<void>;
  updateDeveloperPassword(id: string, passwordHash: string): Promise<void>;
  getDeveloperByUsername(username: string): Promise<Developer | null>;
  getDeveloperById(id: string): Promise<Developer | null>;
  listDevelopers(): Promise<Developer[]>;

  /** creates or replaces the grant of one developer on one site */
  putGrant(grant: Grant): Promise<void>;
  /** false when there was no such grant */
  deleteGrant(developerId: string, siteId: string): Promise<boolean>;
  getGrant(developerId: string, siteId: string): Promise<Grant | null>;
  /** the site and the developer's grant on it, in one lookup (the hot path of every developer request) */
  getGrantedSite(developerId: string, siteId: string): Promise<{ site: Site; grant: Grant } | null>;
  listGrants(developerId: string): Promise<Grant[]>;

  // --- the metering pipeline ---

  /**
   * Holds the site's pipeline lock until the returned release is called: one
   * validation/allocation run per site at a time, across processes and
   * server instances (another run waits). A crashed holder's lock expires.
   */
  lockSite(siteId: string): Promise<() => Promise<void>>;

  /**
   * Stores the raw readings of one site in one durable transaction (when the
   * promise resolves they survive a crash) and records the spans that must be
   * validated. Returns an outcome per input row.
   */
  insertReadings(siteId: string, meters: RawMeterReading[], sensors: RawSensorReading[], receivedAt: number): Promise<{ meters: InsertOutcome[]; sensors: InsertOutcome[] }>;
  /** asks for (re)validation of spans of meters' raw data (operator revalidation, meter corrections) */
  enqueueValidation(siteId: string, ranges: { meter_id: string; from: number; to: number }[]): Promise<void>;
  listPending(siteId: string): Promise<PendingRange[]>;
  sitesWithPending(): Promise<string[]>;
  settlePending(seqs: number[]): Promise<void>;

  /** the raw readings with ts in [from, to] plus up to `context` readings on each side, ascending; `registers`: one or two of the meter's */
  rawWindow(meterId: string, from: number, to: number, context: number, registers: readonly Register[]): Promise<RawWindow>;
  /** raw readings with ts in [from, to], ascending */
  rawReadings(meterId: string, from: number, to: number): Promise<RawMeterReading[]>;
  rawExtent(meterId: string): Promise<{ from: number; to: number } | null>;

  replaceQuality(write: QualityWrite): Promise<void>;
  /** validated intervals with start in [from, to), one result per meter id, in order */
  readIntervals(meterIds: string[], from: number, to: number): Promise<IntervalColumns[]>;
  /** stores a site's validated and allocated intervals (and day sums) in one transaction */
  applyAllocation(write: AllocationWrite): Promise<void>;
  readMeterAlloc(meterId: string, from: number, to: number): Promise<MeterAllocColumns>;
  readSiteAlloc(siteId: string, from: number, to: number): Promise<SiteAllocColumns>;
  /** day sums with day start in [from, to) */
  readMeterAllocDays(meterId: string, from: number, to: number): Promise<MeterAllocColumns>;
  readSiteAllocDays(siteId: string, from: number, to: number): Promise<SiteAllocColumns>;

  addQuality(records: (QualityRecord & { recorded_at: number })[]): Promise<void>;
  listQuality(siteId: string): Promise<(QualityRecord & { recorded_at: number })[]>;

  /** sensor readings with ts in [from, to], ascending */
  sensorReadings(sensorId: string, from: number, to: number): Promise<{ ts: number[]; value: number[] }>;
  latestSensorTs(sensorId: string): Promise<number | null>;
}
