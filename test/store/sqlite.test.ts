import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open-store.js';
import { storeContract } from './store-contract.js';
import { DEV_1, SITE_A, SITE_B, developer, site } from './store-fixtures.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwhub-store-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storeContract('SqliteStore (temp file)', async () => new SqliteStore({ path: join(dir, `contract-${++n}.sqlite`) }));

describe('SqliteStore on a file', () => {
  it('should keep its data when the file is closed and reopened', async () => {
    const path = join(dir, 'reopen.sqlite');
    const a = await openStore(path);
    await a.insertSite(site(SITE_A));
    await a.setMeta('jwt_secret', 'kept');
    await a.close();
    const b = await openStore(path);
    try {
      expect((await b.getSite(SITE_A))!.name).toBe(site(SITE_A).name);
      expect(await b.getMeta('jwt_secret')).toBe('kept');
      expect(b.engine).toBe('sqlite');
    } finally {
      await b.close();
    }
  });

  it('should see grants revoked by another connection on the same file from the next turn on, and its own at once', async () => {
    const path = join(dir, 'grants.sqlite');
    const a = new SqliteStore({ path });
    await a.migrate();
    const b = new SqliteStore({ path });
    const turn = () => new Promise((r) => setImmediate(r));
    try {
      await a.insertSite(site(SITE_A));
      await a.insertSite(site(SITE_B));
      await a.insertDeveloper(developer(DEV_1, 'dev'));
      await a.putGrant({ developer_id: DEV_1, site_id: SITE_A, history_from: null, consent_ref: 'c', created_at: 1 });
      expect(await a.getGrantedSite(DEV_1, SITE_A)).not.toBeNull();
      expect(await a.getGrantedSite(DEV_1, SITE_B)).toBeNull();
      await turn();
      // another process revokes A and grants B
      await b.deleteGrant(DEV_1, SITE_A);
      await b.putGrant({ developer_id: DEV_1, site_id: SITE_B, history_from: null, consent_ref: 'c', created_at: 1 });
      await turn();
      expect(await a.getGrantedSite(DEV_1, SITE_A)).toBeNull();
      expect((await a.getGrantedSite(DEV_1, SITE_B))!.grant.site_id).toBe(SITE_B);
      // and a site changed elsewhere comes back changed
      await b.updateSite(SITE_B, { name: 'renamed' });
      await turn();
      expect((await a.getGrantedSite(DEV_1, SITE_B))!.site.name).toBe('renamed');
      // its own writes count at once, within the same turn
      await a.deleteGrant(DEV_1, SITE_B);
      expect(await a.getGrantedSite(DEV_1, SITE_B)).toBeNull();
      await a.putGrant({ developer_id: DEV_1, site_id: SITE_B, history_from: 5, consent_ref: 'c', created_at: 1 });
      expect((await a.getGrantedSite(DEV_1, SITE_B))!.grant.history_from).toBe(5);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('should be harmless to close twice', async () => {
    const s = await openStore(join(dir, 'close-twice.sqlite'));
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
});
