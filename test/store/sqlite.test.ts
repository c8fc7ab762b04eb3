import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open-store.js';
import { storeContract } from './store-contract.js';

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
  const SITE = '61dfca85eba4e3564021f36f';

  it('should keep its data when the file is closed and reopened', async () => {
    const path = join(dir, 'reopen.sqlite');
    const a = await openStore(path);
    await a.insertSite({
      id: SITE, site_ref: 'R', name: 'N', address: { street_name: 's', street_number: '1', city: 'c', postal_code: 1000 },
      latitude: 1.5, longitude: 2.5, timezone: 'Europe/Zurich', creation_date: '2021-01-12T08:31:00', lock_date: null,
    });
    await a.setMeta('jwt_secret', 'kept');
    await a.close();
    const b = await openStore(path);
    try {
      expect((await b.getSite(SITE))!.name).toBe('N');
      expect(await b.getMeta('jwt_secret')).toBe('kept');
      expect(b.engine).toBe('sqlite');
    } finally {
      await b.close();
    }
  });

  it('should be harmless to close twice', async () => {
    const s = await openStore(join(dir, 'close-twice.sqlite'));
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
});
