// `forward` and the state-dependent `loadbalance vip icmp-reply` forms are
// valid ACE that acesim keeps but cannot carry out (it is a proxy, and the
// host answers ping by itself): each gets a positioned ACE_UNSIMULATED, while
// plain `icmp-reply` (what the host does anyway) stays silent.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';

const CONFIG = `access-list ALL line 8 extended permit ip any any
class-map match-all V
  2 match virtual-address 10.0.0.70 tcp eq 80
class-map match-all W
  2 match virtual-address 10.0.0.71 tcp eq 80
policy-map type loadbalance first-match LB
  class class-default
    forward
policy-map multi-match VIPS
  class V
    loadbalance vip inservice
    loadbalance policy LB
    loadbalance vip icmp-reply primary-inservice
  class W
    loadbalance vip inservice
    loadbalance policy LB
    loadbalance vip icmp-reply
interface vlan 100
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

t.test('forward and icmp-reply modes are warned where they stand', async (t) => {
  const r = compileConfig(CONFIG, 'x.conf');
  const un = r.diagnostics.filter((d) => d.code === 'ACE_UNSIMULATED');
  t.same(
    un.map((d) => [d.line, d.col, d.length]),
    [
      [8, 5, 'forward'.length],
      [13, 5, 'loadbalance vip icmp-reply primary-inservice'.length],
    ],
    'one on `forward`, one on `icmp-reply primary-inservice`, none on plain `icmp-reply`',
  );
  const multi = r.model.contexts[0]!.policyMaps.find((p) => p.type === 'multi-match');
  t.same(multi?.type === 'multi-match' ? multi.classes.map((v) => v.icmpReply) : [], ['primary-inservice', 'always'], 'both kept in the model');
});
