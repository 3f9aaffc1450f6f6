// Fidelity of the HAProxy export: the reference crash scenario
// (examples/scenarios/node-crash.yaml: tms01 crashes at 20 s, recovers at
// 120 s) run with acesim and with HAProxy 2.6 (the exported config) as the
// VIP, N times, side by side: detection per farm, failover, recovery, and the
// ratio HAProxy / acesim. Agreement bound per src/lab/engine-compare.ts.
// Writes its section of docs/BENCHMARKS.md.
// Usage: node dist/bench/haproxy-fidelity.js [RUNS=3] [TIME_SCALE=10]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyAddressMap, parseAddressMapping } from '../src/config/address-map.js';
import { compileConfig } from '../src/config/compile.js';
import { RealClock } from '../src/core/real-clock.js';
import { detectionBoundMs, tcpFailoverMs } from '../src/lab/engine-compare.js';
import { runFidelity } from '../src/lab/fidelity.js';
import { parseScenario } from '../src/lab/scenario.js';
import { selfSignedCert } from '../src/lab/tls-cert.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const runs = Number(process.argv[2] ?? 3);
const F = Number(process.argv[3] ?? 10);
const file = resolve(ROOT, 'examples/scenarios/node-crash.yaml');
const sc = parseScenario(readFileSync(file, 'utf8'), file).value;
const compiled = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf');
const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
if (!map.ok) throw new Error(map.message);
const model = applyAddressMap(compiled.model, [map.mapping], sc.portOffset).model;
const ctx = model.contexts.find((c) => c.serverfarms.length > 0)!;
const tls = selfSignedCert();
const FARMS = ['SFARM-TMS-WEB-80', 'SFARM-TMS-WEB-443'];
/** The lab's tolerance around the ACE window: 10 % of its top + 200 ms × F. */
const tol = 0.1 * 30_000 + 200 * F;

const s = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const ratio = (h: number | null | undefined, a: number | null | undefined): string => (h != null && a != null && a > 0 ? (h / a).toFixed(2) : '—');
const rows: string[] = [];
let agree = 0;
let checked = 0;
for (let i = 1; i <= runs; i++) {
  const load = loadavg()[0]!.toFixed(2);
  const out = await runFidelity({ scenario: sc, model, portOffset: sc.portOffset, timeScale: F, clock: new RealClock(), ...(tls ? { tls } : {}) });
  if (!out.ok) throw new Error(out.message);
  const a = out.acesim.metrics;
  const h = out.haproxy.metrics;
  const fa = tcpFailoverMs(out.acesim);
  const fh = tcpFailoverMs(out.haproxy);
  for (const farm of FARMS) {
    const x = a.detectionByFarmMs[farm];
    const y = h.detectionByFarmMs[farm];
    const b = detectionBoundMs(ctx, farm, F)!;
    const ok = x !== undefined && y !== undefined && Math.abs(x - y) <= b;
    checked++;
    if (ok) agree++;
    // Outside the ACE window [20 s, 30 s] (± the lab tolerance) means a false probe failure, usually an overloaded machine.
    const inWin = (v: number | undefined): string => (v === undefined ? '—' : v >= 20_000 - tol && v <= 30_000 + tol ? 'yes' : 'NO');
    rows.push(`| ${i} | detection in ${farm} | ${s(x)} | ${s(y)} | ${ratio(y, x)} | ≤ ${s(b)} | ${ok ? 'agree' : 'DIFFER'} | ${inWin(x)} / ${inWin(y)} | ${load} |`);
  }
  rows.push(`| ${i} | failover (HTTP/HTTPS clients) | ${s(fa)} | ${s(fh)} | ${ratio(fh, fa)} | | | | ${load} |`);
  rows.push(`| ${i} | recovery | ${s(a.recoveryMs)} | ${s(h.recoveryMs)} | ${ratio(h.recoveryMs, a.recoveryMs)} | | | | ${load} |`);
  rows.push(`| ${i} | requests lost | ${a.lostRequests}/${a.requests} | ${h.lostRequests}/${h.requests} | | | | | ${load} |`);
  console.log(rows.slice(-5).join('\n'));
}

const body = `examples/scenarios/node-crash.yaml on examples/tms-ace.conf (tms01 crashes at 20 s, recovers at 120 s),
time scale ×${F}, ${runs} run(s), each run once with acesim as the VIP and once with HAProxy
${'`'}haproxy -v${'`'} 2.6 running ${'`'}acesim export --to haproxy${'`'} of the same (scaled) model. Times are config time.
The ACE predicts detection in 20–30 s for both TCP farms (interval 10 s × faildetect 3, a refused connect
fails at once). The agreement bound is one ${'`'}inter${'`'} of the probe HAProxy runs plus 200 ms × F of
scheduling slack per engine (src/lab/engine-compare.ts). Recovery is not bounded: HAProxy probes a
recovering server at ${'`'}inter${'`'} after its first success where the ACE waits ${'`'}passdetect interval${'`'}, and the
443 farm's HAProxy check is the fastest of its three probes (docs/export.md). HAProxy has no UDP VIPs,
so traps are not sent in its runs. The load column is the 1-minute load average when the run started
(the machine may have been shared). A detection outside the ACE window (± the lab's tolerance) is a
false probe failure, in either engine: on a loaded machine the scaled timeouts (100 ms at ×10) expire.
Failover counts the HTTP/HTTPS clients only (HAProxy carries no traps); the lab's HAProxy engine
reproduces acesim's connect-failure reassign with \`retries 1\` + \`option redispatch 1\`.

Detection agreed within the bound in ${agree} of ${checked} farm measurements.

| run | measurement | acesim | HAProxy | ratio H/A | bound | verdict | in ACE window (A / H) | load |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}`;
writeSection('haproxy-fidelity', 'Fidelity: acesim vs HAProxy 2.6 on the reference crash', body);
console.log(`agree ${agree}/${checked}; section written to docs/BENCHMARKS.md`);
