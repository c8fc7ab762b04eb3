/**
 * The whole configuration as one declarative tree: every setting has a doc
 * line, a schema, a default and an environment variable. It is parsed from an
 * injectable environment so tests never touch process.env.
 */
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';

interface Setting<S extends TSchema = TSchema> {
  doc: string;
  env: string;
  schema: S;
  default: unknown;
  secret?: boolean;
}

function setting<S extends TSchema>(s: Setting<S>): Setting<S> {
  return s;
}

export const configDefinition = {
  db: setting({
    doc: 'Database: a SQLite file path (created if missing) or a postgres:// URL',
    env: 'KWHUB_DB',
    schema: Type.String({ minLength: 1 }),
    default: './kwhub.sqlite',
  }),
  redis: setting({
    doc: 'Redis URL (redis://host:port) for the counters shared by several instances: rate limits and lockouts; unset: in memory',
    env: 'KWHUB_REDIS',
    schema: Type.Union([Type.String({ pattern: '^rediss?://', description: 'a redis:// or rediss:// URL' }), Type.Null()]),
    default: null,
  }),
  host: setting({
    doc: 'Address the HTTP server listens on (0.0.0.0 to accept remote clients)',
    env: 'KWHUB_HOST',
    schema: Type.String({ minLength: 1 }),
    default: '127.0.0.1',
  }),
  port: setting({
    doc: 'TCP port of the HTTP server (0 picks a free port)',
    env: 'KWHUB_PORT',
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    default: 8080,
  }),
  adminToken: setting({
    doc: 'Operator API token; when unset one is generated on first start, stored hashed and printed once',
    env: 'KWHUB_ADMIN_TOKEN',
    schema: Type.Union([Type.String({ minLength: 16 }), Type.Null()]),
    default: null,
    secret: true,
  }),
  jwtSecret: setting({
    doc: 'Secret that signs developer tokens (HS256, >= 32 chars); when unset one is generated and kept in the database',
    env: 'KWHUB_JWT_SECRET',
    schema: Type.Union([Type.String({ minLength: 32 }), Type.Null()]),
    default: null,
    secret: true,
  }),
  tokenTtlSeconds: setting({
    doc: 'Lifetime of a developer access token in seconds (the vendor uses 15 minutes)',
    env: 'KWHUB_TOKEN_TTL_SECONDS',
    schema: Type.Integer({ minimum: 10, maximum: 86_400 }),
    default: 900,
  }),
  rateLimitMax: setting({
    doc: 'Requests allowed per developer and endpoint per rate-limit window (0 disables the limit)',
    env: 'KWHUB_RATE_LIMIT_MAX',
    schema: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    default: 1,
  }),
  rateLimitWindowMs: setting({
    doc: 'Length of the rate-limit window in milliseconds',
    env: 'KWHUB_RATE_LIMIT_WINDOW_MS',
    schema: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    default: 1000,
  }),
  authMaxFailures: setting({
    doc: 'Failed logins (per username, and per client address) before a lockout; also failed admin tokens per address',
    env: 'KWHUB_AUTH_MAX_FAILURES',
    schema: Type.Integer({ minimum: 1, maximum: 10_000 }),
    default: 10,
  }),
  authLockoutSeconds: setting({
    doc: 'How long failures are remembered and a locked-out client must wait, in seconds',
    env: 'KWHUB_AUTH_LOCKOUT_SECONDS',
    schema: Type.Integer({ minimum: 1, maximum: 86_400 }),
    default: 900,
  }),
  bodyLimit: setting({
    doc: 'Largest request body on the developer and operator APIs, in bytes',
    env: 'KWHUB_BODY_LIMIT',
    schema: Type.Integer({ minimum: 1024 }),
    default: 1024 * 1024,
  }),
  gatewayBodyLimit: setting({
    doc: 'Largest request body on the gateway API (batches of up to 100,000 readings), in bytes',
    env: 'KWHUB_GATEWAY_BODY_LIMIT',
    schema: Type.Integer({ minimum: 1024 }),
    default: 64 * 1024 * 1024,
  }),
  trustProxy: setting({
    doc: 'Trust X-Forwarded-For from a reverse proxy when identifying client addresses',
    env: 'KWHUB_TRUST_PROXY',
    schema: Type.Boolean(),
    default: false,
  }),
  debug: setting({
    doc: 'Print the stack trace of an unexpected error, for a bug report (every command)',
    env: 'KWHUB_DEBUG',
    schema: Type.Boolean(),
    default: false,
  }),
  portalSessionTtlSeconds: setting({
    doc: 'Lifetime of a portal login session (operator or resident), in seconds',
    env: 'KWHUB_PORTAL_SESSION_TTL_SECONDS',
    schema: Type.Integer({ minimum: 60, maximum: 30 * 86_400 }),
    default: 12 * 3600,
  }),
  portalInviteTtlSeconds: setting({
    doc: 'How long a resident invite link (to set a password) stays valid, in seconds',
    env: 'KWHUB_PORTAL_INVITE_TTL_SECONDS',
    schema: Type.Integer({ minimum: 60, maximum: 90 * 86_400 }),
    default: 7 * 86_400,
  }),
  pipelineSettleMs: setting({
    doc: 'A lone push is validated and allocated once its site got no new push for this long (ms); in a burst of pushes (a backfill) the quiet time grows by a quarter of it per push, up to 10 times, and the burst becomes one run. Readers never wait for it: a read of the site\'s data runs its pending work first',
    env: 'KWHUB_PIPELINE_SETTLE_MS',
    schema: Type.Integer({ minimum: 0, maximum: 60_000 }),
    default: 250,
  }),
  pipelineMaxDelayMs: setting({
    doc: 'While pushes keep coming, a site\'s pending work is run at the latest this long after the first of them (ms; twice the last run\'s time when that is longer)',
    env: 'KWHUB_PIPELINE_MAX_DELAY_MS',
    schema: Type.Integer({ minimum: 0, maximum: 600_000 }),
    default: 30_000,
  }),
  changeRetentionDays: setting({
    doc: 'Days the change feed keeps its entries; a cursor older than that gets 410 Gone (at least 90 in production)',
    env: 'KWHUB_CHANGE_RETENTION_DAYS',
    schema: Type.Integer({ minimum: 1, maximum: 36_500 }),
    default: 90,
  }),
  webhookAllowLoopbackHttp: setting({
    doc: 'Let webhooks use http://127.0.0.1 URLs (tests, local receivers); otherwise only https URLs are accepted',
    env: 'KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP',
    schema: Type.Boolean(),
    default: false,
  }),
  webhookRetryBaseMs: setting({
    doc: 'First retry delay of a failed webhook delivery; each next one doubles (with ±20 % jitter) up to webhookRetryMaxMs',
    env: 'KWHUB_WEBHOOK_RETRY_BASE_MS',
    schema: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
    default: 30_000,
  }),
  webhookRetryMaxMs: setting({
    doc: 'Longest delay between two attempts of a webhook delivery',
    env: 'KWHUB_WEBHOOK_RETRY_MAX_MS',
    schema: Type.Integer({ minimum: 1, maximum: 7 * 86_400_000 }),
    default: 6 * 3_600_000,
  }),
  webhookMaxAttempts: setting({
    doc: 'Attempts of one webhook delivery before it is given up (the defaults retry for about 31 hours)',
    env: 'KWHUB_WEBHOOK_MAX_ATTEMPTS',
    schema: Type.Integer({ minimum: 1, maximum: 100 }),
    default: 15,
  }),
  webhookPauseAfter: setting({
    doc: 'Failed attempts in a row (any delivery) after which a webhook is paused until the operator resumes it',
    env: 'KWHUB_WEBHOOK_PAUSE_AFTER',
    schema: Type.Integer({ minimum: 1, maximum: 10_000 }),
    default: 20,
  }),
  webhookPollMs: setting({
    doc: 'How often each server instance looks for due webhook deliveries, in milliseconds',
    env: 'KWHUB_WEBHOOK_POLL_MS',
    schema: Type.Integer({ minimum: 10, maximum: 600_000 }),
    default: 1000,
  }),
  logLevel: setting({
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent',
    env: 'KWHUB_LOG_LEVEL',
    schema: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    default: 'info',
  }),
} as const;

