// The runs of one simulation spread over worker threads (sim-worker.ts): each
// worker compiles the same plan and computes batches of runs by index; run i
// draws its randomness at its own offset of the seed's sequence (runInputs),
// so the merged results are those of one loop on one thread, in index order,
// however the batches were shared out. Plain data only crosses threads: the
// model's Secrets travel tagged and are Secrets again on arrival, never printed.
import { Worker } from 'node:worker_threads';
import type { ContextModel } from '../config/model.js';
import { packSecrets, unpackSecrets } from '../core/secret.js';
import type { Scenario } from '../lab/scenario.js';
import type { SimRun } from './simulate.js';
import type { TrafficMode } from './traffic.js';

export interface PoolJob {
  ctx: ContextModel;
  sc: Scenario;
  seed: number;
  runs: number;
  threads: number;
  traffic?: TrafficMode;
  onProgress?: (done: number) => void;
  /** Test hook: the worker script (default sim-worker), so the tests can make a worker fail. */
  workerUrl?: URL;
}

/** What sim-worker.ts receives once. */
export interface WorkerSetup {
  ctx: unknown;
  sc: unknown;
  seed: number;
  traffic?: TrafficMode;
}

/** Main → worker: compute runs from..to-1. Worker → main: their phases and metrics. */
export interface BatchRequest {
  from: number;
  to: number;
}
export interface BatchResult {
  from: number;
  runs: SimRun[];
}

// Under tap the sources run as .ts through a loader the worker inherits; built code is .js.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './sim-worker.ts' : './sim-worker.js', import.meta.url);

/**
 * Batches small enough that a thread slowed by other work on the machine takes fewer
 * of them, large enough that messages stay rare (a run takes about a millisecond).
 */
function batchSize(runs: number, threads: number): number {
  return Math.max(25, Math.min(500, Math.ceil(runs / (threads * 8))));
}

/**
 * Every run of the job, in index order; undefined when a worker could not start or
 * failed (the caller then runs them on its own thread: same numbers, one core).
 */
export async function runInWorkers(job: PoolJob): Promise<SimRun[] | undefined> {
  const size = batchSize(job.runs, job.threads);
  const batches: BatchRequest[] = [];
  for (let from = 0; from < job.runs; from += size) batches.push({ from, to: Math.min(job.runs, from + size) });
  if (batches.length === 0) return [];
  const setup: WorkerSetup = { ctx: packSecrets(job.ctx), sc: packSecrets(job.sc), seed: job.seed };
  if (job.traffic) setup.traffic = job.traffic;
  const results: SimRun[][] = [];
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      const feed = (w: Worker): void => {
        const b = batches[next++];
        if (b) w.postMessage(b);
        else if (--active === 0) resolve();
      };
      for (let t = 0; t < Math.min(job.threads, batches.length); t++) {
        const w = new Worker(job.workerUrl ?? WORKER_URL, { workerData: setup });
        workers.push(w);
        active++;
        w.on('message', (m: BatchResult) => {
          results[m.from / size] = m.runs;
          done += m.runs.length;
          job.onProgress?.(done);
          feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new Error(`simulation worker exited (${code})`));
        });
        feed(w);
      }
    });
  } catch {
    return undefined;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const all = results.flat();
  return all.length === job.runs ? all : undefined;
}

// Secrets cross to the workers tagged (src/core/secret.ts); re-exported for the tests of this pool.
export { packSecrets, unpackSecrets };
