// How far `acesim lab --time-scale` can go on this machine: the reference
// config with two healthy simulated nodes and 50 clients (no fault at all),
// run at several scales for about the same real time each. Every failed probe
// attempt and every FAILED verdict here is false (nothing was broken), so the
// rates say where the scaled open/receive timeouts become too short for the
// machine. The lab's time-scale guard (src/lab/time-scale.ts) takes its floors
// from these figures. Writes its section of docs/BENCHMARKS.md.
// Usage: node dist/bench/lab-time-scale.js [SCALES=10,20,50] [REAL_SECONDS=15]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyAddressMap, parseAddressMapping } from '../src/config/address-map.js';
import { compileConfig } from '../src/config/compile.js';
import { RealClock } from '../src/core/real-clock.js';
import { runLab } from '../src/lab/lab-run.js';
import { parseScenario } from '../src/lab/scenario.js';
import { smallestTiming } from '../src/lab/time-scale.js';
import { selfSignedCert } from '../src/lab/tls-cert.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scales = (process.argv[2] ?? '10,20,50').split(',').map(Number);
const realSeconds = Number(process.argv[3] ?? 15);
const OFFSET = 26000;

const file = resolve(ROOT, 'examples/scenarios/no-fault.yaml');
const sc = parseScenario(readFileSync(file, 'utf8'), file).value;
const compiled = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf');
const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
if (!map.ok) throw new Error(map.message);
const model = applyAddressMap(compiled.model, [map.mapping], OFFSET).model;
const ctx = model.contexts.find((c) => c.rservers.length > 0)!;
const tls = selfSignedCert();
const smallest = smallestTiming(ctx);

const rows: string[] = [];
for (const F of scales) {
  const load = loadavg()[0]!.toFixed(2);
  const out = await runLab({ scenario: { ...sc, durationMs: realSeconds * 1000 * F }, model, portOffset: OFFSET, timeScale: F, clock: new RealClock(), ...(tls ? { tls } : {}) });
  if (!out.ok) throw new Error(out.message);
  const r = out.result;
  const causes = Object.entries(r.probes.failedByCause).map(([c, n]) => `${c} ${n}`).join(', ') || '—';
  const rate = r.probes.attempts > 0 ? (100 * r.probes.failed) / r.probes.attempts : 0;
  const line = `| ×${F} | ${Math.max(1, Math.round(smallest.ms / F))} ms | ${r.probes.attempts} | ${r.probes.failed} (${rate.toFixed(2)} %) | ${causes} | ${r.falseFailures.length} | ${r.metrics.lostRequests}/${r.metrics.requests} | ${load} |`;
  console.log(line);
  rows.push(line);
}

const body = `The reference config (examples/tms-ace.conf) with two healthy simulated nodes and 50 clients
(examples/scenarios/no-fault.yaml), ${realSeconds} s of real time per scale. Nothing is broken, so every failed
probe attempt and every FAILED verdict is false: the scaled timeouts were too short for the machine.
The smallest probe timing of the config is ${smallest.ms} ms (${smallest.probe} ${smallest.field}); the second column is
that timing after scaling.

| scale | smallest scaled timing | probe attempts | failed attempts | causes | false FAILED verdicts | client requests lost | load (1 min) before |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The lab warns (SCENARIO_TIME_SCALE) when a scale takes the smallest timing under the safe floor, and
refuses (SCENARIO_TIME_SCALE_LIMIT, unless --force-time-scale) under the hard floor; see docs/lab.md.`;
writeSection('lab-time-scale', 'Lab time scale: false probe failures with no fault (acesim lab)', body);
console.log('written: docs/BENCHMARKS.md (lab-time-scale)');
