// `--probe-threads N|auto` of `acesim probe` and `acesim run`: where probe
// attempts run. 0 keeps them on the engine's own thread (NodeProber); N > 0
// hands the socket work to N worker threads (WorkerProberPool) while the engine,
// its reducer and, under `run`, the VIPs keep the main thread. `auto` (the
// default) stays on the main thread for small configs, where a worker would only
// add a thread hop, and uses one worker per core from AUTO_FROM_INSTANCES
// instances on: at ACE scale (16,000 instances at 2 s, 8,000 attempts/s) the
// socket work alone needs more than one core (docs/BENCHMARKS.md, issue 3).
import type { Clock } from '../core/clock.js';
import type { ProbeOptions } from '../probes/options.js';
import { NodeProber } from '../probes/probers/node-prober.js';
import { WorkerProberPool } from '../probes/probers/worker-pool.js';
import type { Prober } from '../probes/types.js';

/** From this many probe instances on, `auto` uses worker threads. */
export const AUTO_FROM_INSTANCES = 1000;
/** Upper bound for an explicit count (and for `auto` on big machines): past it, threads only add memory. */
export const MAX_PROBE_THREADS = 16;

export type ProbeThreadsSetting = number | 'auto';

export function parseProbeThreads(text: string | undefined): { ok: true; value: ProbeThreadsSetting } | { ok: false; message: string } {
  if (text === undefined || text === 'auto') return { ok: true, value: 'auto' };
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > MAX_PROBE_THREADS) return { ok: false, message: `--probe-threads must be auto or a whole number from 0 to ${MAX_PROBE_THREADS}, got "${text}"` };
  return { ok: true, value: n };
}

/** Worker threads for `instances` probe instances on a machine with `cores` usable cores (0: the main thread). */
export function probeThreadsFor(setting: ProbeThreadsSetting, instances: number, cores: number): number {
  if (setting !== 'auto') return setting;
  return instances >= AUTO_FROM_INSTANCES ? Math.max(1, Math.min(MAX_PROBE_THREADS, cores)) : 0;
}

export interface ProberChoice {
  prober: Prober;
  /** Worker threads in use (0: the main thread). */
  threads: number;
  /** Resolves once the workers, if any, have loaded (before timing attempts from this thread). */
  ready(): Promise<void>;
  /** Stops the workers, if any (pending attempts end as INTERNAL_ERROR). */
  close(): Promise<void>;
}

export function chooseProber(clock: Clock, threads: number, options?: Partial<ProbeOptions>): ProberChoice {
  if (threads <= 0) return { prober: new NodeProber({ clock, ...(options ? { options } : {}) }), threads: 0, ready: async () => {}, close: async () => {} };
  const pool = new WorkerProberPool({ clock, threads, ...(options ? { options } : {}) });
  return { prober: pool, threads, ready: () => pool.ready(), close: () => pool.close() };
}
