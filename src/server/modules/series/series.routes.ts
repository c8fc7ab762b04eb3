/**
 * Routes of the developer API's time series; POST with a JSON body, or GET
 * with the same query parameters. JSON by default, CSV for `Accept: text/csv`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { KwhubError, paramError } from '../../../core/errors.js';
import { isObjectId } from '../../../core/ids.js';
import type { AppContext } from '../../context.js';
import { grantedSite } from '../developer/developer.guard.js';
import { ref } from '../../openapi/components.js';
import {
  API_ERRORS, CSV_TYPE, JSON_TYPE, OPTIONAL_BODY, checkedByHandler, developerSecurity, errorResponses, idParam, rateLimitHeaders,
} from '../../openapi/common.js';
import { MeterDataRawRow, MeterDataRow, MeterTypeSchema, RawBody, RawQuery, SensorDataRow, SeriesBody, SeriesQuery, SiteDataRow } from '../../openapi/developer.js';
import { EX, csvExamples } from '../../openapi/examples.js';
import { negotiate } from './accept.js';
import { matches, seriesTag } from './series-etag.js';
import type { Site } from '../../../store/store.js';
import type { IntervalRange } from '../../../core/time/range.js';
import * as uc from './series.usecases.js';
import { sendPieces } from '../../stream-answer.js';
import { negotiatedEncoding, varyOnEncoding } from '../../compression.js';

/** body (POST) or query string (GET, HEAD); a missing or empty body means no parameters */
function paramsOf(req: FastifyRequest): uc.SeriesParams {
  // HEAD is the GET form's (Fastify answers it with the GET route's handler)
  const src = req.method === 'GET' || req.method === 'HEAD' ? req.query : req.body;
  if (src === undefined || src === null) return {};
  if (typeof src !== 'object' || Array.isArray(src)) throw paramError('body', 'the body must be a JSON object such as {"t_s": "2024-05-01", "t_e": "2024-05-02", "sampling_frequency": "H"}');
  const o = src as Record<string, unknown>;
  return { t_s: o.t_s, t_e: o.t_e, sampling_frequency: o.sampling_frequency, with_quality: o.with_quality };
}

type Params<T> = FastifyRequest<{ Params: T }>;

const JSON_UTF8 = 'application/json; charset=utf-8';
const CSV_UTF8 = 'text/csv; charset=utf-8';

const CSV_TEXT =
  'With `Accept: text/csv`: the same rows as CSV (`text/csv; charset=utf-8`), a header row with the JSON rows\' field names ' +
  'in the same order (`timestamp` last), then one line per row with the same values and timestamps. JSON stays the default, also for `*/*`.';

/** the 200 answer of a series endpoint: JSON rows, or the same as CSV */
function seriesOk(description: string, row: TSchema, csvExample: string) {
  return {
    description: `${description}\n\n${CSV_TEXT}`,
    headers: rateLimitHeaders,
    content: {
      [JSON_TYPE]: { schema: Type.Array(ref(row)) },
      [CSV_TYPE]: { schema: Type.String({ description: 'CSV, RFC 4180, CRLF line ends', examples: [csvExample] }) },
    },
  };
}

const siteIdParam = idParam('The site', EX.site);
const meterIdParam = idParam('A meter of the site', EX.apartment);

const ETAG_TEXT =
  '\n\n*(beyond the vendor\'s API)* The answer carries an `ETag` made of the site\'s data version over the requested range (it moves ' +
  'when late data, a correction or new live data lands in that range, not elsewhere) and of the request. Send it back as ' +
  '`If-None-Match` to get `304 Not Modified` without the answer being built. A 304 still counts against the rate limit.';

const etagHeader = { ETag: { type: 'string', description: 'the version of this answer: send it back as If-None-Match', required: true } };

/** the 304 of a conditional series request */
const notModified = {
  description: 'Not modified: the data of the range has not changed since the ETag sent in If-None-Match (no body). Counts against the rate limit.',
  headers: { ...rateLimitHeaders, ...etagHeader },
  type: 'null',
};

