// `acesim simulate [CONFIG] --scenario FILE [--runs N] [--seed S] [--format text|json] [--report DIR] [--traffic analytic|exact] [--threads N]`:
// Monte Carlo over the fault's phase against the probe schedules, in virtual
// time with the real engine; prints the distributions of detection, failover,
// recovery and failback and the losses at the scenario's traffic rates.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import type { RunEvent } from '../lab/measure.js';
import { parseScenario } from '../lab/scenario.js';
import { pickContext } from '../runtime/vip-plan.js';
import { analyzeLockstep, lockstepText } from '../sim/lockstep.js';
import { simulationHtml } from '../sim/report-html.js';
import { runOnce, simulateRuns, type Distribution, type SimulationReport } from '../sim/simulate.js';
import { compilePairPlan, pairReportText, simulatePair } from '../sim/sim-pair.js';
import { SeededRng } from '../core/rng.js';
import { applyWhatIfs } from '../sim/what-if.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps } from './load-config.js';

export interface SimulateOptions {
  config?: string;
  scenario?: string;
  runs: number;
  seed: number;
  format: 'text' | 'json';
  /** What-ifs: probe.NAME.SETTING=VALUE, sticky.NAME.timeout=MINUTES. */
  sets?: string[];
  traffic?: 'analytic' | 'exact';
  reportDir?: string;
  /** Runs per candidate in the lockstep search (scenarios with a controller); 0 skips it. */
  searchRuns?: number;
  /** Worker threads for the runs (default: one per core from 1,000 runs on; 1: none). */
  threads?: number;
}

export async function runSimulate(io: CliIo, opts: SimulateOptions): Promise<number> {
  if (!opts.scenario) {
    io.err('acesim simulate: give --scenario FILE (see `acesim help simulate`)');
    return EXIT_USAGE;
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 1_000_000) {
    io.err(`acesim simulate: --runs must be a whole number from 1 to 1000000, got ${opts.runs}`);
    return EXIT_USAGE;
  }
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 256)) {
    io.err(`acesim simulate: --threads must be a whole number from 1 to 256, got ${opts.threads}`);
    return EXIT_USAGE;
  }
  let scText: string;
  try {
    scText = await io.readFile(opts.scenario);
  } catch {
    io.err(`acesim simulate: ${opts.scenario}: cannot read the scenario`);
    return EXIT_USAGE;
  }
  const sr = parseScenario(scText, opts.scenario);
  const scLines = scText.split(/\r\n|\n|\r/);
  for (const d of sr.diagnostics) io.err(formatDiagnostic(d, scLines));
  if (countBySeverity(sr.diagnostics).errors > 0) return EXIT_FINDINGS;
  const sc = sr.value;
  const configPath = opts.config ?? (sc.config ? resolve(dirname(opts.scenario), sc.config) : undefined);
  if (!configPath) {
    io.err('acesim simulate: no config: give CONFIG or `config:` in the scenario');
    return EXIT_USAGE;
  }
  // The simulator needs no loopback mapping: it runs the config's own addresses in memory.
  const m = parseMaps({ maps: [], portOffset: 0 });
  if ('error' in m) return EXIT_USAGE;
  const loaded = await loadConfigFile(io, configPath, m.maps, 0);
  if (!loaded.ok) {
    io.err(`acesim simulate: ${loaded.message}`);
    return EXIT_USAGE;
  }
  if (countBySeverity(loaded.compiled.diagnostics).errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of loaded.compiled.diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    return EXIT_FINDINGS;
  }
  const picked = pickContext(loaded.compiled.model.contexts);
  if (!picked) {
    io.err('acesim simulate: the config has no in-service VIP to simulate');
    return EXIT_FINDINGS;
  }
  const whatIf = applyWhatIfs(picked, opts.sets ?? []);
  if (!whatIf.ok) {
    io.err(`acesim simulate: ${whatIf.message}`);
    return EXIT_USAGE;
  }
  const ctx = whatIf.context;
  for (const n of sc.nodes) {
    if (!ctx.rservers.some((r) => r.name === n.rserver)) {
      io.err(`${opts.scenario}:${n.pos.line}:${n.pos.col}: error SCENARIO_UNKNOWN_NODE: node ${n.name} stands for rserver ${n.rserver}, which the config does not define`);
      return EXIT_FINDINGS;
    }
  }
  // A scenario with `pair:` simulates the FT pair and its balancer faults (src/sim/sim-pair.ts).
  if (sc.pair) {
    const pp = compilePairPlan(loaded.compiled.model, ctx, sc);
    if (typeof pp === 'string') {
      io.err(`acesim simulate: ${pp}`);
      return EXIT_FINDINGS;
    }
    const { report: pairReport } = await simulatePair(pp, opts.runs, opts.seed);
    if (opts.format === 'json') io.out(JSON.stringify(pairReport, null, 2));
    else for (const l of pairReportText(pairReport)) io.out(l);
    return EXIT_OK;
  }
  const searchRuns = opts.searchRuns ?? 20;
  if (!Number.isInteger(searchRuns) || searchRuns < 0 || searchRuns > 10_000) {
    io.err(`acesim simulate: --search-runs must be a whole number from 0 to 10000, got ${opts.searchRuns}`);
    return EXIT_USAGE;
  }
  const { report, runs, plan } = await simulateRuns(ctx, sc, opts.runs, opts.seed, { traffic: opts.traffic ?? 'analytic', ...(opts.threads !== undefined ? { threads: opts.threads } : {}) });
  const lockstep = await analyzeLockstep(ctx, sc, { runs: Math.min(opts.runs, 1000), seed: opts.seed, searchRuns });
  const lines = textReport(report, whatIf.applied);
  if (lockstep) lines.push(...lockstepText(lockstep));
  if (opts.reportDir !== undefined) {
    // One run sent request by request, at the median detection's phase, for the timeline drawing.
    const withDetection = runs.filter((r) => r.metrics.detectionMs !== null).sort((a, b) => a.metrics.detectionMs! - b.metrics.detectionMs!);
    const median = withDetection[Math.floor(withDetection.length / 2)] ?? runs[0]!;
    const sample = await runOnce(plan, { phaseMs: median.phaseMs, rng: new SeededRng(opts.seed), traffic: 'exact', keepEvents: true });
    const nodes = sc.nodes.map((n) => ({ name: n.name, rserver: n.rserver, address: plan.addressOf.get(n.name) ?? '', simulated: true }));
    // Events shifted so the timeline starts where the scenario does (the run's clock includes the phase).
    const shift = (e: { atMs: number }) => ({ ...e, atMs: e.atMs - median.phaseMs });
    const sampleRun = { events: (sample.events ?? []).map(shift) as RunEvent[], nodes, durationMs: sc.durationMs };
    try {
      mkdirSync(opts.reportDir, { recursive: true });
      const file = join(opts.reportDir, `acesim-simulate-${opts.seed}-${opts.runs}.html`);
      writeFileSync(file, simulationHtml(report, runs, lines.join('\n'), sampleRun, lockstep));
      if (opts.format === 'text') lines.push(`report: ${file}`);
    } catch (e) {
      io.err(`acesim simulate: cannot write the report under ${opts.reportDir}: ${(e as Error).message}`);
      return EXIT_USAGE;
    }
  }
  if (opts.format === 'json') {
    io.out(JSON.stringify({ ...report, whatIf: whatIf.applied, ...(lockstep ? { lockstep } : {}) }, null, 2));
    return EXIT_OK;
  }
  for (const l of lines) io.out(l);
  return EXIT_OK;
}

