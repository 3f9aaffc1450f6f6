// The lab's guards, pure: every fault of a timeline measured on its own;
// the time-scale guard's floors and messages; faults on real nodes refused
// with a positioned diagnostic; no openssl → no certificate, no exception.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { computeMetrics, faultMetrics, type RunEvent } from '../../../src/lab/measure.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { HARD_FLOOR_MS, SAFE_FLOOR_MS, checkTimeScale, smallestTiming, timeScaleMessage } from '../../../src/lab/time-scale.js';
import { selfSignedCert } from '../../../src/lab/tls-cert.js';
import { ROOT } from '../config/helpers.js';

const A = '127.0.0.11';
const B = '127.0.0.12';
const req = (atMs: number, client: string, node: string | undefined, ok = true): RunEvent => ({ type: 'request', atMs, client, kind: 'http', ok, ...(node ? { node } : {}) });

t.test('faultMetrics: crash a, recover; crash b, recover — each measured on its own', async (t) => {
  const ev: RunEvent[] = [
    req(0, 'c1', 'a'),
    req(0, 'c2', 'b'),
    { type: 'fault', atMs: 1000, node: 'a', address: A, fault: 'crash' },
    req(1100, 'c1', undefined, false),
    { type: 'real', atMs: 3000, farm: 'SF', address: A, to: 'PROBE-FAILED', from: 'OPERATIONAL' },
    req(3100, 'c1', 'b'),
    { type: 'fault', atMs: 5000, node: 'a', address: A, fault: 'recover' },
    { type: 'real', atMs: 7000, farm: 'SF', address: A, to: 'OPERATIONAL', from: 'PROBE-FAILED' },
    req(7500, 'c3', 'a'),
    { type: 'fault', atMs: 10_000, node: 'b', address: B, fault: 'blackhole' },
    req(10_100, 'c2', 'b', false),
    { type: 'real', atMs: 14_000, farm: 'SF', address: B, to: 'PROBE-FAILED', from: 'OPERATIONAL' },
    req(14_500, 'c2', 'a'),
    req(14_600, 'c1', 'a'),
    { type: 'fault', atMs: 20_000, node: 'b', address: B, fault: 'recover' },
    { type: 'real', atMs: 21_000, farm: 'SF', address: B, to: 'OPERATIONAL', from: 'PROBE-FAILED' },
    req(22_000, 'c4', 'b'),
  ];
  const fm = faultMetrics(ev, () => ['SF']);
  t.match(fm, [
    { node: 'a', fault: 'crash', atMs: 1000, recoverAtMs: 5000, detectionMs: 2000, failoverMs: 2100, recoveryMs: 2000, failbackMs: 2500, lostRequests: 1, lostTraps: 0 },
    { node: 'b', fault: 'blackhole', atMs: 10_000, recoverAtMs: 20_000, detectionMs: 4000, failoverMs: 4600, recoveryMs: 1000, failbackMs: 2000, lostRequests: 1 },
  ]);
  // The run's top-level metrics keep the first fault's timings and the totals.
  const m = computeMetrics(ev, () => ['SF']);
  t.match(m, { detectionMs: 2000, failoverMs: 2100, recoveryMs: 2000, failbackMs: 2500, requests: 9, lostRequests: 2 });
});

t.test('a fault replaced by another fault on the same node has no recover', async (t) => {
  const ev: RunEvent[] = [
    { type: 'fault', atMs: 0, node: 'a', address: A, fault: 'hang' },
    { type: 'fault', atMs: 100, node: 'a', address: A, fault: 'crash' },
    { type: 'fault', atMs: 200, node: 'a', address: A, fault: 'recover' },
  ];
  t.same(faultMetrics(ev, () => []).map((f) => [f.fault, f.recoverAtMs]), [['hang', null], ['crash', 200]]);
});

t.test('time-scale guard: floors from the smallest probe timing', async (t) => {
  const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
  const s = smallestTiming(ctx);
  t.equal(s.ms, 1000, 'the reference config: 1 s (a default open timeout)');
  t.equal(checkTimeScale(ctx, 10).level, 'ok', `×10 keeps it at ${SAFE_FLOOR_MS} ms`);
  const w = checkTimeScale(ctx, 20);
  t.match(w, { level: 'warn', scaledMs: 50, maxSafe: 10, maxHard: 40 });
  t.match(timeScaleMessage(w, 20, '--time-scale'), /--time-scale 20 makes .* 50 ms of real time, under the 100 ms safe floor.*maximum safe scale is 10/);
  const r = checkTimeScale(ctx, 50);
  t.equal(r.level, 'refuse', `×50 puts it under ${HARD_FLOOR_MS} ms`);
  t.match(timeScaleMessage(r, 50, 'timeScale'), /maximum safe scale is 10 \(hard limit 40\); use --force-time-scale/);
  t.equal(checkTimeScale({ ...ctx, probes: [] }, 1000).level, 'ok', 'no probes, nothing to guard');
});

t.test('faults on a real node: a positioned error, not ignored', async (t) => {
  const text = ['name: x', 'nodes:', '  tms01: { rserver: TMS01, address: "127.0.0.5:80" }', '  tms02: { rserver: TMS02 }', 'timeline:', '  - at: 10s', '    crash: tms01', '  - at: 12s', '    crash: tms02', ''].join('\n');
  const r = parseScenario(text, 'real.yaml');
  t.match(r.diagnostics, [{ code: 'SCENARIO_REAL_NODE_FAULT', severity: 'error', line: 7, col: 12, message: /tms01 is a real node \(127\.0\.0\.5:80\); acesim cannot inject a crash into it/ }]);
  t.same(r.value.timeline.map((e) => e.node), ['tms02'], 'the simulated node keeps its fault');
});

t.test('timeScale position is kept for the guard', async (t) => {
  const r = parseScenario('name: x\ntimeScale: 50\nnodes:\n  a: { rserver: A }\n', 's.yaml');
  t.match(r.value, { timeScale: 50, timeScalePos: { line: 2, col: 12 } });
});

t.test('no openssl binary: no certificate, no exception', async (t) => {
  t.equal(selfSignedCert('x', '/nonexistent/openssl-missing'), undefined);
});
