/** The SQLite store's part for the metering pipeline: raw data, pending work, interval chunks, allocation, quality. */
import type {
  AllocationWrite, InsertOutcome, IntervalColumns, IntervalCounts, MeterAllocColumns, PendingRange, QualityRecord, RawMeterReading,
  RawSensorReading, RawWindow, SiteAllocColumns, SiteField, QualityWrite,
} from '../store.js';
import { SITE_FIELDS } from '../store.js';
import { SqliteChanges } from './sqlite-changes.js';
import { rawWindowColumns, rawWindowOf } from '../row-mapping.js';
import {
  RAW_COLS, SITE_COLS, classifyMeterReadings, groupByMeter, meterAllocColumns, rawFromArray, rawKey, siteAllocColumns, touchedGroups, type RawValues,
} from '../engine-shared.js';
import type { Register } from '../../core/types.js';
import { HEADER_BYTES, allocFromChunks, chunkDays, chunksForWrite, countChunks, dayOf, intervalsFromChunks, partialDays, type ChunkRow } from '../chunks.js';

type Row = Record<string, number | string | null>;
/** a crashed holder's lease runs out after this long */
const LEASE_MS = 30_000;

export class SqlitePipeline extends SqliteChanges {
  async insertReadings(siteId: string, meters: RawMeterReading[], sensors: RawSensorReading[], receivedAt: number) {
    const sitePk = this.sitePk(siteId);
    const pend = this.stmt('INSERT INTO pending(site_pk, meter_pk, from_ts, to_ts) VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      const pks = meters.map((r) => this.meterPk(r.meter_id));
      // sorted by primary key, the B-tree only appends; stable, so the first of two equal readings wins
      const { order, groups } = groupByMeter(pks, meters);
      const existing = new Map<string, RawValues>();
      const inSpan = this.rawStmt(`SELECT ${RAW_COLS} FROM raw_readings WHERE meter_pk = ? AND ts >= ? AND ts <= ?`);
      for (const grp of groups) {
        for (const row of inSpan.all(grp.pk, grp.from, grp.to) as (number | null)[][]) existing.set(rawKey(grp.pk, row[0] as number), row.slice(1) as unknown as RawValues);
      }
      const { outcomes: m, fresh } = classifyMeterReadings(meters, order, groups, existing);
      for (const grp of touchedGroups(groups, order, m)) pend.run(sitePk, grp.pk, grp.from, grp.to);
      this.insertMany(`INSERT INTO raw_readings(meter_pk, ${RAW_COLS}, received_at)`, 7, fresh.length, (k, buf, o) => {
        const i = fresh[k];
        const r = meters[i];
        buf[o] = pks[i];
        buf[o + 1] = r.ts;
        buf[o + 2] = r.en_im;
        buf[o + 3] = r.en_ex;
        buf[o + 4] = r.heat_energy_kwh;
        buf[o + 5] = r.vol_m3;
        buf[o + 6] = receivedAt;
      });

      const insS = this.stmt('INSERT INTO sensor_readings(sensor_pk, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
      const getS = this.stmt('SELECT value FROM sensor_readings WHERE sensor_pk = ? AND ts = ?');
      const s: InsertOutcome[] = sensors.map((r) => {
        const pk = this.sensorPk(r.sensor_id);
        if (insS.run(pk, r.ts, r.value).changes === 1) return 'stored';
        return (getS.get(pk, r.ts) as Row).value === r.value ? 'duplicate' : 'conflict';
      });
      return { meters: m, sensors: s };
    }).immediate();
  }

  /**
   * A lease row per site: taken in a short write transaction, renewed while
   * held, and taken over once expired (its holder died). Waiters poll.
   */
  async lockSite(siteId: string): Promise<() => Promise<void>> {
    const sitePk = this.sitePk(siteId);
    const holder = `${process.pid}:${Math.random().toString(36).slice(2)}`;
    const take = this.db.transaction((now: number) => {
      const row = this.stmt('SELECT holder, expires_at FROM site_locks WHERE site_pk = ?').get(sitePk) as Row | undefined;
      if (row && (row.expires_at as number) > now) return false;
      this.stmt('INSERT INTO site_locks(site_pk, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(site_pk) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at')
        .run(sitePk, holder, now + LEASE_MS);
      return true;
    });
    for (let wait = 5; !take.immediate(Date.now()); wait = Math.min(200, wait * 2)) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const renew = setInterval(() => {
      this.stmt('UPDATE site_locks SET expires_at = ? WHERE site_pk = ? AND holder = ?').run(Date.now() + LEASE_MS, sitePk, holder);
    }, LEASE_MS / 3);
    renew.unref();
    return async () => {
      clearInterval(renew);
      this.stmt('DELETE FROM site_locks WHERE site_pk = ? AND holder = ?').run(sitePk, holder);
    };
  }

