/** Validation: raw meter readings → one energy per meter per 15-minute interval. */
export { validateMeter, validateWindow, VALIDATION_CONTEXT, INDEX_REACH, INTERVAL_REACH } from './validate.js';
export { GAP_MS } from './index-meter.js';
export { registerModulus, MAX_POWER_TOLERANCE } from './registers.js';
export type {
  RawColumns,
  RawReading,
  MeterValidationConfig,
  ValidatedInterval,
  Rejection,
  RejectionReason,
  EstimatedSpan,
  EstimateReason,
  MeterExchange,
  RegisterWrap,
  RegisterPair,
  ValidationResult,
  ChangedRange,
  WindowEdges,
  WindowResult,
} from './types.js';
