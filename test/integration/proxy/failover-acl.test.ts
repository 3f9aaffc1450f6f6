// A small inline ACE config with fast probes (interval 2, faildetect 1) run by
// the BalancerRuntime on loopback: ACL deny, raw TCP half-close and reset
// propagation, a node killed → its clients move after the probe verdict, and
// the none / proxy-protocol transparency modes.
import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import type { BalancerRuntime } from '../../../src/runtime/balancer-runtime.js';
import type { TransparencyMode } from '../../../src/proxy/transparency.js';
import { startVipRuntime } from '../../fakes/vip-runtime.js';
import { TmsNode, delay, get, udpExchange, waitFor } from './tms-nodes.js';

const BASE = 20000 + Math.floor(Math.random() * 20000);
const HTTP = BASE;
const RAW = BASE + 1;
const TRAP = BASE + 2;
const VIP = '127.0.201.40';
const N1 = '127.0.201.50';
const N2 = '127.0.201.60';

const CONFIG = `
access-list CLIENTS line 10 extended deny ip 127.0.66.0 255.255.255.0 any
access-list CLIENTS line 20 extended permit tcp any host ${VIP} eq ${HTTP}
access-list CLIENTS line 30 extended permit tcp any host ${VIP} eq ${RAW}
access-list CLIENTS line 40 extended permit udp any host ${VIP} eq ${TRAP}
probe http FAST
  port ${HTTP}
  interval 2
  faildetect 1
  passdetect interval 2
  open 1
  receive 1
  request method get url /tms
  expect status 200 499
rserver host N1
  ip address ${N1}
  inservice
rserver host N2
  ip address ${N2}
  inservice
serverfarm host FARM
  probe FAST
  rserver N1
    inservice
  rserver N2
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout 10
  serverfarm FARM
class-map match-all VIP-WEB
  2 match virtual-address ${VIP} tcp eq ${HTTP}
class-map match-all VIP-RAW
  2 match virtual-address ${VIP} tcp eq ${RAW}
class-map match-all VIP-TRAP
  2 match virtual-address ${VIP} udp eq ${TRAP}
policy-map type loadbalance first-match LB
  class class-default
    sticky-serverfarm STK
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
  class VIP-RAW
    loadbalance vip inservice
    loadbalance policy LB
  class VIP-TRAP
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.201.2 255.255.255.0
  access-group input CLIENTS
  service-policy input VIPS
  no shutdown
`;

/** The assertions the helper needs (a subtest or the root). */
type Test = Pick<typeof t, 'same' | 'equal' | 'teardown'>;

async function startRuntime(t: Test, transparency?: TransparencyMode): Promise<BalancerRuntime> {
  const listeners: [string, boolean][] = [['VIP-WEB', false], ['VIP-RAW', false], ['VIP-TRAP', false]];
  const started = await startVipRuntime(t, CONFIG, { listeners, runtime: { ...(transparency ? { transparency } : {}), drainMs: 500, timeouts: { udpIdleMs: 1000 } } });
  return started.rt;
}

function rawExchange(localAddress: string, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: VIP, port: RAW, localAddress, allowHalfOpen: true });
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.on('connect', () => s.end(send));
  });
}

