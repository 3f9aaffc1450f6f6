// How a simulation's runs are executed must never change its numbers: run i
// starts at its own offset of the seed's random sequence (SeededRng.after),
// one compiled plan serves every run without carrying state from one to the
// next, and worker threads give the runs of a single thread, in order.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { SeededRng } from '../../../src/core/rng.js';
import { Secret } from '../../../src/core/secret.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { packSecrets, unpackSecrets } from '../../../src/sim/run-pool.js';
import { compilePlan, runOnce, simulateRuns, type SimRun } from '../../../src/sim/simulate.js';
import { ROOT } from '../config/helpers.js';

const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const scenario = (file: string) => parseScenario(readFileSync(resolve(ROOT, 'examples/scenarios', file), 'utf8'), file).value;
const strip = (runs: readonly SimRun[]) => runs.map((r) => ({ phaseMs: r.phaseMs, metrics: r.metrics }));

t.test('SeededRng.after(seed, k) continues exactly where k draws of SeededRng(seed) leave off', async (t) => {
  for (const seed of [0, 1, 42, 0xffffffff, -7, 2 ** 40 + 3]) {
    const seq = new SeededRng(seed);
    const drawn: number[] = [];
    for (let i = 0; i < 400; i++) drawn.push(seq.next());
    for (const k of [0, 1, 151, 399]) t.equal(SeededRng.after(seed, k).next(), drawn[k], `seed ${seed}, after ${k} draws`);
  }
});

t.test('each run of a simulation equals the same run done alone with a fresh plan and one sequential generator', async (t) => {
  // The reference is the loop simulate used before runs were indexed: one generator
  // drawn in order (the phase, then the run's client offsets), a plan per run here
  // so nothing can be shared. Every metric of every run must match.
  for (const [file, traffic, runs] of [
    ['node-crash.yaml', 'analytic', 60],
    ['two-faults.yaml', 'analytic', 30],
    ['node-crash.yaml', 'exact', 8],
  ] as const) {
    const sc = scenario(file);
    const sim = await simulateRuns(ctx, sc, runs, 5, { traffic, threads: 1 });
    const rng = new SeededRng(5);
    const alone: SimRun[] = [];
    for (let i = 0; i < runs; i++) {
      const plan = compilePlan(ctx, sc);
      alone.push(await runOnce(plan, { phaseMs: Math.floor(rng.next() * plan.phaseRangeMs), rng, traffic }));
    }
    t.same(strip(sim.runs), strip(alone), `${file}, ${traffic}: ${runs} runs`);
    t.ok(new Set(sim.runs.map((r) => r.phaseMs)).size > runs / 2, 'the runs differ in phase');
  }
});

t.test('worker threads give the runs and report of one thread', async (t) => {
  // One pool only: under tap each worker compiles the TypeScript sources again (seconds).
  const sc = scenario('node-crash.yaml');
  const runs = 130; // five batches of 25 and a short one, shared out as the threads ask for them
  const one = await simulateRuns(ctx, sc, runs, 9, { threads: 1 });
  let last = 0;
  const two = await simulateRuns(ctx, sc, runs, 9, { threads: 2, onProgress: (d) => (last = d) });
  t.equal(two.threads, 2, 'the runs really ran on two worker threads (no fallback)');
  t.same(strip(two.runs), strip(one.runs), 'every run, in order');
  t.same(two.report, one.report);
  t.equal(last, runs, 'progress reaches the run count');
  t.not(JSON.stringify(strip(two.runs.slice(0, 30))), JSON.stringify(strip(two.runs.slice(30, 60))), 'the runs are not all alike');  t.same((await simulateRuns(ctx, sc, 0, 9, { threads: 2 })).runs, [], 'no runs: no threads, no wait');
});

t.test('what crosses to a worker: Secrets tagged and restored, shared objects still shared', async (t) => {
  const shared = { name: 'TMS01' };
  const model = { a: shared, b: [shared], cred: { username: 'u', password: new Secret('s3cret') }, n: null, u: undefined };
  const packed = packSecrets(model);
  t.notOk(JSON.stringify(packed).includes('<redacted>'), 'the text travels (a mask would lose it)');
  const back = unpackSecrets(structuredClone(packed)) as typeof model;
  t.ok(back.cred.password instanceof Secret);
  t.equal(back.cred.password.reveal(), 's3cret');
  t.equal(String(back.cred.password), '<redacted>', 'a Secret again: prints masked');
  t.equal(back.a, back.b[0], 'one object, not two copies');
  t.same(back.a, shared);
  t.ok('u' in back && back.n === null);
});

t.test('a worker that fails leaves the runs to this thread: same numbers, no thread left behind', async (t) => {
  const sc = scenario('node-crash.yaml');
  const runs = 130;
  const one = await simulateRuns(ctx, sc, runs, 9, { threads: 1 });
  for (const [what, script] of [
    ['exits before answering', 'sim-worker-exits.ts'],
    ['throws after its first batch', 'sim-worker-fails.ts'],
  ] as const) {
    const workerUrl = new URL(`../../fakes/${script}`, import.meta.url);
    // (A worker thread left running would keep this test process from ending.)
    const fell = await simulateRuns(ctx, sc, runs, 9, { threads: 2, poolWorkerUrl: workerUrl });
    t.equal(fell.threads, 1, `${what}: the pool gave up and this thread ran them`);
    t.same(strip(fell.runs), strip(one.runs), `${what}: every run, in order`);
    t.same(fell.report, one.report);
  }
});
