// A Prober that runs attempts on a pool of worker threads (prober-worker.ts), so the
// probe engine and its reducer keep the main thread and its Clock while socket work
// — a new TCP connection per attempt, ~0.1 ms of CPU each — uses the other cores.
// Each instance sticks to one worker (its learned HTTP hash lives there). Real time
// only: virtual-time runs use an in-memory Prober. Timebase: the injected Clock.
import { Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import type { ProbeOptions } from '../options.js';
import type { ProbeInstance, ProbeResult, Prober } from '../types.js';
import type { Probe } from '../../config/model.js';
import type { HttpClientKind } from './http.js';
import { Outbox, packInstance, packValue } from './worker-wire.js';
import { signalWatch, type SignalWatch } from './signal-watch.js';
import type { FromWorker, ToWorker } from './worker-wire.js';

export interface WorkerProberPoolDeps {
  clock: Clock;
  /** Worker threads; at least 1. */
  threads: number;
  options?: Partial<ProbeOptions>;
  httpClient?: HttpClientKind;
  /** Observability (benchmarks): a worker began this instance's attempt at startedWallMs (its Clock's wall time). */
  onAttemptStart?: (inst: ProbeInstance, startedWallMs: number) => void;
}

interface Pending {
  inst: ProbeInstance;
  slot: Slot;
  /** The worker's handle for the instance (abort messages name it). */
  h: number;
  resolve: (r: ProbeResult) => void;
  /** The attempts in flight under the caller's signal (see watch()), this one among them. */
  watchers: SignalWatch<number> | undefined;
  sentMs: number;
  /** Wall time of the hand-over, to compare with the worker's wall-clock start stamp. */
  sentWallMs: number;
}

interface Slot {
  worker: Worker | undefined;
  outbox: Outbox<ToWorker> | undefined;
  /** Bumped when the worker is replaced, so instances are defined to the new one again. */
  gen: number;
  nextHandle: number;
  /** Attempts pending on this worker (an instance has at most one: the engine never duplicates). */
  inFlight: number;
  /** Probe configs defined to the current worker, by identity. */
  probes: WeakMap<Probe, number>;
  /** Resolves when the current worker has loaded (or has failed). */
  booted: Promise<void> | undefined;
}

// Under tap the sources run as .ts through a loader the worker inherits; built code is .js.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './prober-worker.ts' : './prober-worker.js', import.meta.url);

export class WorkerProberPool implements Prober {
  private readonly slots: Slot[];
  private readonly handles = new WeakMap<ProbeInstance, { slot: Slot; gen: number; h: number }>();
  /** Instance id → worker, kept across config reloads (new ProbeInstance objects, same id). */
  private readonly affinity = new Map<string, Slot>();
  private readonly pending = new Map<number, Pending>();
  /**
   * Attempts in flight by the caller's abort signal. The engine reuses one signal per instance
   * attempt after attempt, so each signal gets one 'abort' listener for its life: adding and
   * removing an EventTarget listener per attempt was a visible share of the engine thread.
   */
  private readonly watched = new WeakMap<AbortSignal, SignalWatch<number>>();
  private seq = 0;
  private nextSlot = 0;
  private closed = false;

  constructor(private readonly deps: WorkerProberPoolDeps) {
    this.slots = Array.from({ length: Math.max(1, Math.floor(deps.threads)) }, () => ({ worker: undefined, outbox: undefined, gen: 0, nextHandle: 0, inFlight: 0, probes: new WeakMap<Probe, number>(), booted: undefined }));
  }

  probe(inst: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult> {
    const { clock } = this.deps;
    if (this.closed) return Promise.resolve({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: 'prober pool closed' });
    if (signal?.aborted) return Promise.resolve({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: 'aborted' });
    const slot = this.slotFor(inst);
    const worker = this.workerOf(slot);
    const outbox = slot.outbox!;
    let def = this.handles.get(inst);
    if (!def || def.slot !== slot || def.gen !== slot.gen) {
      def = { slot, gen: slot.gen, h: slot.nextHandle++ };
      this.handles.set(inst, def);
      let p = slot.probes.get(inst.probe);
      if (p === undefined) {
        slot.probes.set(inst.probe, (p = slot.nextHandle++));
        outbox.push({ t: 'probeDef', p, probe: packValue(inst.probe) });
      }
      outbox.push({ t: 'def', h: def.h, p, inst: packInstance(inst) });
    }
    const seq = this.seq++;
    return new Promise<ProbeResult>((resolve) => {
      const watchers = signal ? this.watch(signal) : undefined;
      watchers?.add(seq);
      const p: Pending = { inst, slot, h: def.h, resolve, watchers, sentMs: clock.monotonicNow(), sentWallMs: clock.wallNow() };
      this.pending.set(seq, p);
      // A worker with attempts in flight keeps the process alive; an idle one does not.
      if (slot.inFlight++ === 0) worker.ref();
      outbox.push({ t: 'probe', h: def.h, seq });
    });
  }

  /**
   * Starts every worker and resolves once each has loaded (or failed: its attempts then end as
   * INTERNAL_ERROR as usual). A caller that times attempts from its own thread (`probe --once`)
   * waits for this first, so a worker's boot is not counted against the first attempts.
   */
  ready(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return Promise.all(
      this.slots.map((s) => {
        this.workerOf(s);
        return s.booted ?? Promise.resolve();
      }),
    ).then(() => {});
  }

  /** Attempts handed to workers and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Stops every worker; attempts still pending end as INTERNAL_ERROR. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.map((s) => s.worker).filter((w): w is Worker => w !== undefined);
    for (const s of this.slots) this.failAll(s, 'prober pool closed');
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private slotFor(inst: ProbeInstance): Slot {
    let slot = this.affinity.get(inst.id);
    if (!slot) {
      slot = this.slots[this.nextSlot++ % this.slots.length]!;
      this.affinity.set(inst.id, slot);
    }
    return slot;
  }

  private workerOf(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const w = new Worker(WORKER_URL, { workerData: { options: this.deps.options, httpClient: this.deps.httpClient } });
    w.unref();
    let loaded!: () => void;
    slot.booted = new Promise<void>((r) => (loaded = r));
    w.on('message', (batch: (FromWorker | { ready: true })[]) => {
      for (const m of batch) {
        if ('ready' in m) loaded();
        else this.settle(m);
      }
    });
    const lost = (why: string): void => {
      loaded();
      if (slot.worker !== w) return;
      slot.worker = undefined;
      slot.outbox = undefined;
      slot.probes = new WeakMap();
      slot.gen++;
      this.failAll(slot, why);
    };
    w.on('error', (err) => lost(`prober worker failed: ${String(err)}`));
    w.on('exit', (code) => lost(`prober worker exited (${code})`));
    slot.worker = w;
    slot.outbox = new Outbox<ToWorker>(this.deps.clock, (batch) => w.postMessage(batch));
    return w;
  }

  /** The in-flight attempts under `signal`; its abort is passed on to their workers. */
  private watch(signal: AbortSignal): SignalWatch<number> {
    return signalWatch(this.watched, signal, this.abortAttempts);
  }

  private readonly abortAttempts = (seqs: readonly number[]): void => {
    for (const seq of seqs) {
      const p = this.pending.get(seq);
      p?.slot.outbox?.push({ t: 'abort', h: p.h, seq });
    }
  };

  private settle(m: FromWorker): void {
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    if (--p.slot.inFlight === 0) p.slot.worker?.unref();
    p.watchers?.remove(m.seq);
    this.deps.onAttemptStart?.(p.inst, m.startedWallMs);
    // The wait between hand-over and the worker's start (batching, the message, a busy worker)
    // is part of how late the attempt started: the engine adds it to its own timer lateness.
    m.result.queuedMs = Math.max(0, m.startedWallMs - p.sentWallMs);
    p.resolve(m.result);
  }

  private failAll(slot: Slot, why: string): void {
    const now = this.deps.clock.monotonicNow();
    for (const [seq, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(seq);
      p.watchers?.remove(seq);
      p.resolve({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: Math.max(0, now - p.sentMs), detail: why });
    }
    slot.inFlight = 0;
  }
}
