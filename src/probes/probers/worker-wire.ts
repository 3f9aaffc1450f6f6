// The messages between WorkerProberPool (engine thread) and its prober workers, and
// the one place a ProbeInstance is flattened for structured clone: Secret fields
// (credentials, community) travel as tagged strings and are Secrets again on arrival,
// never printed on either side; and the batching of those messages on the Clock.
import type { Clock } from '../../core/clock.js';
import { packSecrets, unpackSecrets } from '../../core/secret.js';
import type { ProbeInstance, ProbeResult } from '../types.js';
import type { Probe } from '../../config/model.js';

/**
 * Engine thread → worker, sent in batches (one postMessage per Clock tick and worker: a
 * message costs more than a small probe's socket work). `h` is the worker's handle for
 * an instance sent once with `def` (an abort names both the instance and its attempt);
 * `p` for a probe config sent once with `probeDef`
 * (16,000 instances usually share a handful of probes).
 */
export type ToWorker =
  | { t: 'probeDef'; p: number; probe: unknown }
  | { t: 'def'; h: number; p: number; inst: unknown }
  | { t: 'probe'; h: number; seq: number }
  | { t: 'abort'; h: number; seq: number };

/** Worker → engine thread (batched likewise): one attempt's result and the worker's wall-clock ms when it began. */
export interface FromWorker {
  seq: number;
  result: ProbeResult;
  startedWallMs: number;
}

/**
 * Collects messages and posts them as one array on the next Clock tick (≤ 1 ms later
 * on RealClock), so a busy tick costs one structured clone per direction, not one per attempt.
 */
export class Outbox<T> {
  private items: T[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly post: (batch: T[]) => void,
  ) {}

  push(item: T): void {
    if (this.items.length === 0) this.clock.setTimer(0, this.flush);
    this.items.push(item);
  }

  readonly flush = (): void => {
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.post(batch);
  };
}

/** A structured-clone-safe copy of a value (Secret → { __acesimSecret: text }). */
export function packValue(v: unknown): unknown {
  return packSecrets(v);
}

/** The inverse of packValue, on the worker side. */
export function unpackValue<T>(packed: unknown): T {
  return unpackSecrets(packed) as T;
}

/** An instance without its probe (sent apart, once per probe). */
export function packInstance(inst: ProbeInstance): unknown {
  return packSecrets({ ...inst, probe: undefined });
}

export function unpackInstance(packed: unknown, probe: Probe): ProbeInstance {
  return { ...(unpackSecrets(packed) as ProbeInstance), probe };
}

