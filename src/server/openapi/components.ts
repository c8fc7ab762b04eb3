/**
 * Named schemas of the OpenAPI document. A route refers to one with
 * `ref(name)`; the server registers every named schema with Fastify
 * (`addSchema`, so `$ref: "Name#"` resolves there too) and @fastify/swagger
 * lists it under `components.schemas.Name`. The document keeps the schema
 * exactly as written here (JSON Schema 2020-12, which OpenAPI 3.1 uses):
 * @fastify/swagger would otherwise rewrite `patternProperties` into
 * `additionalProperties`, losing the per-meter column names of site_data.
 */
import type { FastifyInstance } from 'fastify';
import Type, { type TSchema } from 'typebox';

const named = new Map<string, TSchema>();
const names = new WeakMap<object, string>();

/**
 * Registers `schema` under `name`. Returns the schema itself, without an
 * `$id`, so it may also be embedded (a nested `$id` would clash with the
 * registered copy): other schemas and routes refer to it with `ref()`.
 */
export function component<T extends TSchema>(name: string, schema: T): T {
  if (named.has(name)) throw new Error(`OpenAPI component ${name} is defined twice`);
  named.set(name, { ...schema, $id: name } as TSchema);
  names.set(schema, name);
  return schema;
}

/** a reference to a named schema (`{ $ref: "Name#" }`), for a route schema or inside another schema */
export function ref(schema: TSchema | string): TSchema {
  const name = typeof schema === 'string' ? schema : names.get(schema);
  if (!name || !named.has(name)) throw new Error('not a named OpenAPI component');
  return Type.Unsafe({ $ref: `${name}#` });
}

/** makes every named schema resolvable by the routes of `app` */
export function addComponentSchemas(app: FastifyInstance): void {
  for (const schema of named.values()) app.addSchema(schema);
}

/** `$ref: "Name#"` → `$ref: "#/components/schemas/Name"`, `$id` dropped, recursively */
function forDocument(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forDocument);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$id') continue;
    if (k === '$ref' && typeof v === 'string' && /^[A-Za-z0-9_.-]+#$/.test(v)) out.$ref = `#/components/schemas/${v.slice(0, -1)}`;
    else out[k] = forDocument(v);
  }
  return out;
}

/** the `components.schemas` of the document, as written in the code */
export function documentComponents(): Record<string, unknown> {
  return Object.fromEntries([...named].map(([name, schema]) => [name, forDocument(schema)]));
}
