// `acesim lab [CONFIG] [--scenario FILE] [--runs N] [--time-scale F] [--force-time-scale]
//             [--format text|json] [--report DIR]`:
// loads the scenario (positioned diagnostics on mistakes) and the config it
// names (relative to the scenario; CONFIG overrides), applies its address map
// and port offset, checks the time scale against the config's probe timings
// (warns, or refuses unless forced), runs the experiment N times and prints
// the timing table (or JSON), optionally writing a self-contained HTML report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { RealClock } from '../core/real-clock.js';
import { runLab, type LabRunResult } from '../lab/lab-run.js';
import { runNetnsLab } from '../lab/netns-lab.js';
import type { NetnsPlan } from '../lab/netns.js';
import { htmlReport } from '../lab/report-html.js';
import { labJson, timingTable, pairTable } from '../lab/report-text.js';
import { parseScenario } from '../lab/scenario.js';
import { checkTimeScale, timeScaleMessage } from '../lab/time-scale.js';
import { selfSignedCert, type TlsIdentity } from '../lab/tls-cert.js';
import { pickContext } from '../runtime/vip-plan.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { runEngineComparison } from './lab-engines.js';
import { loadConfigFile, parseMaps } from './load-config.js';

export interface LabOptions {
  config?: string;
  scenario: string;
  runs: number;
  /** Overrides the scenario's timeScale. */
  timeScale?: number;
  format: 'text' | 'json';
  reportDir?: string;
  /** The nodes' certificate maker (default: openssl); undefined from it disables HTTPS. */
  certificate?: () => TlsIdentity | undefined;
  /** Run above the time-scale hard limit anyway. */
  forceTimeScale?: boolean;
  /** 'haproxy': run with acesim and with HAProxy as the VIP and compare (lab-engines.ts). */
  engine?: 'acesim' | 'haproxy';
  /** `--netns` (root): the reference topology in network namespaces, real addresses, transparent balancer (netns-lab.ts). */
  netns?: boolean;
  /** Aborts a --netns run (SIGINT/SIGTERM): the namespaces are removed before the command returns. */
  signal?: AbortSignal;
}

