/** The pools, type parsing, transactions and id → pk lookups shared by the PostgreSQL store's parts. */
import pg from 'pg';
import { Partitions, type PartitionedTable } from './partitions.js';

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database (or postgresql://…) */
  url: string;
  /** connections for queries (default 10) */
  max?: number;
  /**
   * connections that hold or wait for a site's pipeline lock (default 8): kept
   * apart from the query pool so that lock holders can never starve the
   * queries they are waiting to run
   */
  lockMax?: number;
  /** how long to wait for a connection to the server, ms (default 10 s) */
  connectTimeoutMs?: number;
}

/**
 * bigint (int8, oid 20) arrives as a string by default; every int8 here is an
 * epoch millisecond or a sequence number, far inside 2^53. Parsed on this
 * store's own type table, never on pg's global one.
 */
const INT8 = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8 && format !== 'binary') return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** one name per statement text, the same on every connection (pg prepares a name once per connection) */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) statementNames.set(sql, (name = `kwhub_${statementNames.size + 1}`));
  return name;
}

/** error codes a whole transaction may simply be retried on */
const RETRYABLE = new Set(['40P01', '40001']);

export class PgBase {
  protected readonly pool: pg.Pool;
  /** dedicated to lockSite: see PgStoreOptions.lockMax */
  protected readonly lockPool: pg.Pool;
  protected readonly partitions: Partitions;
  /** lock-pool connections holding or awaiting a site lock */
  protected readonly lockClients = new Set<pg.PoolClient>();
  private closed = false;
  // entities are never deleted, so their integer keys can be cached for good
  private readonly pks = { sites: new Map<string, number>(), meters: new Map<string, number>(), sensors: new Map<string, number>(), developers: new Map<string, number>() };

  constructor(opts: PgStoreOptions) {
    const base: pg.PoolConfig = {
      connectionString: opts.url,
      types,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'kwhub',
      // shortest exact float text, whatever the server's default: a double reads back bit for bit.
      // Generic plans: the time series are partitioned by month, and planning a statement over a
      // dozen partitions costs more than running it (0.7 ms against 0.05 ms for a day's chunk);
      // a prepared statement (see arrays) is planned once per connection, and its partitions are
      // pruned when it runs, from the parameters.
      onConnect: async (c) => {
        await c.query('SET extra_float_digits = 3; SET plan_cache_mode = force_generic_plan');
      },
    };
    this.pool = new pg.Pool({ ...base, max: opts.max ?? 10 });
    this.lockPool = new pg.Pool({
      ...base,
      max: opts.lockMax ?? 8,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // a crashed process's socket closes at once; a holder whose host vanished is
      // found dead by the server's TCP keepalives within about a minute, and its lock freed
      onConnect: async (c) => {
        await c.query('SET extra_float_digits = 3; SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3');
      },
    });
    // an idle connection the server dropped must not crash the process: the pool discards it
    this.pool.on('error', () => undefined);
    this.lockPool.on('error', () => undefined);
    this.partitions = new Partitions(this.pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // sessions holding or awaiting site locks end now (their locks with them) rather than hold the close up
    for (const c of this.lockClients) c.release(new Error('kWhub store closed'));
    this.lockClients.clear();
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  protected async q<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(sql, values)).rows;
  }

  protected async one<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R | undefined> {
    return (await this.pool.query<R>(sql, values)).rows[0];
  }

  /**
   * Rows as arrays (cheaper for long scans), from a statement prepared once
   * per connection: the store's reads repeat the same few statements, one
   * per meter, and parsing and planning each of them again cost more than
   * running it. Only statements with a fixed result shape come here (no
   * `SELECT *` of a table: a column another instance adds would break a
   * prepared one).
   */
  protected async arrays(sql: string, values?: unknown[], client: pg.ClientBase | pg.Pool = this.pool): Promise<unknown[][]> {
    return (await client.query({ name: statementName(sql), text: sql, values, rowMode: 'array' })).rows as unknown[][];
  }

