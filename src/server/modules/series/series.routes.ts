/** Routes of the developer API's time series; POST with a JSON body, or GET with the same query parameters. */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import type { AppContext } from '../../context.js';
import { grantedSite } from '../developer/developer.guard.js';
import * as uc from './series.usecases.js';

/** body (POST) or query string (GET); a missing or empty body means no parameters */
function paramsOf(req: FastifyRequest): uc.SeriesParams {
  const src = req.method === 'GET' ? req.query : req.body;
  if (src === undefined || src === null) return {};
  if (typeof src !== 'object' || Array.isArray(src)) throw paramError('body', 'the body must be a JSON object such as {"t_s": "2024-05-01", "t_e": "2024-05-02", "sampling_frequency": "H"}');
  const o = src as Record<string, unknown>;
  return { t_s: o.t_s, t_e: o.t_e, sampling_frequency: o.sampling_frequency };
}

type Params<T> = FastifyRequest<{ Params: T }>;

export async function seriesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const json = 'application/json; charset=utf-8';

  const siteData = async (req: Params<{ site_id: string; meter_type: string }>, reply: import('fastify').FastifyReply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const type = uc.parseMeterType(req.params.meter_type);
    const p = paramsOf(req);
    const freq = uc.parseFrequency(p.sampling_frequency);
    const range = uc.requestRange(p, grant, ctx.clock.now());
    const meters = await ctx.meters(site);
    return reply.type(json).send(Readable.from(uc.streamSeries(range, freq, (r) => uc.siteData(ctx.store, site, meters, type, r, freq))));
  };
  app.post('/site_data/:site_id/:meter_type', siteData);
  app.get('/site_data/:site_id/:meter_type', siteData);

  const meterData = async (req: Params<{ site_id: string; meter_id: string }>, reply: import('fastify').FastifyReply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const meter = await uc.meterOf(ctx.store, site, req.params.meter_id);
    const p = paramsOf(req);
    const freq = uc.parseFrequency(p.sampling_frequency);
    const range = uc.requestRange(p, grant, ctx.clock.now());
    return reply.type(json).send(Readable.from(uc.streamSeries(range, freq, (r) => uc.meterData(ctx.store, site, meter, r, freq))));
  };
  app.post('/meter_data/:site_id/:meter_id', meterData);
  app.get('/meter_data/:site_id/:meter_id', meterData);

  const meterDataRaw = async (req: Params<{ site_id: string; meter_id: string }>) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const meter = await uc.meterOf(ctx.store, site, req.params.meter_id);
    return uc.meterDataRaw(ctx.store, site, meter, paramsOf(req), grant, ctx.clock.now());
  };
  app.post('/meter_data_raw/:site_id/:meter_id', meterDataRaw);
  app.get('/meter_data_raw/:site_id/:meter_id', meterDataRaw);

  app.get('/:site_id/sensor_data/:sensor_id', async (req: Params<{ site_id: string; sensor_id: string }>) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const sensor = isObjectId(req.params.sensor_id) ? await ctx.store.getSensor(req.params.sensor_id) : null;
    if (!sensor || sensor.site_id !== site.id) throw new KwhubError('sensor.not_found', `no sensor ${req.params.sensor_id} on site ${site.id}`);
    return uc.sensorData(ctx.store, sensor.id, paramsOf(req), grant, ctx.clock.now());
  });
}
