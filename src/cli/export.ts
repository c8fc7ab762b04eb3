/**
 * `kwhub export`: a site's (or one meter's, or one sensor's) series as CSV on
 * stdout, read from the store directly (no server, no grant: the operator's
 * view). The same CSV as the developer API answers with `Accept: text/csv`,
 * built by the same code, in the same pieces.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { ConfigError } from '../config/config.js';
import { KwhubError } from '../core/errors.js';
import { isObjectId } from '../core/ids.js';
import { getSiteOr404 } from '../server/modules/admin/admin.usecases.js';
import * as uc from '../server/modules/series/series.usecases.js';
import type { Deps } from '../server/context.js';
import type { Store } from '../store/store.js';
import { action, dbOption, withStore } from './common.js';

interface ExportOptions {
  db?: string;
  site: string;
  type?: string;
  meter?: string;
  sensor?: string;
  raw?: boolean;
  from?: string;
  to?: string;
  freq?: string;
}

async function write(pieces: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<void> {
  for await (const piece of pieces) {
    if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
  }
}

export function registerExport(program: Command): void {
  dbOption(program.command('export'))
    .description('write a series as CSV to stdout: site_data (--type), meter_data (--meter), meter_data_raw (--meter --raw) or sensor_data (--sensor)')
    .requiredOption('--site <site_id>', 'the site')
    .option('--type <meter_type>', 'site_data of this meter type: electricity, heating, cooling, cold_water, hot_water or charge_point')
    .option('--meter <meter_id>', 'meter_data of this meter of the site')
    .option('--raw', "with --meter: the meter's raw readings (meter_data_raw)")
    .option('--sensor <sensor_id>', 'sensor_data of this sensor of the site')
    .option('--from <date>', 'start, as t_s of the API: ISO-8601, UTC unless an offset is given (default: --to minus 24 hours)')
    .option('--to <date>', 'end, as t_e of the API (default: now)')
    .option('--freq <f>', 'sampling frequency: 15T, H, D, M or Y (not for --raw or --sensor)', '15T')
    .addHelpText('after', '\nExample:\n  kwhub export --site 60dc9374b09d0f23bfaa841c --type electricity --from 2026-05-01 --to 2026-06-01 --freq D > may.csv\n')
    .action(action(async (opts: ExportOptions) => {
      const what = [opts.type, opts.meter, opts.sensor].filter((x) => x !== undefined).length;
      if (what !== 1) throw new ConfigError('export: give exactly one of --type <meter_type>, --meter <meter_id> or --sensor <sensor_id>');
      if (opts.raw && !opts.meter) throw new ConfigError('export: --raw goes with --meter <meter_id>');
      const params = { t_s: opts.from ?? null, t_e: opts.to ?? null, sampling_frequency: opts.freq };
      await withStore(opts.db, (deps, store) => exportCsv(deps, store, opts, params)).catch((e: unknown) => {
        throw e instanceof KwhubError ? inCliTerms(e) : e;
      });
    }));
}

/** the API's parameter names in an error become the options of this command */
function inCliTerms(e: KwhubError): KwhubError {
  const names: Record<string, string> = { t_s: '--from', t_e: '--to', sampling_frequency: '--freq', meter_type: '--type' };
  if (!e.param || !(e.param in names)) return e;
  const message = e.message.replace(/\b(t_s|t_e|sampling_frequency|meter_type)\b/g, (m) => names[m]);
  return new KwhubError(e.code, message, { param: names[e.param] });
}

async function exportCsv(deps: Deps, store: Store, opts: ExportOptions, params: uc.SeriesParams): Promise<void> {
  const noLimit = { history_from: null };
  const site = await getSiteOr404(deps, opts.site);
  // pushes a server acknowledged but has not run yet are part of the data
  await deps.pipeline.flush(site.id);
  const now = deps.clock.now();
  if (opts.sensor !== undefined) {
    const sensor = isObjectId(opts.sensor) ? await store.getSensor(opts.sensor) : null;
    if (!sensor || sensor.site_id !== site.id) throw new KwhubError('sensor.not_found', `no sensor ${opts.sensor} on site ${site.id}`);
    return write(uc.objectRowsCsv(uc.SENSOR_COLUMNS, await uc.sensorData(store, sensor.id, params, noLimit, now)));
  }
  if (opts.meter !== undefined) {
    const meter = await uc.meterOf(store, site, opts.meter);
    if (opts.raw) return write(uc.objectRowsCsv(uc.rawColumns(meter), await uc.meterDataRaw(store, site, meter, params, noLimit, now)));
    const freq = uc.parseFrequency(params.sampling_frequency);
    const range = uc.requestRange(params, noLimit, now);
    return write(uc.streamSeries(range, freq, (r) => uc.meterFrame(store, site, meter, r, freq), 'csv'));
  }
  const type = uc.parseMeterType(opts.type!);
  const freq = uc.parseFrequency(params.sampling_frequency);
  const range = uc.requestRange(params, noLimit, now);
  const meters = await store.listMeters(site.id);
  return write(uc.streamSeries(range, freq, (r) => uc.siteFrame(store, site, meters, type, r, freq), 'csv'));
}
