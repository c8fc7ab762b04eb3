/** The billing core's public face: run a billing, and the pure helpers documents and tests need. */
export { runBilling } from './run.js';
export type * from './billing-types.js';
export { LANGUAGES, SPLIT_KEYS, FEE_KINDS, LINE_KINDS } from './billing-types.js';
export { compileWindows, windowAt, fillWindows, type WindowSet, type WindowRule, type CompiledWindows } from './tou-windows.js';
export { parseLocalInstant, wallToUtc } from './local-time.js';
export { cashRound, divRound, formatCentimes, formatPico, picoToCentimes, parseDecimal } from './money.js';
export {
  checkIban,
  creditorReference,
  isQrIban,
  isValidCreditorReference,
  isValidIban,
  isValidQrReference,
  mod10Recursive,
  normalizeIban,
  qrReference,
} from './payment-refs.js';
export { checkBillingSetup, type BillingSetupDoc, type SetupParticipant } from './setup.js';
