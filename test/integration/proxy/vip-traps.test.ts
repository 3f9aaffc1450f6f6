// VIP-state traps end to end: a runtime with `snmp-server enable traps slb
// vserver` sends ciscoSlbVServerStateChange to a net-snmp receiver on loopback
// when its only node dies (VIP DOWN) and when it comes back (VIP UP); with
// only `slb real` enabled, no VIP trap is sent.
import t from 'tap';
import snmp from 'net-snmp';
import type { ReceivedNotification } from 'net-snmp';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { SLB_VSERVER_OIDS, SLB_VSERVER_STATE_CHANGE_OID } from '../../../src/farm/vip-traps.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { TmsNode, waitFor } from './tms-nodes.js';

const HTTP = 35010;
const VIP = '127.0.140.40';
const NODE = '127.0.140.50';
const TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';

function config(trapPort: number, enable: string): string {
  return `
snmp-server host 127.0.0.1 traps version 2c vipcommunity udp-port ${trapPort}
snmp-server enable traps ${enable}
probe http FAST
  port ${HTTP}
  interval 2
  faildetect 1
  passdetect interval 2
  passdetect count 1
  open 1
  receive 1
  request method get url /tms
  expect status 200 499
rserver host N1
  ip address ${NODE}
  inservice
serverfarm host FARM
  probe FAST
  rserver N1
    inservice
class-map match-all VIP-WEB
  2 match virtual-address ${VIP} tcp eq ${HTTP}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm FARM
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.140.2 255.255.255.0
  service-policy input VIPS
  no shutdown
`;
}

type Test = Pick<typeof t, "same" | "teardown" | "ok">;

async function run(t: Test, trapPort: number, enable: string): Promise<ReceivedNotification[]> {
  const got: ReceivedNotification[] = [];
  const receiver = snmp.createReceiver({ port: trapPort, address: '127.0.0.1' }, (err, n) => {
    if (!err && n) got.push(n);
  });
  receiver.getAuthorizer().addCommunity('vipcommunity');
  t.teardown(() => receiver.close());
  const node = new TmsNode('n1', NODE);
  await node.start({ http: HTTP });
  t.teardown(() => node.stop());
  const c = compileConfig(config(trapPort, enable), 'inline.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles');
  const created = createRuntime({ model: c.model, clock: new RealClock(), drainMs: 200 });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  await rt.start();
  t.teardown(() => rt.stop());
  t.ok(await waitFor(() => rt.balancer.vipState('VIP-WEB') === 'UP', 5000), 'VIP up while the node answers');
  await node.stop();
  t.ok(await waitFor(() => rt.balancer.vipState('VIP-WEB') === 'DOWN', 8000), 'VIP down after the probe verdict');
  await node.start({ http: HTTP });
  t.ok(await waitFor(() => rt.balancer.vipState('VIP-WEB') === 'UP', 8000), 'VIP up again after the node returns');
  // Traps are sent asynchronously; give the last one time to arrive.
  await waitFor(() => got.filter(isVipTrap).length >= 2, 2000);
  return got;
}

function isVipTrap(n: ReceivedNotification): boolean {
  return n.pdu.varbinds.some((v) => v.oid === TRAP_OID && v.value === SLB_VSERVER_STATE_CHANGE_OID);
}

t.test('slb vserver traps follow the VIP state', async (t) => {
  const got = await run(t, 35011, 'slb vserver');
  const vip = got.filter(isVipTrap);
  t.equal(vip.length, 2, 'one trap for DOWN, one for UP');
  const state = (n: ReceivedNotification) => n.pdu.varbinds.find((v) => v.oid === `${SLB_VSERVER_OIDS.state}.1.1`)?.value;
  const cls = (n: ReceivedNotification) => String(n.pdu.varbinds.find((v) => v.oid === `${SLB_VSERVER_OIDS.classMap}.1.1`)?.value);
  const pol = (n: ReceivedNotification) => String(n.pdu.varbinds.find((v) => v.oid === `${SLB_VSERVER_OIDS.policyMap}.1.1`)?.value);
  t.same(vip.map(state), [4, 2], 'inOperReal (DOWN), then inService (UP)');
  t.same(vip.map(cls), ['VIP-WEB', 'VIP-WEB']);
  t.same(vip.map(pol), ['VIPS', 'VIPS']);
});

t.test('slb real alone sends no VIP trap', async (t) => {
  const got = await run(t, 35012, 'slb real');
  t.equal(got.filter(isVipTrap).length, 0, 'no ciscoSlbVServerStateChange');
  t.ok(got.length >= 2, 'the real-server traps still arrive');
});
