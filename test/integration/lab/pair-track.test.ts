// `acesim lab` with an FT pair and host tracking: the active member's tracked
// gateway goes down (the lab's tracked-host fault), its net priority drops
// below the standby's and preemption moves the VIPs; the gateway returns and
// the primary takes the group back. Real processes, real sockets, time scale
// 5, on the example scenario with this test's own addresses and ports.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseScenario } from '../../../src/lab/scenario.js';
import { runLab } from '../../../src/lab/lab-run.js';
import { compileConfig } from '../../../src/config/compile.js';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { RealClock } from '../../../src/core/real-clock.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OFFSET = 32000;

// The example, moved onto this test's range (127.0.130-131.x, ports 32000-33999) and shortened.
const SCENARIO = readFileSync(resolve(ROOT, 'examples/scenarios/ft-tracked-host.yaml'), 'utf8')
  .replace(/^map: .*$/m, 'map: ["10.0.200.0/24=127.0.130.0/24", "192.168.90.0/24=127.0.130.0/24"]')
  .replace(/^portOffset: .*$/m, `portOffset: ${OFFSET}`)
  .replace(/^duration: .*$/m, 'duration: 80s')
  // Time scale 5, not 10: the 2 s gateway probe then keeps 400 ms of real time on a shared machine.
  .replace(/^timeScale: .*$/m, 'timeScale: 5')
  .replace(/^pair: .*$/m, 'pair: { ftPort: 32345 }')
  .replace(/clients: 50/, 'clients: 20')
  .replace(/clientRange: .*/, 'clientRange: 127.0.131.100/24')
  .replace(/http: \{ perClientPerSecond: 0.2 \}/, 'http: { perClientPerSecond: 0.5 }')
  .replace(/https: .*/, 'https: { perClientPerSecond: 0 }')
  .replace(/traps: .*/, 'traps: { perClientPerSecond: 0 }')
  .replace(/at: 60s/, 'at: 25s')
  .replace(/at: 150s/, 'at: 50s');

t.test('the active\u2019s tracked gateway goes down: preemption moves the VIPs; back up: the primary takes them back', async (t) => {
  const sc = parseScenario(SCENARIO, 'ft-tracked-host.yaml');
  t.same(sc.diagnostics, []);
  t.same(sc.value.balancerTimeline.map((e) => `${e.fault} ${e.target ?? ''}`.trim()), ['tracked-host-down active', 'tracked-host-up']);
  const c = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace-ft-track.conf'), 'utf8'), 'tms-ace-ft-track.conf');
  const model = applyAddressMap(c.model, sc.value.maps.map((m) => (parseAddressMapping(m) as { ok: true; mapping: never }).mapping), OFFSET).model;
  const out = await runLab({ scenario: sc.value, model, portOffset: OFFSET, timeScale: 5, clock: new RealClock() });
  if (!out.ok) {
    t.fail(out.message);
    return;
  }
  const pair = out.result.pair!;
  t.ok(pair, 'pair metrics reported');
  t.teardown(() => {
    if (!t.passing()) t.comment(JSON.stringify({ pair, notes: out.result.notes, falseFailures: out.result.falseFailures }, null, 1));
  });
  t.same(out.result.notes.filter((n) => /tracked|timeline/.test(n)), [], 'no fault was skipped');
  const [down, up] = pair.faults;
  t.equal(down?.kind, 'tracked-host-down active (primary)');
  // GW-PROBE: interval 2 s, faildetect 2, refused at once: failed within 2 intervals of the fault, then one heartbeat.
  t.ok(down!.takeoverMs !== null && down!.takeoverMs <= 2 * 2_000 + 2_000, `the secondary took over ${down!.takeoverMs} ms after the gateway died`);
  t.ok(down!.vipGapMs !== null && down!.vipGapMs - down!.takeoverMs! < 2_000, `and served the VIPs ${down!.vipGapMs} ms after it`);
  t.equal(down!.stickyKept, down!.stickyClients, `every client kept its node (${down!.stickyKept}/${down!.stickyClients})`);
  t.ok(down!.stickyClients >= 15);
  t.equal(up?.kind, 'tracked-host-up');
  // passdetect count 3 at 2 s, then a heartbeat: about 6 s; slack for a shared machine.
  t.ok(up!.takeoverMs !== null && up!.takeoverMs <= 3 * 2_000 + 2_000, `the primary preempted back ${up!.takeoverMs} ms after the gateway returned`);
  t.equal(pair.duplicateActiveMs, 0, 'a preemption hand-over never makes two actives');
});