export async function runLabCommand(io: CliIo, opts: LabOptions): Promise<number> {
  const fail = (m: string, code = EXIT_USAGE): number => {
    io.err(`acesim lab: ${m}`);
    return code;
  };
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 100) return fail(`--runs must be an integer 1–100, got ${opts.runs}`);
  if (opts.timeScale !== undefined && !(opts.timeScale > 0 && opts.timeScale <= 1000)) return fail(`--time-scale must be a number in (0, 1000], got ${opts.timeScale}`);
  let text: string;
  try {
    text = await io.readFile(opts.scenario);
  } catch (e) {
    return fail(`${opts.scenario}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const parsed = parseScenario(text, opts.scenario);
  if (parsed.diagnostics.length > 0) {
    const lines = text.split(/\r\n|\n|\r/);
    for (const d of parsed.diagnostics) io.err(formatDiagnostic(d, lines));
    if (countBySeverity(parsed.diagnostics).errors > 0) return fail(`${opts.scenario} has errors; fix them first`, EXIT_FINDINGS);
  }
  const sc = parsed.value;
  const F = opts.timeScale ?? sc.timeScale;
  const configFile = opts.config ?? (sc.config !== undefined ? resolve(dirname(opts.scenario), sc.config) : undefined);
  if (configFile === undefined) return fail('the scenario names no config; give one: acesim lab CONFIG --scenario FILE');
  const m = parseMaps({ maps: sc.maps, portOffset: sc.portOffset });
  if ('error' in m) return fail(`${opts.scenario}: ${m.error}`, EXIT_FINDINGS);
  if (opts.netns && opts.engine === 'haproxy') return fail('--netns runs acesim as the VIP; it does not combine with --engine haproxy');
  // --netns: real addresses and ports in the namespaces, so neither map nor port offset.
  const loaded = await loadConfigFile(io, configFile, opts.netns ? [] : m.maps, opts.netns ? 0 : sc.portOffset);
  if (!loaded.ok) return fail(loaded.message);
  const { diagnostics, model } = loaded.compiled;
  if (countBySeverity(diagnostics).errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    return fail(`${configFile} has errors; fix them first (\`acesim check ${configFile}\`)`, EXIT_FINDINGS);
  }
  const ctx = pickContext(model.contexts);
  if (ctx) {
    // The guard: scaled probe timeouts under the machine's own latency fail healthy nodes.
    const v = checkTimeScale(ctx, F);
    if (v.level !== 'ok') {
      const fromFlag = opts.timeScale !== undefined;
      const refuse = v.level === 'refuse' && !opts.forceTimeScale;
      const code = v.level === 'refuse' ? 'SCENARIO_TIME_SCALE_LIMIT' : 'SCENARIO_TIME_SCALE';
      const message = timeScaleMessage(v, F, fromFlag ? '--time-scale' : 'timeScale');
      const severity = refuse ? 'error' : 'warning';
      if (!fromFlag && sc.timeScalePos) io.err(formatDiagnostic({ code, severity, message, file: sc.file, line: sc.timeScalePos.line, col: sc.timeScalePos.col, length: String(sc.timeScale).length }, text.split(/\r\n|\n|\r/)));
      else io.err(`acesim lab: ${severity} ${code}: ${message}`);
      if (refuse) return fromFlag ? EXIT_USAGE : EXIT_FINDINGS;
    }
  }
  const tls = (opts.certificate ?? selfSignedCert)();
  if (!tls) io.err('acesim lab: openssl not found: HTTPS is disabled (simulated nodes serve no HTTPS, clients send none; the HTTPS farms are left out of the measurements); install openssl to include HTTPS');
  if (opts.engine === 'haproxy') return runEngineComparison(io, { scenario: sc, model, timeScale: F, runs: opts.runs, format: opts.format, ...(tls ? { tls } : {}) });
  // Progress goes to stderr so `--format json` keeps stdout clean.
  io.err(`acesim lab: ${sc.name} — ${configFile}, ${opts.runs} run(s) of ${sc.durationMs / 1000} s config time at time scale ${F} (≈ ${((sc.durationMs / F) * opts.runs / 1000).toFixed(0)} s)`);
  const runs: LabRunResult[] = [];
  for (let i = 0; i < opts.runs; i++) {
    let lastPct = -1;
    const common = {
      scenario: sc,
      model,
      timeScale: F,
      clock: new RealClock(),
      ...(tls ? { tls } : {}),
      onProgress: (p: { atMs: number; durationMs: number; requests: number; lost: number }) => {
        const pct = Math.floor((p.atMs / p.durationMs) * 100);
        if (pct >= lastPct + 25 || pct === 100) {
          lastPct = pct;
          io.err(`  run ${i + 1}/${opts.runs}: ${(p.atMs / 1000).toFixed(0)}/${p.durationMs / 1000} s, ${p.requests} requests, ${p.lost} failed`);
        }
      },
    };
    const out = opts.netns
      ? await runNetnsLab({ ...common, configFile, maps: m.maps, ...(opts.signal ? { signal: opts.signal } : {}), onNetns: (p) => io.err(`  ${netnsLine(p)}`) })
      : await runLab({ ...common, portOffset: sc.portOffset });
    if (!out.ok) return fail(out.message, EXIT_FINDINGS);
    for (const n of out.result.notes) io.err(`  note: ${n}`);
    runs.push(out.result);
  }
  const table = timingTable(runs);
  if (opts.format === 'json') io.out(JSON.stringify(labJson(sc.name, F, runs), null, 2));
  else {
    io.out(`${sc.name} (times in config time; time scale ${F})`);
    io.out(table);
    const pt = pairTable(runs);
    if (pt) io.out(`\nFT pair (times from each balancer fault)\n${pt}`);
  }
  if (opts.reportDir !== undefined) {
    try {
      mkdirSync(opts.reportDir, { recursive: true });
      const stamp = new Date(new RealClock().wallNow()).toISOString().replace(/[:.]/g, '-');
      const file = join(opts.reportDir, `acesim-lab-${stamp}.html`);
      writeFileSync(file, htmlReport(sc.name, F, runs, table));
      io.err(`acesim lab: report written to ${file}`);
    } catch (e) {
      return fail(`cannot write the report in ${opts.reportDir}: ${(e as Error).message}`);
    }
  }
  return runs.every((r) => r.checks.every((c) => c.ok)) ? EXIT_OK : EXIT_FINDINGS;
}

/** The progress line naming the namespaces of a --netns run and where the traffic goes. */
function netnsLine(p: NetnsPlan): string {
  const nodes = p.nodes.map((n) => n.ns.slice(p.prefix.length + 1)).join(',');
  const clients = `clients ${p.clients[0]}…${p.clients[p.clients.length - 1]}/${p.clientPrefixLen}`;
  if (!p.pair) return `namespaces ${p.prefix}-{sw,c,lb,${nodes}}: ${clients} via ${p.balancer100}, nodes via ${p.balancer200}, VIPs ${p.vips.join(', ')}`;
  const [a, b] = p.pair.members;
  return `namespaces ${p.prefix}-{sw,c,lb1,lb2,${nodes}}: FT pair ${a.ft} / ${b.ft}; ${clients} reach VIPs ${p.vips.join(', ')} on their VLAN, nodes via the alias ${p.pair.alias200}, both held by the ACTIVE member`;
}