  /**
   * Runs `fn` in one transaction on one pooled connection. `durable` forces a
   * synchronous commit whatever the server's setting, so that a resolved
   * promise means the data survives a crash. A deadlock or serialization
   * failure (possible against concurrent partition creation) reruns it.
   */
  protected async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, durable = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.connect();
      let broken: unknown;
      try {
        await c.query(durable ? 'BEGIN; SET LOCAL synchronous_commit = on' : 'BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch (e2) {
          broken = e2;
        }
        const code = (e as { code?: string }).code;
        if (attempt < 4 && code !== undefined && RETRYABLE.has(code)) continue;
        throw e;
      } finally {
        c.release(broken as Error | undefined);
      }
    }
  }

  /**
   * Runs `fn` in one transaction with a view of this store whose queries all
   * run on that transaction's connection, so its reads see the transaction's
   * uncommitted writes (the data migration checks what the store serves
   * before it commits). The view is for reads: its own transactions would not nest.
   */
  async inTransactionView<T>(fn: (c: pg.PoolClient, view: this) => Promise<T>): Promise<T> {
    return this.tx((c) => fn(c, Object.create(this, { pool: { value: c } }) as this), true);
  }

  /** creates the monthly partitions of `table` for these epoch-ms instants (before a transaction that writes them) */
  async ensurePartitions(table: PartitionedTable, instants: ArrayLike<number>): Promise<void> {
    await this.partitions.ensure(table, Partitions.months(instants));
  }

  private async pkOf(table: 'sites' | 'meters' | 'sensors' | 'developers', id: string): Promise<number> {
    const cache = this.pks[table];
    let pk = cache.get(id);
    if (pk === undefined) {
      const r = await this.one<{ pk: number }>(`SELECT pk FROM ${table} WHERE id = $1`, [id]);
      if (!r) throw new Error(`no ${table.slice(0, -1)} ${id}`);
      pk = r.pk;
      cache.set(id, pk);
    }
    return pk;
  }

  protected sitePk(id: string): Promise<number> {
    return this.pkOf('sites', id);
  }

  protected meterPk(id: string): Promise<number> {
    return this.pkOf('meters', id);
  }

  protected sensorPk(id: string): Promise<number> {
    return this.pkOf('sensors', id);
  }

  protected developerPk(id: string): Promise<number> {
    return this.pkOf('developers', id);
  }

  /** the pks of many ids of one kind, looking up the uncached ones in one query */
  protected async pksOf(table: 'meters' | 'sensors', ids: string[]): Promise<number[]> {
    const cache = this.pks[table];
    const missing = [...new Set(ids.filter((id) => !cache.has(id)))];
    if (missing.length > 0) {
      for (const r of await this.q<{ id: string; pk: number }>(`SELECT id, pk FROM ${table} WHERE id = ANY($1::text[])`, [missing])) {
        cache.set(r.id, r.pk);
      }
      const absent = missing.find((id) => !cache.has(id));
      if (absent !== undefined) throw new Error(`no ${table.slice(0, -1)} ${absent}`);
    }
    return ids.map((id) => cache.get(id)!);
  }
}

/**
 * A PostgreSQL array literal of numbers, for `$n::float8[]` / `$n::int8[]`:
 * built in one pass rather than by pg's generic array serializer. JavaScript's
 * number → string is the shortest text that parses back to the same double.
 * NaN is stored as NULL, as SQLite does (self/ext that do not apply; a NaN in
 * a NOT NULL column is refused by both engines alike).
 */
export function numArray(values: ArrayLike<number | null>, from = 0, to = values.length): string {
  const parts = new Array<string>(to - from);
  for (let i = from; i < to; i++) {
    const v = values[i];
    parts[i - from] = v === null || v === undefined || Number.isNaN(v) ? 'NULL' : String(v);
  }
  return `{${parts.join(',')}}`;
}

/** element types of binArray, with their oids and sizes in PostgreSQL's binary format */
const ELEMENT = { int2: [21, 2], int4: [23, 4], int8: [20, 8], float8: [701, 8] } as const;
export type ArrayElement = keyof typeof ELEMENT;

/**
 * A one-dimensional array of numbers in PostgreSQL's binary format, for a
 * `$n::<type>[]` parameter: pg sends a Buffer parameter as binary, so neither
 * side formats or parses a number as text (the text form costs more than the
 * insert itself on a large batch, on both sides). The element type must be
 * the cast's. NaN (and null) is stored as NULL, as numArray does. Every bit
 * of a float8 is kept, -0 included; an int8 must be a safe integer.
 */
export function binArray(type: ArrayElement, values: ArrayLike<number | null>, from = 0, to = values.length): Buffer {
  const [oid, size] = ELEMENT[type];
  const n = Math.max(0, to - from);
  const buf = Buffer.allocUnsafe(20 + n * (4 + size));
  // header: dimensions, has-nulls flag (set below), element type; then the one dimension's length and lower bound
  buf.writeInt32BE(n === 0 ? 0 : 1, 0);
  buf.writeInt32BE(0, 4);
  buf.writeInt32BE(oid, 8);
  if (n === 0) return buf.subarray(0, 12);
  buf.writeInt32BE(n, 12);
  buf.writeInt32BE(1, 16);
  let o = 20;
  let nulls = 0;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) {
      buf.writeInt32BE(-1, o);
      o += 4;
      nulls++;
      continue;
    }
    buf.writeInt32BE(size, o);
    o += 4;
    if (type === 'float8') buf.writeDoubleBE(v, o);
    else if (type === 'int8') {
      const hi = Math.floor(v / 4294967296);
      buf.writeInt32BE(hi, o);
      buf.writeUInt32BE(v - hi * 4294967296, o + 4);
    } else if (type === 'int4') buf.writeInt32BE(v, o);
    else buf.writeInt16BE(v, o);
    o += size;
  }
  if (nulls > 0) buf.writeInt32BE(1, 4);
  return buf.subarray(0, o);
}

/** rows per multi-row INSERT … SELECT FROM unnest(…): bounds the size of one statement's parameters */
export const ROWS_PER_STATEMENT = 20_000;
