/**
 * The networked store on PostgreSQL (15+), through node-postgres: a pool of
 * connections for queries, another for the sites' pipeline locks. Same
 * behaviour as the SQLite store, method for method; see store.ts.
 */
import type {
  Developer, Gateway, Grant, Meter, MeterPatch, Sensor, Site, SitePatch, Store,
} from '../store.js';
import { runMigrations } from './migrations.js';
import { meterFromRow, siteFromRow, siteToRow } from '../row-mapping.js';
import { patchColumns } from '../engine-shared.js';
import { monthOf, PARTITIONED } from './partitions.js';
import { PgBilling } from './pg-billing.js';

type Row = Record<string, unknown>;

function defined(m: Record<string, unknown>): Row {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

export type { PgStoreOptions } from './pg-base.js';

export class PgStore extends PgBilling implements Store {
  readonly engine = 'postgres' as const;

  async migrate(): Promise<void> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await runMigrations(c);
    } catch (e) {
      broken = e as Error;
      throw e;
    } finally {
      // after a failure the session may still hold the migration lock: never hand it back to the pool
      c.release(broken);
    }
    // this month's and next month's partitions now, so that live ingest rarely meets DDL at a month's turn
    const now = monthOf(Date.now());
    for (const table of PARTITIONED) await this.partitions.ensure(table, [now, now + 1]);
  }

  async getMeta(key: string): Promise<string | null> {
    return (await this.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async setMetaIfAbsent(key: string, value: string): Promise<string> {
    // one statement: the row inserted now, or else the one that was there (a concurrent insert is waited for)
    const r = await this.one<{ value: string }>(
      `WITH ins AS (INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value)
       SELECT value FROM ins UNION ALL SELECT value FROM meta WHERE key = $1 LIMIT 1`,
      [key, value],
    );
    return r?.value ?? (await this.getMeta(key))!;
  }

  async idInUse(id: string): Promise<boolean> {
    const r = await this.one(
      `SELECT 1 FROM sites WHERE id = $1 UNION ALL SELECT 1 FROM meters WHERE id = $1
       UNION ALL SELECT 1 FROM sensors WHERE id = $1 UNION ALL SELECT 1 FROM gateways WHERE id = $1
       UNION ALL SELECT 1 FROM developers WHERE id = $1 UNION ALL SELECT 1 FROM residents WHERE id = $1
       UNION ALL SELECT 1 FROM tenancies WHERE id = $1 LIMIT 1`,
      [id],
    );
    return r !== undefined;
  }

  /** `SET a = $2, b = $3…` of a checked patch, and its values after the id ($1) */
  private static setClause(table: 'sites' | 'meters' | 'sensors', row: Row): { set: string; values: unknown[] } {
    const keys = patchColumns(table, row);
    return { set: keys.map((k, i) => `${k} = $${i + 2}`).join(', '), values: keys.map((k) => row[k]) };
  }

  async insertSite(s: Site): Promise<void> {
    await this.pool.query(
      `INSERT INTO sites(id, site_ref, name, street_name, street_number, city, postal_code, latitude, longitude, timezone, creation_date, lock_date)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [s.id, s.site_ref, s.name, s.address.street_name, s.address.street_number, s.address.city, s.address.postal_code,
        s.latitude, s.longitude, s.timezone, s.creation_date, s.lock_date],
    );
  }

  async updateSite(id: string, patch: SitePatch): Promise<void> {
    const { set, values } = PgStore.setClause('sites', siteToRow(patch));
    // the patch and the version bump in one statement (an empty patch bumps too, as in SQLite)
    await this.pool.query(`UPDATE sites SET ${set ? `${set}, ` : ''}config_version = config_version + 1 WHERE id = $1`, [id, ...values]);
  }

  async getSite(id: string): Promise<Site | null> {
    const r = await this.one('SELECT * FROM sites WHERE id = $1', [id]);
    return r ? siteFromRow(r) : null;
  }

  async listSites(): Promise<Site[]> {
    return (await this.q('SELECT * FROM sites ORDER BY pk')).map(siteFromRow);
  }

  async insertMeter(m: Meter): Promise<void> {
    const sitePk = await this.sitePk(m.site_id);
    await this.pool.query(
      `WITH m AS (
         INSERT INTO meters(id, site_pk, name, type, mode, prim_ad, reading_kind, rule, in_balance, reversed, installed_at, max_power_kw, register_max)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING site_pk)
       UPDATE sites SET config_version = config_version + 1 WHERE pk IN (SELECT site_pk FROM m)`,
      [m.id, sitePk, m.name, m.type, m.mode, m.prim_ad, m.reading_kind, m.rule, m.in_balance, m.reversed, m.installed_at, m.max_power_kw, m.register_max],
    );
  }

  async updateMeter(id: string, patch: MeterPatch): Promise<void> {
    const { set, values } = PgStore.setClause('meters', defined(patch));
    const bump = 'UPDATE sites SET config_version = config_version + 1';
    if (set === '') {
      await this.pool.query(`${bump} WHERE pk = (SELECT site_pk FROM meters WHERE id = $1)`, [id]);
      return;
    }
    await this.pool.query(`WITH m AS (UPDATE meters SET ${set} WHERE id = $1 RETURNING site_pk) ${bump} WHERE pk IN (SELECT site_pk FROM m)`, [id, ...values]);
  }

  private static readonly METER_SELECT = 'SELECT m.*, s.id AS site_id FROM meters m JOIN sites s ON s.pk = m.site_pk';

  async getMeter(id: string): Promise<Meter | null> {
    const r = await this.one(`${PgStore.METER_SELECT} WHERE m.id = $1`, [id]);
    return r ? meterFromRow(r) : null;
  }

  async listMeters(siteId: string): Promise<Meter[]> {
    return (await this.q(`${PgStore.METER_SELECT} WHERE s.id = $1 ORDER BY m.pk`, [siteId])).map(meterFromRow);
  }

  async insertSensor(x: Sensor): Promise<void> {
    await this.pool.query('INSERT INTO sensors(id, site_pk, name, type, unit, model) VALUES ($1, $2, $3, $4, $5, $6)',
      [x.id, await this.sitePk(x.site_id), x.name, x.type, x.unit, x.model]);
  }

  async updateSensor(id: string, patch: Partial<Omit<Sensor, 'id' | 'site_id'>>): Promise<void> {
    const { set, values } = PgStore.setClause('sensors', defined(patch));
    if (set !== '') await this.pool.query(`UPDATE sensors SET ${set} WHERE id = $1`, [id, ...values]);
  }

  private static readonly SENSOR_SELECT = 'SELECT x.id, s.id AS site_id, x.name, x.type, x.unit, x.model FROM sensors x JOIN sites s ON s.pk = x.site_pk';

  async getSensor(id: string): Promise<Sensor | null> {
    return (await this.one<Sensor>(`${PgStore.SENSOR_SELECT} WHERE x.id = $1`, [id])) ?? null;
  }

  async listSensors(siteId: string): Promise<Sensor[]> {
    return this.q<Sensor>(`${PgStore.SENSOR_SELECT} WHERE s.id = $1 ORDER BY x.pk`, [siteId]);
  }

  async insertGateway(g: Gateway, tokenHash: string): Promise<void> {
    await this.pool.query('INSERT INTO gateways(id, site_pk, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
      [g.id, await this.sitePk(g.site_id), g.name, tokenHash, g.created_at]);
  }

  async findGatewayByTokenHash(tokenHash: string): Promise<Gateway | null> {
    return (await this.one<Gateway>(
      'SELECT g.id, s.id AS site_id, g.name, g.created_at FROM gateways g JOIN sites s ON s.pk = g.site_pk WHERE g.token_hash = $1',
      [tokenHash],
    )) ?? null;
  }

  async listGateways(): Promise<(Gateway & { token_hash: string })[]> {
    return this.q<Gateway & { token_hash: string }>('SELECT g.id, s.id AS site_id, g.name, g.created_at, g.token_hash FROM gateways g JOIN sites s ON s.pk = g.site_pk ORDER BY g.pk');
  }

  async insertDeveloper(d: Developer): Promise<void> {
    await this.pool.query('INSERT INTO developers(id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)', [d.id, d.username, d.password_hash, d.created_at]);
  }

  async updateDeveloperPassword(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE developers SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
  }

  private static readonly DEV_SELECT = 'SELECT id, username, password_hash, created_at FROM developers';

  async getDeveloperByUsername(username: string): Promise<Developer | null> {
    return (await this.one<Developer>(`${PgStore.DEV_SELECT} WHERE username = $1`, [username])) ?? null;
  }

  async getDeveloperById(id: string): Promise<Developer | null> {
    return (await this.one<Developer>(`${PgStore.DEV_SELECT} WHERE id = $1`, [id])) ?? null;
  }

  async listDevelopers(): Promise<Developer[]> {
    return this.q<Developer>(`${PgStore.DEV_SELECT} ORDER BY pk`);
  }

  async putGrant(g: Grant): Promise<void> {
    await this.pool.query(
      `INSERT INTO grants(developer_pk, site_pk, history_from, consent_ref, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (developer_pk, site_pk) DO UPDATE SET history_from = excluded.history_from, consent_ref = excluded.consent_ref`,
      [await this.developerPk(g.developer_id), await this.sitePk(g.site_id), g.history_from, g.consent_ref, g.created_at],
    );
  }

  async deleteGrant(developerId: string, siteId: string): Promise<boolean> {
    const r = await this.pool.query(
      `DELETE FROM grants WHERE developer_pk = (SELECT pk FROM developers WHERE id = $1)
       AND site_pk = (SELECT pk FROM sites WHERE id = $2)`,
      [developerId, siteId],
    );
    return (r.rowCount ?? 0) > 0;
  }

  private static readonly GRANT_SELECT = `SELECT d.id AS developer_id, s.id AS site_id, g.history_from, g.consent_ref, g.created_at
    FROM grants g JOIN developers d ON d.pk = g.developer_pk JOIN sites s ON s.pk = g.site_pk`;

  async getGrant(developerId: string, siteId: string): Promise<Grant | null> {
    return (await this.one<Grant>(`${PgStore.GRANT_SELECT} WHERE d.id = $1 AND s.id = $2`, [developerId, siteId])) ?? null;
  }

  async getGrantedSite(developerId: string, siteId: string): Promise<{ site: Site; grant: Grant } | null> {
    const r = await this.one(
      `SELECT s.*, g.history_from AS g_history_from, g.consent_ref AS g_consent_ref, g.created_at AS g_created_at
       FROM sites s JOIN grants g ON g.site_pk = s.pk JOIN developers d ON d.pk = g.developer_pk
       WHERE s.id = $1 AND d.id = $2`,
      [siteId, developerId],
    );
    if (!r) return null;
    return {
      site: siteFromRow(r),
      grant: { developer_id: developerId, site_id: siteId, history_from: (r.g_history_from as number | null) ?? null, consent_ref: r.g_consent_ref as string, created_at: r.g_created_at as number },
    };
  }

  async listGrants(developerId: string): Promise<Grant[]> {
    return this.q<Grant>(`${PgStore.GRANT_SELECT} WHERE d.id = $1 ORDER BY s.pk`, [developerId]);
  }
}