type Definition = typeof configDefinition;
export type ConfigKey = keyof Definition;
export type Config = {
  [K in ConfigKey]: Type.Static<Definition[K]['schema']>;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the configuration from an environment (default: nothing set) and
 * explicit overrides (CLI flags win over the environment).
 */
export function parseConfig(env: Record<string, string | undefined> = {}, overrides: Partial<Record<ConfigKey, unknown>> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(configDefinition) as [ConfigKey, Setting][]) {
    let raw: unknown = s.default;
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') raw = fromEnv;
    if (overrides[key] !== undefined) raw = overrides[key];
    const value = typeof raw === 'string' ? Value.Convert(s.schema, raw) : raw;
    if (!Value.Check(s.schema, value)) {
      const shown = s.secret ? '(hidden)' : JSON.stringify(raw);
      throw new ConfigError(`invalid ${s.env} (${key}) = ${shown}: must be ${allowed(s.schema)}. ${s.env}: ${s.doc}`);
    }
    out[key] = value;
  }
  return out as Config;
}

const num = (n: number) => n.toLocaleString('en-US');

/**
 * What a schema of the tree allows, in words ("an integer from 10 to 86,400",
 * "one of info, debug", "true or false"): the one description every
 * configuration error and the settings table use. A schema's own
 * `description` wins where its constraints do not read well (a pattern).
 */
