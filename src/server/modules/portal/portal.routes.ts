/**
 * The portal's data, /api/portal/v1 (behind a session): sites, meters and
 * their series for the page, through the developer API's use cases, scoped
 * to what the viewer may see; the operator's actions are the operator API
 * itself, reached through this session (see portal.admin.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KwhubError, paramError } from '../../../core/errors.js';
import { registersOf } from '../../../core/types.js';
import { parseInstant } from '../../../core/time/parse-instant.js';
import type { AppContext } from '../../context.js';
import { meterView, isoOrNull } from '../admin/admin.usecases.js';
import { qualityReport } from '../admin/pipeline.usecases.js';
import { negotiate } from '../series/accept.js';
import * as series from '../series/series.usecases.js';
import { frameCsv, frameJson, framesOf } from './portal.series.js';
import { siteOverview } from './portal.overview.js';
import { meterRanges, siteRanges, viewerOf, visibleMeter, visibleSite, type Viewer } from './portal.scope.js';
import { requireOperator } from './portal.session.js';
import { sendPieces } from '../../stream-answer.js';

type Q = Record<string, unknown>;
type R<P> = FastifyRequest<{ Params: P; Querystring: Q }>;

/** columns of a site's totals (what a resident may see of their site); the rest are per meter */
const SITE_TOTAL = /^(conso_total|prod_total|from_ext|self|to_ext|storage_\w+)$/;

export async function portalRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const viewer = (req: FastifyRequest): Promise<Viewer> => viewerOf(ctx, req.portalSession!);

  const send = (reply: FastifyReply, req: FastifyRequest<{ Querystring: Q }>, json: () => Promise<Iterable<Buffer>>, csv: () => AsyncIterable<Buffer | string>, filename: string) => {
    // a download link cannot set Accept: ?format=csv does
    if (negotiate(req.headers.accept) === 'csv' || (req.query as Q).format === 'csv') {
      return sendPieces(reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}.csv"`), csv());
    }
    return json().then((pieces) => sendPieces(reply.type('application/json; charset=utf-8'), pieces));
  };

  app.get('/sites', async (req) => {
    const v = await viewer(req);
    const out = [];
    for (const site of await ctx.store.listSites()) {
      const meters = await ctx.meters(site);
      if (v.scope !== null && !meters.some((m) => v.scope!.has(m.id))) continue;
      const o = await siteOverview(ctx, site, meters);
      // a resident sees the community's figures, not its meters' health
      out.push(v.scope === null ? o : { ...o, health: null });
    }
    return out;
  });

  app.get('/sites/:site_id', async (req: R<{ site_id: string }>) => {
    const v = await viewer(req);
    const { site, meters } = await visibleSite(ctx, v, req.params.site_id);
    const shown = v.scope === null ? meters : meters.filter((m) => v.scope!.has(m.id));
    return {
      site: { id: site.id, name: site.name, site_ref: site.site_ref, timezone: site.timezone, address: site.address, lock_date: isoOrNull(site.lock_date), creation_date: site.creation_date },
      meters: shown.map(meterView),
      sensors: v.scope === null ? await ctx.store.listSensors(site.id) : [],
    };
  });

  app.get('/sites/:site_id/data/:meter_type', async (req: R<{ site_id: string; meter_type: string }>, reply) => {
    const v = await viewer(req);
    const { site, meters } = await visibleSite(ctx, v, req.params.site_id);
    const type = series.parseMeterType(req.params.meter_type);
    const freq = series.parseFrequency(req.query.sampling_frequency);
    const range = series.requestRange(req.query, { history_from: null }, ctx.clock.now());
    const ranges = siteRanges(v, meters, range);
    const keep = v.scope === null ? () => true : (k: string) => SITE_TOTAL.test(k);
    const build = (r: { from: number; to: number }) => series.siteFrame(ctx.store, site, meters, type, r, freq);
    return send(reply, req, async () => frameJson(await framesOf(ranges, build), keep), () => frameCsv(ranges, freq, build, keep), `${site.site_ref}-${type}-${freq}`);
  });

  app.get('/sites/:site_id/meters/:meter_id/data', async (req: R<{ site_id: string; meter_id: string }>, reply) => {
    const v = await viewer(req);
    const { site, meters } = await visibleSite(ctx, v, req.params.site_id);
    const meter = visibleMeter(v, site, meters, req.params.meter_id);
    const freq = series.parseFrequency(req.query.sampling_frequency);
    const range = series.requestRange(req.query, { history_from: null }, ctx.clock.now());
    const ranges = meterRanges(v, meter.id, range);
    const build = (r: { from: number; to: number }) => series.meterFrame(ctx.store, site, meter, r, freq);
    return send(reply, req, async () => frameJson(await framesOf(ranges, build)), () => frameCsv(ranges, freq, build), `${meter.name}-${freq}`);
  });

  /** raw readings as columns (epoch ms and one array per register), inside the viewer's scope */
  app.get('/sites/:site_id/meters/:meter_id/raw', async (req: R<{ site_id: string; meter_id: string }>) => {
    const v = await viewer(req);
    const { site, meters } = await visibleSite(ctx, v, req.params.site_id);
    const meter = visibleMeter(v, site, meters, req.params.meter_id);
    if (meter.rule !== null) throw new KwhubError('meter.no_raw_data', `meter ${meter.id} is a rule meter: it has no raw readings`);
    const now = ctx.clock.now();
    const tE = parseInstant(req.query.t_e, 't_e') ?? now;
    const tS = parseInstant(req.query.t_s, 't_s') ?? tE - 86_400_000;
    if (tS > tE) throw paramError('t_s', 't_s must not be after t_e');
    const regs = registersOf(meter.type);
    const windows = v.scope === null ? [{ from: -Infinity, to: Infinity }] : v.scope.get(meter.id) ?? [];
    const rows = (await ctx.store.rawReadings(meter.id, tS, tE)).filter((r) => windows.some((w) => r.ts >= w.from && r.ts < w.to));
    return { registers: regs, ts: rows.map((r) => r.ts), values: regs.map((k) => rows.map((r) => r[k])) };
  });

  app.get('/sites/:site_id/quality', async (req: R<{ site_id: string }>) => {
    requireOperator(req);
    return qualityReport(ctx, req.params.site_id);
  });

}
