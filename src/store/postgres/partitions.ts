/**
 * Monthly partitions of the time-series tables, created on demand.
 *
 * Each partitioned table is RANGE-partitioned on its epoch-ms column; a
 * partition holds one UTC calendar month, [first ms of the month, first ms of
 * the next), and is named `<table>_yYYYYmMM`. Before a write, the store asks
 * for the months the batch touches: known months cost nothing (a cache per
 * store); unknown ones are looked up and, if missing, created, each in its own
 * autocommitted statement, outside the writing transaction, so that the
 * short exclusive lock DDL takes on the parent is never held while data is
 * written. Another instance creating the same partition at the same moment is
 * harmless. Months outside [1970, 2200) are not given partitions: their rows
 * land in the table's DEFAULT partition, which also catches anything else
 * (the DEFAULT partition means no insert is ever refused for want of one).
 * Should DEFAULT hold rows of a month that then gets its partition (rows
 * written by hand), they are moved into the new partition as it is attached.
 */
import type pg from 'pg';

export const PARTITIONED = ['raw_readings', 'sensor_readings', 'interval_chunks', 'site_alloc'] as const;
export type PartitionedTable = (typeof PARTITIONED)[number];

const FIRST_YEAR = 1970;
const END_YEAR = 2200;


/** month number (year * 12 + month0) of an epoch-ms instant, UTC */
export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export function partitionName(table: PartitionedTable, month: number): string {
  const y = Math.floor(month / 12);
  const m = (month % 12) + 1;
  return `${table}_y${y}m${String(m).padStart(2, '0')}`;
}

function monthStart(month: number): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1);
}

/** errors of a CREATE … PARTITION OF that lost a race against another instance creating it */
const RACED = new Set([
  '42P07', // duplicate_table
  '23505', // unique_violation on the catalogs: the same race, caught one step later
  '42P17', // invalid_object_definition: the range is covered by a partition created meanwhile (or by hand)
]);
const CHECK_VIOLATION = '23514';
const DEADLOCK = '40P01';

export class Partitions {
  private readonly known = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  /** the distinct months of epoch-ms values, skipping runs of the same month cheaply */
  static months(...columns: ArrayLike<number>[]): Set<number> {
    const out = new Set<number>();
    for (const col of columns) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v >= lo && v < hi) continue;
        const m = monthOf(v);
        if (Number.isNaN(m)) continue;
        out.add(m);
        lo = monthStart(m);
        hi = monthStart(m + 1);
      }
    }
    return out;
  }

  /** makes sure `table` has a partition for each of `months` (those in the supported span) */
  async ensure(table: PartitionedTable, months: Iterable<number>): Promise<void> {
    const wanted: string[] = [];
    const byName = new Map<string, number>();
    for (const m of months) {
      if (m < FIRST_YEAR * 12 || m >= END_YEAR * 12) continue;
      const name = partitionName(table, m);
      if (this.known.has(name) || byName.has(name)) continue;
      byName.set(name, m);
      wanted.push(name);
    }
    if (wanted.length === 0) return;
    const r = await this.pool.query<{ n: string }>('SELECT n FROM unnest($1::text[]) AS n WHERE to_regclass(n) IS NULL', [wanted]);
    const missing = new Set(r.rows.map((x) => x.n));
    for (const name of wanted) {
      if (missing.has(name)) await this.create(table, name, byName.get(name)!);
      this.known.add(name);
    }
  }

  private async create(table: PartitionedTable, name: string, month: number): Promise<void> {
    const from = monthStart(month);
    const to = monthStart(month + 1);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM (${from}) TO (${to})`);
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== undefined && RACED.has(code)) return;
        if (code === CHECK_VIOLATION) return this.adoptFromDefault(table, name, from, to);
        // DDL waits for the writers of the parent and may deadlock with them: try again
        if (code === DEADLOCK && attempt < 5) continue;
        throw e;
      }
    }
  }

  /**
   * The DEFAULT partition already holds rows of that month (written by hand, or
   * by an older kWhub): the month's partition is built beside the table, the
   * rows are moved into it, and it is attached, in one transaction.
   */
  private async adoptFromDefault(table: PartitionedTable, name: string, from: number, to: number): Promise<void> {
    const key = KEY_COLUMN[table];
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      if ((await c.query('SELECT to_regclass($1) AS r', [name])).rows[0].r === null) {
        await c.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`);
        await c.query(
          `WITH moved AS (DELETE FROM ${table}_default WHERE ${key} >= ${from} AND ${key} < ${to} RETURNING *) INSERT INTO ${name} SELECT * FROM moved`,
        );
        await c.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch((e2: Error) => {
        broken = e2;
      });
      throw e;
    } finally {
      c.release(broken);
    }
  }
}

const KEY_COLUMN: Record<PartitionedTable, string> = { raw_readings: 'ts', sensor_readings: 'ts', interval_chunks: 'day', site_alloc: 't' };
