/**
 * One request at a time on a bus: RS485 and M-Bus are half-duplex, and a
 * converter serialises anyway. Energy reads go before live values, so a
 * quarter-hour's readings are never stuck behind a queue of live polls.
 */
export type Priority = 'energy' | 'live';

export interface RequestQueue {
  run<T>(priority: Priority, task: () => Promise<T>): Promise<T>;
  /** tasks waiting (not counting the one running) */
  readonly waiting: number;
}

export function createRequestQueue(): RequestQueue {
  const queues: Record<Priority, (() => Promise<void>)[]> = { energy: [], live: [] };
  let busy = false;
  const next = () => {
    if (busy) return;
    const task = queues.energy.shift() ?? queues.live.shift();
    if (!task) return;
    busy = true;
    void task();
  };
  return {
    get waiting() {
      return queues.energy.length + queues.live.length;
    },
    run(priority, task) {
      return new Promise((resolve, reject) => {
        queues[priority].push(async () => {
          let ok = false;
          let value: unknown;
          try {
            value = await task();
            ok = true;
          } catch (e) {
            value = e;
          }
          // the next request goes on the wire before the caller's continuation (e.g. a commit to disk) runs
          busy = false;
          next();
          if (ok) resolve(value as never);
          else reject(value);
        });
        next();
      });
    },
  };
}
