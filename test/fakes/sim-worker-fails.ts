// A simulation worker (run-pool.ts) that fails, for the pool's fallback tests:
// it answers its first batch as sim-worker.ts would, then throws on the next
// (an uncaught error, the worker's 'error' event).
import { parentPort, workerData } from 'node:worker_threads';
import type { ContextModel } from '../../src/config/model.js';
import type { Scenario } from '../../src/lab/scenario.js';
import { unpackSecrets, type BatchRequest, type BatchResult, type WorkerSetup } from '../../src/sim/run-pool.js';
import { compilePlan, runRange } from '../../src/sim/simulate.js';

const port = parentPort;
if (port) {
  const setup = workerData as WorkerSetup;
  const plan = compilePlan(unpackSecrets(setup.ctx) as ContextModel, unpackSecrets(setup.sc) as Scenario);
  let answered = 0;
  port.on('message', (b: BatchRequest) => {
    if (answered++ > 0) throw new Error('simulated worker failure');
    void runRange(plan, setup.seed, b.from, b.to, setup.traffic).then((runs) => {
      const out: BatchResult = { from: b.from, runs };
      port.postMessage(out);
    });
  });
}
