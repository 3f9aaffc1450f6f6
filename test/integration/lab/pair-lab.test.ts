// `acesim lab` with an FT pair (scenario `pair:`): the active member is
// SIGKILLed mid-run; the standby takes over within heartbeat × count and no
// client loses its node. Real processes, real sockets, time scale 10.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseScenario } from '../../../src/lab/scenario.js';
import { runLab } from '../../../src/lab/lab-run.js';
import { compileConfig } from '../../../src/config/compile.js';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { RealClock } from '../../../src/core/real-clock.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OFFSET = 27000;

const SCENARIO = `name: pair kill
map: ["10.0.0.0/8=127.0.0.0/8", "192.168.0.0/16=127.168.0.0/16"]
portOffset: ${OFFSET}
timeScale: 10
duration: 100s
reassign: true
pair: { ftPort: 27345 }
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 20
  clientRange: 127.0.105.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0 }
timeline:
  - at: 40s
    kill: active
`;

t.test('the active balancer is killed: takeover within 300 ms × 10, every client keeps its node', async (t) => {
  const sc = parseScenario(SCENARIO, 'pair.yaml');
  t.same(sc.diagnostics, []);
  t.equal(sc.value.balancerTimeline[0]?.fault, 'kill');
  const c = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace-ft.conf'), 'utf8'), 'tms-ace-ft.conf');
  const model = applyAddressMap(c.model, sc.value.maps.map((m) => (parseAddressMapping(m) as { ok: true; mapping: never }).mapping), OFFSET).model;
  const out = await runLab({ scenario: sc.value, model, portOffset: OFFSET, timeScale: 10, clock: new RealClock() });
  if (!out.ok) {
    t.fail(out.message);
    return;
  }
  const pair = out.result.pair!;
  t.ok(pair, 'pair metrics reported');
  const kill = pair.faults[0]!;
  t.equal(kill.kind, 'kill active');
  // Detection is 300 ms × 10 = 3 s of config time after the last heartbeat heard (up to one interval before the kill).
  t.ok(kill.takeoverMs !== null && kill.takeoverMs >= 2_400 && kill.takeoverMs <= 3_600, `takeover ${kill.takeoverMs} ms`);
  t.ok(kill.vipGapMs !== null && kill.vipGapMs - kill.takeoverMs! < 1_000, `VIP bound ${kill.vipGapMs} ms after the kill`);
  t.ok(kill.stickyClients >= 15, `${kill.stickyClients} clients seen before and after`);
  t.equal(kill.stickyKept, kill.stickyClients, 'every client kept its node (replicated sticky entries)');
  t.equal(pair.duplicateActiveMs, 0, 'never two actives outside an FT-link cut');
  t.equal(out.result.metrics.sourceMismatches, 0, 'the nodes saw the clients\u2019 own addresses throughout');
});

t.test('balancer faults in a scenario: positioned diagnostics', async (t) => {
  const bad = parseScenario('name: x\nduration: 60s\nnodes: { a: { rserver: TMS01 } }\ntimeline:\n  - at: 10s\n    kill: primray\n  - at: 20s\n    cut-ft-link: yes please\n', 'bad.yaml');
  const msgs = bad.diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);
  t.match(msgs.join('\n'), /SCENARIO_SCHEMA 6:11 .*expected active, standby, primary, secondary, got "primray"/);
  t.match(msgs.join('\n'), /SCENARIO_SCHEMA 8:18 .*write `cut-ft-link: true`/);
  const noPair = parseScenario('name: x\nduration: 60s\nnodes: { a: { rserver: TMS01 } }\ntimeline:\n  - at: 10s\n    switchover: true\n', 'np.yaml');
  t.match(noPair.diagnostics.map((d) => d.message).join('\n'), /needs a `pair:` section/);
});