/** the schema of a series route, for its POST (body) or GET (query string) form */
function seriesSchema(method: 'POST' | 'GET', o: { id: string; summary: string; description: string; params: Record<string, TSchema>; body: TSchema; query: TSchema; ok: object; conditional?: boolean }) {
  return {
    operationId: method === 'GET' ? `${o.id}Get` : o.id,
    summary: `${o.summary}${method === 'GET' ? ' (GET form)' : ''}`,
    description: method === 'GET' ? `${o.description}\n\nThe same as the POST form, with the parameters in the query string *(decided)*.` : o.description,
    tags: ['Time series'],
    security: developerSecurity,
    params: Type.Object(o.params),
    ...(method === 'GET' ? { querystring: o.query } : { body: ref(o.body), [OPTIONAL_BODY]: true }),
    response: {
      200: o.conditional ? { ...o.ok, headers: { ...(o.ok as { headers?: object }).headers, ...etagHeader } } : o.ok,
      ...(o.conditional ? { 304: notModified } : {}),
      ...errorResponses(API_ERRORS, { rateLimited: true }),
    },
  };
}

const SITE_DATA = {
  id: 'siteData',
  summary: 'Validated time series of a site',
  description:
    'The validated, allocated series of one meter type of the site: one row per 15-minute interval (`15T`, default) or per ' +
    'local hour, day, month or year, for the 15-minute intervals lying entirely inside [t_s, t_e]. Periods without validated data are not returned.' +
    ETAG_TEXT,
  conditional: true,
  params: { site_id: siteIdParam, meter_type: MeterTypeSchema },
  body: SeriesBody,
  query: SeriesQuery,
  ok: seriesOk('One row per period (see SiteDataRow for the fields per meter type).', SiteDataRow, csvExamples.siteData),
};

const METER_DATA = {
  id: 'meterData',
  summary: 'Validated time series of one meter',
  description: 'The validated series of one meter (a rule meter too), rows as for site_data: `{total, self, ext, timestamp}` for an electricity consumer in the balance, `{total, timestamp}` otherwise.' + ETAG_TEXT,
  conditional: true,
  params: { site_id: siteIdParam, meter_id: meterIdParam },
  body: SeriesBody,
  query: SeriesQuery,
  ok: seriesOk('One row per period.', MeterDataRow, csvExamples.meterData),
};

const METER_DATA_RAW = {
  id: 'meterDataRaw',
  summary: 'Raw readings of one meter',
  description:
    'The readings as the gateway reported them, unvalidated, at their own timestamps (the end of the measured period), for ' +
    'readings taken in [t_s, t_e]. Only physical meters have raw data: for a rule meter the answer is 400.',
  params: { site_id: siteIdParam, meter_id: meterIdParam },
  body: RawBody,
  query: RawQuery,
  ok: seriesOk('One row per reading.', MeterDataRawRow, csvExamples.raw),
};

