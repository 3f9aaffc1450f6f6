// VIP listener planning: in-service classes on interfaces that are up, one
// listener per (address, protocol, port), ranges capped, warnings not throws.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { pickContext, planVipListeners } from '../../../src/runtime/vip-plan.js';

t.test('the reference TMS config (examples/): four listeners on VLAN 200 with ACL ALL', async (t) => {
  const { model } = compileConfig(readFileSync('examples/tms-ace.conf', 'utf8'), 'tms-ace.conf');
  const ctx = pickContext(model.contexts)!;
  const plan = planVipListeners(ctx);
  t.same(plan.listeners.map((l) => `${l.vipClass} ${l.protocol} ${l.address}:${l.port}`).sort(), [
    'L4-CLASS-TMS-WEB-161 udp 10.0.200.40:161',
    'L4-CLASS-TMS-WEB-162 udp 10.0.200.40:162',
    'L4-CLASS-TMS-WEB-443 tcp 10.0.200.40:443',
    'L4-CLASS-TMS-WEB-80 tcp 10.0.200.40:80',
  ]);
  t.same(plan.listeners[0]!.vlans, [200]);
  t.equal(plan.listeners[0]!.acls[0]?.name, 'ALL');
  t.same(plan.warnings, []);
});

const cfg = (body: string) => compileConfig(body, 'x.conf').model.contexts[0]!;

t.test('out of service, shut down, any port, protocol numbers, ranges, duplicates', async (t) => {
  const ctx = cfg(`class-map match-any A
  2 match virtual-address 127.0.0.10 tcp range 9000 9100
  3 match virtual-address 127.0.0.10 any
  4 match virtual-address 127.0.0.10 50
class-map match-all B
  2 match virtual-address 127.0.0.10 tcp eq 9000
class-map match-all C
  2 match virtual-address 127.0.0.11 udp eq 53
class-map match-all D
  2 match virtual-address 127.0.0.12 tcp eq 80
policy-map multi-match P
  class A
    loadbalance vip inservice
  class B
    loadbalance vip inservice
  class C
policy-map multi-match Q
  class D
    loadbalance vip inservice
interface vlan 10
  service-policy input P
  no shutdown
interface vlan 20
  service-policy input Q
`);
  const plan = planVipListeners(ctx, { maxPerRange: 8 });
  t.same(plan.listeners.map((l) => `${l.vipClass} ${l.protocol} ${l.port}`), ['A tcp 9000', 'A tcp 9001', 'A tcp 9002', 'A tcp 9003', 'A tcp 9004', 'A tcp 9005', 'A tcp 9006', 'A tcp 9007']);
  const w = plan.warnings.join('\n');
  t.match(w, /port range 9000-9100 has 101 ports; acesim listens on the first 8/);
  t.match(w, /VIP A .*matches any port/);
  t.match(w, /IP protocol 50 is not proxied/);
  t.match(w, /VIP B .*already served by VIP A/);
  t.match(w, /VIP C .*out of service/);
  t.match(w, /VIP D .*shut down/);
  t.match(w, /no interface applying it has `access-group input`/);
});
