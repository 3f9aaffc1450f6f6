// The context's conc-connections budget across hot reloads and over UDP: a
// reload that changes the resource class changes the limit at once while the
// connections already admitted stay open and counted; UDP flows take slots
// from the same budget (unless `concConnectionsCountUdp: false`), so a full
// budget drops new flows and a flow that ages out frees its slot. Real sockets
// on loopback, outcomes and counters only. Ports 37020-37039, addresses
// 127.0.170.20-29 and clients 127.0.170.100+.
import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import type { BalancerRuntime } from '../../src/runtime/balancer-runtime.js';
import { compiled, connectRaw, echoNode, echoOnce, rserverHosts, sortOut, startRuntime, waitFor } from './helpers.js';

const VIP = '127.0.170.20';
const N1 = '127.0.170.21';
const N2 = '127.0.170.22';
const client = (i: number): string => `127.0.170.${100 + (i % 150)}`;

/** `pct`: the conc-connections percentage of the class `default`; undefined: no resource class (unlimited). */
const config = (tcpPort: number, udpPort: number, nodePort: number, pct: string | undefined): string => `${pct === undefined ? '' : `resource-class default\n  limit-resource conc-connections minimum ${pct} maximum equal-to-min\n`}access-list ALL line 10 extended permit ip any any
${rserverHosts({ N1, N2 })}serverfarm host FARM
  rserver N1 ${nodePort}
    inservice
  rserver N2 ${nodePort}
    inservice
serverfarm host FARMU
  rserver N1 ${nodePort + 1}
    inservice
class-map match-all VIP-TCP
  2 match virtual-address ${VIP} tcp eq ${tcpPort}
class-map match-all VIP-UDP
  2 match virtual-address ${VIP} udp eq ${udpPort}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm FARM
policy-map type loadbalance first-match LBU
  class class-default
    serverfarm FARMU
policy-map multi-match VIPS
  class VIP-TCP
    loadbalance vip inservice
    loadbalance policy LB
  class VIP-UDP
    loadbalance vip inservice
    loadbalance policy LBU
interface vlan 100
  ip address 127.0.170.1 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

/** Opens n TCP connections at once and sorts them: those that echo (admitted) and how many were reset. */
async function open(port: number, n: number, from: number): Promise<{ served: net.Socket[]; refused: number }> {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => connectRaw(VIP, port, client(from + i))));
  const socks = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const sorted = await sortOut(socks);
  return { served: sorted.served, refused: n - socks.length + sorted.refused };
}

async function stillServed(socks: readonly net.Socket[], tag: string): Promise<number> {
  const echoes = await Promise.all(socks.map((s, i) => echoOnce(s, `${tag}-${i}`)));
  return echoes.filter((e, i) => e === `${tag}-${i}`).length;
}

async function udpEchoNode(address: string, port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(port, address);
  await once(s, 'listening');
  return s;
}

/** n UDP clients each send one datagram at once; `replied()` counts the echoes so far (the sockets stay open until closed). */
async function udpFlows(port: number, n: number, from: number): Promise<{ replied: () => number; close: () => void }> {
  const socks = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, client(from + i));
      await once(s, 'listening');
      return s;
    }),
  );
  let replied = 0;
  for (const s of socks) s.once('message', () => replied++);
  for (const s of socks) s.send('ping', port, VIP);
  return { replied: () => replied, close: () => socks.forEach((s) => s.close()) };
}

const counter = (rt: BalancerRuntime, protocol: 'tcp' | 'udp', k: 'limitDenied' | 'active' | 'datagramsIn'): number => rt.counters().find((l) => l.info.protocol === protocol)!.counters[k];

t.test('a reload changes the conc-connections limit; admitted connections stay open and counted', async (t) => {
  const [TCP, UDP, NODE] = [37020, 37021, 37022];
  const nodes = [await echoNode(N1, NODE), await echoNode(N2, NODE)];
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const rt = await startRuntime(t, config(TCP, UDP, NODE, '0.01'));
  t.equal(rt.budget.limit, 100, '0.01 % of 1,000,000: 100');
  const reload = async (pct: string | undefined): Promise<string[]> => {
    const r = await rt.reload(compiled(config(TCP, UDP, NODE, pct)));
    return r.ok ? r.applied.changes.filter((c) => c.startsWith('conc-connections')) : [`failed: ${r.message}`];
  };

  const first = await open(TCP, 100, 0);
  t.teardown(() => first.served.forEach((s) => s.destroy()));
  t.equal(first.served.length, 100, '100 admitted');
  t.equal((await open(TCP, 3, 100)).refused, 3, 'the budget is spent: 3 more reset');

  // Down to 0 %: nobody is cut, nobody new gets in.
  t.same(await reload('0.00'), ['conc-connections: 100 -> 0 (100 connection(s) open stay counted; 100 over it: new connections wait until enough end)'], 'the reload reports the change');
  t.equal(rt.budget.limit, 0);
  t.equal(rt.budget.active, 100, 'the admitted connections stay counted');
  t.equal(await stillServed(first.served, 'zero'), 100, 'and served');
  t.equal((await open(TCP, 2, 110)).refused, 2, 'new connections are reset');

  // Back to 0.01 %: still full, because the 100 are still there.
  t.same(await reload('0.01'), ['conc-connections: 0 -> 100 (100 connection(s) open stay counted)']);
  t.equal((await open(TCP, 2, 120)).refused, 2, 'the old connections still hold every slot');
  for (const s of first.served.splice(0, 10)) s.destroy();
  t.ok(await waitFor(() => rt.budget.active === 90, 3000), 'ten closed: ten slots free');
  const ten = await open(TCP, 12, 130);
  t.teardown(() => ten.served.forEach((s) => s.destroy()));
  t.same([ten.served.length, ten.refused], [10, 2], 'ten new clients admitted, two reset');

  // No resource class at all: unlimited, and still counting.
  t.same(await reload(undefined), ['conc-connections: 100 -> unlimited (100 connection(s) open stay counted)']);
  const more = await open(TCP, 20, 150);
  t.teardown(() => more.served.forEach((s) => s.destroy()));
  t.equal(more.served.length, 20, 'unlimited: all 20 admitted');
  t.equal(rt.budget.active, 120, 'every open connection counted');
  t.equal(counter(rt, 'tcp', 'limitDenied'), 9, 'the 9 refusals counted on the listener');
  t.equal(rt.budget.denied, 9);
  t.same(await reload(undefined), [], 'a reload that keeps the limit reports nothing about it');
});

t.test('UDP flows take conc-connections slots: a full budget drops new flows, an aged-out flow frees its slot', async (t) => {
  const [TCP, UDP, NODE] = [37025, 37026, 37027];
  const nodes = [await echoNode(N1, NODE), await echoNode(N2, NODE)];
  const udpNode = await udpEchoNode(N1, NODE + 1);
  t.teardown(async () => {
    udpNode.close();
    await Promise.all(nodes.map((n) => n.stop()));
  });
  // The flows' idle time is long against the checks below (they run as soon as every datagram is settled).
  const rt = await startRuntime(t, config(TCP, UDP, NODE, '0.01'), { timeouts: { udpIdleMs: 2000 } });

  const held = await open(TCP, 96, 0);
  t.teardown(() => held.served.forEach((s) => s.destroy()));
  t.equal(held.served.length, 96, '96 TCP connections hold slots');
  const flows = await udpFlows(UDP, 6, 100);
  t.teardown(() => flows.close());
  t.ok(await waitFor(() => flows.replied() + counter(rt, 'udp', 'limitDenied') === 6, 3000), 'each datagram answered or refused');
  t.equal(flows.replied(), 4, 'four UDP flows fit in the 4 slots left and are answered');
  t.equal(counter(rt, 'udp', 'limitDenied'), 2, 'the other two are dropped and counted as conc-connections rejections');
  t.equal(rt.budget.active, 100, 'TCP and UDP share the budget');
  t.equal((await open(TCP, 1, 110)).refused, 1, 'a TCP client finds no slot either');

  // The flows idle out: their slots come back.
  t.ok(await waitFor(() => rt.budget.active === 96, 6000), 'aged-out UDP flows release their slots');
  const late = await open(TCP, 1, 120);
  t.teardown(() => late.served.forEach((s) => s.destroy()));
  t.equal(late.served.length, 1, 'a new TCP client is admitted');
});

t.test('concConnectionsCountUdp: false leaves UDP flows out of the budget', async (t) => {
  const [TCP, UDP, NODE] = [37030, 37031, 37032];
  const nodes = [await echoNode(N1, NODE), await echoNode(N2, NODE)];
  const udpNode = await udpEchoNode(N1, NODE + 1);
  t.teardown(async () => {
    udpNode.close();
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const rt = await startRuntime(t, config(TCP, UDP, NODE, '0.00'), { concConnectionsCountUdp: false });
  t.equal(rt.budget.limit, 0, 'a budget of 0');
  const flows = await udpFlows(UDP, 3, 0);
  t.teardown(() => flows.close());
  t.ok(await waitFor(() => flows.replied() === 3, 3000), 'every UDP flow is served');
  t.equal(counter(rt, 'udp', 'limitDenied'), 0);
  t.equal(rt.budget.active, 0, 'and none takes a slot');
  t.equal((await open(TCP, 2, 10)).refused, 2, 'TCP connections are still refused');
  t.equal(counter(rt, 'tcp', 'limitDenied'), 2);
});
