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
  /* 2: the metering pipeline: raw readings, pending work, validated intervals, allocation, quality */ `
  CREATE TABLE raw_readings (
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    ts INTEGER NOT NULL,
    en_im REAL, en_ex REAL, heat_energy_kwh REAL, vol_m3 REAL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (meter_pk, ts)
  ) WITHOUT ROWID;

  CREATE TABLE sensor_readings (
    sensor_pk INTEGER NOT NULL REFERENCES sensors(pk),
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (sensor_pk, ts)
  ) WITHOUT ROWID;

  -- raw data that changed and is not validated yet: written in the same
  -- transaction as the readings, deleted in the one that settles it
  CREATE TABLE pending (
    seq INTEGER PRIMARY KEY,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    from_ts INTEGER NOT NULL,
    to_ts INTEGER NOT NULL
  );
  CREATE INDEX pending_site ON pending(site_pk);

  CREATE TABLE intervals (
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    t INTEGER NOT NULL,
    im REAL NOT NULL,
    ex REAL NOT NULL,
    estimated INTEGER NOT NULL,
    PRIMARY KEY (meter_pk, t)
  ) WITHOUT ROWID;

  CREATE TABLE meter_alloc (
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    t INTEGER NOT NULL,
    total REAL NOT NULL,
    self REAL,
    ext REAL,
    PRIMARY KEY (meter_pk, t)
  ) WITHOUT ROWID;

  CREATE TABLE site_alloc (
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    t INTEGER NOT NULL,
    conso_total REAL NOT NULL,
    prod_total REAL NOT NULL,
    from_ext REAL NOT NULL,
    self REAL NOT NULL,
    to_ext REAL NOT NULL,
    storage_charging_total REAL NOT NULL,
    storage_discharging_total REAL NOT NULL,
    storage_charging_self REAL NOT NULL,
    PRIMARY KEY (site_pk, t)
  ) WITHOUT ROWID;

  CREATE TABLE quality (
    id INTEGER PRIMARY KEY,
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    kind TEXT NOT NULL,
    from_ts INTEGER NOT NULL,
    to_ts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX quality_meter ON quality(meter_pk, from_ts);
  `,
  /* 3: a version per site configuration, so instances can cache a site's meters safely */ `
  ALTER TABLE sites ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;
  `,
  /* 4: day sums of the allocation, per local calendar day of the site */ `
  CREATE TABLE meter_alloc_day (
    meter_pk INTEGER NOT NULL REFERENCES meters(pk),
    day INTEGER NOT NULL,
    total REAL NOT NULL,
    self REAL,
    ext REAL,
    PRIMARY KEY (meter_pk, day)
  ) WITHOUT ROWID;

  CREATE TABLE site_alloc_day (
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    day INTEGER NOT NULL,
    conso_total REAL NOT NULL,
    prod_total REAL NOT NULL,
    from_ext REAL NOT NULL,
    self REAL NOT NULL,
    to_ext REAL NOT NULL,
    storage_charging_total REAL NOT NULL,
    storage_discharging_total REAL NOT NULL,
    storage_charging_self REAL NOT NULL,
    PRIMARY KEY (site_pk, day)
  ) WITHOUT ROWID;
  `,
  /* 5: validated energies and their allocation in one row per meter and interval: written once */ `
  ALTER TABLE intervals ADD COLUMN total REAL;
  ALTER TABLE intervals ADD COLUMN self REAL;
  ALTER TABLE intervals ADD COLUMN ext REAL;
  UPDATE intervals SET total = a.total, self = a.self, ext = a.ext
    FROM meter_alloc a WHERE a.meter_pk = intervals.meter_pk AND a.t = intervals.t;
  DROP TABLE meter_alloc;
  `,
  /* 6: pipeline leases, so that several processes on one file never run a site's pipeline at once */ `
  CREATE TABLE site_locks (
    site_pk INTEGER PRIMARY KEY REFERENCES sites(pk),
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  /* 7: the portal: residents and their tenancies, operator accounts, sessions and invites */ `
  CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    language TEXT,
    password_hash TEXT,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE tenancies (
    id TEXT PRIMARY KEY,
    meter_id TEXT NOT NULL REFERENCES meters(id),
    resident_id TEXT NOT NULL REFERENCES residents(id),
    from_ts INTEGER NOT NULL,
    to_ts INTEGER
  );
  CREATE INDEX tenancies_meter ON tenancies(meter_id, from_ts);
  CREATE INDEX tenancies_resident ON tenancies(resident_id);

  CREATE TABLE operator_accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE portal_sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX portal_sessions_subject ON portal_sessions(subject_id);

  CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  `,
  /* 8: the change log (change feed, data versions for ETags) and the webhooks that deliver it */ `
  -- why a span is pending: NULL for readings, the operator's reason for a correction or revalidation
  ALTER TABLE pending ADD COLUMN reason TEXT;

  -- AUTOINCREMENT: a seq is never reused after deletions, so cursors only move forward
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    meter_ids TEXT NOT NULL,
    from_ts INTEGER NOT NULL,
    to_ts INTEGER NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE INDEX changes_site ON changes(site_pk, seq);

  -- per site, the last seq dropped by retention: older cursors are gone, data versions never fall below it
  CREATE TABLE change_floors (
    site_pk INTEGER PRIMARY KEY REFERENCES sites(pk),
    seq INTEGER NOT NULL
  );

  CREATE TABLE webhooks (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    developer_pk INTEGER NOT NULL REFERENCES developers(pk),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    paused_at INTEGER,
    paused_reason TEXT
  );
  CREATE INDEX webhooks_developer ON webhooks(developer_pk);

  CREATE TABLE deliveries (
    pk INTEGER PRIMARY KEY,
    webhook_pk INTEGER NOT NULL REFERENCES webhooks(pk),
    change_seq INTEGER NOT NULL,
    site_pk INTEGER NOT NULL REFERENCES sites(pk),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    last_body TEXT,
    log TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
  CREATE INDEX deliveries_webhook ON deliveries(webhook_pk, pk);

  -- per meter and day, its validated intervals and how many are estimated (NULL: written before, count the intervals)
  ALTER TABLE meter_alloc_day ADD COLUMN n_present INTEGER;
  ALTER TABLE meter_alloc_day ADD COLUMN n_estimated INTEGER;
  `,
  /* 9: billing: one setup document per site, and the billing runs with their frozen inputs and outputs */ `
  CREATE TABLE billing_setups (
    site_id TEXT PRIMARY KEY REFERENCES sites(id),
    doc_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE billing_runs (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finalized_at INTEGER,
    input_json TEXT NOT NULL,
    run_json TEXT NOT NULL,
    numbers_json TEXT,
    override_json TEXT
  );
  CREATE INDEX billing_runs_site ON billing_runs(site_id, created_at);
  `,
  /* 10: validated and allocated intervals as one chunk row per meter and UTC day (src/store/chunks.ts); the old
     intervals table stays until the data migration (src/store/migrate-chunks) has moved its rows and dropped it */ `
  CREATE TABLE interval_chunks (
    meter_pk INTEGER NOT NULL,
    day INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (meter_pk, day)
  ) WITHOUT ROWID;
  `,
];
