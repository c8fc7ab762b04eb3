/** Answers of the operator API's residents, tenancies and invites (OpenAPI components). */
import Type from 'typebox';
import { component } from '../../openapi/components.js';
import { ObjectId } from '../../openapi/developer.js';

const IsoInstant = Type.String({ format: 'date-time', description: 'ISO-8601 instant in UTC' });
const NullableIsoInstant = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: 'ISO-8601 instant in UTC, or null' });

export const ResidentView = component('Resident', Type.Object({
  id: ObjectId,
  name: Type.String(),
  email: Type.String({ description: 'the login, in lower case' }),
  language: Type.Unsafe<string | null>({ type: ['string', 'null'], enum: ['de', 'fr', 'it', 'en', null], description: "portal language; null: the browser's" }),
  has_password: Type.Boolean({ description: 'whether the resident has set a password through an invite' }),
  created_at: IsoInstant,
}, { additionalProperties: false, description: 'a person living in a unit of a site (never the password)' }));

export const TenancyView = component('Tenancy', Type.Object({
  id: ObjectId,
  meter_id: ObjectId,
  site_id: ObjectId,
  resident_id: ObjectId,
  from: IsoInstant,
  to: Type.Unsafe<string | null>({ ...NullableIsoInstant, description: 'first instant after the tenancy; null: open-ended' }),
}, { additionalProperties: false, description: 'a resident tenant of a consumer meter for [from, to): what they see in the portal, and (later) whom billing charges' }));

export const InviteCreated = component('InviteCreated', Type.Object({
  resident_id: ObjectId,
  token: Type.String({ description: 'the one-time token: shown this once, stored hashed' }),
  path: Type.String({ description: 'the link to send, relative to the server\'s address: `/#/invite/<token>`' }),
  expires_at: IsoInstant,
}, { additionalProperties: false }));
