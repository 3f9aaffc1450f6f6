import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import type { Stamped } from '../../../src/core/event-bus.js';
import { ProbeEngine } from '../../../src/probes/probe-engine.js';
import type { ProbeEvent, ProbeInstance } from '../../../src/probes/types.js';
import { FakeProber } from '../../fakes/fake-prober.js';
import type { FakeScript } from '../../fakes/fake-prober.js';
import { REF, instanceFor, probe } from '../../fakes/probe-fixtures.js';

type StateEv = Extract<ProbeEvent, { type: 'probe.state' }> & Stamped;

function rig(script: FakeScript, inst: ProbeInstance, options = {}) {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const states: StateEv[] = [];
  const results: (Extract<ProbeEvent, { type: 'probe.result' }> & Stamped)[] = [];
  bus.on('probe.state', (e) => states.push(e));
  bus.on('probe.result', (e) => results.push(e));
  const prober = new FakeProber(clock, script);
  const engine = new ProbeEngine({ clock, prober, bus, options });
  engine.start([inst]);
  return { clock, bus, states, results, prober, engine };
}

const transitions = (s: StateEv[]) => s.map((e) => `${e.from}->${e.to}@${e.atMs}`);

// PROBE-HTTP-80 of the reference config: interval 10 s, passdetect interval 45 s,
// faildetect 3 (default), passdetect count 3 (default), receive 2 s, open 2 s.
const http80 = () => instanceFor(REF['PROBE-HTTP-80'](), '10.0.200.50', 80, { farm: 'SFARM-TMS-WEB-80', rserver: 'TMS01' });

t.test('dead server (connection refused): FAILED at the third attempt, 20 s after start', async (t) => {
  const r = rig(() => ({ delayMs: 0, ok: false, cause: 'L4_REFUSED' }), http80());
  await r.clock.runUntilAsync(100_000);
  r.engine.stop();
  t.same(r.prober.startsOf(http80().id).slice(0, 5), [0, 10_000, 20_000, 30_000, 75_000], 'interval while INIT, passdetect interval once FAILED');
  t.same(transitions(r.states), ['INIT->FAILED@20000']);
  t.equal(r.states[0]!.cause, 'L4_REFUSED');
  const snap = r.engine.snapshot().instances[0]!;
  t.equal(snap.health, 'FAILED');
  t.equal(snap.counters.probes, 5);
  t.equal(snap.counters.failed, 5);
  t.equal(snap.counters.failedStates, 1);
  t.equal(snap.lastFailMs, 75_000);
});

