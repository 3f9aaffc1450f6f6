// Fidelity: the simulated medians of detection and failover agree with the
// lab's (real sockets on loopback, time scale 10) within 10 % or the probe
// timing granularity. One short crash scenario on the reference config, two
// lab runs (about 5 s of wall time each).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { compileConfig } from '../../../src/config/compile.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { compareWithLab } from '../../../src/sim/fidelity.js';
import { ROOT } from '../../unit/config/helpers.js';

const SCENARIO = `
name: fidelity crash
map: ["10.0.0.0/8=127.0.0.0/8"]
portOffset: 25000
timeScale: 10
duration: 50s
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 12
  clientRange: 127.0.102.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0.2 }
timeline:
  - at: 15s
    crash: tms01
`;

t.test('simulated medians agree with the lab within 10 % (or 1 s)', async (t) => {
  const sc = parseScenario(SCENARIO, 'fidelity.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf');
  const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!map.ok) throw new Error(map.message);
  const model = applyAddressMap(c.model, [map.mapping], 25000).model;
  const out = await compareWithLab({ model, scenario: sc.value, portOffset: 25000, timeScale: 10, labRuns: 2, simRuns: 30 });
  if (!out.ok) throw new Error(out.message);
  for (const r of out.rows) {
    t.ok(r.ok, `${r.measure}: lab median ${r.labMedianMs} ms (${r.labRuns} runs), simulated ${r.simMedianMs} ms (${r.simRuns} runs), bound ±${r.boundMs} ms`);
  }
});
