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
  /** null for readings; the operator's reason for a correction or revalidation */
  reason?: string | null;
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

/** Validated intervals counted per interval start over several meters (see Store.intervalCounts). */
export interface IntervalCounts {
  t: Float64Array;
  present: Float64Array;
  estimated: Float64Array;
}

/** Allocation result of one meter, columnar. self/ext are NaN where they do not apply. */
export interface MeterAllocColumns {
  t: Float64Array;
  total: Float64Array;
  self: Float64Array;
  ext: Float64Array;
  /** day sums only: the day's validated intervals and how many of them are estimated (the coverage of D/M/Y answers) */
  present?: Float64Array;
  estimated?: Float64Array;
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

/**
 * One entry of a site's change log: `append` is the live edge growing (it
 * moves data versions, the feed does not list it); `data` (late readings),
 * `correction` (an operator's correction or revalidation) and `lock` (a lock
 * date set) rewrite history and are listed by the change feed.
 */
export type ChangeKind = 'append' | 'data' | 'correction' | 'lock';

export interface ChangeWrite {
  kind: ChangeKind;
  meter_ids: string[];
  /** the validated intervals whose values changed: starts in [from, to) */
  from: number;
  to: number;
  reason: string;
  at: number;
}

export interface ChangeRow extends ChangeWrite {
  /** monotonic per site, never reused (a cursor) */
  seq: number;
  site_id: string;
}

/** entries to add to a site's change log in the transaction that makes them true, and how far back to keep it */
export interface ChangeLog {
  entries: ChangeWrite[];
  /** entries recorded before this instant are dropped (retention) */
  prune_before: number;
}

/** A developer's webhook: every history entry of the sites granted to the developer is POSTed to `url`, signed with `secret`. */
export interface Webhook {
  id: string;
  developer_id: string;
  url: string;
  secret: string;
  created_at: number;
  /** failed attempts in a row (any delivery); reset by a success */
  failures: number;
  paused_at: number | null;
  paused_reason: string | null;
}

export interface DeliveryAttempt {
  at: number;
  /** HTTP status, null when no answer came (refused, timeout, redirect not followed) */
  status: number | null;
  error: string | null;
  ms: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: number;
  webhook_id: string;
  site_id: string;
  change_seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  created_at: number;
  last_status: number | null;
  last_error: string | null;
  /** at most 1 KiB of the receiver's last answer */
  last_body: string | null;
  log: DeliveryAttempt[];
}

/** a delivery taken by one sender until `lease_until`, with what it needs to send */
export interface ClaimedDelivery extends Delivery {
  url: string;
  secret: string;
  timezone: string;
  history_from: number | null;
  /** null when the entry is gone (retention) or the grant was revoked */
  change: ChangeRow | null;
}

export interface DeliveryOutcome {
  attempt: DeliveryAttempt;
  body: string | null;
  delivered: boolean;
  /** when to try again; null: give up (status `failed`) */
  next_attempt_at: number | null;
  /** pause the webhook with this reason when its failures in a row reach `pause_after` */
  pause_after: number;
}

export interface AllocationWrite {
  site_id: string;
  /** recorded in the same transaction as the intervals (a crash cannot lose one without the other) */
  changes?: ChangeLog;
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
  enqueueValidation(siteId: string, ranges: { meter_id: string; from: number; to: number }[], reason?: string): Promise<void>;
  listPending(siteId: string): Promise<PendingRange[]>;
  /** whether the site has pending work (false for an unknown site): one index probe, asked before every request about a site */
  hasPending(siteId: string): Promise<boolean>;
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
  /**
   * Per interval start in [from, to) where any of the meters has a validated
   * interval: how many of them have one (`present`) and how many of those are
   * estimated. Ascending by t. The coverage of a series answer (`with_quality`).
   */
  intervalCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts>;
  /** the same per local day (t = day start) for days starting in [from, to), from the day sums; null when a day's counts are not known (written before they were kept) */
  dayCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts | null>;

  addQuality(records: (QualityRecord & { recorded_at: number })[]): Promise<void>;
  listQuality(siteId: string): Promise<(QualityRecord & { recorded_at: number })[]>;

  // --- the change log (change feed, data versions, webhook deliveries) ---

  /** records entries outside an allocation (a lock date set); each history entry is queued for the webhooks of developers granted the site */
  recordChanges(siteId: string, log: ChangeLog): Promise<void>;
  /** history entries (not `append`) with seq > after, ascending, at most `limit`; `floor`: entries up to it were dropped by retention */
  listChanges(siteId: string, after: number, limit: number): Promise<{ changes: ChangeRow[]; floor: number }>;
  /** the site's data version over [from, to): the last seq of an entry touching it (appends included), at least the retention floor */
  dataVersion(siteId: string, from: number, to: number): Promise<number>;
  /** the first interval start and the end of the last interval of the site's allocation (null: none) */
  siteExtent(siteId: string): Promise<{ from: number; to: number } | null>;
  /** each meter's last validated interval start (null: none) */
  lastIntervals(meterIds: string[]): Promise<(number | null)[]>;

  insertWebhook(webhook: Webhook): Promise<void>;
  getWebhook(id: string): Promise<Webhook | null>;
  listWebhooks(developerId: string): Promise<Webhook[]>;
  /** pauses (with a reason) or resumes (null: failures reset) a webhook */
  setWebhookPaused(id: string, pause: { at: number; reason: string } | null): Promise<void>;
  /** takes up to `limit` due deliveries of running webhooks for `leaseMs` (another sender, on any instance, skips them meanwhile) */
  claimDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  finishDelivery(id: number, outcome: DeliveryOutcome): Promise<void>;
  /** the webhook's deliveries, newest first */
  listDeliveries(webhookId: string, limit: number): Promise<Delivery[]>;

  /** sensor readings with ts in [from, to], ascending */
  sensorReadings(sensorId: string, from: number, to: number): Promise<{ ts: number[]; value: number[] }>;
  latestSensorTs(sensorId: string): Promise<number | null>;
}