t.test('blackholed server (open timeout 2 s): FAILED at 22 s', async (t) => {
  const r = rig(() => ({ delayMs: 2_000, ok: false, cause: 'L4_OPEN_TIMEOUT' }), http80());
  await r.clock.runUntilAsync(60_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->FAILED@22000']);
  t.same(r.prober.startsOf(http80().id), [0, 10_000, 20_000, 30_000], 'starts stay on the start-to-start grid');
  t.same(r.results.map((e) => e.atMs), [2_000, 12_000, 22_000, 32_000]);
});

t.test('hanging server (receive timeout 2 s): FAILED at 22 s with L7_RECEIVE_TIMEOUT', async (t) => {
  const r = rig(() => ({ delayMs: 2_000, ok: false, cause: 'L7_RECEIVE_TIMEOUT' }), http80());
  await r.clock.runUntilAsync(30_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->FAILED@22000']);
  t.equal(r.states[0]!.cause, 'L7_RECEIVE_TIMEOUT');
});

t.test('recovery: down until 25 s, then three passdetect successes 45 s apart', async (t) => {
  const r = rig((_i, at) => (at < 25_000 ? { delayMs: 0, ok: false } : { delayMs: 5, ok: true, status: 200 }), http80());
  await r.clock.runUntilAsync(200_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->FAILED@20000', 'FAILED->PASSED@120005']);
  t.same(r.prober.startsOf(http80().id).slice(0, 7), [0, 10_000, 20_000, 30_000, 75_000, 120_000, 165_000]);
  const snap = r.engine.snapshot().instances[0]!;
  t.equal(snap.lastActiveMs, 120_005);
  t.equal(snap.lastStatus, 200);
  t.equal(snap.counters.passedStates, 1);
});

t.test('first success moves INIT to PASSED at once; a flapping server never reaches faildetect', async (t) => {
  // fail, fail, ok, fail, fail, ok … never three consecutive failures.
  const r = rig((_i, _at, n) => ({ delayMs: 1, ok: n % 3 === 0 }), http80());
  await r.clock.runUntilAsync(120_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->PASSED@20001']);
  t.equal(r.engine.snapshot().instances[0]!.health, 'PASSED');
});

t.test('flapping that does reach faildetect: PASSED → FAILED → PASSED with exact times', async (t) => {
  // Up for the first 15 s, down 15–45 s, up again afterwards.
  const up = (at: number) => at < 15_000 || at >= 45_000;
  const r = rig((_i, at) => ({ delayMs: 0, ok: up(at) }), http80());
  await r.clock.runUntilAsync(200_000);
  r.engine.stop();
  // Failures at 20, 30, 40 s → FAILED at 40 s; next at 50 s (interval, attempt began while PASSED),
  // then 95 s and 140 s: three passes → PASSED at 140 s.
  t.same(transitions(r.states), ['INIT->PASSED@0', 'PASSED->FAILED@40000', 'FAILED->PASSED@140000']);
});

t.test('in-flight rule: receive 20 s with interval 10 s never overlaps attempts', async (t) => {
  // CITIES-PROBE-TCP-443: interval 10, receive 20, open 20.
  const inst = instanceFor(REF['CITIES-PROBE-TCP-443'](), '10.0.200.50', 443);
  const r = rig(() => ({ delayMs: 20_000, ok: false, cause: 'L7_RECEIVE_TIMEOUT' }), inst);
  await r.clock.runUntilAsync(70_000);
  r.engine.stop();
  t.same(r.prober.startsOf(inst.id), [0, 20_000, 40_000, 60_000], 'the next attempt starts when the previous one ends');
  t.equal(r.prober.maxInFlight.get(inst.id), 1, 'never two attempts at once');
  t.same(transitions(r.states), ['INIT->FAILED@60000']);
});

t.test("option nextDelayFrom 'after-result' uses passdetect interval right after the failing attempt", async (t) => {
  const r = rig(() => ({ delayMs: 0, ok: false }), http80(), { nextDelayFrom: 'after-result' });
  await r.clock.runUntilAsync(70_000);
  r.engine.stop();
  t.same(r.prober.startsOf(http80().id), [0, 10_000, 20_000, 65_000]);
});

t.test('option initPassRequiresPassdetectCount needs 3 successes to leave INIT', async (t) => {
  const r = rig(() => ({ delayMs: 0, ok: true }), http80(), { initPassRequiresPassdetectCount: true });
  await r.clock.runUntilAsync(30_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->PASSED@20000']);
});

t.test('stop() cancels timers and ignores late results; disabled instances are never probed', async (t) => {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const seen: ProbeEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  const prober = new FakeProber(clock, () => ({ delayMs: 5_000, ok: true }));
  const engine = new ProbeEngine({ clock, prober, bus });
  const on = http80();
  const off = { ...instanceFor(probe('P2', 'tcp'), '10.0.0.9', 80), enabled: false };
  engine.start([on, off]);
  await clock.runUntilAsync(1_000);
  t.equal(prober.starts.length, 1, 'only the enabled instance started');
  engine.stop();
  await clock.runUntilAsync(100_000);
  t.equal(prober.starts.length, 1, 'nothing ran after stop');
  t.equal(seen.length, 0, 'the aborted attempt published nothing');
  t.equal(clock.nextDeadline(), undefined, 'no live timer left');
  const snap = engine.snapshot();
  t.same(snap.instances.map((i) => i.health), ['INIT', 'DISABLED']);
});

t.test('disable/enable at runtime', async (t) => {
  const r = rig(() => ({ delayMs: 0, ok: true }), http80());
  await r.clock.runUntilAsync(15_000);
  r.engine.disable(http80().id);
  await r.clock.runUntilAsync(50_000);
  t.same(r.prober.startsOf(http80().id), [0, 10_000]);
  r.engine.enable(http80().id);
  await r.clock.runUntilAsync(50_000);
  r.engine.stop();
  t.same(transitions(r.states), ['INIT->PASSED@0', 'PASSED->DISABLED@15000', 'DISABLED->INIT@50000', 'INIT->PASSED@50000']);
});

t.test('member verdict: AND by default, OR with fail-on-all, INIT optimistic', async (t) => {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const a = instanceFor(probe('A', 'tcp', { intervalMs: 10_000 }), '10.0.0.1', 80);
  const b = instanceFor(probe('B', 'tcp', { intervalMs: 10_000 }), '10.0.0.1', 81);
  const prober = new FakeProber(clock, (i) => ({ delayMs: 0, ok: i.key.probe === 'A' }));
  const engine = new ProbeEngine({ clock, prober, bus });
  engine.start([a, b]);
  t.equal(engine.memberVerdict([a.id, b.id], false), 'PASS', 'both INIT count as operational');
  await clock.runUntilAsync(25_000);
  t.equal(engine.health(b.id), 'FAILED');
  t.equal(engine.memberVerdict([a.id, b.id], false), 'FAIL', 'AND: one failed probe fails the real');
  t.equal(engine.memberVerdict([a.id, b.id], true), 'PASS', 'OR (fail-on-all): one passing probe keeps it');
  engine.stop();
});

t.test('a spread start staggers first attempts deterministically', async (t) => {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const prober = new FakeProber(clock, () => ({ delayMs: 0, ok: true }));
  const engine = new ProbeEngine({ clock, prober, bus, startSpreadMs: 2_000 });
  const insts = [0, 1, 2, 3].map((i) => instanceFor(probe(`P${i}`, 'tcp'), '10.0.0.1', 80 + i));
  engine.start(insts);
  await clock.runUntilAsync(1_999);
  engine.stop();
  t.same(prober.starts.map((s) => s.atMs), [0, 500, 1_000, 1_500]);
});
