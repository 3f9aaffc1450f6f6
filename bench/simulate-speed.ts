// Speed of `acesim simulate` (issue 7 targets: 10,000 runs of the reference
// scenario in < 10 s; a simulated 24 h day with 1,000 clients in < 2 s).
// Measures both directly (no extrapolation), and the analytic traffic model
// against sending every request (same counts, the unit tests check that).
// Usage: node dist/bench/simulate-speed.js [RUNS]. Writes its section of docs/BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { compileConfig } from '../src/config/compile.js';
import { parseScenario } from '../src/lab/scenario.js';
import { simulate, simulateRuns } from '../src/sim/simulate.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const sc = parseScenario(readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8'), 'node-crash.yaml').value;

const RUNS = Number(process.argv[2] ?? 10_000);
const COMPARE = 200;
const load0 = loadavg()[0]!;
await simulate(ctx, sc, 50, 1); // warm-up
await simulate(ctx, sc, 20, 1, { traffic: 'exact' });

let t0 = performance.now();
const rep = await simulate(ctx, sc, RUNS, 7);
const runsMs = performance.now() - t0;

t0 = performance.now();
await simulate(ctx, sc, COMPARE, 7, { traffic: 'exact' });
const exactPerRun = (performance.now() - t0) / COMPARE;
t0 = performance.now();
await simulate(ctx, sc, COMPARE, 7);
const analyticPerRun = (performance.now() - t0) / COMPARE;

const day = { ...sc, durationMs: 86_400_000, traffic: { ...sc.traffic, clients: 1000 } };
t0 = performance.now();
const d = await simulateRuns(ctx, day, 1, 1);
const dayMs = performance.now() - t0;
const dayRequests = d.runs[0]!.metrics.requests + d.runs[0]!.metrics.traps;

const body = `Reference scenario (examples/scenarios/node-crash.yaml: 300 s, 50 clients at 0.35 requests/s each,
crash and recovery) on the real probe engine, balancer and sticky tables in virtual time. Analytic
traffic (the default): a client's requests are sent through the balancer only where their outcome can
change (a fault, a state change of its real, its first requests); the rest are counted in closed form.
Each node's probe engine stops once its future holds no event.

| measure | result | target | pass |
|---|---|---|---|
| ${RUNS.toLocaleString('en')} runs, analytic traffic | ${(runsMs / 1000).toFixed(1)} s (${(runsMs / RUNS).toFixed(2)} ms per run) | 10,000 runs < 10 s | ${RUNS >= 10_000 ? (runsMs < 10_000 ? 'PASS' : 'FAIL') : 'not measured at 10,000'} |
| one run, every request sent (--traffic exact) | ${exactPerRun.toFixed(2)} ms | — | — |
| one run, analytic traffic | ${analyticPerRun.toFixed(2)} ms (×${(exactPerRun / analyticPerRun).toFixed(1)} faster, same counts) | — | — |
| a simulated 24 h day, 1,000 clients (${(dayRequests / 1e6).toFixed(1)} M requests and traps) | ${(dayMs / 1000).toFixed(2)} s | < 2 s | ${dayMs < 2000 ? 'PASS' : 'FAIL'} |

Detection p50 over the runs: ${rep.metrics.detectionMs ? (rep.metrics.detectionMs.p50 / 1000).toFixed(1) + ' s' : '—'} (predicted window ${rep.predicted.detectionMs ? rep.predicted.detectionMs.map((v) => v / 1000 + ' s').join('–') : '—'}).
Load average (1 min) at the start: ${load0.toFixed(2)}, at the end: ${loadavg()[0]!.toFixed(2)} — figures from a loaded machine are slower than a quiet one.`;
writeSection('simulate-speed', 'Simulator speed (bench/simulate-speed.ts, issue 7)', body);
console.log(body);
