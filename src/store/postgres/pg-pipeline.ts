/** The PostgreSQL store's part for the rest of the metering pipeline: pending work, raw reads, quality, sensor reads. */
import type pg from 'pg';
import type { PendingRange, QualityRecord, QualityWrite, RawMeterReading, RawWindow } from '../store.js';
import { numArray } from './pg-base.js';
import { PgAllocation } from './pg-allocation.js';
import { rawWindowColumns, rawWindowOf } from '../row-mapping.js';
import { RAW_COLS, rawFromArray as raw } from '../engine-shared.js';
import type { Register } from '../../core/types.js';

type Q = QualityRecord & { recorded_at: number };
export class PgPipeline extends PgAllocation {
  async enqueueValidation(siteId: string, ranges: { meter_id: string; from: number; to: number }[], reason?: string): Promise<void> {
    const sitePk = await this.sitePk(siteId);
    const pks = await this.pksOf('meters', ranges.map((r) => r.meter_id));
    if (ranges.length === 0) return;
    await this.pool.query(
      'INSERT INTO pending(site_pk, meter_pk, from_ts, to_ts, reason) SELECT $1::int, u.*, $5::text FROM unnest($2::int[], $3::int8[], $4::int8[]) AS u',
      [sitePk, numArray(pks), numArray(ranges.map((r) => r.from)), numArray(ranges.map((r) => r.to)), reason ?? null],
    );
  }

  async listPending(siteId: string): Promise<PendingRange[]> {
    return this.q<PendingRange>(
      'SELECT p.seq, m.id AS meter_id, p.from_ts AS "from", p.to_ts AS "to", p.reason FROM pending p JOIN meters m ON m.pk = p.meter_pk WHERE p.site_pk = $1 ORDER BY p.seq',
      [await this.sitePk(siteId)],
    );
  }

  async hasPending(siteId: string): Promise<boolean> {
    return (await this.q('SELECT 1 FROM pending WHERE site_pk = (SELECT pk FROM sites WHERE id = $1) LIMIT 1', [siteId])).length > 0;
  }

  async sitesWithPending(): Promise<string[]> {
    return (await this.q<{ id: string }>('SELECT s.id FROM sites s WHERE EXISTS (SELECT 1 FROM pending p WHERE p.site_pk = s.pk) ORDER BY s.pk')).map((r) => r.id);
  }

  async settlePending(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool.query('DELETE FROM pending WHERE seq = ANY($1::int8[])', [numArray(seqs)]);
  }

  async rawWindow(meterId: string, from: number, to: number, context: number, registers: readonly Register[]): Promise<RawWindow> {
    const pk = await this.meterPk(meterId);
    const cols = rawWindowColumns(registers);
    // one round trip: the `context` (+1, to know if there is more) readings before, those inside, those after;
    // each part's rows packed by the server into one bytea of float8 (exact bits), not a year of numbers as text
    const rows = await this.arrays(
      `SELECT part, count(*)::int, string_agg(float8send(ts::float8) || float8send(a::float8) || float8send(b::float8), ''::bytea ORDER BY ts)
       FROM ((SELECT 0 AS part, ${cols} FROM raw_readings WHERE meter_pk = $1 AND ts < $2 ORDER BY ts DESC LIMIT $4)
         UNION ALL (SELECT 1, ${cols} FROM raw_readings WHERE meter_pk = $1 AND ts >= $2 AND ts <= $3)
         UNION ALL (SELECT 2, ${cols} FROM raw_readings WHERE meter_pk = $1 AND ts > $3 ORDER BY ts LIMIT $4)) AS w(part, ts, a, b)
       GROUP BY part`,
      [pk, from, to, context + 1],
    );
    const parts: number[][][] = [[], [], []];
    for (const [part, n, packed] of rows as [number, number, Buffer][]) {
      const out = parts[part];
      for (let i = 0; i < n; i++) out.push([packed.readDoubleBE(24 * i), packed.readDoubleBE(24 * i + 8), packed.readDoubleBE(24 * i + 16)]);
    }
    // rawWindowOf takes the readings before the range newest first
    parts[0].reverse();
    return rawWindowOf(parts[0], parts[1], parts[2], context);
  }

  async rawReadings(meterId: string, from: number, to: number): Promise<RawMeterReading[]> {
    const rows = await this.arrays(`SELECT ${RAW_COLS} FROM raw_readings WHERE meter_pk = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts`, [await this.meterPk(meterId), from, to]);
    return rows.map((r) => raw(meterId, r));
  }

