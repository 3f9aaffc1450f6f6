// The FT pair in virtual time on the same scenario files the real-time pair
// labs run (examples/scenarios/balancer-kill.yaml, ft-tracked-host.yaml): the
// simulated takeover after a kill lies within interval × count of the
// heartbeat (less the interval in flight), no replicated sticky entry is
// lost, the duplicate-active time is the FT-link cut's alone, and the
// tracked-host fault moves the VIPs once the gateway's probe has failed.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { pickContext } from '../../../src/runtime/vip-plan.js';
import { compilePairPlan, pairReportText, simulatePair } from '../../../src/sim/sim-pair.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function load(scenario: string) {
  const file = resolve(ROOT, 'examples/scenarios', scenario);
  const sc = parseScenario(readFileSync(file, 'utf8'), file);
  const c = compileConfig(readFileSync(resolve(dirname(file), sc.value.config!), 'utf8'), sc.value.config!);
  const ctx = pickContext(c.model.contexts)!;
  const pp = compilePairPlan(c.model, ctx, sc.value);
  if (typeof pp === 'string') throw new Error(pp);
  return pp;
}

t.test('balancer-kill.yaml in virtual time: takeover vs 300 ms × 10, stickiness, duplicate-active only while cut', async (t) => {
  const pp = load('balancer-kill.yaml');
  const { report } = await simulatePair(pp, 6, 7);
  t.comment(pairReportText(report).join('\n'));
  const [kill, restart, cut, restore] = report.faults;
  t.equal(kill?.kind, 'kill active');
  const detect = 300 * 10;
  // The last heartbeat heard left up to one interval before the kill (plus the FT latency).
  t.ok(kill!.takeoverMs!.min >= detect - 300 && kill!.takeoverMs!.max <= detect + 10, `takeover ${kill!.takeoverMs!.min}–${kill!.takeoverMs!.max} ms within (detect − interval, detect]`);
  t.equal(kill!.stickyKept, kill!.stickyClients, `every client kept its node (${kill!.stickyKept}/${kill!.stickyClients})`);
  t.ok(kill!.stickyClients >= 6 * 100, 'most clients were seen before and after in every run');
  t.ok(kill!.lostRequests.max > 0, 'requests in the detection window are lost');
  t.equal(restart?.kind, 'restart primary');
  t.ok(restart!.takeoverMs !== null, 'the primary came back and preempted');
  t.equal(restart!.stickyKept, restart!.stickyClients, 'the returning member synced before preempting');
  // The old active releases the VIPs when it steps down; the new one serves one FT message (1 ms) later.
  t.ok(restart!.lostRequests.max <= 1, 'a preemption hand-over loses at most a request in flight in that millisecond');
  t.equal(cut?.kind, 'cut-ft-link');
  t.equal(restore?.kind, 'restore-ft-link');
  // Split brain lasts from detection after the cut to the first heartbeat after the restore.
  t.ok(report.duplicateActiveMs!.min >= 30_000 - detect - 300 && report.duplicateActiveMs!.max <= 30_000 - detect + 300 + 10, `duplicate-active ${report.duplicateActiveMs!.p50} ms ≈ the 30 s cut less detection`);
});

t.test('ft-tracked-host.yaml in virtual time: the gateway probe fails, preemption moves the VIPs and brings them back', async (t) => {
  const pp = load('ft-tracked-host.yaml');
  const { report } = await simulatePair(pp, 6, 3);
  t.comment(pairReportText(report).join('\n'));
  const [down, up] = report.faults;
  t.equal(down?.kind, 'tracked-host-down active (primary)');
  // GW-PROBE interval 2 s, faildetect 2, refused at once: the priority drops within two probe intervals;
  // the standby's next heartbeat (≤ 300 ms) then makes the active step down.
  t.ok(down!.takeoverMs!.max <= 2 * 2_000 + 300 + 10 && down!.takeoverMs!.min > 0, `takeover ${down!.takeoverMs!.min}–${down!.takeoverMs!.max} ms`);
  t.equal(down!.stickyKept, down!.stickyClients);
  t.equal(up?.kind, 'tracked-host-up');
  // Back up after passdetect count (3) good probes at passdetect interval 2 s, then one heartbeat.
  t.ok(up!.takeoverMs !== null && up!.takeoverMs.max <= 3 * 2_000 + 300 + 10, `the primary preempts back once its probe passes (${up!.takeoverMs?.max} ms)`);
  t.equal(report.duplicateActiveMs!.max, 0, 'never two actives');
  t.same(report.notes, []);
});
