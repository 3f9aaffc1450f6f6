// `acesim simulate [CONFIG] --scenario FILE [--runs N] [--seed S] [--format text|json]`:
// Monte Carlo over the fault's phase against the probe schedules, in virtual
// time with the real engine; prints the distributions of detection, failover,
// recovery and failback and the losses at the scenario's traffic rates.
import { dirname, resolve } from 'node:path';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { parseScenario } from '../lab/scenario.js';
import { pickContext } from '../runtime/vip-plan.js';
import { simulate, type Distribution } from '../sim/simulate.js';
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
  const report = await simulate(ctx, sc, opts.runs, opts.seed);
  if (opts.format === 'json') {
    io.out(JSON.stringify({ ...report, whatIf: whatIf.applied }, null, 2));
    return EXIT_OK;
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (name: string, d: Distribution | null, predicted?: [number, number]) =>
    `${name.padEnd(10)} ${d ? [d.min, d.p50, d.p90, d.p99, d.max].map((v) => s(v).padStart(9)).join('') : '        (did not happen in the run)'.padEnd(45)}${predicted ? `   predicted ${s(predicted[0])}–${s(predicted[1])}` : ''}`;
  io.out(`${report.scenario}: ${report.runs} simulated runs (seed ${report.seed}), fault phase uniform over the probe cycle`);
  if (whatIf.applied.length > 0) io.out(`what-if: ${whatIf.applied.join('; ')}`);
  io.out(`${''.padEnd(10)} ${['min', 'p50', 'p90', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`);
  io.out(row('detection', report.metrics.detectionMs, report.predicted.detectionMs));
  io.out(row('failover', report.metrics.failoverMs));
  io.out(row('recovery', report.metrics.recoveryMs, report.predicted.recoveryMs));
  io.out(row('failback', report.metrics.failbackMs));
  const m2 = report.metrics;
  io.out(`lost requests: mean ${m2.lostRequests.mean.toFixed(1)}, max ${m2.lostRequests.max}; lost traps: mean ${m2.lostTraps.mean.toFixed(1)}, max ${m2.lostTraps.max}; sticky moves: mean ${m2.stickyMoves.mean.toFixed(1)}`);
  io.out('failover = fault → the last of the failed node\'s clients succeeds on the other node (bounded below by the clients\' request period).');
  return EXIT_OK;
}
