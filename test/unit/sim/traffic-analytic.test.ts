// The analytic traffic model counts exactly what sending every request would:
// the same metrics (counts, losses, sticky moves, timings) as the exact path,
// for several faults, seeds, reassign on/off and a short sticky timeout (also
// shorter than a stream's period).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { SeededRng } from '../../../src/core/rng.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { compilePlan, runOnce } from '../../../src/sim/simulate.js';
import { applyWhatIfs } from '../../../src/sim/what-if.js';
import { ROOT } from '../config/helpers.js';

const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const text = readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8');
const scenario = (s: string) => parseScenario(s, 's.yaml').value;

const variants: [string, string][] = [
  ['crash', text],
  ['crash, no reassign', text.replace('reassign: true', 'reassign: false')],
  ['hang', text.replace('crash: tms01', 'hang: tms01')],
  ['blackhole', text.replace('crash: tms01', 'blackhole: tms01')],
  ['http-error', text.replace('crash: tms01', 'http-error: tms01')],
  ['flap every 7 s', text.replace('crash: tms01', 'flap: tms01\n    ms: 7s')],
];

t.test('analytic and exact traffic give the same metrics', async (t) => {
  for (const [name, s] of variants) {
    const plan = compilePlan(ctx, scenario(s));
    t.same(plan.analyticKinds, ['http', 'https', 'trap'], `${name}: every kind may be counted in closed form`);
    for (const seed of [1, 2, 3]) {
      const phaseMs = Math.floor(new SeededRng(seed * 31).next() * plan.phaseRangeMs);
      const exact = await runOnce(plan, { phaseMs, rng: new SeededRng(seed), traffic: 'exact', keepEvents: true });
      const analytic = await runOnce(plan, { phaseMs, rng: new SeededRng(seed), traffic: 'analytic', keepEvents: true });
      t.same(analytic.metrics, exact.metrics, `${name}, seed ${seed}`);
      const sent = (r: typeof exact) => r.events!.filter((e) => e.type === 'request').length;
      t.ok(sent(analytic) < sent(exact) / 3, `${name}, seed ${seed}: analytic sent ${sent(analytic)} of ${sent(exact)} requests`);
      t.equal(sent(analytic) + analytic.segments!.reduce((a, s) => a + s.count, 0), sent(exact), 'sent + counted = every request');
    }
  }
});

t.test('two faults on two nodes: a fault wakes the streams on its node, and still the same', async (t) => {
  // Streams resting on the other node keep resting (their next request would hit the same real
  // on an unchanged node); the second fault, on that other node, must still find every one of them.
  const plan = compilePlan(ctx, scenario(readFileSync(resolve(ROOT, 'examples/scenarios/two-faults.yaml'), 'utf8')));
  for (const seed of [1, 2]) {
    const phaseMs = 7_919 * seed;
    const exact = await runOnce(plan, { phaseMs, rng: new SeededRng(seed), traffic: 'exact' });
    const analytic = await runOnce(plan, { phaseMs, rng: new SeededRng(seed), traffic: 'analytic' });
    t.same(analytic.metrics, exact.metrics, `seed ${seed}`);
  }
});

t.test('a sticky timeout shorter than the run: entries refreshed, still the same', async (t) => {
  const w = applyWhatIfs(ctx, ['sticky.L7-CLASS-TMS-WEB-80-STICKY.timeout=1', 'sticky.L7-CLASS-TMS-WEB-443-STICKY.timeout=1', 'sticky.L7-CLASS-TMS-WEB-162-STICKY.timeout=1']);
  t.ok(w.ok);
  if (!w.ok) return;
  const plan = compilePlan(w.context, scenario(text));
  for (const seed of [4, 5]) {
    const exact = await runOnce(plan, { phaseMs: 4_321 * seed, rng: new SeededRng(seed), traffic: 'exact' });
    const analytic = await runOnce(plan, { phaseMs: 4_321 * seed, rng: new SeededRng(seed), traffic: 'analytic' });
    t.same(analytic.metrics, exact.metrics, `seed ${seed}`);
  }
  // A stream whose period outlives its entry (traps every 100 s, timeout 60 s) misses every time and
  // must be sent every time; at 50 s its learned entry carries it to the next request.
  for (const rate of ['0.01', '0.02']) {
    const p = compilePlan(w.context, scenario(text.replace('traps: { perClientPerSecond: 0.05 }', `traps: { perClientPerSecond: ${rate} }`)));
    t.equal(p.streams.find((x) => x.kind === 'trap')?.stepMs, 1000 / Number(rate));
    for (const seed of [6, 7]) {
      const exact = await runOnce(p, { phaseMs: 3_217 * seed, rng: new SeededRng(seed), traffic: 'exact' });
      const analytic = await runOnce(p, { phaseMs: 3_217 * seed, rng: new SeededRng(seed), traffic: 'analytic' });
      t.same(analytic.metrics, exact.metrics, `traps at ${rate}/s, seed ${seed}`);
    }
  }
});

t.test('kinds whose sticky entries are shared or absent are always sent one by one', async (t) => {
  const hot = readFileSync(resolve(ROOT, 'examples/hot-standby-ace.conf'), 'utf8');
  const hctx = compileConfig(hot, 'hot-standby-ace.conf').model.contexts[0]!;
  const sc = scenario(readFileSync(resolve(ROOT, 'examples/scenarios/hot-standby.yaml'), 'utf8'));
  const plan = compilePlan(hctx, sc);
  t.same(plan.analyticKinds, [], 'no stickiness: nothing to count in closed form');
  const exact = await runOnce(plan, { phaseMs: 1234, rng: new SeededRng(9), traffic: 'exact' });
  const analytic = await runOnce(plan, { phaseMs: 1234, rng: new SeededRng(9), traffic: 'analytic' });
  t.same(analytic.metrics, exact.metrics);
});
