/** The gateway's SQLite queue: durable across reopening, oldest first, rejected readings kept aside, the disk bound never silent. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadingQueue, type NewReading } from '../../src/gateway/queue/reading-queue.js';

const dir = mkdtempSync(join(tmpdir(), 'kwhub-gw-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.UTC(2026, 0, 1);
const reading = (i: number): NewReading => ({ primAd: 1 + (i % 3), ts: T + i * 900_000, kind: i % 3 === 2 ? 'volume' : 'electricity', a: 100 + i, b: i % 3 === 2 ? null : i / 10 });

describe('the reading queue', () => {
  it('should keep committed readings across reopening and hand them out oldest first', () => {
    const path = join(dir, 'a.sqlite');
    let q = openReadingQueue({ path, maxReadings: 1000 });
    q.add([0, 1, 2, 3, 4].map(reading), T);
    q.close();
    q = openReadingQueue({ path, maxReadings: 1000 });
    expect(q.depth()).toBe(5);
    expect(q.oldestTs()).toBe(T);
    const batch = q.oldest(3);
    expect(batch.map(({ id: _id, ...r }) => r)).toEqual([0, 1, 2].map(reading));
    q.remove(batch.slice(0, 2).map((r) => r.id));
    q.reject([{ id: batch[2].id, reason: 'unknown_meter', message: 'no meter 3 on this site' }], T);
    expect(q.depth()).toBe(2);
    expect(q.rejectedCount()).toBe(1);
    expect(q.oldest(10).map((r) => r.ts)).toEqual([T + 3 * 900_000, T + 4 * 900_000]);
    expect(q.committedTotal()).toBe(5);
    q.close();
  });

  it('should drop the oldest past its bound, and record what it dropped', () => {
    const q = openReadingQueue({ path: join(dir, 'b.sqlite'), maxReadings: 1000 });
    expect(q.add(Array.from({ length: 1000 }, (_, i) => reading(i)), T)).toBeNull();
    const dropped = q.add([reading(1000), reading(1001)], T + 1);
    expect(dropped).toMatchObject({ count: 2, fromTs: T, toTs: T + 900_000 });
    expect(q.depth()).toBe(1000);
    expect(q.oldestTs()).toBe(T + 2 * 900_000);
    expect(q.dropped()).toMatchObject({ count: 2, spans: [{ count: 2, reason: expect.stringMatching(/bound of 1000 readings/) }] });
    q.close();
  });
});
