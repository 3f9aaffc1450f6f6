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

const port = parentPort;
if (port) {
  const clock = new RealClock();
  const { options, httpClient } = (workerData ?? {}) as Pick<NodeProberDeps, 'options' | 'httpClient'>;
  const prober = new NodeProber({ clock, ...(options ? { options } : {}), ...(httpClient ? { httpClient } : {}) });
  const probes = new Map<number, Probe>();
  const instances = new Map<number, ProbeInstance>();
  /** Attempt seq → instance handle. */
  const inFlight = new Map<number, number>();
  // One controller per instance, reused until an abort uses it up (as the engine does
  // on its thread): an AbortController per attempt was a visible share of the CPU.
  const controllers = new Map<number, AbortController>();
  const outbox = new Outbox<FromWorker>(clock, (batch) => port.postMessage(batch));
  const handle = (m: ToWorker): void => {
    switch (m.t) {
      case 'probeDef':
        probes.set(m.p, unpackValue<Probe>(m.probe));
        return;
      case 'def':
        instances.set(m.h, unpackInstance(m.inst, probes.get(m.p)!));
        return;
      case 'abort': {
        // The prober then answers promptly ('aborted'); that result still goes back.
        const h = inFlight.get(m.seq);
        if (h === undefined) return;
        controllers.get(h)?.abort();
        controllers.delete(h);
        return;
      }
      case 'probe': {
        const inst = instances.get(m.h);
        const seq = m.seq;
        let ctl = controllers.get(m.h);
        if (!ctl) controllers.set(m.h, (ctl = new AbortController()));
        inFlight.set(seq, m.h);
        const startedWallMs = clock.wallNow();
        const post = (result: FromWorker['result']): void => {
          inFlight.delete(seq);
          outbox.push({ seq, result, startedWallMs });
        };
        if (!inst) {
          post({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: `unknown instance handle ${m.h}` });
          return;
        }
        // NodeProber never rejects (it turns throws into INTERNAL_ERROR results).
        void prober.probe(inst, ctl.signal).then(post);
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
