// `acesim lab … --engine haproxy`: the fidelity check. Runs the scenario with
// acesim and with HAProxy as the VIP (src/lab/fidelity.ts) and prints both
// timing tables and the side-by-side comparison with its agreement bounds.
import { RealClock } from '../core/real-clock.js';
import { engineTable } from '../lab/engine-compare.js';
import { runFidelity } from '../lab/fidelity.js';
import type { Model } from '../config/model.js';
import { labJson, timingTable } from '../lab/report-text.js';
import type { Scenario } from '../lab/scenario.js';
import type { TlsIdentity } from '../lab/tls-cert.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIo } from './io.js';

export interface EngineComparisonOptions {
  scenario: Scenario;
  model: Model;
  timeScale: number;
  runs: number;
  format: 'text' | 'json';
  tls?: TlsIdentity;
}

export async function runEngineComparison(io: CliIo, o: EngineComparisonOptions): Promise<number> {
  const sc = o.scenario;
  const F = o.timeScale;
  let allOk = true;
  const json: unknown[] = [];
  for (let i = 0; i < o.runs; i++) {
    const out = await runFidelity(
      { scenario: sc, model: o.model, portOffset: sc.portOffset, timeScale: F, clock: new RealClock(), ...(o.tls ? { tls: o.tls } : {}) },
      (engine) => io.err(`  run ${i + 1}/${o.runs}: ${engine} as the VIP (≈ ${(sc.durationMs / F / 1000).toFixed(0)} s)`),
    );
    if (!out.ok) {
      io.err(`acesim lab: ${out.message}`);
      return EXIT_FINDINGS;
    }
    for (const n of out.haproxy.notes) io.err(`  note (haproxy): ${n}`);
    allOk &&= out.rows.every((r) => r.ok !== false);
    if (o.format === 'json') {
      json.push({ acesim: labJson(sc.name, F, [out.acesim]).runs[0], haproxy: labJson(sc.name, F, [out.haproxy]).runs[0], comparison: out.rows });
      continue;
    }
    io.out(`${sc.name}, run ${i + 1} (times in config time; time scale ${F})`);
    io.out('\nacesim as the VIP:');
    io.out(timingTable([out.acesim]));
    io.out('\nHAProxy as the VIP (acesim export --to haproxy; predictions are the ACE\'s):');
    io.out(timingTable([out.haproxy]));
    io.out('\nside by side:');
    io.out(engineTable(out.rows));
  }
  if (o.format === 'json') io.out(JSON.stringify({ scenario: sc.name, timeScale: F, runs: json }, null, 2));
  return allOk ? EXIT_OK : EXIT_FINDINGS;
}
