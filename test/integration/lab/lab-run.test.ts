// A short, time-scaled crash experiment on the reference config: each
// measurement lands in the window the probes predict, and the nodes see every
// client's own address (bind-client transparency). ~6 s on loopback.
import t from 'tap';
import { timingTable } from '../../../src/lab/report-text.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { runLab } from '../../../src/lab/lab-run.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { selfSignedCert } from '../../../src/lab/tls-cert.js';
import { ROOT } from '../../unit/config/helpers.js';

const SCENARIO = `
name: quick crash
map: ["10.0.0.0/8=127.0.0.0/8"]
portOffset: 23000
timeScale: 10
duration: 50s
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 12
  clientRange: 127.0.101.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0.2 }
  traps: { perClientPerSecond: 0.2 }
timeline:
  - at: 15s
    crash: tms01
expect:
  maxSourceMismatches: 0
`;

t.test('crash at time scale 10: detection within the predicted window, no source mismatches', async (t) => {
  const sc = parseScenario(SCENARIO, 'quick.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf');
  const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!map.ok) throw new Error(map.message);
  const model = applyAddressMap(c.model, [map.mapping], 23000).model;
  const tls = selfSignedCert();
  const out = await runLab({ scenario: sc.value, model, portOffset: 23000, timeScale: 10, clock: new RealClock(), ...(tls ? { tls } : {}) });
  if (!out.ok) throw new Error(out.message);
  const r = out.result;
  t.ok(r.predicted.detectionMs, 'a detection window is predicted');
  const det = r.checks.find((c) => c.name === 'detection');
  t.ok(det?.ok, `detection ${r.metrics.detectionMs} ms within ${JSON.stringify(r.predicted.detectionMs)} ± ${det?.tolerance}`);
  t.equal(r.metrics.sourceMismatches, 0);
  t.ok(r.metrics.requests > 50, `requests flowed (${r.metrics.requests})`);
  t.ok(r.metrics.traps > 10, `traps flowed (${r.metrics.traps})`);
  t.ok(r.metrics.failoverMs !== null, 'tms01 clients moved to tms02');
  // Nothing is lost on tms02's side: failures only around the crash.
  t.ok(r.metrics.lostRequests < r.metrics.requests / 5, `few lost (${r.metrics.lostRequests}/${r.metrics.requests})`);
  t.ok(r.checks.every((c) => c.ok), JSON.stringify(r.checks));
  // The balancer's probe lateness, in config time (real × 10): measured on every attempt.
  t.type(r.probes.worstStartLagMs, 'number', 'the worst probe start lag is reported');
  t.ok(r.probes.worstStartLagMs! >= 0 && r.probes.worstStartLagMs! % 10 === 0, `config time, a multiple of the time scale (${r.probes.worstStartLagMs} ms)`);
  t.match(timingTable([r]), /worst probe start lag +\d+\.\d s +< 1\.0 s +(ok|LATE)/);
  t.equal(
    r.notes.some((n) => n.startsWith('probe attempts started up to')),
    r.probes.worstStartLagMs! >= 1_000,
    'a note exactly when the lateness reaches 1 s of config time',
  );
});