export async function seriesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** sends a series answer as JSON (the default) or CSV, in pieces */
  const sendSeries = (req: FastifyRequest, reply: FastifyReply, pieces: (format: uc.SeriesFormat) => AsyncIterable<Buffer | string> | Iterable<Buffer | string>) => {
    const format = negotiate(req.headers.accept);
    return sendPieces(reply.type(format === 'csv' ? CSV_UTF8 : JSON_UTF8), pieces(format));
  };

  /**
   * Sets the answer's ETag; true when the client's If-None-Match already names it (answer 304).
   * A compressed answer is another representation (RFC 9110 §8.8.3): its strong tag names the
   * coding (`"…-gzip"`, `"…-br"`), decided from Accept-Encoding alone so a 304 carries the tag
   * its 200 would (a small answer sent uncompressed under such a tag is still one set of bytes per tag).
   */
  const notModifiedSince = async (req: FastifyRequest, reply: FastifyReply, site: Site, range: IntervalRange, shape: unknown[]): Promise<boolean> => {
    const tag = await seriesTag(ctx.store, { site, range, shape: [...shape.map(String), negotiate(req.headers.accept)] }, negotiatedEncoding(req));
    reply.header('etag', tag);
    varyOnEncoding(reply);
    return matches(req.headers['if-none-match'], tag);
  };

  const siteData = async (req: Params<{ site_id: string; meter_type: string }>, reply: FastifyReply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const type = uc.parseMeterType(req.params.meter_type);
    const p = paramsOf(req);
    const freq = uc.parseFrequency(p.sampling_frequency);
    const withQuality = uc.parseWithQuality(p.with_quality);
    const range = uc.requestRange(p, grant, ctx.clock.now());
    if (await notModifiedSince(req, reply, site, range, ['site_data', type, freq, withQuality])) return reply.code(304).send();
    const meters = await ctx.meters(site);
    return sendSeries(req, reply, (format) => uc.streamSeries(range, freq, (r) => uc.siteFrame(ctx.store, site, meters, type, r, freq, withQuality), format));
  };
  app.post('/site_data/:site_id/:meter_type', { schema: seriesSchema('POST', SITE_DATA), ...checkedByHandler }, siteData);
  app.get('/site_data/:site_id/:meter_type', { schema: seriesSchema('GET', SITE_DATA), ...checkedByHandler }, siteData);

  const meterData = async (req: Params<{ site_id: string; meter_id: string }>, reply: FastifyReply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const meter = await uc.meterOf(ctx.store, site, req.params.meter_id);
    const p = paramsOf(req);
    const freq = uc.parseFrequency(p.sampling_frequency);
    const quality = uc.parseWithQuality(p.with_quality);
    const range = uc.requestRange(p, grant, ctx.clock.now());
    if (await notModifiedSince(req, reply, site, range, ['meter_data', meter.id, freq, quality])) return reply.code(304).send();
    const withQuality = quality ? { meters: await ctx.meters(site) } : undefined;
    return sendSeries(req, reply, (format) => uc.streamSeries(range, freq, (r) => uc.meterFrame(ctx.store, site, meter, r, freq, withQuality), format));
  };
  app.post('/meter_data/:site_id/:meter_id', { schema: seriesSchema('POST', METER_DATA), ...checkedByHandler }, meterData);
  app.get('/meter_data/:site_id/:meter_id', { schema: seriesSchema('GET', METER_DATA), ...checkedByHandler }, meterData);

  const meterDataRaw = async (req: Params<{ site_id: string; meter_id: string }>, reply: FastifyReply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const meter = await uc.meterOf(ctx.store, site, req.params.meter_id);
    const rows = await uc.meterDataRaw(ctx.store, site, meter, paramsOf(req), grant, ctx.clock.now());
    if (negotiate(req.headers.accept) === 'json') return rows;
    return sendSeries(req, reply, () => uc.objectRowsCsv(uc.rawColumns(meter), rows));
  };
  app.post('/meter_data_raw/:site_id/:meter_id', { schema: seriesSchema('POST', METER_DATA_RAW), ...checkedByHandler }, meterDataRaw);
  app.get('/meter_data_raw/:site_id/:meter_id', { schema: seriesSchema('GET', METER_DATA_RAW), ...checkedByHandler }, meterDataRaw);

  app.get('/:site_id/sensor_data/:sensor_id', {
    schema: {
      operationId: 'sensorData',
      summary: 'Readings of one sensor',
      description:
        'The readings of a sensor taken in [t_s, t_e], `timestamp` in epoch milliseconds *(decided)*. With no range at all, the last ' +
        '24 hours that hold data *(decided)*; with one end only, the other is its default (t_e = now, t_s = t_e − 24 h).',
      tags: ['Time series'],
      security: developerSecurity,
      params: Type.Object({ site_id: siteIdParam, sensor_id: idParam('A sensor of the site', EX.sensor) }),
      querystring: RawQuery,
        response: { 200: seriesOk('One row per reading.', SensorDataRow, csvExamples.sensor), ...errorResponses(API_ERRORS, { rateLimited: true }) },
    },
    ...checkedByHandler,
  }, async (req: Params<{ site_id: string; sensor_id: string }>, reply) => {
    const { site, grant } = await grantedSite(ctx, req, req.params.site_id);
    const sensor = isObjectId(req.params.sensor_id) ? await ctx.store.getSensor(req.params.sensor_id) : null;
    if (!sensor || sensor.site_id !== site.id) throw new KwhubError('sensor.not_found', `no sensor ${req.params.sensor_id} on site ${site.id}`);
    const rows = await uc.sensorData(ctx.store, sensor.id, paramsOf(req), grant, ctx.clock.now());
    if (negotiate(req.headers.accept) === 'json') return rows;
    return sendSeries(req, reply, () => uc.objectRowsCsv(uc.SENSOR_COLUMNS, rows));
  });
}
