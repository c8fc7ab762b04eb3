/**
 * @kwhub/client: a typed client for the Climkit Developer API (v1), as served
 * by kWhub. No dependencies: native fetch, AbortSignal and setTimeout, so it
 * runs in Node 20+ and in browsers.
 */
export { createClient, type ClientOptions, type KwhubClient } from './client.js';
export {
  KwhubApiError, KwhubBadRequestError, KwhubNetworkError, KwhubNotFoundError, KwhubRateLimitError, KwhubResponseError,
  KwhubUnauthorizedError, type KwhubApiErrorInit, type KwhubErrorKind,
} from './errors.js';
export { parseTimestamp, toNaiveUtc } from './time.js';
export { meterShare } from './types.js';
export { verifyWebhookSignature, type WebhookSignatureInput } from './webhooks.js';
export type {
  Address, AuthResponse, CallOptions, ChangeEntry, ChangesPage, RowQuality, ChargePointSiteDataRow, DateInput, ElectricitySiteDataRow, Frequency, Installation,
  InstallationInfo, IterateOptions, MeterColumnKey, MeterDataRow, MeterInfo, MeterMode, MeterShare, MeterType, RangeOptions,
  RawRow, Sensor, SensorReading, SeriesOptions, SiteDataRow, SiteDataRowOf, SiteMeterType, TimedRow,
} from './types.js';
export type { Clock } from './pacer.js';
export type { Sleep } from './wait.js';
export type { FetchFn } from './http.js';
