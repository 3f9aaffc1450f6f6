// Worker-thread entry of run-pool.ts: compiles the simulation's plan once from
// the model and scenario it is given, then computes each batch of runs it is
// sent (by run index, so the numbers are the ones a single thread would get)
// and posts back their phases and metrics. Virtual time only: no timers here.
import { parentPort, workerData } from 'node:worker_threads';
import type { ContextModel } from '../config/model.js';
import type { Scenario } from '../lab/scenario.js';
import { unpackSecrets, type BatchRequest, type BatchResult, type WorkerSetup } from './run-pool.js';
import { compilePlan, runRange } from './simulate.js';

const port = parentPort;
if (port) {
  const setup = workerData as WorkerSetup;
  const plan = compilePlan(unpackSecrets(setup.ctx) as ContextModel, unpackSecrets(setup.sc) as Scenario);
  // One batch at a time: the pool sends the next only after this one's answer.
  port.on('message', (b: BatchRequest) => {
    void runRange(plan, setup.seed, b.from, b.to, setup.traffic).then((runs) => {
      const out: BatchResult = { from: b.from, runs };
      port.postMessage(out);
    });
  });
}
