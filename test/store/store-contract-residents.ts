/** The portal's part of the Store contract: residents, tenancies, operator accounts, sessions, invites. */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import type { Resident } from '../../src/store/resident-store.js';
import { METER_1, METER_2, SITE_A, SITE_B, UNUSED, meter, site } from './store-fixtures.js';

const RES_1 = '61dfcf00eba4e3564021f3b0';
const RES_2 = '61dfcf00eba4e3564021f3b1';
const T_1 = '61dfcf10eba4e3564021f3c0';
const T_2 = '61dfcf10eba4e3564021f3c1';
const T_3 = '61dfcf10eba4e3564021f3c2';

function resident(id: string, email: string): Resident {
  return { id, name: `Resident ${id.slice(-2)}`, email, language: null, password_hash: null, created_at: 1714564800000 };
}

export function residentsContract(get: () => Store): void {
  describe('residents and tenancies', () => {
    async function setup(store: Store) {
      await store.insertSite(site(SITE_A));
      await store.insertSite(site(SITE_B));
      await store.insertMeter(meter(METER_1, SITE_A));
      await store.insertMeter(meter(METER_2, SITE_B, { prim_ad: 12 }));
      await store.insertResident(resident(RES_1, 'a@example.ch'));
      await store.insertResident(resident(RES_2, 'b@example.ch'));
    }

    it('should store, find, change and list residents, and count their ids as in use', async () => {
      const store = get();
      await setup(store);
      expect(await store.getResident(RES_1)).toEqual(resident(RES_1, 'a@example.ch'));
      expect((await store.getResidentByEmail('b@example.ch'))?.id).toBe(RES_2);
      expect(await store.getResidentByEmail('nobody@example.ch')).toBeNull();
      await store.updateResident(RES_1, { name: 'Anna', language: 'fr', password_hash: 'h' });
      expect(await store.getResident(RES_1)).toMatchObject({ name: 'Anna', language: 'fr', password_hash: 'h', email: 'a@example.ch' });
      expect((await store.listResidents()).map((r) => r.id)).toEqual([RES_1, RES_2]);
      expect(await store.idInUse(RES_1)).toBe(true);
      expect(await store.idInUse(UNUSED)).toBe(false);
    });

    it('should list tenancies by resident, meter and site, ordered by meter and start, with open ends as null', async () => {
      const store = get();
      await setup(store);
      await store.insertTenancy({ id: T_2, meter_id: METER_1, resident_id: RES_2, from: 2000, to: null });
      await store.insertTenancy({ id: T_1, meter_id: METER_1, resident_id: RES_1, from: 1000, to: 2000 });
      await store.insertTenancy({ id: T_3, meter_id: METER_2, resident_id: RES_1, from: 1500, to: 9000 });
      expect(await store.getTenancy(T_2)).toEqual({ id: T_2, meter_id: METER_1, resident_id: RES_2, from: 2000, to: null });
      expect((await store.listTenancies({ meter_id: METER_1 })).map((t) => t.id)).toEqual([T_1, T_2]);
      expect((await store.listTenancies({ resident_id: RES_1 })).map((t) => t.id).sort()).toEqual([T_1, T_3].sort());
      expect((await store.listTenancies({ site_id: SITE_B })).map((t) => t.id)).toEqual([T_3]);
      expect(await store.listTenancies({ site_id: SITE_B, resident_id: RES_2 })).toEqual([]);
      await store.updateTenancy(T_2, { to: 5000 });
      expect((await store.getTenancy(T_2))?.to).toBe(5000);
      await store.updateTenancy(T_2, { to: null, from: 2500 });
      expect(await store.getTenancy(T_2)).toMatchObject({ from: 2500, to: null });
      expect(await store.deleteTenancy(T_2)).toBe(true);
      expect(await store.deleteTenancy(T_2)).toBe(false);
      expect(await store.idInUse(T_1)).toBe(true);
    });

    it('should remove a resident with their tenancies, invites and sessions, and nobody else\'s', async () => {
      const store = get();
      await setup(store);
      await store.insertTenancy({ id: T_1, meter_id: METER_1, resident_id: RES_1, from: 1000, to: 2000 });
      await store.insertTenancy({ id: T_2, meter_id: METER_1, resident_id: RES_2, from: 2000, to: null });
      await store.insertInvite({ token_hash: 'i1', resident_id: RES_1, created_at: 1, expires_at: 10, used_at: null });
      await store.insertSession({ id_hash: 's1', kind: 'resident', subject_id: RES_1, csrf: 'c', created_at: 1, expires_at: 10 });
      await store.insertSession({ id_hash: 's2', kind: 'resident', subject_id: RES_2, csrf: 'c', created_at: 1, expires_at: 10 });
      expect(await store.deleteResident(RES_1)).toBe(true);
      expect(await store.deleteResident(RES_1)).toBe(false);
      expect(await store.getResident(RES_1)).toBeNull();
      expect(await store.getTenancy(T_1)).toBeNull();
      expect(await store.getInvite('i1')).toBeNull();
      expect(await store.getSession('s1')).toBeNull();
      expect(await store.getSession('s2')).not.toBeNull();
      expect(await store.getTenancy(T_2)).not.toBeNull();
    });
  });

  describe('operator accounts, sessions and invites', () => {
    it('should store operator accounts and change their password', async () => {
      const store = get();
      await store.insertOperatorAccount({ id: 'op1', username: 'ops', password_hash: 'x', created_at: 5 });
      await store.updateOperatorPassword('op1', 'y');
      expect(await store.getOperatorAccount('ops')).toEqual({ id: 'op1', username: 'ops', password_hash: 'y', created_at: 5 });
      expect(await store.getOperatorAccount('nobody')).toBeNull();
      await store.insertOperatorAccount({ id: 'op0', username: 'admin', password_hash: 'z', created_at: 6 });
      expect((await store.listOperatorAccounts()).map((a) => a.username)).toEqual(['admin', 'ops']);
    });

    it('should find a session by its hash until it is deleted', async () => {
      const store = get();
      const s = { id_hash: 'abc', kind: 'operator' as const, subject_id: 'token', csrf: 'tok', created_at: 1, expires_at: 99 };
      await store.insertSession(s);
      expect(await store.getSession('abc')).toEqual(s);
      await store.deleteSession('abc');
      expect(await store.getSession('abc')).toBeNull();
    });

    it('should consume an invite once, and never an expired one', async () => {
      const store = get();
      await store.insertSite(site(SITE_A));
      await store.insertResident(resident(RES_1, 'a@example.ch'));
      await store.insertInvite({ token_hash: 'live', resident_id: RES_1, created_at: 1, expires_at: 100, used_at: null });
      await store.insertInvite({ token_hash: 'old', resident_id: RES_1, created_at: 1, expires_at: 50, used_at: null });
      const both = await Promise.all([store.consumeInvite('live', 60), store.consumeInvite('live', 61)]);
      expect(both.filter((x) => x !== null)).toHaveLength(1);
      // either call may win (on PostgreSQL they run on two connections), the other gets nothing
      const won = both.find((x) => x !== null)!;
      expect(won).toMatchObject({ resident_id: RES_1 });
      expect(won.used_at).toBe(both[0] !== null ? 60 : 61);
      expect(await store.consumeInvite('old', 60)).toBeNull();
      expect(await store.consumeInvite('missing', 1)).toBeNull();
      expect(await store.getInvite('old')).toMatchObject({ used_at: null, expires_at: 50 });
    });
  });
}
