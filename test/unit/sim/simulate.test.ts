// The simulator runs the real probe engine and balancer in virtual time:
// exact detection for a known fault phase, every Monte Carlo run inside the
// window the config predicts, determinism by seed, and the effect of reassign.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { SeededRng } from '../../../src/core/rng.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { simulate, simulateOnce } from '../../../src/sim/simulate.js';
import { main } from '../../../src/cli/main.js';
import { ROOT } from '../config/helpers.js';
import { readFile } from 'node:fs/promises';

const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const crashText = readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8');
const scenario = (text: string) => {
  const r = parseScenario(text, 's.yaml');
  if (r.diagnostics.length > 0) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
};

t.test('a crash at a known phase is detected at the exact time the probe schedule implies', async (t) => {
  // Probes start at 0 with interval 10 s; the crash lands at 23 s; the attempts at 30, 40 and 50 s
  // fail (refused after the 2 ms round trip), so faildetect 3 trips at 50.002 s: 27.002 s after the fault.
  const r = await simulateOnce(ctx, scenario(crashText), { phaseMs: 3_000, rng: new SeededRng(1) });
  t.equal(r.metrics.detectionMs, 27_002);
  t.same(Object.keys(r.metrics.detectionByFarmMs).sort(), ['SFARM-TMS-WEB-161', 'SFARM-TMS-WEB-162', 'SFARM-TMS-WEB-443', 'SFARM-TMS-WEB-80']);
  t.equal(r.metrics.lostRequests, 0, 'with reassign, a refused connection is retried on the other node');
  t.ok(r.metrics.lostTraps > 0, 'traps (UDP, no reassign) to the crashed node are lost until detection');
  t.equal(r.metrics.sourceMismatches, 0);
  t.ok(r.metrics.recoveryMs !== null && r.metrics.recoveryMs >= 120_000 && r.metrics.recoveryMs <= 180_000, `recovery ${r.metrics.recoveryMs}`);
});

t.test('Monte Carlo: every run inside the predicted windows; same seed, same answer', async (t) => {
  const sc = scenario(crashText);
  const a = await simulate(ctx, sc, 40, 42);
  const b = await simulate(ctx, sc, 40, 42);
  t.same(a, b, 'deterministic for a seed');
  const [lo, hi] = a.predicted.detectionMs!;
  t.ok(a.metrics.detectionMs!.min >= lo && a.metrics.detectionMs!.max <= hi + 10, `detection ${a.metrics.detectionMs!.min}–${a.metrics.detectionMs!.max} within ${lo}–${hi}`);
  const [rlo, rhi] = a.predicted.recoveryMs!;
  t.ok(a.metrics.recoveryMs!.min >= rlo && a.metrics.recoveryMs!.max <= rhi + 10, 'recovery within its window');
  t.ok(a.metrics.detectionMs!.max - a.metrics.detectionMs!.min > 5_000, 'the fault phase really varies');
  const c = await simulate(ctx, sc, 40, 43);
  t.not(JSON.stringify(c.metrics.detectionMs), JSON.stringify(a.metrics.detectionMs), 'another seed, other samples');
});

t.test('without reassign a crash loses requests; a hang is detected by the receive timeout', async (t) => {
  const noReassign = scenario(crashText.replace('reassign: true', 'reassign: false'));
  const r = await simulateOnce(ctx, noReassign, { phaseMs: 3_000, rng: new SeededRng(1) });
  t.ok(r.metrics.lostRequests > 0, `lost ${r.metrics.lostRequests}`);
  const hang = scenario(crashText.replace('crash: tms01', 'hang: tms01'));
  const rep = await simulate(ctx, hang, 20, 7);
  const [lo, hi] = rep.predicted.detectionMs!;
  t.ok(lo > 20_000, 'a hang takes longer to detect than a crash (each attempt waits for receive)');
  t.ok(rep.metrics.detectionMs!.min >= lo && rep.metrics.detectionMs!.max <= hi + 10, `hang detection within ${lo}–${hi}`);
});

t.test('acesim simulate prints the distribution', async (t) => {
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
  t.equal(await main(['simulate', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--runs', '5', '--format', 'json'], o), 0);
  const j = JSON.parse(o.stdout);
  t.equal(j.runs, 5);
  t.match(j.metrics.detectionMs, { n: 5, min: Number, p50: Number, p90: Number, p99: Number, max: Number });
  const bad = { ...o, stdout: '', stderr: '' };
  t.equal(await main(['simulate', '--runs', '5'], bad), 2);
  const fresh = () => {
    const x = { stdout: '', stderr: '', out: (s: string) => void (x.stdout += s + '\n'), err: (s: string) => void (x.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
    return x;
  };
  for (const n of ['0', '1.5', 'two']) {
    const e = fresh();
    t.equal(await main(['simulate', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--runs', '5', '--threads', n], e), 2, `--threads ${n}`);
    t.match(e.stderr, /--threads must be a whole number/);
    t.notMatch(e.stderr, /\n\s+at /, 'no stack trace');
  }
  const one = fresh();
  t.equal(await main(['simulate', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--runs', '5', '--format', 'json', '--threads', '1'], one), 0);
  t.same(JSON.parse(one.stdout).metrics, j.metrics, '--threads 1 changes nothing but where the runs go');
});

t.test('--set what-ifs change the model copy and the answer; bad ones are refused clearly', async (t) => {
  const { applyWhatIfs } = await import('../../../src/sim/what-if.js');
  const r = applyWhatIfs(ctx, ['probe.PROBE-HTTP-80.interval=5', 'probe.PROBE-HTTP-80.faildetect=2', 'sticky.L7-CLASS-TMS-WEB-80-STICKY.timeout=1']);
  t.ok(r.ok);
  if (!r.ok) return;
  t.match(r.context.probes.find((p) => p.name === 'PROBE-HTTP-80'), { intervalMs: 5_000, faildetect: 2 });
  t.equal(r.context.stickyGroups.find((g) => g.name === 'L7-CLASS-TMS-WEB-80-STICKY')?.timeoutMs, 60_000);
  t.equal(ctx.probes.find((p) => p.name === 'PROBE-HTTP-80')?.intervalMs, 10_000, 'the loaded model is untouched');
  for (const [bad, re] of [
    ['probe.NOPE.interval=5', /no probe named NOPE/],
    ['probe.PROBE-HTTP-80.intervall=5', /did you mean interval/],
    ['probe.PROBE-HTTP-80.interval=1', /from 2 to 65535/],
    ['probe.PROBE-HTTP-80.interval=ten', /whole number/],
    ['interval=5', /expected probe\.NAME\.SETTING=VALUE/],
  ] as const) {
    const x = applyWhatIfs(ctx, [bad]);
    t.notOk(x.ok, bad);
    if (!x.ok) t.match(x.message, re);
  }
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
  const scen = resolve(ROOT, 'examples/scenarios/node-crash.yaml');
  const fast = ['probe.PROBE-HTTP-80.interval=5', 'probe.BOOKING-PROBE-TMS.interval=5', 'probe.TMS-WEBSERVICES-443.interval=5'];
  t.equal(await main(['simulate', '--scenario', scen, '--runs', '10', '--format', 'json', ...fast.flatMap((s) => ['--set', s])], o), 0);
  const j = JSON.parse(o.stdout);
  t.same(j.predicted.detectionMs, [10_000, 15_000], 'the prediction follows the what-if');
  t.ok(j.metrics.detectionMs.max <= 15_010, 'and so do the simulated runs');
});