  async rawExtent(meterId: string): Promise<{ from: number; to: number } | null> {
    const r = (await this.one<{ f: number | null; t: number | null }>('SELECT min(ts) AS f, max(ts) AS t FROM raw_readings WHERE meter_pk = $1', [await this.meterPk(meterId)]))!;
    return r.f === null ? null : { from: r.f, to: r.t! };
  }

  private async insertQuality(c: pg.ClientBase | pg.Pool, pks: number[], records: Q[]): Promise<void> {
    if (records.length === 0) return;
    await c.query(
      `INSERT INTO quality(meter_pk, kind, from_ts, to_ts, reason, detail, recorded_at)
       SELECT * FROM unnest($1::int[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::int8[])`,
      [numArray(pks), records.map((r) => r.kind), numArray(records.map((r) => r.from)), numArray(records.map((r) => r.to)),
        records.map((r) => r.reason), records.map((r) => r.detail), numArray(records.map((r) => r.recorded_at))],
    );
  }

  /** one statement, so atomic without a transaction: its data-modifying parts all see the rows as they were before it */
  async replaceQuality(w: QualityWrite): Promise<void> {
    const pk = await this.meterPk(w.meter_id);
    const kinds = [...w.rejections.map(() => 'rejection'), ...w.spans.map(() => 'estimated')];
    const from = [...w.rejections.map((r) => r.ts), ...w.spans.map((x) => x.from)];
    const to = [...w.rejections.map((r) => r.ts), ...w.spans.map((x) => x.to)];
    const reason = [...w.rejections.map((r) => r.reason), ...w.spans.map((x) => x.reason)];
    const detail = [...w.rejections.map((r) => r.detail), ...w.spans.map((x) => x.detail)];
    await this.pool.query(
      `WITH rejected AS (
         DELETE FROM quality WHERE meter_pk = $1 AND kind = 'rejection' AND from_ts >= $2 AND from_ts < $3),
       -- estimated spans reaching into the range are cut at its edges: what lies outside stays
       cut AS (
         DELETE FROM quality WHERE meter_pk = $1 AND kind = 'estimated' AND from_ts < $3 AND to_ts > $2
         RETURNING id, from_ts, to_ts, reason, detail, recorded_at),
       pieces AS (
         INSERT INTO quality(meter_pk, kind, from_ts, to_ts, reason, detail, recorded_at)
         SELECT $1, 'estimated', p.f, p.t, c.reason, c.detail, c.recorded_at
         FROM cut c CROSS JOIN LATERAL (VALUES (c.from_ts, $2::int8, c.from_ts < $2), ($3::int8, c.to_ts, c.to_ts > $3)) AS p(f, t, keep)
         WHERE p.keep ORDER BY c.from_ts, c.id, p.f
         RETURNING 1)
       -- the pieces first (the condition runs them before the first new row), as in SQLite
       INSERT INTO quality(meter_pk, kind, from_ts, to_ts, reason, detail, recorded_at)
       SELECT $1, u.*, $9::int8 FROM unnest($4::text[], $5::int8[], $6::int8[], $7::text[], $8::text[]) AS u
       WHERE (SELECT count(*) FROM pieces) >= 0`,
      [pk, w.from, w.to, kinds, numArray(from), numArray(to), reason, detail, w.recorded_at],
    );
  }

  async addQuality(records: Q[]): Promise<void> {
    const pks = await this.pksOf('meters', records.map((r) => r.meter_id));
    await this.insertQuality(this.pool, pks, records);
  }

  async listQuality(siteId: string): Promise<Q[]> {
    return this.q<Q>(
      `SELECT m.id AS meter_id, q.kind, q.from_ts AS "from", q.to_ts AS "to", q.reason, q.detail, q.recorded_at
       FROM quality q JOIN meters m ON m.pk = q.meter_pk WHERE m.site_pk = $1 ORDER BY q.from_ts, q.id`,
      [await this.sitePk(siteId)],
    );
  }

  async sensorReadings(sensorId: string, from: number, to: number): Promise<{ ts: number[]; value: number[] }> {
    const rows = await this.arrays('SELECT ts, value FROM sensor_readings WHERE sensor_pk = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts', [await this.sensorPk(sensorId), from, to]);
    return { ts: rows.map((r) => r[0] as number), value: rows.map((r) => r[1] as number) };
  }

  async latestSensorTs(sensorId: string): Promise<number | null> {
    const r = await this.one<{ t: number | null }>('SELECT max(ts) AS t FROM sensor_readings WHERE sensor_pk = $1', [await this.sensorPk(sensorId)]);
    return r?.t ?? null;
  }
}
