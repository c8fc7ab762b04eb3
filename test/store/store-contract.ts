/**
 * The contract every Store adapter honours (SQLite and PostgreSQL).
 * It speaks only through the Store interface: no SQL, no engine specifics.
 *
 * `open` returns a fresh, empty store (migrated or not: the suite migrates);
 * the suite closes it after each test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway, Grant, Store } from '../../src/store/store.js';
import { pipelineContract } from './store-contract-pipeline.js';
import { residentsContract } from './store-contract-residents.js';
import { changesContract } from './store-contract-changes.js';
import { billingContract } from './store-contract-billing.js';
import {
  DEV_1, DEV_2, GATEWAY_1, METER_1, METER_2, METER_3, SENSOR_1, SENSOR_2, SITE_A, SITE_B, UNUSED, developer, fields, meter, sensor, site,
} from './store-fixtures.js';

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('migrate and meta', () => {
      it('should be harmless to migrate twice and keep the data', async () => {
        await store.insertSite(site(SITE_A));
        await store.setMeta('k', 'v');
        await store.migrate();
        await store.migrate();
        expect(fields(await store.getSite(SITE_A))).toEqual(site(SITE_A));
        expect(await store.getMeta('k')).toBe('v');
      });

      it('should return null for a meta key never set', async () => {
        expect(await store.getMeta('missing')).toBeNull();
      });

      it('should set and overwrite a meta value', async () => {
        await store.setMeta('jwt', 'one');
        expect(await store.getMeta('jwt')).toBe('one');
        await store.setMeta('jwt', 'two');
        expect(await store.getMeta('jwt')).toBe('two');
      });

      it('should keep the first value with setMetaIfAbsent and return what is stored', async () => {
        expect(await store.setMetaIfAbsent('secret', 'first')).toBe('first');
        expect(await store.setMetaIfAbsent('secret', 'second')).toBe('first');
        expect(await store.getMeta('secret')).toBe('first');
        await store.setMeta('secret', 'third');
        expect(await store.setMetaIfAbsent('secret', 'fourth')).toBe('third');
      });

      it('should store meta values verbatim (unicode, empty, long)', async () => {
        const long = 'x'.repeat(10_000);
        await store.setMeta('u', 'Zürich ☀️ "quoted" \\ back');
        await store.setMeta('e', '');
        await store.setMeta('l', long);
        expect(await store.getMeta('u')).toBe('Zürich ☀️ "quoted" \\ back');
        expect(await store.getMeta('e')).toBe('');
        expect(await store.getMeta('l')).toBe(long);
      });
    });

    describe('sites', () => {
      it('should return an inserted site field for field, with the right JSON types', async () => {
        const s = site(SITE_A, { latitude: 47, longitude: 8.54, lock_date: null });
        await store.insertSite(s);
        const got = fields(await store.getSite(SITE_A));
        expect(got).toEqual(s);
        expect(Object.keys(got!).sort()).toEqual(['address', 'creation_date', 'id', 'latitude', 'lock_date', 'longitude', 'name', 'site_ref', 'timezone']);
        expect(Object.keys(got!.address).sort()).toEqual(['city', 'postal_code', 'street_name', 'street_number']);
        expect(typeof got!.address.postal_code).toBe('number');
        expect(Number.isInteger(got!.address.postal_code)).toBe(true);
        expect(typeof got!.address.street_number).toBe('string');
        expect(typeof got!.latitude).toBe('number');
        expect(typeof got!.longitude).toBe('number');
        expect(got!.lock_date).toBeNull();
        expect(typeof got!.creation_date).toBe('string');
      });

      it('should keep a lock_date as epoch milliseconds', async () => {
        await store.insertSite(site(SITE_A, { lock_date: 1704067200000 }));
        const got = await store.getSite(SITE_A);
        expect(got!.lock_date).toBe(1704067200000);
        expect(typeof got!.lock_date).toBe('number');
      });

      it('should return null for an unknown site', async () => {
        expect(await store.getSite(UNUSED)).toBeNull();
      });

      it('should list sites in insertion order', async () => {
        expect(await store.listSites()).toEqual([]);
        await store.insertSite(site(SITE_B));
        await store.insertSite(site(SITE_A));
        expect((await store.listSites()).map((s) => s.id)).toEqual([SITE_B, SITE_A]);
        expect((await store.listSites()).map(fields)).toEqual([site(SITE_B), site(SITE_A)]);
      });

      it('should refuse a second site with the same id', async () => {
        await store.insertSite(site(SITE_A));
        await expect(store.insertSite(site(SITE_A, { name: 'dup' }))).rejects.toThrow();
        expect((await store.getSite(SITE_A))!.name).toBe(site(SITE_A).name);
      });

      it('should patch only the given fields of a site', async () => {
        await store.insertSite(site(SITE_A));
        await store.insertSite(site(SITE_B));
        await store.updateSite(SITE_A, { name: 'Renamed' });
        expect(fields(await store.getSite(SITE_A))).toEqual({ ...site(SITE_A), name: 'Renamed' });
        await store.updateSite(SITE_A, { address: { street_name: 'Bahnhofstrasse', street_number: '1', city: 'Zürich', postal_code: 8001 }, timezone: 'Europe/Berlin' });
        expect(fields(await store.getSite(SITE_A))).toEqual({
          ...site(SITE_A),
          name: 'Renamed',
          timezone: 'Europe/Berlin',
          address: { street_name: 'Bahnhofstrasse', street_number: '1', city: 'Zürich', postal_code: 8001 },
        });
        // the other site is untouched
        expect(fields(await store.getSite(SITE_B))).toEqual(site(SITE_B));
      });

      it('should set and clear lock_date through a patch', async () => {
        await store.insertSite(site(SITE_A));
        await store.updateSite(SITE_A, { lock_date: 1704067200000 });
        expect((await store.getSite(SITE_A))!.lock_date).toBe(1704067200000);
        await store.updateSite(SITE_A, { lock_date: null });
        expect((await store.getSite(SITE_A))!.lock_date).toBeNull();
        expect(fields(await store.getSite(SITE_A))).toEqual(site(SITE_A));
      });

      it('should bump the configuration version on every change to the site or its meters', async () => {
        await store.insertSite(site(SITE_A));
        const v0 = (await store.getSite(SITE_A))!.config_version!;
        expect(typeof v0).toBe('number');
        await store.updateSite(SITE_A, { name: 'Renamed' });
        const v1 = (await store.getSite(SITE_A))!.config_version!;
        expect(v1).toBeGreaterThan(v0);
        await store.insertMeter(meter(METER_1, SITE_A));
        const v2 = (await store.getSite(SITE_A))!.config_version!;
        expect(v2).toBeGreaterThan(v1);
        await store.updateMeter(METER_1, { reversed: true });
        expect((await store.getSite(SITE_A))!.config_version!).toBeGreaterThan(v2);
      });

      it('should change nothing on an empty patch', async () => {
        await store.insertSite(site(SITE_A));
        await store.updateSite(SITE_A, {});
        expect(fields(await store.getSite(SITE_A))).toEqual(site(SITE_A));
      });
    });

    describe('meters', () => {
      beforeEach(async () => {
        await store.insertSite(site(SITE_A));
        await store.insertSite(site(SITE_B));
      });

      it('should return an inserted meter with booleans, nulls and numbers typed', async () => {
        const m = meter(METER_1, SITE_A);
        await store.insertMeter(m);
        const got = await store.getMeter(METER_1);
        expect(got).toEqual(m);
        expect(Object.keys(got!).sort()).toEqual(
          ['id', 'in_balance', 'installed_at', 'max_power_kw', 'mode', 'name', 'prim_ad', 'reading_kind', 'register_max', 'reversed', 'rule', 'site_id', 'type'].sort(),
        );
        expect(got!.in_balance).toBe(true);
        expect(got!.reversed).toBe(false);
        expect(got!.rule).toBeNull();
        expect(got!.installed_at).toBeNull();
        expect(got!.max_power_kw).toBeNull();
        expect(got!.register_max).toBeNull();
        expect(got!.prim_ad).toBe(11);
        expect(got!.site_id).toBe(SITE_A);
      });

      it('should keep every optional meter field when set', async () => {
        const m = meter(METER_1, SITE_A, {
          type: 'heating', mode: 'production', prim_ad: 65535, reading_kind: 'interval', in_balance: false, reversed: true,
          installed_at: 1609459200000, max_power_kw: 12.5, register_max: 99999.999,
        });
        await store.insertMeter(m);
        const got = await store.getMeter(METER_1);
        expect(got).toEqual(m);
        expect(got!.in_balance).toBe(false);
        expect(got!.reversed).toBe(true);
        expect(typeof got!.installed_at).toBe('number');
        expect(got!.max_power_kw).toBe(12.5);
        expect(got!.register_max).toBe(99999.999);
      });

      it('should keep a rule formula verbatim', async () => {
        await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
        await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
        const rule = `${METER_1} - ${METER_2}`;
        await store.insertMeter(meter(METER_3, SITE_A, { prim_ad: 90, rule }));
        expect((await store.getMeter(METER_3))!.rule).toBe(rule);
      });

      it('should list the meters of one site only, in insertion order', async () => {
        await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
        await store.insertMeter(meter(METER_3, SITE_B, { prim_ad: 3 }));
        await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
        expect((await store.listMeters(SITE_A)).map((m) => m.id)).toEqual([METER_2, METER_1]);
        expect(await store.listMeters(SITE_B)).toEqual([meter(METER_3, SITE_B, { prim_ad: 3 })]);
        expect(await store.listMeters(UNUSED)).toEqual([]);
      });

      it('should return null for an unknown meter', async () => {
        expect(await store.getMeter(UNUSED)).toBeNull();
      });

      it('should refuse a meter on a site that does not exist', async () => {
        await expect(store.insertMeter(meter(METER_1, UNUSED))).rejects.toThrow();
        expect(await store.getMeter(METER_1)).toBeNull();
      });

      it('should refuse a second meter with the same id', async () => {
        await store.insertMeter(meter(METER_1, SITE_A));
        await expect(store.insertMeter(meter(METER_1, SITE_B))).rejects.toThrow();
        expect((await store.getMeter(METER_1))!.site_id).toBe(SITE_A);
      });

      it('should patch only the given meter fields and keep the rest', async () => {
        const m = meter(METER_1, SITE_A, { max_power_kw: 10, installed_at: 1609459200000 });
        await store.insertMeter(m);
        await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
        await store.updateMeter(METER_1, { name: 'Apt 2.1', in_balance: false });
        expect(await store.getMeter(METER_1)).toEqual({ ...m, name: 'Apt 2.1', in_balance: false });
        await store.updateMeter(METER_1, { reversed: true, max_power_kw: null, prim_ad: 21 });
        const got = await store.getMeter(METER_1);
        expect(got).toEqual({ ...m, name: 'Apt 2.1', in_balance: false, reversed: true, max_power_kw: null, prim_ad: 21 });
        expect(got!.reversed).toBe(true);
        expect(got!.in_balance).toBe(false);
        expect(await store.getMeter(METER_2)).toEqual(meter(METER_2, SITE_A, { prim_ad: 2 }));
      });

      it('should refuse a patch of a column that is not patchable, and change nothing', async () => {
        await store.insertMeter(meter(METER_1, SITE_A));
        const v = (await store.getSite(SITE_A))!.config_version;
        await expect(store.updateMeter(METER_1, { site_id: SITE_B } as never)).rejects.toThrow(/cannot update/);
        await expect(store.updateMeter(METER_1, { name: 'x', pk: 7 } as never)).rejects.toThrow(/cannot update/);
        await expect(store.updateMeter(METER_1, { 'name = 1; --': 'x' } as never)).rejects.toThrow(/cannot update/);
        await store.insertSensor(sensor(SENSOR_1, SITE_A));
        await expect(store.updateSensor(SENSOR_1, { site_id: SITE_B } as never)).rejects.toThrow(/cannot update/);
        expect(await store.getMeter(METER_1)).toEqual(meter(METER_1, SITE_A));
        expect(await store.getSensor(SENSOR_1)).toEqual(sensor(SENSOR_1, SITE_A));
        expect((await store.getSite(SITE_A))!.config_version).toBe(v);
      });

      it('should set and clear a rule through a patch', async () => {
        await store.insertMeter(meter(METER_1, SITE_A, { prim_ad: 1 }));
        await store.insertMeter(meter(METER_2, SITE_A, { prim_ad: 2 }));
        await store.updateMeter(METER_2, { rule: `${METER_1}` });
        expect((await store.getMeter(METER_2))!.rule).toBe(METER_1);
        await store.updateMeter(METER_2, { rule: null });
        expect(await store.getMeter(METER_2)).toEqual(meter(METER_2, SITE_A, { prim_ad: 2 }));
      });
    });

    describe('sensors', () => {
      beforeEach(async () => {
        await store.insertSite(site(SITE_A));
        await store.insertSite(site(SITE_B));
      });

      it('should insert, get and list sensors per site with exactly their fields', async () => {
        const s1 = sensor(SENSOR_1, SITE_A);
        const s2 = sensor(SENSOR_2, SITE_B, { type: 'humidity', unit: '%', model: '' });
        await store.insertSensor(s1);
        await store.insertSensor(s2);
        const got = await store.getSensor(SENSOR_1);
        expect(got).toEqual(s1);
        expect(Object.keys(got!).sort()).toEqual(['id', 'model', 'name', 'site_id', 'type', 'unit']);
        expect(await store.getSensor(SENSOR_2)).toEqual(s2);
        expect(await store.listSensors(SITE_A)).toEqual([s1]);
        expect(await store.listSensors(SITE_B)).toEqual([s2]);
        expect(await store.listSensors(UNUSED)).toEqual([]);
        expect(await store.getSensor(UNUSED)).toBeNull();
      });

      it('should list sensors in insertion order', async () => {
        await store.insertSensor(sensor(SENSOR_2, SITE_A));
        await store.insertSensor(sensor(SENSOR_1, SITE_A));
        expect((await store.listSensors(SITE_A)).map((s) => s.id)).toEqual([SENSOR_2, SENSOR_1]);
      });

      it('should patch only the given sensor fields', async () => {
        await store.insertSensor(sensor(SENSOR_1, SITE_A));
        await store.insertSensor(sensor(SENSOR_2, SITE_A));
        await store.updateSensor(SENSOR_1, { model: 'PT100' });
        expect(await store.getSensor(SENSOR_1)).toEqual({ ...sensor(SENSOR_1, SITE_A), model: 'PT100' });
        await store.updateSensor(SENSOR_1, { name: 'Flow', unit: 'K' });
        expect(await store.getSensor(SENSOR_1)).toEqual({ ...sensor(SENSOR_1, SITE_A), model: 'PT100', name: 'Flow', unit: 'K' });
        expect(await store.getSensor(SENSOR_2)).toEqual(sensor(SENSOR_2, SITE_A));
      });

      it('should refuse a sensor on a site that does not exist', async () => {
        await expect(store.insertSensor(sensor(SENSOR_1, UNUSED))).rejects.toThrow();
      });
    });

    describe('gateways', () => {
      beforeEach(async () => {
        await store.insertSite(site(SITE_A));
      });

      it('should find a gateway by its token hash, and nothing by another hash', async () => {
        const g: Gateway = { id: GATEWAY_1, site_id: SITE_A, name: 'Basement gateway', created_at: 1714564800000 };
        await store.insertGateway(g, 'a'.repeat(64));
        const found = await store.findGatewayByTokenHash('a'.repeat(64));
        expect(found).toEqual(g);
        expect(Object.keys(found!).sort()).toEqual(['created_at', 'id', 'name', 'site_id']);
        expect(typeof found!.created_at).toBe('number');
        expect(await store.findGatewayByTokenHash('b'.repeat(64))).toBeNull();
        expect(await store.findGatewayByTokenHash('')).toBeNull();
      });

      it('should list every gateway with its token hash, in insertion order', async () => {
        expect(await store.listGateways()).toEqual([]);
        await store.insertSite(site(SITE_B));
        await store.insertGateway({ id: GATEWAY_1, site_id: SITE_B, name: 'g1', created_at: 5 }, 'e'.repeat(64));
        await store.insertGateway({ id: UNUSED, site_id: SITE_A, name: 'g2', created_at: 6 }, 'f'.repeat(64));
        expect(await store.listGateways()).toEqual([
          { id: GATEWAY_1, site_id: SITE_B, name: 'g1', created_at: 5, token_hash: 'e'.repeat(64) },
          { id: UNUSED, site_id: SITE_A, name: 'g2', created_at: 6, token_hash: 'f'.repeat(64) },
        ]);
      });

      it('should refuse two gateways with the same token hash', async () => {
        await store.insertGateway({ id: GATEWAY_1, site_id: SITE_A, name: 'g1', created_at: 1 }, 'c'.repeat(64));
        await expect(store.insertGateway({ id: UNUSED, site_id: SITE_A, name: 'g2', created_at: 2 }, 'c'.repeat(64))).rejects.toThrow();
        expect((await store.findGatewayByTokenHash('c'.repeat(64)))!.id).toBe(GATEWAY_1);
      });
    });

    describe('developers', () => {
      it('should insert and get a developer by username and by id', async () => {
        const d = developer(DEV_1, 'alice@example.org');
        await store.insertDeveloper(d);
        const byName = await store.getDeveloperByUsername('alice@example.org');
        expect(byName).toEqual(d);
        expect(Object.keys(byName!).sort()).toEqual(['created_at', 'id', 'password_hash', 'username']);
        expect(typeof byName!.created_at).toBe('number');
        expect(await store.getDeveloperById(DEV_1)).toEqual(d);
        expect(await store.getDeveloperByUsername('bob')).toBeNull();
        expect(await store.getDeveloperById(UNUSED)).toBeNull();
      });

      it('should match usernames exactly', async () => {
        await store.insertDeveloper(developer(DEV_1, 'alice'));
        expect(await store.getDeveloperByUsername('alice ')).toBeNull();
        expect(await store.getDeveloperByUsername('alic')).toBeNull();
        expect(await store.getDeveloperByUsername('%')).toBeNull();
      });

      it('should refuse a second developer with the same username', async () => {
        await store.insertDeveloper(developer(DEV_1, 'alice'));
        await expect(store.insertDeveloper(developer(DEV_2, 'alice'))).rejects.toThrow();
        expect(await store.getDeveloperById(DEV_2)).toBeNull();
      });

      it('should list developers in insertion order', async () => {
        await store.insertDeveloper(developer(DEV_2, 'zed'));
        await store.insertDeveloper(developer(DEV_1, 'amy'));
        expect(await store.listDevelopers()).toEqual([developer(DEV_2, 'zed'), developer(DEV_1, 'amy')]);
      });

      it('should change only the password hash of one developer', async () => {
        await store.insertDeveloper(developer(DEV_1, 'alice'));
        await store.insertDeveloper(developer(DEV_2, 'bob'));
        await store.updateDeveloperPassword(DEV_1, 'new-hash');
        expect(await store.getDeveloperById(DEV_1)).toEqual({ ...developer(DEV_1, 'alice'), password_hash: 'new-hash' });
        expect(await store.getDeveloperById(DEV_2)).toEqual(developer(DEV_2, 'bob'));
      });
    });

    describe('idInUse', () => {
      it('should know ids of every entity kind and nothing else', async () => {
        expect(await store.idInUse(SITE_A)).toBe(false);
        await store.insertSite(site(SITE_A));
        await store.insertMeter(meter(METER_1, SITE_A));
        await store.insertSensor(sensor(SENSOR_1, SITE_A));
        await store.insertGateway({ id: GATEWAY_1, site_id: SITE_A, name: 'g', created_at: 0 }, 'd'.repeat(64));
        await store.insertDeveloper(developer(DEV_1, 'alice'));
        for (const id of [SITE_A, METER_1, SENSOR_1, GATEWAY_1, DEV_1]) expect(await store.idInUse(id), id).toBe(true);
        for (const id of [SITE_B, METER_2, SENSOR_2, DEV_2, UNUSED]) expect(await store.idInUse(id), id).toBe(false);
      });

      it('should not mistake a username or a token hash for an id', async () => {
        await store.insertSite(site(SITE_A));
        await store.insertDeveloper(developer(DEV_1, UNUSED));
        await store.insertGateway({ id: GATEWAY_1, site_id: SITE_A, name: 'g', created_at: 0 }, METER_2);
        expect(await store.idInUse(UNUSED)).toBe(false);
        expect(await store.idInUse(METER_2)).toBe(false);
      });
    });

    describe('grants', () => {
      beforeEach(async () => {
        await store.insertSite(site(SITE_A));
        await store.insertSite(site(SITE_B));
        await store.insertDeveloper(developer(DEV_1, 'alice'));
        await store.insertDeveloper(developer(DEV_2, 'bob'));
      });

      const grant = (developerId: string, siteId: string, over: Partial<Grant> = {}): Grant => ({
        developer_id: developerId, site_id: siteId, history_from: null, consent_ref: 'contract-1', created_at: 1714564800000, ...over,
      });

      it('should put and get a grant with its fields typed', async () => {
        await store.putGrant(grant(DEV_1, SITE_A));
        const got = await store.getGrant(DEV_1, SITE_A);
        expect(got).toEqual(grant(DEV_1, SITE_A));
        expect(Object.keys(got!).sort()).toEqual(['consent_ref', 'created_at', 'developer_id', 'history_from', 'site_id']);
        expect(got!.history_from).toBeNull();
        expect(typeof got!.created_at).toBe('number');
        expect(await store.getGrant(DEV_2, SITE_A)).toBeNull();
        expect(await store.getGrant(DEV_1, SITE_B)).toBeNull();
      });

      it('should keep history_from as epoch milliseconds', async () => {
        await store.putGrant(grant(DEV_1, SITE_A, { history_from: 1704067200000 }));
        const got = await store.getGrant(DEV_1, SITE_A);
        expect(got!.history_from).toBe(1704067200000);
        expect(typeof got!.history_from).toBe('number');
      });

      it('should replace a grant put twice, not duplicate it', async () => {
        await store.putGrant(grant(DEV_1, SITE_A, { history_from: 1704067200000, consent_ref: 'old' }));
        await store.putGrant(grant(DEV_1, SITE_A, { history_from: null, consent_ref: 'new', created_at: 1714564900000 }));
        const got = await store.getGrant(DEV_1, SITE_A);
        expect(got!.consent_ref).toBe('new');
        expect(got!.history_from).toBeNull();
        expect(await store.listGrants(DEV_1)).toHaveLength(1);
      });

      it('should list the grants of one developer only', async () => {
        await store.putGrant(grant(DEV_1, SITE_A));
        await store.putGrant(grant(DEV_1, SITE_B, { consent_ref: 'c2' }));
        await store.putGrant(grant(DEV_2, SITE_B, { consent_ref: 'c3' }));
        const mine = await store.listGrants(DEV_1);
        expect(mine.map((g) => g.site_id).sort()).toEqual([SITE_A, SITE_B].sort());
        expect(mine).toContainEqual(grant(DEV_1, SITE_B, { consent_ref: 'c2' }));
        expect(await store.listGrants(DEV_2)).toEqual([grant(DEV_2, SITE_B, { consent_ref: 'c3' })]);
        expect(await store.listGrants(UNUSED)).toEqual([]);
      });

      it('should delete a grant once and return false when it is absent', async () => {
        await store.putGrant(grant(DEV_1, SITE_A));
        await store.putGrant(grant(DEV_2, SITE_A));
        expect(await store.deleteGrant(DEV_1, SITE_A)).toBe(true);
        expect(await store.getGrant(DEV_1, SITE_A)).toBeNull();
        expect(await store.deleteGrant(DEV_1, SITE_A)).toBe(false);
        expect(await store.deleteGrant(DEV_1, SITE_B)).toBe(false);
        expect(await store.deleteGrant(UNUSED, SITE_A)).toBe(false);
        expect(await store.deleteGrant(DEV_1, UNUSED)).toBe(false);
        // the other developer's grant on the same site stays
        expect(await store.getGrant(DEV_2, SITE_A)).toEqual(grant(DEV_2, SITE_A));
      });

      it('should return the site and the grant in one lookup, or null', async () => {
        await store.putGrant(grant(DEV_1, SITE_A, { history_from: 1704067200000 }));
        await store.updateSite(SITE_A, { lock_date: 1706745600000 });
        const got = await store.getGrantedSite(DEV_1, SITE_A);
        expect(got).not.toBeNull();
        expect(got!.grant).toEqual(grant(DEV_1, SITE_A, { history_from: 1704067200000 }));
        expect(fields(got!.site)).toEqual(site(SITE_A, { lock_date: 1706745600000 }));
        expect(got!.site.config_version).toBe((await store.getSite(SITE_A))!.config_version);
        expect(await store.getGrantedSite(DEV_2, SITE_A)).toBeNull();
        expect(await store.getGrantedSite(DEV_1, SITE_B)).toBeNull();
        expect(await store.getGrantedSite(DEV_1, UNUSED)).toBeNull();
        expect(await store.getGrantedSite(UNUSED, SITE_A)).toBeNull();
        await store.deleteGrant(DEV_1, SITE_A);
        expect(await store.getGrantedSite(DEV_1, SITE_A)).toBeNull();
      });

      it('should refuse a grant for an unknown developer or site', async () => {
        await expect(store.putGrant(grant(UNUSED, SITE_A))).rejects.toThrow();
        await expect(store.putGrant(grant(DEV_1, UNUSED))).rejects.toThrow();
        expect(await store.listGrants(DEV_1)).toEqual([]);
      });
    });

    describe('pipeline lock', () => {
      it('should let one holder at a time run a site and hand over on release', async () => {
        await store.insertSite(site(SITE_A));
        await store.insertSite(site(SITE_B));
        const release = await store.lockSite(SITE_A);
        let second = false;
        const waiting = store.lockSite(SITE_A).then((r) => {
          second = true;
          return r;
        });
        // another site is not held up
        const other = await store.lockSite(SITE_B);
        await other();
        await new Promise((r) => setTimeout(r, 100));
        expect(second).toBe(false);
        await release();
        const release2 = await waiting;
        expect(second).toBe(true);
        await release2();
      });

      it('should take a released lock again at once, release twice harmlessly, and refuse an unknown site', async () => {
        await store.insertSite(site(SITE_A));
        const r1 = await store.lockSite(SITE_A);
        await r1();
        await r1();
        const r2 = await store.lockSite(SITE_A);
        await r2();
        await expect(store.lockSite(UNUSED)).rejects.toThrow();
      });
    });

    pipelineContract(() => store);
    residentsContract(() => store);
    changesContract(() => store);
    billingContract(() => store);
  });
}
