// The runtime plans its probe instances once and asks `proberFor` with their
// number (how `acesim run --probe-threads auto` sizes its prober threads):
// called once, with the count the context plans, and the prober it returns
// runs every planned instance. A given `prober` wins over `proberFor`.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { planProbeInstances } from '../../../src/probes/instances.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { pickContext } from '../../../src/runtime/vip-plan.js';
import { FakeProber } from '../../fakes/fake-prober.js';

const VIP = '127.0.210.20';
const PORT = 40020;

// Three reals under two probes on the farm, one of them also probed on its own: 3 × 2 + 1 instances.
const CONFIG = `
access-list ALL line 10 extended permit ip any any
probe tcp P1
  interval 5
probe tcp P2
  interval 5
probe icmp P3
  interval 5
rserver host R1
  ip address 127.0.210.21
  inservice
rserver host R2
  ip address 127.0.210.22
  inservice
rserver host R3
  ip address 127.0.210.23
  inservice
serverfarm host F
  probe P1
  probe P2
  rserver R1 ${PORT}
    inservice
  rserver R2 ${PORT}
    probe P3
    inservice
  rserver R3 ${PORT}
    inservice
class-map match-all V
  2 match virtual-address ${VIP} tcp eq ${PORT}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm F
policy-map multi-match VIPS
  class V
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.210.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

function compiled() {
  const c = compileConfig(CONFIG, 'inline.conf');
  const ctx = pickContext(c.model.contexts, undefined);
  if (!ctx) throw new Error('no context with a VIP');
  return { model: c.model, planned: planProbeInstances(ctx), errors: c.diagnostics.filter((d) => d.severity === 'error') };
}

t.test('proberFor: asked once, with the planned count; its prober runs every planned instance', async (t) => {
  const { model, planned, errors } = compiled();
  t.same(errors, [], 'config compiles');
  t.equal(planned.length, 7, 'the config plans 3 × 2 + 1 instances');
  const clock = new VirtualClock();
  const prober = new FakeProber(clock, () => ({ delayMs: 10, ok: true }));
  const asked: number[] = [];
  const created = createRuntime({
    model,
    clock,
    drainMs: 0,
    proberFor: (n) => {
      asked.push(n);
      return prober;
    },
  });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  t.same(asked, [planned.length], 'asked at construction, once');
  const started = await rt.start();
  t.teardown(() => rt.stop());
  t.same(started.failures, [], 'the VIP listens');
  await clock.runUntilAsync(6_000);
  t.same(asked, [planned.length], 'start() asked nothing more');
  t.same([...new Set(prober.starts.map((s) => s.id))].sort(), planned.map((i) => i.id).sort(), 'the chosen prober probes exactly the planned instances');
});

t.test('a given prober wins: proberFor is never asked', async (t) => {
  const { model } = compiled();
  const clock = new VirtualClock();
  const asked: number[] = [];
  const created = createRuntime({ model, clock, prober: new FakeProber(clock, () => ({ delayMs: 10, ok: true })), proberFor: (n) => (asked.push(n), new FakeProber(clock, () => ({ delayMs: 10, ok: true }))) });
  t.ok(created.ok);
  t.same(asked, []);
});