  async enqueueValidation(siteId: string, ranges: { meter_id: string; from: number; to: number }[], reason?: string): Promise<void> {
    const sitePk = this.sitePk(siteId);
    const pend = this.stmt('INSERT INTO pending(site_pk, meter_pk, from_ts, to_ts, reason) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of ranges) pend.run(sitePk, this.meterPk(r.meter_id), r.from, r.to, reason ?? null);
    })();
  }

  async listPending(siteId: string): Promise<PendingRange[]> {
    return this.stmt(
      'SELECT p.seq, m.id AS meter_id, p.from_ts AS "from", p.to_ts AS "to", p.reason FROM pending p JOIN meters m ON m.pk = p.meter_pk WHERE p.site_pk = ? ORDER BY p.seq',
    ).all(this.sitePk(siteId)) as PendingRange[];
  }

  async sitesWithPending(): Promise<string[]> {
    return (this.stmt('SELECT DISTINCT s.id FROM pending p JOIN sites s ON s.pk = p.site_pk').all() as Row[]).map((r) => r.id as string);
  }

  async settlePending(seqs: number[]): Promise<void> {
    const del = this.stmt('DELETE FROM pending WHERE seq = ?');
    this.db.transaction(() => {
      for (const s of seqs) del.run(s);
    })();
  }

  async rawWindow(meterId: string, from: number, to: number, context: number, registers: readonly Register[]): Promise<RawWindow> {
    const pk = this.meterPk(meterId);
    const cols = rawWindowColumns(registers);
    // arrays, not named rows: a year of a meter is 35,040 of them
    const before = this.rawStmt(`SELECT ${cols} FROM raw_readings WHERE meter_pk = ? AND ts < ? ORDER BY ts DESC LIMIT ?`).all(pk, from, context + 1) as number[][];
    const inside = this.rawStmt(`SELECT ${cols} FROM raw_readings WHERE meter_pk = ? AND ts >= ? AND ts <= ? ORDER BY ts`).all(pk, from, to) as number[][];
    const after = this.rawStmt(`SELECT ${cols} FROM raw_readings WHERE meter_pk = ? AND ts > ? ORDER BY ts LIMIT ?`).all(pk, to, context + 1) as number[][];
    return rawWindowOf(before, inside, after, context);
  }

  async rawReadings(meterId: string, from: number, to: number): Promise<RawMeterReading[]> {
    const rows = this.rawStmt(`SELECT ${RAW_COLS} FROM raw_readings WHERE meter_pk = ? AND ts >= ? AND ts <= ? ORDER BY ts`).all(this.meterPk(meterId), from, to) as unknown[][];
    return rows.map((r) => rawFromArray(meterId, r));
  }

  async rawExtent(meterId: string): Promise<{ from: number; to: number } | null> {
    const r = this.stmt('SELECT MIN(ts) AS f, MAX(ts) AS t FROM raw_readings WHERE meter_pk = ?').get(this.meterPk(meterId)) as Row;
    return r.f === null ? null : { from: r.f as number, to: r.t as number };
  }

  async replaceQuality(w: QualityWrite): Promise<void> {
    const pk = this.meterPk(w.meter_id);
    const ins = this.stmt('INSERT INTO quality(meter_pk, kind, from_ts, to_ts, reason, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.stmt("DELETE FROM quality WHERE meter_pk = ? AND kind = 'rejection' AND from_ts >= ? AND from_ts < ?").run(pk, w.from, w.to);
      // estimated spans reaching into the range are cut at its edges: what lies outside stays
      const overlapping = this.stmt("SELECT id, from_ts, to_ts, reason, detail, recorded_at FROM quality WHERE meter_pk = ? AND kind = 'estimated' AND from_ts < ? AND to_ts > ?")
        .all(pk, w.to, w.from) as Row[];
      const del = this.stmt('DELETE FROM quality WHERE id = ?');
      for (const q of overlapping) {
        del.run(q.id);
        if ((q.from_ts as number) < w.from) ins.run(pk, 'estimated', q.from_ts, w.from, q.reason, q.detail, q.recorded_at);
        if ((q.to_ts as number) > w.to) ins.run(pk, 'estimated', w.to, q.to_ts, q.reason, q.detail, q.recorded_at);
      }
      for (const r of w.rejections) ins.run(pk, 'rejection', r.ts, r.ts, r.reason, r.detail, w.recorded_at);
      for (const s of w.spans) ins.run(pk, 'estimated', s.from, s.to, s.reason, s.detail, w.recorded_at);
    })();
  }

  /** one meter's chunk rows holding intervals with start in [from, to), ascending; `header`: their bitmaps only */
  protected chunkRows(pk: number, from: number, to: number, header = false): ChunkRow[] {
    const data = header ? `substr(data, 1, ${HEADER_BYTES})` : 'data';
    const rows = this.rawStmt(`SELECT day, ${data} FROM interval_chunks WHERE meter_pk = ? AND day >= ? AND day < ? ORDER BY day`).all(pk, dayOf(from), to) as [number, Buffer][];
    return rows.map(([day, data]) => ({ day, data }));
  }

  async readIntervals(meterIds: string[], from: number, to: number): Promise<IntervalColumns[]> {
    return meterIds.map((id) => intervalsFromChunks(this.chunkRows(this.meterPk(id), from, to), from, to));
  }

  async applyAllocation(w: AllocationWrite): Promise<void> {
    const sitePk = this.sitePk(w.site_id);
    const partial = partialDays(w.from, w.to);
    const days = chunkDays(w.from, w.to);
    const oldChunk = this.rawStmt('SELECT data FROM interval_chunks WHERE meter_pk = ? AND day = ?');
    const del = this.stmt('DELETE FROM interval_chunks WHERE meter_pk = ? AND day >= ? AND day < ?');
    this.db.transaction(() => {
      this.writeSiteAlloc('site_alloc', 't', sitePk, w.from, w.to, w.site);
      // only the touched day chunks are rewritten; the days cut by [from, to) keep their other intervals,
      // read inside this transaction so that no other writer's can slip in between
      const rows: { pk: number; day: number; data: Uint8Array }[] = [];
      // a meter named twice: its last columns win, as if written one after the other
      const byPk = new Map(w.meters.map((m) => [this.meterPk(m.meter_id), m.cols]));
      for (const [pk, cols] of byPk) {
        const old = new Map<number, Uint8Array>();
        for (const day of partial) {
          const r = oldChunk.get(pk, day) as [Buffer] | undefined;
          if (r) old.set(day, r[0]);
        }
        if (days) del.run(pk, days[0], days[1]);
        for (const { day, data } of chunksForWrite(w.from, w.to, cols, old)) if (data !== null) rows.push({ pk, day, data });
      }
      rows.sort((a, b) => a.pk - b.pk || a.day - b.day); // in key order: the B-tree appends within each meter's range
      this.insertMany('INSERT INTO interval_chunks(meter_pk, day, data)', 3, rows.length, (i, buf, o) => {
        const r = rows[i];
        buf[o] = r.pk;
        buf[o + 1] = r.day;
        buf[o + 2] = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      });
      this.writeSiteAlloc('site_alloc_day', 'day', sitePk, w.days.from, w.days.to, w.days.site);
      for (const m of w.days.meters) this.writeMeterAlloc('meter_alloc_day', 'day', this.meterPk(m.meter_id), w.days.from, w.days.to, m.cols);
      if (w.changes) this.writeChanges(sitePk, w.changes);
    })();
  }

  private writeSiteAlloc(table: 'site_alloc' | 'site_alloc_day', key: 't' | 'day', sitePk: number, from: number, to: number, site: SiteAllocColumns): void {
    this.stmt(`DELETE FROM ${table} WHERE site_pk = ? AND ${key} >= ? AND ${key} < ?`).run(sitePk, from, to);
    const f = SITE_FIELDS.map((k) => site.fields[k]);
    this.insertMany(`INSERT INTO ${table}(site_pk, ${key}, ${SITE_FIELDS.join(', ')})`, SITE_FIELDS.length + 2, site.t.length, (i, buf, o) => {
      buf[o] = sitePk;
      buf[o + 1] = site.t[i];
      for (let k = 0; k < f.length; k++) buf[o + 2 + k] = f[k][i];
    });
  }

  private writeMeterAlloc(table: 'meter_alloc_day', key: 'day', pk: number, from: number, to: number, c: MeterAllocColumns): void {
    this.stmt(`DELETE FROM ${table} WHERE meter_pk = ? AND ${key} >= ? AND ${key} < ?`).run(pk, from, to);
    this.insertMany(`INSERT INTO ${table}(meter_pk, ${key}, total, self, ext, n_present, n_estimated)`, 7, c.t.length, (i, buf, o) => {
      buf[o] = pk;
      buf[o + 1] = c.t[i];
      buf[o + 2] = c.total[i];
      buf[o + 3] = Number.isNaN(c.self[i]) ? null : c.self[i];
      buf[o + 4] = Number.isNaN(c.ext[i]) ? null : c.ext[i];
      buf[o + 5] = c.present ? c.present[i] : null;
      buf[o + 6] = c.estimated ? c.estimated[i] : null;
    });
  }

  async dayCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts | null> {
    if (meterIds.length === 0) return { t: new Float64Array(0), present: new Float64Array(0), estimated: new Float64Array(0) };
    const pks = meterIds.map((id) => this.meterPk(id));
    const rows = this.rawStmt(
      `SELECT day, sum(n_present), sum(n_estimated), count(*) - count(n_present) FROM meter_alloc_day
       WHERE meter_pk IN (${pks.map(() => '?').join(', ')}) AND day >= ? AND day < ? GROUP BY day ORDER BY day`,
    ).all(...pks, from, to) as number[][];
    const n = rows.length;
    const out: IntervalCounts = { t: new Float64Array(n), present: new Float64Array(n), estimated: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      if (r[3] > 0) return null;
      out.t[i] = r[0];
      out.present[i] = r[1];
      out.estimated[i] = r[2];
    }
    return out;
  }

  async readMeterAlloc(meterId: string, from: number, to: number): Promise<MeterAllocColumns> {
    return allocFromChunks(this.chunkRows(this.meterPk(meterId), from, to), from, to);
  }

  async readMeterAllocDays(meterId: string, from: number, to: number): Promise<MeterAllocColumns> {
    return this.meterAllocRows('meter_alloc_day', 'day', meterId, from, to);
  }

  async readSiteAllocDays(siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    return this.siteAllocRows('site_alloc_day', 'day', siteId, from, to);
  }

  private meterAllocRows(table: string, key: string, meterId: string, from: number, to: number): MeterAllocColumns {
    return meterAllocColumns(this.rawStmt(`SELECT ${key}, total, self, ext FROM ${table} WHERE meter_pk = ? AND ${key} >= ? AND ${key} < ? ORDER BY ${key}`)
      .all(this.meterPk(meterId), from, to) as unknown[][]);
  }

  async readSiteAlloc(siteId: string, from: number, to: number): Promise<SiteAllocColumns> {
    return this.siteAllocRows('site_alloc', 't', siteId, from, to);
  }

  private siteAllocRows(table: string, key: string, siteId: string, from: number, to: number): SiteAllocColumns {
    return siteAllocColumns(this.rawStmt(`SELECT ${key}, ${SITE_COLS} FROM ${table} WHERE site_pk = ? AND ${key} >= ? AND ${key} < ? ORDER BY ${key}`)
      .all(this.sitePk(siteId), from, to) as unknown[][]);
  }

  async intervalCounts(meterIds: string[], from: number, to: number): Promise<IntervalCounts> {
    const pks = meterIds.map((id) => this.meterPk(id));
    // counted from the chunks' bitmaps: a month of 60 meters is 1,860 rows, none of them decoded
    const rows: ChunkRow[] = [];
    for (const pk of pks) for (const r of this.chunkRows(pk, from, to, true)) rows.push(r);
    return countChunks(rows, from, to);
  }

  async addQuality(records: (QualityRecord & { recorded_at: number })[]): Promise<void> {
    const q = this.stmt('INSERT INTO quality(meter_pk, kind, from_ts, to_ts, reason, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of records) q.run(this.meterPk(r.meter_id), r.kind, r.from, r.to, r.reason, r.detail, r.recorded_at);
    })();
  }

  async listQuality(siteId: string): Promise<(QualityRecord & { recorded_at: number })[]> {
    return this.stmt(
      `SELECT m.id AS meter_id, q.kind, q.from_ts AS "from", q.to_ts AS "to", q.reason, q.detail, q.recorded_at
       FROM quality q JOIN meters m ON m.pk = q.meter_pk WHERE m.site_pk = ? ORDER BY q.from_ts, q.id`,
    ).all(this.sitePk(siteId)) as (QualityRecord & { recorded_at: number })[];
  }

  async sensorReadings(sensorId: string, from: number, to: number): Promise<{ ts: number[]; value: number[] }> {
    const rows = this.rawStmt('SELECT ts, value FROM sensor_readings WHERE sensor_pk = ? AND ts >= ? AND ts <= ? ORDER BY ts')
      .all(this.sensorPk(sensorId), from, to) as number[][];
    return { ts: rows.map((r) => r[0]), value: rows.map((r) => r[1]) };
  }

  async latestSensorTs(sensorId: string): Promise<number | null> {
    const r = this.stmt('SELECT MAX(ts) AS t FROM sensor_readings WHERE sensor_pk = ?').get(this.sensorPk(sensorId)) as Row;
    return (r.t as number | null) ?? null;
  }
}
