/**
 * A site's meters, cached per process and checked against the site's
 * configuration version on every use: the site row is read per request
 * anyway (for the grant), so a change made through any instance is seen at
 * once, while the common case costs no meter query. The meter_info answer
 * is kept with it, serialized once per version.
 */
import type { Meter, Site, Store } from '../store/store.js';

export interface MeterCache {
  (site: Site): Promise<Meter[]>;
  /** the meter_info answer of the site, as JSON */
  info(site: Site): Promise<string>;
}

interface Entry {
  version: number;
  meters: Meter[];
  info?: string;
}

export function createMeterCache(store: Store, maxSites = 10_000): MeterCache {
  const cache = new Map<string, Entry>();
  const entry = async (site: Site): Promise<Entry> => {
    const hit = cache.get(site.id);
    if (hit && site.config_version !== undefined && hit.version === site.config_version) return hit;
    const e: Entry = { version: site.config_version ?? -1, meters: await store.listMeters(site.id) };
    if (site.config_version !== undefined) {
      if (cache.size >= maxSites) cache.delete(cache.keys().next().value as string);
      cache.set(site.id, e);
    }
    return e;
  };
  const meters = (async (site: Site) => (await entry(site)).meters) as MeterCache;
  meters.info = async (site) => {
    const e = await entry(site);
    e.info ??= JSON.stringify(e.meters.map((m) => ({ id: m.id, type: m.type, name: m.name, mode: m.mode, prim_ad: m.prim_ad, is_rule_meter: m.rule !== null })));
    return e.info;
  };
  return meters;
}
