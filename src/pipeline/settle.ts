/**
 * When a site's pushed work is run. A run validates every meter's pending
 * span and then allocates the whole site over the union of those spans, so
 * its cost grows with the site's meters, not with the push. Running after
 * every push made a backfill sent meter by meter (each push one meter's few
 * months) re-allocate all the site's meters over those months each time:
 * quadratic in the meters. Pushes of a burst are therefore coalesced: a run
 * starts once the site got no new work for a while (`settleMs` after a live
 * gateway's lone quarter-hourly push), or, while work keeps coming, once the
 * first unrun work has waited `maxDelayMs`.
 *
 * The quiet time asked for grows with the burst: a quarter of `settleMs` more
 * per push of the burst, up to ten times `settleMs`. A lone live push is run
 * after `settleMs`; a backfill streaming pushes is not cut into expensive
 * runs by a client's pause of a few hundred milliseconds (its readers do not
 * wait for this: they flush).
 *
 * A run that covers a long backlog takes long itself; a site whose last run
 * took longer than half the longest delay waits twice that run's time
 * instead, so that during a long backfill the site's runs never take more
 * than about a third of the time (each run repeats the allocation of the
 * data already there).
 *
 * Nothing waits only here: the work is in the store's pending table from
 * the push's commit on, readers flush it (Pipeline.flush) and a start
 * resumes it. Timers are wall-clock (they pace work, they are not business
 * time) and do not keep a process alive.
 */
export interface SettleScheduler {
  /** new work for the site: (re)arms its timer */
  schedule(siteId: string): void;
  /** a run of the site took `ms` (paces the next ones) */
  ran(siteId: string, ms: number): void;
  /** drops the site's timer; true when one was armed */
  cancel(siteId: string): boolean;
  /** drops every timer; returns the sites that had one */
  cancelAll(): string[];
}

export function createSettleScheduler(opts: { settleMs: number; maxDelayMs: number; run: (siteId: string) => void }): SettleScheduler {
  const armed = new Map<string, { first: number; pushes: number; timer: NodeJS.Timeout }>();
  const lastRunMs = new Map<string, number>();
  const fire = (siteId: string) => {
    armed.delete(siteId);
    opts.run(siteId);
  };
  return {
    schedule(siteId) {
      const now = Date.now();
      const prev = armed.get(siteId);
      if (prev) clearTimeout(prev.timer);
      const first = prev?.first ?? now;
      const pushes = (prev?.pushes ?? 0) + 1;
      const quiet = opts.settleMs * Math.min(10, 1 + (pushes - 1) / 4);
      const longest = Math.max(opts.maxDelayMs, 2 * (lastRunMs.get(siteId) ?? 0));
      const due = Math.min(now + quiet, first + longest);
      const timer = setTimeout(fire, Math.max(0, due - now), siteId);
      timer.unref();
      armed.set(siteId, { first, pushes, timer });
    },
    ran(siteId, ms) {
      lastRunMs.set(siteId, ms);
    },
    cancel(siteId) {
      const a = armed.get(siteId);
      if (!a) return false;
      clearTimeout(a.timer);
      armed.delete(siteId);
      return true;
    },
    cancelAll() {
      const sites = [...armed.keys()];
      for (const a of armed.values()) clearTimeout(a.timer);
      armed.clear();
      return sites;
    },
  };
}