t.test('ACL, half-close, reset, failover', async (t) => {
  const nodes = [new TmsNode('n1', N1), new TmsNode('n2', N2)];
  for (const n of nodes) await n.start({ http: HTTP, raw: RAW, udp: TRAP });
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const rt = await startRuntime(t);

  await t.test('ACL: a denied client range is reset and counted', async (t) => {
    await t.rejects(get('http', VIP, HTTP, '127.0.66.5'), { code: 'ECONNRESET' });
    const web = rt.counters().find((c) => c.info.vip === 'VIP-WEB')!;
    t.equal(web.counters.aclDenied, 1);
    const r = await udpExchange(VIP, TRAP, '127.0.66.5', Buffer.from('trap'), 300);
    t.same(r, {}, 'denied datagram dropped');
    t.equal(rt.counters().find((c) => c.info.vip === 'VIP-TRAP')!.counters.aclDenied, 1);
    const ok = await get('http', VIP, HTTP, '127.0.100.7');
    t.equal(ok.remote, '127.0.100.7', 'a permitted client passes');
  });

  await t.test('raw TCP: both directions, half-close, client address', async (t) => {
    const reply = await rawExchange('127.0.100.11', 'hello');
    t.match(reply, /^hellobye:n[12]:127\.0\.100\.11$/, 'echo, then the node answers after our FIN');
  });

  await t.test('a client reset reaches the node as a reset', async (t) => {
    const before = nodes.flatMap((n) => n.seen.filter((s) => s.remote === 'RESET')).length;
    const s = net.connect({ host: VIP, port: RAW, localAddress: '127.0.100.12' });
    s.on('error', () => {});
    await once(s, 'connect');
    s.write('x');
    await once(s, 'data');
    s.resetAndDestroy();
    t.ok(await waitFor(() => nodes.flatMap((n) => n.seen.filter((x) => x.remote === 'RESET')).length > before, 2000), 'node saw ECONNRESET');
  });

  await t.test('a node killed: after the probe verdict its clients move to the other node', async (t) => {
    const client = '127.0.100.7';
    const first = await get('http', VIP, HTTP, client);
    const victim = nodes.find((n) => n.name === first.node)!;
    const other = nodes.find((n) => n !== victim)!;
    const udpBefore = await udpExchange(VIP, TRAP, client, Buffer.from('trap-1'));
    t.match(udpBefore.reply, new RegExp(`^ack:${victim.name}:`), 'UDP sticks to the same node as TCP (same sticky group)');
    await victim.stop();
    const rs = victim.name === 'n1' ? 'N1' : 'N2';
    t.ok(await waitFor(() => rt.balancer.realState('FARM', rs) === 'PROBE-FAILED', 8000), `${rs} PROBE-FAILED`);
    const after = await get('http', VIP, HTTP, client);
    t.equal(after.node, other.name, 'the client now reaches the other node');
    t.equal(after.remote, client);
    await delay(1100); // the UDP flow's idle timeout (1 s here)
    const udpAfter = await udpExchange(VIP, TRAP, client, Buffer.from('trap-2'));
    t.match(udpAfter.reply, new RegExp(`^ack:${other.name}:`), 'new UDP flows go to the other node');
  });
});

t.test('transparency none and proxy-protocol', async (t) => {
  const node = new TmsNode('n1', N1);
  const lines: string[] = [];
  // A raw node that records the first line it receives (the PROXY header).
  const server = net.createServer((c) => {
    c.once('data', (d) => {
      lines.push(`${c.remoteAddress}|${d.toString().split('\r\n')[0]}`);
      c.end();
    });
  });
  await node.start({ http: HTTP });
  t.teardown(() => node.stop());
  server.listen(RAW, N1);
  await once(server, 'listening');
  const server2 = net.createServer((c) => c.destroy());
  server2.listen(RAW, N2);
  await once(server2, 'listening');
  t.teardown(() => new Promise<void>((r) => { server2.close(); server.close(() => r()); }));

  await t.test('none: the node sees the host, not the client', async (t) => {
    const rt = await startRuntime(t, 'none');
    const r = await waitFor(() => rt.balancer.realState('FARM', 'N2') === 'PROBE-FAILED', 5000);
    t.ok(r, 'N2 has no HTTP: probe-failed, all traffic to N1');
    const a = await get('http', VIP, HTTP, '127.0.100.7');
    t.equal(a.node, 'n1');
    t.not(a.remote, '127.0.100.7');
    await rt.stop();
  });

  await t.test('proxy-protocol: a PROXY v1 line precedes the client bytes', async (t) => {
    const rt = await startRuntime(t, 'proxy-protocol');
    await waitFor(() => rt.balancer.realState('FARM', 'N2') === 'PROBE-FAILED', 5000);
    const s = net.connect({ host: VIP, port: RAW, localAddress: '127.0.100.13' });
    s.on('error', () => {});
    await once(s, 'connect');
    const lp = s.localPort;
    s.write('payload\r\n');
    await once(s, 'close');
    t.match(lines.at(-1), new RegExp(`\\|PROXY TCP4 127\\.0\\.100\\.13 ${VIP.replace(/\./g, '\\.')} ${lp} ${RAW}$`));
    await rt.stop();
  });
});
