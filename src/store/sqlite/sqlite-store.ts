/**
 * The embedded store on better-sqlite3: one file, WAL, foreign keys. The
 * driver is synchronous; the Store contract is asynchronous so the same
 * callers work over PostgreSQL.
 */
import type {
  Developer, Gateway, Grant, Meter, MeterPatch, Sensor, Site, SitePatch, Store,
} from '../store.js';
import { sqliteMigrations } from './migrations.js';
import { meterFromRow, siteFromRow, siteToRow } from '../row-mapping.js';
import { patchColumns } from '../engine-shared.js';
import { SqlitePipeline } from './sqlite-pipeline.js';
import { SqliteBilling } from './sqlite-billing.js';

type Row = Record<string, unknown>;




function meterToRow(m: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    row[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return row;
}

export type { SqliteStoreOptions } from './sqlite-base.js';

export class SqliteStore extends SqliteBilling implements Store {
  readonly engine = 'sqlite' as const;

  async migrate(): Promise<void> {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > sqliteMigrations.length) {
      throw new Error(`database schema version ${current} is newer than this kWhub (${sqliteMigrations.length}); upgrade kWhub`);
    }
    for (let v = current; v < sqliteMigrations.length; v++) {
      this.db.transaction(() => {
        this.db.exec(sqliteMigrations[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async getMeta(key: string): Promise<string | null> {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return (r?.value as string) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmt('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async setMetaIfAbsent(key: string, value: string): Promise<string> {
    this.stmt('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(key, value);
    return (await this.getMeta(key))!;
  }

  async idInUse(id: string): Promise<boolean> {
    const r = this.stmt(
      `SELECT 1 FROM sites WHERE id = @id UNION ALL SELECT 1 FROM meters WHERE id = @id
       UNION ALL SELECT 1 FROM sensors WHERE id = @id UNION ALL SELECT 1 FROM gateways WHERE id = @id
       UNION ALL SELECT 1 FROM developers WHERE id = @id UNION ALL SELECT 1 FROM residents WHERE id = @id
       UNION ALL SELECT 1 FROM tenancies WHERE id = @id LIMIT 1`,
    ).get({ id });
    return r !== undefined;
  }



  private update(table: 'sites' | 'meters' | 'sensors', id: string, row: Row): void {
    const keys = patchColumns(table, row);
    if (keys.length === 0) return;
    const sql = `UPDATE ${table} SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`;
    this.stmt(sql).run({ ...row, id });
    this.forgetGrants();
  }

  async insertSite(s: Site): Promise<void> {
    this.stmt(
      `INSERT INTO sites(id, site_ref, name, street_name, street_number, city, postal_code, latitude, longitude, timezone, creation_date, lock_date)
       VALUES (@id, @site_ref, @name, @street_name, @street_number, @city, @postal_code, @latitude, @longitude, @timezone, @creation_date, @lock_date)`,
    ).run({ id: s.id, ...siteToRow(s), lock_date: s.lock_date });
    this.forgetGrants();
  }

  async updateSite(id: string, patch: SitePatch): Promise<void> {
    this.update('sites', id, siteToRow(patch));
    this.stmt('UPDATE sites SET config_version = config_version + 1 WHERE id = ?').run(id);
    this.forgetGrants();
  }

  private bumpSiteOfMeter(meterId: string): void {
    this.stmt('UPDATE sites SET config_version = config_version + 1 WHERE pk = (SELECT site_pk FROM meters WHERE id = ?)').run(meterId);
    this.forgetGrants();
  }

  async getSite(id: string): Promise<Site | null> {
    const r = this.stmt('SELECT * FROM sites WHERE id = ?').get(id) as Row | undefined;
    return r ? siteFromRow(r) : null;
  }

  async listSites(): Promise<Site[]> {
    return (this.stmt('SELECT * FROM sites ORDER BY pk').all() as Row[]).map(siteFromRow);
  }

  async insertMeter(m: Meter): Promise<void> {
    const { site_id, ...rest } = m;
    const row = meterToRow(rest);
    this.stmt(
      `INSERT INTO meters(id, site_pk, name, type, mode, prim_ad, reading_kind, rule, in_balance, reversed, installed_at, max_power_kw, register_max)
       VALUES (@id, @site_pk, @name, @type, @mode, @prim_ad, @reading_kind, @rule, @in_balance, @reversed, @installed_at, @max_power_kw, @register_max)`,
    ).run({ ...row, rule: m.rule, installed_at: m.installed_at, max_power_kw: m.max_power_kw, register_max: m.register_max, site_pk: this.sitePk(site_id) });
    this.bumpSiteOfMeter(m.id);
  }

  async updateMeter(id: string, patch: MeterPatch): Promise<void> {
    this.update('meters', id, meterToRow(patch));
    this.bumpSiteOfMeter(id);
  }

  private static readonly METER_SELECT = 'SELECT m.*, s.id AS site_id FROM meters m JOIN sites s ON s.pk = m.site_pk';

  async getMeter(id: string): Promise<Meter | null> {
    const r = this.stmt(`${SqliteStore.METER_SELECT} WHERE m.id = ?`).get(id) as Row | undefined;
    return r ? meterFromRow(r) : null;
  }

  async listMeters(siteId: string): Promise<Meter[]> {
    return (this.stmt(`${SqliteStore.METER_SELECT} WHERE s.id = ? ORDER BY m.pk`).all(siteId) as Row[]).map(meterFromRow);
  }

  async insertSensor(x: Sensor): Promise<void> {
    this.stmt('INSERT INTO sensors(id, site_pk, name, type, unit, model) VALUES (?, ?, ?, ?, ?, ?)')
      .run(x.id, this.sitePk(x.site_id), x.name, x.type, x.unit, x.model);
  }

  async updateSensor(id: string, patch: Partial<Omit<Sensor, 'id' | 'site_id'>>): Promise<void> {
    this.update('sensors', id, meterToRow(patch));
  }

  private static readonly SENSOR_SELECT = 'SELECT x.id, s.id AS site_id, x.name, x.type, x.unit, x.model FROM sensors x JOIN sites s ON s.pk = x.site_pk';

  async getSensor(id: string): Promise<Sensor | null> {
    return (this.stmt(`${SqliteStore.SENSOR_SELECT} WHERE x.id = ?`).get(id) as Sensor | undefined) ?? null;
  }

  async listSensors(siteId: string): Promise<Sensor[]> {
    return this.stmt(`${SqliteStore.SENSOR_SELECT} WHERE s.id = ? ORDER BY x.pk`).all(siteId) as Sensor[];
  }

  async insertGateway(g: Gateway, tokenHash: string): Promise<void> {
    this.stmt('INSERT INTO gateways(id, site_pk, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(g.id, this.sitePk(g.site_id), g.name, tokenHash, g.created_at);
  }

  async findGatewayByTokenHash(tokenHash: string): Promise<Gateway | null> {
    return (this.stmt(
      'SELECT g.id, s.id AS site_id, g.name, g.created_at FROM gateways g JOIN sites s ON s.pk = g.site_pk WHERE g.token_hash = ?',
    ).get(tokenHash) as Gateway | undefined) ?? null;
  }

  async listGateways(): Promise<(Gateway & { token_hash: string })[]> {
    return this.stmt('SELECT g.id, s.id AS site_id, g.name, g.created_at, g.token_hash FROM gateways g JOIN sites s ON s.pk = g.site_pk ORDER BY g.pk').all() as (Gateway & { token_hash: string })[];
  }

  async insertDeveloper(d: Developer): Promise<void> {
    this.stmt('INSERT INTO developers(id, username, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(d.id, d.username, d.password_hash, d.created_at);
    this.forgetGrants();
  }

  async updateDeveloperPassword(id: string, passwordHash: string): Promise<void> {
    this.stmt('UPDATE developers SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  async getDeveloperByUsername(username: string): Promise<Developer | null> {
    return (this.stmt('SELECT id, username, password_hash, created_at FROM developers WHERE username = ?').get(username) as Developer | undefined) ?? null;
  }

  async getDeveloperById(id: string): Promise<Developer | null> {
    return (this.stmt('SELECT id, username, password_hash, created_at FROM developers WHERE id = ?').get(id) as Developer | undefined) ?? null;
  }

  async listDevelopers(): Promise<Developer[]> {
    return this.stmt('SELECT id, username, password_hash, created_at FROM developers ORDER BY pk').all() as Developer[];
  }

  async putGrant(g: Grant): Promise<void> {
    this.stmt(
      `INSERT INTO grants(developer_pk, site_pk, history_from, consent_ref, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(developer_pk, site_pk) DO UPDATE SET history_from = excluded.history_from, consent_ref = excluded.consent_ref`,
    ).run(this.developerPk(g.developer_id), this.sitePk(g.site_id), g.history_from, g.consent_ref, g.created_at);
    this.forgetGrants();
  }

  async deleteGrant(developerId: string, siteId: string): Promise<boolean> {
    const r = this.stmt(
      `DELETE FROM grants WHERE developer_pk = (SELECT pk FROM developers WHERE id = ?)
       AND site_pk = (SELECT pk FROM sites WHERE id = ?)`,
    ).run(developerId, siteId);
    this.forgetGrants();
    return r.changes > 0;
  }

  private static readonly GRANT_SELECT = `SELECT d.id AS developer_id, s.id AS site_id, g.history_from, g.consent_ref, g.created_at
    FROM grants g JOIN developers d ON d.pk = g.developer_pk JOIN sites s ON s.pk = g.site_pk`;

  async getGrant(developerId: string, siteId: string): Promise<Grant | null> {
    return (this.stmt(`${SqliteStore.GRANT_SELECT} WHERE d.id = ? AND s.id = ?`).get(developerId, siteId) as Grant | undefined) ?? null;
  }

  /** sites by id as last read, reused while their configuration version is unchanged (read with every grant check) */
  private readonly siteRows = new Map<string, Site>();

  /**
   * Grant checks as last answered, by developer and site. Every developer
   * request asks one, so they are kept while the database is unchanged:
   * this store's own writes to sites, meters, sensors, developers and grants
   * forget them at once, and a commit of any other connection (another
   * process on the file) is noticed through SQLite's data_version, checked
   * once per turn of the event loop: requests served in the same turn see
   * the database as it was at the turn's start, as if served a moment
   * earlier.
   */
  private readonly granted = new Map<string, { site: Site; grant: Grant } | null>();
  private grantedStamp = '';
  private grantedChecked = false;

  private forgetGrants(): void {
    this.granted.clear();
  }

  private checkGrantedStamp(): void {
    if (this.grantedChecked) return;
    this.grantedChecked = true;
    setImmediate(() => {
      this.grantedChecked = false;
    });
    // data_version moves with other connections' commits, total_changes() with this one's
    const r = this.rawStmt('SELECT data_version, total_changes() FROM pragma_data_version()').get() as [number, number];
    const stamp = `${r[0]}:${r[1]}`;
    if (stamp !== this.grantedStamp) {
      this.granted.clear();
      this.grantedStamp = stamp;
    }
  }

  async getGrantedSite(developerId: string, siteId: string): Promise<{ site: Site; grant: Grant } | null> {
    this.checkGrantedStamp();
    const key = `${developerId}/${siteId}`;
    const hit = this.granted.get(key);
    if (hit !== undefined) return hit;
    // the grant and the site's version in one small row
    const r = this.rawStmt(
      `SELECT s.config_version, g.history_from, g.consent_ref, g.created_at
       FROM sites s JOIN grants g ON g.site_pk = s.pk JOIN developers d ON d.pk = g.developer_pk
       WHERE s.id = ? AND d.id = ?`,
    ).get(siteId, developerId) as [number, number | null, string, number] | undefined;
    let found: { site: Site; grant: Grant } | null = null;
    if (r) {
      let site = this.siteRows.get(siteId);
      if (!site || site.config_version !== r[0]) {
        site = (await this.getSite(siteId))!;
        if (this.siteRows.size >= 10_000) this.siteRows.delete(this.siteRows.keys().next().value as string);
        this.siteRows.set(siteId, site);
      }
      found = { site, grant: { developer_id: developerId, site_id: siteId, history_from: r[1], consent_ref: r[2], created_at: r[3] } };
    }
    if (this.granted.size >= 10_000) this.granted.delete(this.granted.keys().next().value as string);
    this.granted.set(key, found);
    return found;
  }

  async listGrants(developerId: string): Promise<Grant[]> {
    return this.stmt(`${SqliteStore.GRANT_SELECT} WHERE d.id = ? ORDER BY s.pk`).all(developerId) as Grant[];
  }
}
