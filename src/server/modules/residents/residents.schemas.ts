/** Request bodies of the operator API's residents and tenancies; `kwhub apply` files use the same shapes. */
import Type from 'typebox';

const strict = { additionalProperties: false } as const;
const ObjectId = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24-hex object id' });
export const LANGUAGES = ['de', 'fr', 'it', 'en'] as const;

/** a local date of the site (its midnight), ISO-8601 with time (UTC unless an offset is given), or epoch milliseconds */
const TenancyInstant = Type.Union([Type.String({ minLength: 10, maxLength: 40 }), Type.Integer()], {
  description: "a date `YYYY-MM-DD` (midnight in the site's time zone), an ISO-8601 date-time, or epoch milliseconds",
});

const residentFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 254, description: "the resident's login (compared in lower case)" }),
  language: Type.Union([Type.Union(LANGUAGES.map((l) => Type.Literal(l))), Type.Null()], { description: 'language of the portal; null: the browser\'s' }),
};

export const ResidentCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  name: residentFields.name,
  email: residentFields.email,
  language: Type.Optional(residentFields.language),
}, { ...strict, examples: [{ name: 'Anna Muster', email: 'anna@example.ch', language: 'de' }] });

export const ResidentPatchSchema = Type.Partial(Type.Object(residentFields), strict);

export const TenancyCreateSchema = Type.Object({
  id: Type.Optional(ObjectId),
  meter_id: ObjectId,
  resident_id: ObjectId,
  from: TenancyInstant,
  to: Type.Optional(Type.Union([TenancyInstant, Type.Null()], { description: 'first instant after the tenancy; null or absent: open-ended' })),
}, { ...strict, examples: [{ meter_id: '60dc937464a04c38920b8e9d', resident_id: '60dc9374b09d0f23bfaa8500', from: '2024-04-01', to: null }] });

export const TenancyPatchSchema = Type.Object({
  from: Type.Optional(TenancyInstant),
  to: Type.Optional(Type.Union([TenancyInstant, Type.Null()])),
}, strict);