function textReport(report: SimulationReport, applied: readonly string[]): string[] {
  const out: string[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (name: string, d: Distribution | null, predicted?: [number, number]) =>
    `${name.padEnd(10)} ${d ? [d.min, d.p50, d.p90, d.p99, d.max].map((v) => s(v).padStart(9)).join('') : '        (did not happen in the run)'.padEnd(45)}${predicted ? `   predicted ${s(predicted[0])}–${s(predicted[1])}` : ''}`;
  out.push(`${report.scenario}: ${report.runs} simulated runs (seed ${report.seed}), fault phase uniform over the probe cycle`);
  if (applied.length > 0) out.push(`what-if: ${applied.join('; ')}`);
  out.push(`${''.padEnd(10)} ${['min', 'p50', 'p90', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`);
  out.push(row('detection', report.metrics.detectionMs, report.predicted.detectionMs));
  out.push(row('failover', report.metrics.failoverMs));
  out.push(row('recovery', report.metrics.recoveryMs, report.predicted.recoveryMs));
  out.push(row('failback', report.metrics.failbackMs));
  const m2 = report.metrics;
  out.push(`lost requests: mean ${m2.lostRequests.mean.toFixed(1)}, max ${m2.lostRequests.max}; lost traps: mean ${m2.lostTraps.mean.toFixed(1)}, max ${m2.lostTraps.max}; sticky moves: mean ${m2.stickyMoves.mean.toFixed(1)}`);
  out.push('failover = fault → the last of the failed node\'s clients succeeds on the other node (bounded below by the clients\' request period).');
  return out;
}