export function allowed(schema: TSchema): string {
  const sch = schema as TSchema & Record<string, unknown>;
  if (typeof sch.description === 'string') return sch.description;
  if (Array.isArray(sch.anyOf)) {
    const options = sch.anyOf as (TSchema & Record<string, unknown>)[];
    const literals = options.filter((o) => o.const !== undefined && o.const !== null).map((o) => String(o.const));
    const unset = options.some((o) => o.type === 'null') ? ' (or unset)' : '';
    if (literals.length === options.filter((o) => o.type !== 'null').length) return `one of ${literals.join(', ')}${unset}`;
    return `${options.filter((o) => o.type !== 'null').map(allowed).join(', or ')}${unset}`;
  }
  const min = sch.minimum as number | undefined;
  const max = sch.maximum as number | undefined;
  const range = min !== undefined && max !== undefined ? ` from ${num(min)} to ${num(max)}` : min !== undefined ? ` of at least ${num(min)}` : max !== undefined ? ` of at most ${num(max)}` : '';
  switch (sch.type) {
    case 'integer':
      return `an integer${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false (1 or 0)';
    case 'string': {
      const len = sch.minLength as number | undefined;
      const pattern = typeof sch.pattern === 'string' ? ` matching ${sch.pattern}` : '';
      return `${len && len > 1 ? `a string of at least ${num(len)} characters` : 'a non-empty string'}${pattern}`;
    }
    default:
      return 'a valid value';
  }
}

/** A plain-text table of every setting, for `--help` and the README. */
export function describeConfig(): string {
  const rows = Object.entries(configDefinition).map(([key, s]) => {
    const def = s.default === null ? '(generated/unset)' : JSON.stringify(s.default);
    return `  ${s.env.padEnd(28)} ${def.padEnd(20)} ${s.doc}; ${allowed(s.schema)} [${key}]`;
  });
  return ['Settings (environment variable, default, meaning; allowed values):', ...rows].join('\n');
}
