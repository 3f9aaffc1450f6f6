// Speed of `acesim simulate` (issue 7 targets: 10,000 runs of the reference
// scenario in < 10 s; a simulated 24 h day with 1,000 clients in < 2 s).
// Measures both directly (no extrapolation): the command as a user runs it
// (a fresh process: compile, cold JIT, the runs, the report), with worker
// threads (the default from 1,000 runs on) and with --threads 1, checking that
// both print the same report; then one warm run in this process, analytic
// against every request sent (same counts, the unit tests check that). Wall
// and CPU time both: on a shared machine the wall time says as much about the
// other jobs as about us. CPU of the child processes comes from /proc (Linux).
// Usage: node dist/bench/simulate-speed.js [RUNS]. Writes its section of docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { compileConfig } from '../src/config/compile.js';
import { parseScenario } from '../src/lab/scenario.js';
import { simulate, simulateRuns, type SimulationReport } from '../src/sim/simulate.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model.contexts[0]!;
const sc = parseScenario(readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8'), 'node-crash.yaml').value;

const RUNS = Number(process.argv[2] ?? 10_000);
const COMPARE = 200;
const load0 = loadavg()[0]!;
await simulate(ctx, sc, 50, 1, { threads: 1 }); // warm-up
await simulate(ctx, sc, 20, 1, { traffic: 'exact', threads: 1 });

/** CPU milliseconds of this process's waited-for children (cutime + cstime in /proc/self/stat). */
function childrenCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[13]) + Number(f[14])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** `acesim simulate` in a fresh process: wall and CPU (every thread) milliseconds, and its JSON report. */
function command(extra: string[]) {
  const args = [resolve(ROOT, 'dist/src/cli/main.js'), 'simulate', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--runs', String(RUNS), '--seed', '7', '--format', 'json', ...extra];
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`acesim simulate exited ${r.status}: ${r.stderr}`);
  return { report: r.stdout, wallMs, cpuMs: childrenCpuMs() - c0 };
}
const pooled = command([]);
const single = command(['--threads', '1']);
const same = pooled.report === single.report;
const rep = JSON.parse(pooled.report) as SimulationReport;

/** The runs in this (warm) process: the work itself, without start-up and JIT warm-up. */
const c0 = process.cpuUsage();
let t0 = performance.now();
await simulateRuns(ctx, sc, 2000, 7, { threads: 1 });
const warmWallPerRun = (performance.now() - t0) / 2000;
const cu = process.cpuUsage(c0);
const warmCpuPerRun = (cu.user + cu.system) / 1000 / 2000;

t0 = performance.now();
await simulate(ctx, sc, COMPARE, 7, { traffic: 'exact', threads: 1 });
const exactPerRun = (performance.now() - t0) / COMPARE;
t0 = performance.now();
await simulate(ctx, sc, COMPARE, 7, { threads: 1 });
const analyticPerRun = (performance.now() - t0) / COMPARE;

const day = { ...sc, durationMs: 86_400_000, traffic: { ...sc.traffic, clients: 1000 } };
t0 = performance.now();
const d = await simulateRuns(ctx, day, 1, 1);
const dayMs = performance.now() - t0;
const dayRequests = d.runs[0]!.metrics.requests + d.runs[0]!.metrics.traps;
const load1 = loadavg()[0]!;

const threadsUsed = availableParallelism();
const row = (label: string, m: { wallMs: number; cpuMs: number }, target: boolean) =>
  `| ${label} | ${(m.wallMs / 1000).toFixed(1)} s (${(m.wallMs / RUNS).toFixed(2)} ms per run; CPU ${(m.cpuMs / 1000).toFixed(1)} s) | ${target ? '10,000 runs < 10 s' : '—'} | ${target ? (RUNS >= 10_000 ? (m.wallMs < 10_000 ? 'PASS' : 'FAIL') : 'not measured at 10,000') : '—'} |`;
const body = `Reference scenario (examples/scenarios/node-crash.yaml: 300 s, 50 clients at 0.35 requests/s each,
crash and recovery) on the real probe engine, balancer and sticky tables in virtual time. Analytic
traffic (the default): a client's requests are sent through the balancer only where their outcome can
change (its first request, a change at its node, a state change of its real); the rest are counted in
closed form. Each node's probes fall silent once their future holds no event. From 1,000 runs on, the
runs are shared out over worker threads (one per core); run i draws its random numbers at its own
offset of the seed's sequence, so both ways give the same report (${same ? 'checked: identical JSON' : 'MISMATCH'}).
The first two rows are the whole command in a fresh process (\`acesim simulate --runs ${RUNS}\`), so
each thread's JIT warm-up is included.

| measure | result | target | pass |
|---|---|---|---|
${row(`acesim simulate, ${RUNS.toLocaleString('en')} runs, ${threadsUsed} worker thread${threadsUsed === 1 ? '' : 's'} (default)`, pooled, true)}
${row(`acesim simulate, ${RUNS.toLocaleString('en')} runs, --threads 1`, single, false)}
| one run in a warm process, analytic traffic (mean of 2,000) | ${warmWallPerRun.toFixed(2)} ms (CPU ${warmCpuPerRun.toFixed(2)} ms) | — | — |
| one run, every request sent (--traffic exact) | ${exactPerRun.toFixed(2)} ms | — | — |
| one run, analytic traffic | ${analyticPerRun.toFixed(2)} ms (×${(exactPerRun / analyticPerRun).toFixed(1)} faster, same counts) | — | — |
| a simulated 24 h day, 1,000 clients (${(dayRequests / 1e6).toFixed(1)} M requests and traps) | ${(dayMs / 1000).toFixed(2)} s | < 2 s | ${dayMs < 2000 ? 'PASS' : 'FAIL'} |

Detection p50 over the runs: ${rep.metrics.detectionMs ? (rep.metrics.detectionMs.p50 / 1000).toFixed(1) + ' s' : '—'} (predicted window ${rep.predicted.detectionMs ? rep.predicted.detectionMs.map((v) => v / 1000 + ' s').join('–') : '—'}).
${availableParallelism()} cores; load average (1 min) at the start: ${load0.toFixed(2)}, at the end: ${load1.toFixed(2)}.${load0 > availableParallelism() ? ' Other jobs were running on this machine at the time.' : ''}
A load above the core count means other jobs shared the cores: the wall times are then slower than on
a quiet machine, and the threads gain less than the core count (the CPU column is the work itself;
with threads it includes each thread's JIT warm-up, about 0.8 s of CPU).`;
writeSection('simulate-speed', 'Simulator speed (bench/simulate-speed.ts, issue 7)', body);
console.log(body);
