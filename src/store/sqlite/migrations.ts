/**
 * Schema versions of the embedded store, applied in order and recorded in
 * PRAGMA user_version. Never edit a shipped migration: add a new one.
 *
 * Entities carry an integer `pk` for compact foreign keys and interval rows
 * (millions of rows per site-year); the 24-hex `id` is the public name.
 */
export const sqliteMigrations: string[] = [
  /* 1: identity and configuration */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE sites (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site_ref TEXT NOT NULL,
    name TEXT NOT NULL,
    street_name TEXT NOT NULL,
    street_number TEXT NOT NULL,
    city TEXT NOT NULL,
    postal_code INTEGER NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    timezone TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    lock_date INTEGER
  );

  CREATE TABLE meters (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    mode TEXT NOT NULL,
    prim_ad INTEGER NOT NULL,
    reading_kind TEXT NOT NULL,
    rule TEXT,
    in_balance INTEGER NOT NULL,
    reversed INTEGER NOT NULL,
    installed_at INTEGER,
    max_power_kw REAL,
    register_max REAL
  );
  CREATE INDEX meters_site ON meters(site_pk);

  CREATE TABLE sensors (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    unit TEXT NOT NULL,
    model TEXT NOT NULL
  );
  CREATE INDEX sensors_site ON sensors(site_pk);

  CREATE TABLE gateways (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE developers (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE grants (
    developer_pk INTEGER NOT NULL REFERENCES developers(pk),
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    history_from INTEGER,
    consent_ref TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (developer_pk, site_pk)
  ) WITHOUT ROWID;
  `,
];
