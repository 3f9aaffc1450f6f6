// Fidelity: the reference crash scenario at time scale 10 with acesim and
// with HAProxy (the exported config) as the VIP. Both detections land in the
// ACE's predicted window and agree within the bound engine-compare.ts derives
// from the probe settings (one `inter` of the probe HAProxy runs, plus
// scheduling slack). Skipped with the reason when haproxy is not installed.
// ~25 s on loopback (two runs of 80 s config time at ×10).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { haproxyAvailable } from '../../../src/lab/engine-haproxy.js';
import { detectionBoundMs } from '../../../src/lab/engine-compare.js';
import { runFidelity } from '../../../src/lab/fidelity.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { selfSignedCert } from '../../../src/lab/tls-cert.js';
import { ROOT } from '../../unit/config/helpers.js';

const F = 10;
const SCENARIO = `
name: fidelity crash
map: ["10.0.0.0/8=127.0.0.0/8"]
portOffset: 26000
timeScale: ${F}
duration: 80s
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 12
  clientRange: 127.0.102.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0.2 }
  traps: { perClientPerSecond: 0 }
timeline:
  - at: 20s
    crash: tms01
  - at: 60s
    recover: tms01
`;

const available = await haproxyAvailable();
t.test('acesim and HAProxy detect the crash alike', { skip: available ? false : 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)' }, async (t) => {
  const sc = parseScenario(SCENARIO, 'fidelity.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf');
  const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!map.ok) throw new Error(map.message);
  const model = applyAddressMap(c.model, [map.mapping], 26000).model;
  const tls = selfSignedCert();
  const out = await runFidelity({ scenario: sc.value, model, portOffset: 26000, timeScale: F, clock: new RealClock(), ...(tls ? { tls } : {}) });
  if (!out.ok) throw new Error(out.message);
  const ctx = model.contexts.find((x) => x.serverfarms.length > 0)!;
  const farms = tls ? ['SFARM-TMS-WEB-80', 'SFARM-TMS-WEB-443'] : ['SFARM-TMS-WEB-80'];
  // A loaded machine makes acesim's probes late and its verdicts false; its run says so in its notes.
  const why = out.acesim.notes.length > 0 ? ` (acesim's run: ${out.acesim.notes.join(' / ')})` : '';
  for (const farm of farms) {
    const a = out.acesim.metrics.detectionByFarmMs[farm];
    const h = out.haproxy.metrics.detectionByFarmMs[farm];
    const bound = detectionBoundMs(ctx, farm, F)!;
    t.ok(a !== undefined && h !== undefined, `${farm}: both engines detected (acesim ${a} ms, haproxy ${h} ms)`);
    t.ok(Math.abs(a! - h!) <= bound, `${farm}: |${a} − ${h}| ≤ ${bound} ms${why}`);
    // Probe config: interval 10 s, faildetect 3, refused at once → the ACE window [20 s, 30 s].
    const slack = 0.1 * 30_000 + 200 * F;
    t.ok(h! >= 20_000 - slack && h! <= 30_000 + slack, `${farm}: HAProxy detection ${h} ms within the ACE window 20–30 s ± ${slack}`);
  }
  t.ok(out.haproxy.metrics.failoverMs !== null, 'tms01 clients moved to tms02 behind HAProxy');
  t.ok(out.rows.filter((r) => r.measurement.startsWith('  in ')).every((r) => r.ok), JSON.stringify(out.rows));
});
