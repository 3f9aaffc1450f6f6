// Speed of `acesim simulate` (issue 7 targets: 10,000 runs of the reference
// scenario in < 10 s; a simulated 24 h day with 1,000 clients in < 2 s).
// Measures 1,000 runs and one simulated hour with 1,000 clients, and states
// the extrapolation plainly. Writes its section of docs/BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { compileConfig } from '../src/config/compile.js';
import { parseScenario } from '../src/lab/scenario.js';
import { simulate } from '../src/sim/simulate.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const sc = parseScenario(readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8'), 'node-crash.yaml').value;

const RUNS = Number(process.argv[2] ?? 1000);
await simulate(ctx, sc, 20, 1); // warm-up
let t0 = performance.now();
const rep = await simulate(ctx, sc, RUNS, 7);
const runsMs = performance.now() - t0;
const perRun = runsMs / RUNS;

const hour = { ...sc, durationMs: 3_600_000, traffic: { ...sc.traffic, clients: 1000 }, timeline: sc.timeline };
t0 = performance.now();
await simulate(ctx, hour, 1, 1);
const hourMs = performance.now() - t0;

const body = `Reference scenario (examples/scenarios/node-crash.yaml: 300 s, 50 clients at 0.35 requests/s each,
crash and recovery) on the real probe engine, balancer and sticky tables in virtual time.

| measure | result | target | pass |
|---|---|---|---|
| ${RUNS.toLocaleString('en')} runs | ${(runsMs / 1000).toFixed(1)} s (${perRun.toFixed(1)} ms per run) | — | — |
| 10,000 runs (extrapolated ×${10_000 / RUNS} from the line above) | ${((perRun * 10_000) / 1000).toFixed(0)} s | < 10 s | ${perRun * 10_000 < 10_000 ? 'PASS' : 'FAIL'} |
| one simulated hour, 1,000 clients (≈ 1.26 M requests) | ${(hourMs / 1000).toFixed(1)} s | — | — |
| a simulated 24 h day, 1,000 clients (extrapolated ×24) | ${((hourMs * 24) / 1000).toFixed(0)} s | < 2 s | ${hourMs * 24 < 2000 ? 'PASS' : 'FAIL'} |

Detection p50 over the runs: ${rep.metrics.detectionMs ? (rep.metrics.detectionMs.p50 / 1000).toFixed(1) + ' s' : '—'} (predicted window ${rep.predicted.detectionMs ? rep.predicted.detectionMs.map((v) => v / 1000 + ' s').join('–') : '—'}).
Every client request is simulated one by one (select, open, close on the balancer: about 2.5 µs each), which
is why both targets fail; an analytic traffic model (requests counted per state interval) is the way to them.
Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`;
writeSection('simulate-speed', 'Simulator speed (bench/simulate-speed.ts, issue 7)', body);
console.log(body);
