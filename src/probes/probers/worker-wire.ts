// The messages between WorkerProberPool (engine thread) and its prober workers, and
// the one place a ProbeInstance crosses by structured clone: its probe's Secret fields
// (credentials, community) travel as tagged strings and are Secrets again on arrival,
// never printed on either side; the rest of an instance is plain data (checked at compile
// time); and the batching of those messages on the Clock.
import type { Clock } from '../../core/clock.js';
import { packSecrets, unpackSecrets } from '../../core/secret.js';
import type { Secret } from '../../core/secret.js';
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

/** An instance without its probe, which is sent apart (once per probe, with packValue). */
export type PackedInstance = Omit<ProbeInstance, 'probe'>;

/** T with every Secret, at any depth, turned into `never`: equal to T only when T holds no Secret. */
type SecretFree<T> = T extends Secret ? never : T extends readonly (infer U)[] ? SecretFree<U>[] : T extends object ? { [K in keyof T]: SecretFree<T[K]> } : T;

/**
 * Compile-time guard: every field of an instance but its probe is plain data (names, addresses,
 * ports, states), so it crosses the thread boundary by structured clone as it is. A Secret added
 * to an instance (outside its probe) stops this assignment compiling, and then needs packSecrets.
 */
const secretFree: (x: PackedInstance) => SecretFree<PackedInstance> = (x) => x;

/**
 * An instance without its probe. A shallow copy, not packSecrets' walk: at 16,000 instances the
 * walk (a Map and a copy of every nested object per instance) and its inverse cost 100–250 ms
 * of CPU in the first interval of a run, when every instance is defined to its worker.
 */
export function packInstance(inst: ProbeInstance): PackedInstance {
  const { probe: _probe, ...rest } = inst;
  return secretFree(rest);
}

/** The instance again on the worker side: the structured clone is the worker's own, so it is completed in place. */
export function unpackInstance(packed: unknown, probe: Probe): ProbeInstance {
  const inst = packed as ProbeInstance;
  inst.probe = probe;
  return inst;
}

