/**
 * Configuration errors say what is allowed, for every setting of the tree
 * (the mechanism, not a message per setting), and the settings table says it
 * too.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, allowed, configDefinition, describeConfig, parseConfig } from '../../src/config/config.js';

/** the error parseConfig throws for one environment */
function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

/** a value each kind of schema refuses (null: the setting takes any non-empty string) */
function badValue(schema: Record<string, unknown>): string | null {
  const inner = Array.isArray(schema.anyOf) ? (schema.anyOf as Record<string, unknown>[]).find((o) => o.type !== 'null')! : schema;
  if (Array.isArray(schema.anyOf) && (schema.anyOf as Record<string, unknown>[]).every((o) => o.const !== undefined)) return 'no-such-value';
  switch (inner.type) {
    case 'integer':
    case 'number':
      return inner.minimum !== undefined ? String((inner.minimum as number) - 1) : 'not-a-number';
    case 'boolean':
      return 'maybe';
    case 'string':
      if (inner.pattern !== undefined) return 'ftp://not-it';
      if ((inner.minLength as number) > 1) return 'x';
      return null;
    default:
      return 'no-such-value';
  }
}

describe('configuration errors', () => {
  it('should say the allowed range of KWHUB_TOKEN_TTL_SECONDS=3', () => {
    const e = errorOf({ KWHUB_TOKEN_TTL_SECONDS: '3' });
    expect(e.message).toBe('invalid KWHUB_TOKEN_TTL_SECONDS (tokenTtlSeconds) = "3": must be an integer from 10 to 86,400. KWHUB_TOKEN_TTL_SECONDS: Lifetime of a developer access token in seconds (the vendor uses 15 minutes)');
  });

  it('should say what is allowed for every setting, naming its variable, and hide secrets', () => {
    let checked = 0;
    for (const [key, s] of Object.entries(configDefinition)) {
      const bad = badValue(s.schema as unknown as Record<string, unknown>);
      if (bad === null) continue;
      const e = errorOf({ [s.env]: bad });
      expect(e.message, key).toContain(`invalid ${s.env} (${key})`);
      expect(e.message, key).toContain(`: must be ${allowed(s.schema)}. ${s.env}: ${s.doc}`);
      if ('secret' in s && s.secret) expect(e.message, key).not.toContain(bad);
      checked++;
    }
    // every setting but the free-form strings (db, host)
    expect(checked).toBe(Object.keys(configDefinition).length - 2);
  });

  it('should put the allowed values in words', () => {
    const d = configDefinition;
    expect(allowed(d.port.schema)).toBe('an integer from 0 to 65,535');
    expect(allowed(d.bodyLimit.schema)).toBe('an integer of at least 1,024');
    expect(allowed(d.logLevel.schema)).toBe('one of fatal, error, warn, info, debug, trace, silent');
    expect(allowed(d.trustProxy.schema)).toBe('true or false (1 or 0)');
    expect(allowed(d.redis.schema)).toBe('a redis:// or rediss:// URL (or unset)');
    expect(allowed(d.jwtSecret.schema)).toBe('a string of at least 32 characters (or unset)');
    expect(allowed(d.db.schema)).toBe('a non-empty string');
  });

  it('should accept KWHUB_DEBUG=1 and list it with the allowed values in the settings table', () => {
    expect(parseConfig({ KWHUB_DEBUG: '1' }).debug).toBe(true);
    expect(parseConfig({}).debug).toBe(false);
    const table = describeConfig();
    expect(table).toMatch(/KWHUB_DEBUG\s+false\s+Print the stack trace/);
    expect(table).toMatch(/KWHUB_TOKEN_TTL_SECONDS\s+900\s+.*an integer from 10 to 86,400/);
  });
});
