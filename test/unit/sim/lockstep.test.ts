// Lockstep analysis: the hot-standby controller's reducer, the windows in which
// the balancer serves from a node the controller does not hold active, the
// settings search, the scenario section's diagnostics and the CLI output.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { parseScenario, type HotStandbyController } from '../../../src/lab/scenario.js';
import { initialControllerState, stepController } from '../../../src/sim/hot-standby.js';
import { analyzeLockstep, runLockstep } from '../../../src/sim/lockstep.js';
import { main } from '../../../src/cli/main.js';
import { ROOT } from '../config/helpers.js';

const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/hot-standby-ace.conf'), 'utf8'), 'hot-standby-ace.conf').model.contexts[0]!;
const scText = readFileSync(resolve(ROOT, 'examples/scenarios/hot-standby.yaml'), 'utf8');
const sc = parseScenario(scText, 'hot-standby.yaml').value;

t.test('the controller reducer: takeover after N failures, service start, failback after M good polls', async (t) => {
  const c: HotStandbyController = { pos: { file: 'x', line: 1, col: 1 }, primary: 'a', standby: 'b', heartbeatMs: 30_000, timeoutMs: 10_000, failures: 3, serviceStartMs: 5_000, autoFailback: true, failbackSuccesses: 2 };
  let s = initialControllerState(c);
  for (const ok of [false, true, false, false]) s = stepController(s, { kind: 'poll', nowMs: 0, ok }, c).state;
  t.equal(s.active, 'a', 'a good poll resets the count');
  const out = stepController(s, { kind: 'poll', nowMs: 100, ok: false }, c);
  t.same(out.effects, [{ kind: 'active', node: undefined }, { kind: 'start-services', untilMs: 5_100 }]);
  s = stepController(out.state, { kind: 'started', nowMs: 5_100 }, c).state;
  t.equal(s.active, 'b');
  s = stepController(s, { kind: 'poll', nowMs: 6_000, ok: true }, c).state;
  t.equal(s.active, 'b', 'one good poll of the primary is not enough');
  s = stepController(s, { kind: 'poll', nowMs: 7_000, ok: true }, c).state;
  s = stepController(s, { kind: 'started', nowMs: 12_000 }, c).state;
  t.equal(s.active, 'a', 'auto failback hands back to the primary');
});

t.test('windows: requests served by a node that is not active, merged across the request gap', async (t) => {
  const log = [{ atMs: 0, active: 'a' }, { atMs: 100, active: undefined }, { atMs: 150, active: 'b' }];
  const req = (atMs: number, node: string) => ({ type: 'request' as const, atMs, client: 'c', kind: 'http' as const, ok: true, node });
  const r = runLockstep([req(50, 'a'), req(60, 'b'), req(70, 'b'), req(120, 'b'), req(160, 'b')], [{ client: 'c', kind: 'http', node: 'a', ok: true, fromMs: 200, stepMs: 10, count: 3 }], log, 20);
  t.same(r.windows.map((w) => [w.fromMs, w.toMs, w.node, w.active, w.requests]), [
    [60, 70, 'b', 'a', 2],
    [120, 120, 'b', null, 1],
    [200, 220, 'a', 'b', 3],
  ]);
  t.equal(r.misdirectedRequests, 6);
});

t.test('the example: balancer (3 × 10 s) fails over long before the controller (5 × 30 s); the search finds closer settings', async (t) => {
  const l = await analyzeLockstep(ctx, sc, { runs: 30, seed: 3, searchRuns: 6 });
  t.ok(l);
  if (!l) return;
  t.ok(l.misdirectedMs && l.misdirectedMs.p50 > 60_000, `misdirected p50 ${l.misdirectedMs?.p50}`);
  t.ok(l.exampleWindows.some((w) => w.node === 'app02' && w.active !== 'app02'), 'app02 serves before the controller made it active');
  t.ok(l.suggestions.length > 0, 'some settings do better');
  const best = l.suggestions[0]!;
  t.ok(best.meanMisdirectedRequests < l.misdirectedRequests.mean / 2, `best ${best.side} ${best.settings.join(' ')} → ${best.meanMisdirectedRequests}`);
});

t.test('controller section: defaults, positioned diagnostics for bad values', async (t) => {
  t.match(sc.controller, { primary: 'app01', standby: 'app02', heartbeatMs: 30_000, timeoutMs: 10_000, failures: 5, serviceStartMs: 10_000, autoFailback: true, failbackSuccesses: 3 });
  const base = scText.slice(0, scText.indexOf('\ncontroller:') + 1);
  const d = parseScenario(`${base}controller:\n  primary: app01\n  standby: app03\n  heartbeat: soon\n  failures: 0\n  autoFailback: yes please\n  heartbeet: 5s\n`, 'h.yaml').diagnostics;
  const at = (code: string) => d.filter((x) => x.code === code).map((x) => x.line);
  const line = base.split('\n').length; // the `controller:` line
  t.same(at('SCENARIO_UNKNOWN_NODE'), [line + 2], 'standby names no node');
  t.same(at('SCENARIO_BAD_DURATION'), [line + 3]);
  t.same(at('SCENARIO_SCHEMA').sort(), [line + 4, line + 5, line + 6].sort(), 'failures 0, autoFailback not a boolean, unknown field');
  t.match(d.find((x) => x.line === line + 6)?.hint, /heartbeat/);
  const min = parseScenario(`${base}controller: { primary: app01, standby: app02 }\n`, 'h.yaml');
  t.same(min.diagnostics, []);
  t.match(min.value.controller, { heartbeatMs: 30_000, timeoutMs: 10_000, failures: 5, serviceStartMs: 0, autoFailback: false, failbackSuccesses: 5 });
});

t.test('acesim simulate prints the lockstep analysis (text and JSON)', async (t) => {
  const mk = () => {
    const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
    return o;
  };
  const scen = resolve(ROOT, 'examples/scenarios/hot-standby.yaml');
  const a = mk();
  t.equal(await main(['simulate', '--scenario', scen, '--runs', '20', '--search-runs', '4'], a), 0, a.stderr);
  t.match(a.stdout, /lockstep with the hot-standby controller \(primary app01, standby app02/);
  t.match(a.stdout, /median run: .* served by app02 while (app01|no node) is active/);
  t.match(a.stdout, /suggestion \((balancer|controller)\)/);
  const j = mk();
  t.equal(await main(['simulate', '--scenario', scen, '--runs', '10', '--search-runs', '0', '--format', 'json'], j), 0);
  const parsed = JSON.parse(j.stdout);
  t.match(parsed.lockstep, { runs: 10, misdirectedMs: { p50: Number }, exampleWindows: Array, suggestions: [] });
});
