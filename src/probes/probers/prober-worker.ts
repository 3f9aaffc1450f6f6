// Worker-thread entry of WorkerProberPool: a NodeProber on this thread's RealClock
// runs the attempts the engine thread sends and posts each result back. Owns the
// instances defined to it (and so their learned HTTP hashes). Deadlines: this
// thread's Clock; `startedWallMs` is wall time so the engine thread can compare it.
import { parentPort, workerData } from 'node:worker_threads';
import { RealClock } from '../../core/real-clock.js';
import { NodeProber } from './node-prober.js';
import type { NodeProberDeps } from './node-prober.js';
import { Outbox, unpackInstance, unpackValue } from './worker-wire.js';
import type { FromWorker, ToWorker } from './worker-wire.js';
import type { ProbeInstance } from '../types.js';
import type { Probe } from '../../config/model.js';

interface Running {
  inst: ProbeInstance;
  ctl: AbortController | undefined;
  /** The attempt in flight, or -1. */
  seq: number;
}

const port = parentPort;
if (port) {
  const clock = new RealClock();
  const { options, httpClient } = (workerData ?? {}) as Pick<NodeProberDeps, 'options' | 'httpClient'>;
  const prober = new NodeProber({ clock, ...(options ? { options } : {}), ...(httpClient ? { httpClient } : {}) });
  const probes = new Map<number, Probe>();
  /**
   * Instances by handle, each with its abort controller and the seq of its attempt in flight
   * (-1: none; the engine never runs two at once). Kept on the instance's own record, not in a
   * Map of attempts: a Map entry added and deleted per attempt reallocated the Map's table as
   * it grew and shrank, and each table outlived the young-generation GC.
   */
  const instances = new Map<number, Running>();
  const outbox = new Outbox<FromWorker>(clock, (batch) => port.postMessage(batch));
  const handle = (m: ToWorker): void => {
    switch (m.t) {
      case 'probeDef':
        probes.set(m.p, unpackValue<Probe>(m.probe));
        return;
      case 'def':
        instances.set(m.h, { inst: unpackInstance(m.inst, probes.get(m.p)!), ctl: undefined, seq: -1 });
        return;
      case 'abort': {
        // The prober then answers promptly ('aborted'); that result still goes back.
        const rec = instances.get(m.h);
        if (rec === undefined || rec.seq !== m.seq) return;
        rec.ctl?.abort();
        rec.ctl = undefined;
        return;
      }
      case 'probe': {
        const rec = instances.get(m.h);
        const seq = m.seq;
        if (!rec) {
          outbox.push({ seq, result: { ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: `unknown instance handle ${m.h}` }, startedWallMs: clock.wallNow() });
          return;
        }
        rec.seq = seq;
        const startedWallMs = clock.wallNow();
        // One controller per instance, reused until an abort uses it up (as the engine does
        // on its thread): an AbortController per attempt was a visible share of the CPU.
        const ctl = (rec.ctl ??= new AbortController());
        // NodeProber never rejects (it turns throws into INTERNAL_ERROR results).
        void prober.probe(rec.inst, ctl.signal).then((result) => {
          if (rec.seq === seq) rec.seq = -1;
          outbox.push({ seq, result, startedWallMs });
        });
        return;
      }
    }
  };
  port.on('message', (batch: ToWorker[]) => {
    for (const m of batch) handle(m);
  });
  // Loaded and listening: the pool's ready() waits for this, so booting a worker never eats an attempt's deadline.
  port.postMessage([{ ready: true }]);
}
