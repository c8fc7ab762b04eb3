/** Bodies and answers of the operator API's billing (OpenAPI components); the setup's inner rules are the billing core's. */
import Type from 'typebox';
import { component } from '../../openapi/components.js';

const open = { additionalProperties: true } as const;
const IsoInstant = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: 'ISO-8601 instant in UTC, or null' });
const LocalDate = Type.String({ description: "a local date (or date-time) in the site's time zone, e.g. 2026-01-01", examples: ['2026-01-01'] });

const tariffExample = {
  id: 'ewz-2026', valid_from: '2026-01-01', valid_to: null,
  windows: { default: 'NT', rules: [{ window: 'HT', days: 'mon-fri', from: '06:00', to: '22:00' }, { window: 'HT', days: 'sat', from: '06:00', to: '13:00' }] },
  grid: { HT: { energy: '0.1280', grid_use: '0.0950', levies: '0.0230' }, NT: { energy: '0.1080', grid_use: '0.0550', levies: '0.0230' } },
  reference: { HT: '0.3250', NT: '0.2650' },
  solar: { method: 'flat', price: '0.2200' },
  fees: [{ name: 'Messung und Abrechnung', kind: 'metering', per: 'month', price: '4.50' }],
};

export const BillingSetupSchema = component('BillingSetup', Type.Object({
  tariffs: Type.Array(Type.Object({}, open), { description: 'tariffs with `valid_from`/`valid_to` (local dates, to exclusive), HT/NT `windows`, `grid` and `reference` prices per window, `solar` (flat or actual_cost), `fees`' }),
  vat: Type.Optional(Type.Array(Type.Object({}, open), { description: 'VAT periods: `valid_from`, `valid_to`, `rate_percent`, `registered`' })),
  owner: Type.Object({}, { ...open, description: 'who bills: `name`, `language`, `iban` (IBAN or QR-IBAN), structured `address` (street, building_number, postal_code, town, country)' }),
  units: Type.Optional(Type.Array(Type.Object({}, open), { description: 'consumer meters billed to residents: `meter_id`, `label`, `floor_area_m2` (default: every consumer meter that is not a common area)' })),
  common_area: Type.Optional(Type.Union([Type.Object({}, open), Type.Null()], { description: '`meter_ids` and the `key` splitting them: equal, floor_area or consumption' })),
  participants: Type.Optional(Type.Array(Type.Object({}, open), { description: "residents' billing data: `resident_id`, `language`, `address`, `advance_payments`" })),
}, { additionalProperties: false, examples: [{ tariffs: [tariffExample], vat: [{ valid_from: '2024-01-01', rate_percent: '8.1', registered: true }], owner: { name: 'STWEG Sonnenhof', iban: 'CH44 3199 9123 0008 8901 2', address: { street: 'Sonnenweg', building_number: '12', postal_code: '8004', town: 'Zürich', country: 'CH' } } }] }));

export const BillingSetupView = component('BillingSetupStored', Type.Object({
  updated_at: IsoInstant,
}, { ...open, description: 'the setup as stored, with when it was last changed' }));

export const BillingRunCreateSchema = Type.Object({ from: LocalDate, to: { ...LocalDate, description: 'end of the period, exclusive' } }, { additionalProperties: false, examples: [{ from: '2026-01-01', to: '2026-04-01' }] });

export const BillingFinalizeSchema = Type.Object({
  override: Type.Optional(Type.Object({ reason: Type.String({ minLength: 3, description: 'why the cap excess is accepted (recorded on the run)' }) }, { additionalProperties: false })),
}, { additionalProperties: false });

const runSummaryFields = {
  id: Type.String(),
  site_id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('finalized')]),
  created_at: IsoInstant,
  finalized_at: IsoInstant,
  invoices: Type.Integer({ minimum: 0 }),
  invoiced_centimes: Type.Integer({ description: "Σ invoices' totals and the vacancy, centimes" }),
  finalizable: Type.Boolean({ description: 'false while a cap is exceeded without an override' }),
  override: Type.Union([Type.Object({ reason: Type.String(), participant_ids: Type.Array(Type.String()), at: IsoInstant }), Type.Null()]),
};

export const BillingRunSummary = component('BillingRunSummary', Type.Object(runSummaryFields, { additionalProperties: false }));

export const BillingRunView = component('BillingRun', Type.Object({
  ...runSummaryFields,
  numbers: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], { description: 'invoice number per participant, once finalized' }),
  documents: Type.Array(Type.String(), { description: 'names for GET …/documents/{name}' }),
  input: Type.Object({}, { ...open, description: 'what the run was computed from, without the 15-minute columns' }),
  run: Type.Object({}, { ...open, description: 'the invoices with their lines, cap checks, vacancy, reconciliation and totals' }),
}, { additionalProperties: false }));
