/**
 * The billing core's input and output: plain data, snake_case like the
 * operator API's documents, so a stored run or an API answer is this shape
 * as it is. Money out is integer centimes plus, per line, the exact amount
 * as a decimal string; energy out is kWh with six decimals (integer mWh
 * inside).
 */
import type { WindowSet } from './tou-windows.js';

/** a decimal as a number (0.2735) or a string ("0.2735") */
export type Decimal = number | string;

export const LANGUAGES = ['de', 'fr', 'it', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const SPLIT_KEYS = ['equal', 'floor_area', 'consumption'] as const;
export type SplitKey = (typeof SPLIT_KEYS)[number];

export interface GridPrice {
  /** CHF per kWh, at most 6 decimals each */
  energy: Decimal;
  grid_use: Decimal;
  levies: Decimal;
}

export type SolarPricing =
  | { method: 'flat'; /** CHF/kWh, one price or one per window */ price: Decimal | Record<string, Decimal> }
  | {
      method: 'actual_cost';
      /** CHF per year: capital cost (depreciation and interest) and operation */
      annual_capital_cost: Decimal;
      annual_operating_cost: Decimal;
      /** CHF per year earned by feeding surplus into the grid; deducted */
      annual_feed_in_revenue: Decimal;
      /** share of the savings against the standard product the owner adds, 0 … 0.5 (default 0) */
      savings_share?: Decimal;
    };

export const FEE_KINDS = ['base', 'metering', 'administration'] as const;
export type FeeKind = (typeof FEE_KINDS)[number];

export interface Fee {
  name: string;
  /** metering and administration count under the legal cap (EnV Art. 16); a base fee passes on the grid's */
  kind: FeeKind;
  /** per month (per tenancy, prorated by the 15-minute intervals occupied) or per kWh billed */
  per: 'month' | 'kwh';
  /** CHF per month or per kWh */
  price: Decimal;
}

export interface Tariff {
  id: string;
  /** local date or date-time in the site's zone; valid_to is exclusive, absent for open-ended */
  valid_from: string;
  valid_to?: string | null;
  windows: WindowSet;
  /** grid prices per window name */
  grid: Record<string, GridPrice>;
  /** the grid operator's standard-product price per window (CHF/kWh, all-in), the cap's reference */
  reference: Record<string, Decimal>;
  solar: SolarPricing;
  fees?: Fee[];
}

export interface VatPeriod {
  valid_from: string;
  valid_to?: string | null;
  /** percent, e.g. 8.1 */
  rate_percent: Decimal;
  /** whether the owner is VAT-registered in this period; no VAT is charged otherwise */
  registered: boolean;
}

export interface PostalAddress {
  street: string;
  building_number?: string;
  postal_code: string;
  town: string;
  /** ISO 3166 alpha-2 */
  country: string;
}

export interface Participant {
  id: string;
  name: string;
  language: Language;
  address?: PostalAddress;
  /** CHF already paid in advance for this period */
  advance_payments?: Decimal;
}

export interface Unit {
  /** the consumer meter of the unit */
  meter_id: string;
  label?: string;
  /** m², needed by the floor_area key */
  floor_area_m2?: Decimal;
}

/** A resident on a meter over [from, to) (local dates / date-times; to absent: still there). */
export interface Tenancy {
  meter_id: string;
  participant_id: string;
  from: string;
  to?: string | null;
}

export interface CommonArea {
  meter_ids: string[];
  key: SplitKey;
}

/** One meter's self / ext kWh per 15-minute interval of the input grid; NaN where missing. */
export interface MeterEnergy {
  self: ArrayLike<number>;
  ext: ArrayLike<number>;
}

export interface BillingInput {
  site: { id: string; name: string; zone: string };
  /** the period billed, local dates/date-times, to exclusive */
  period: { from: string; to: string };
  /** the columns' grid: interval i starts at from + i * 15 min (UTC ms) */
  grid: { from: number; n: number };
  /** per meter id: the allocation's self / ext columns */
  meters: Record<string, MeterEnergy>;
  /** the site's allocation columns, for the reconciliation */
  site_energy: { self: ArrayLike<number>; from_ext: ArrayLike<number> };
  tariffs: Tariff[];
  vat?: VatPeriod[];
  participants: Participant[];
  units: Unit[];
  tenancies: Tenancy[];
  common_area?: CommonArea | null;
  owner: { name: string; language?: Language; iban?: string; address?: PostalAddress };
  /** participants whose cap excess the operator accepts, with the reason (recorded on the run) */
  cap_overrides?: { participant_id: string; reason: string }[];
}

export const LINE_KINDS = ['solar', 'grid', 'common_solar', 'common_grid', 'fee'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export interface InvoiceLine {
  kind: LineKind;
  tariff_id: string;
  /** the time-of-use window (null for fees and actual-cost solar) */
  window: string | null;
  /** fee name for fees */
  fee?: string;
  fee_kind?: FeeKind;
  quantity: number;
  unit: 'kWh' | 'month';
  /** CHF per unit (for grid lines the sum of energy, grid use and levies) */
  unit_price: number;
  components?: { energy: number; grid_use: number; levies: number };
  /** the exact amount in CHF (12 decimals) before the line is rounded */
  amount_exact: string;
  /** centimes */
  amount: number;
  /** VAT rate in percent for this line, null where no VAT applies */
  vat_percent: number | null;
  /** counts under the legal cap (internal costs) */
  under_cap: boolean;
}

export interface VatLine {
  rate_percent: number;
  /** centimes */
  base: number;
  amount: number;
}

export interface CapCheck {
  method: 'flat' | 'actual_cost' | 'mixed';
  /** the standard product's price of the same solar energy, per interval with its window (centimes) */
  reference: number;
  /** internal costs charged: solar energy and fees under the cap (centimes) */
  charged: number;
  /** charged / reference in percent, one decimal; null without solar energy */
  percent: number | null;
  /** 80 (flat), 100 (actual cost) or the reference-weighted mix across tariffs */
  limit_percent: number;
  /** centimes */
  allowed: number;
  ok: boolean;
  override_reason: string | null;
}

export interface EnergySummary {
  self_kwh: number;
  ext_kwh: number;
  common_self_kwh: number;
  common_ext_kwh: number;
  /** intervals of the participant's meters without data (counted as 0) */
  missing_intervals: number;
}

export interface MonthEnergy {
  /** "YYYY-MM", local */
  month: string;
  /** own and common-area share */
  self_kwh: number;
  ext_kwh: number;
}

export interface TenancyPart {
  meter_id: string;
  /** UTC ms, clipped to the period */
  from: number;
  to: number;
  intervals: number;
}

export interface CommonShare {
  key: SplitKey;
  meter_ids: string[];
  /** the participant's units' share of the key, percent, weighted by the intervals occupied */
  share_percent: number;
  self_kwh: number;
  ext_kwh: number;
}

export interface Invoice {
  participant_id: string;
  name: string;
  language: Language;
  tenancies: TenancyPart[];
  energy: EnergySummary;
  monthly: MonthEnergy[];
  common_area: CommonShare | null;
  lines: InvoiceLine[];
  /** centimes */
  net: number;
  vat: VatLine[];
  gross: number;
  /** total - gross, shown as its own line */
  cash_rounding: number;
  total: number;
  advance_payments: number;
  /** total - advance payments: positive is due, negative is a credit */
  balance: number;
  cap: CapCheck;
}

export interface VacancyStatement {
  /** meters and the vacant stretches of the period */
  parts: TenancyPart[];
  energy: EnergySummary;
  lines: InvoiceLine[];
  /** centimes, no VAT and no fees: the owner bears the vacancy's energy */
  net: number;
}

export interface ReconciliationRow {
  participants_kwh: number;
  vacancy_kwh: number;
  common_kwh: number;
  site_kwh: number;
  /** billed (participants + vacancy + common) - site; reported, never absorbed */
  difference_kwh: number;
  ok: boolean;
}

export interface BillingRun {
  site_id: string;
  zone: string;
  period: { from: number; to: number; intervals: number };
  community: { self_kwh: number; ext_kwh: number };
  invoices: Invoice[];
  vacancy: VacancyStatement;
  reconciliation: { ext: ReconciliationRow; self: ReconciliationRow; tolerance_kwh: number };
  totals: {
    /** Σ invoices' totals and the vacancy's net, centimes */
    invoiced: number;
    vacancy: number;
    /** grid lines (own and common), the cost passed on */
    grid_passed_on: number;
    /** solar lines and fees under the cap */
    internal: number;
  };
  /** false while a cap is exceeded without an override */
  finalizable: boolean;
  blockers: string[];
  warnings: string[];
}
