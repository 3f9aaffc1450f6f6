// Overload on loopback, bounded in count: a connection flood beyond the
// context's conc-connections budget and beyond the rservers' conn-limit is
// refused with RST and counted while the admitted clients keep being served;
// slowloris clients on the L7 VIP are cut by the header deadline (408) while
// normal clients get their answers. Short timeouts; no wall-time assertions.
// Ports 30010-30039, addresses 127.0.120.10-19 and clients 127.0.120.100+.
import t from 'tap';
import net from 'node:net';
import { connectRaw, delay, echoNode, echoOnce, ending, FaultyNode, request, sortOut, startRuntime, total, waitFor, l7OneNodeConfig, PERMIT_ALL, rserverHosts, VIPS_INTERFACE } from './helpers.js';

const VIP = '127.0.120.10';
const N1 = '127.0.120.11';
const N2 = '127.0.120.12';
const client = (i: number): string => `127.0.120.${100 + (i % 150)}`;

const l4Config = (vipPort: number, nodePort: number, extra: { resource?: string; connLimit?: string }): string => `
${extra.resource ?? ''}
${PERMIT_ALL}
${rserverHosts({ N1, N2 })}serverfarm host FARM
  rserver N1 ${nodePort}
${extra.connLimit ?? ''}
    inservice
  rserver N2 ${nodePort}
${extra.connLimit ?? ''}
    inservice
class-map match-all VIP-RAW
  2 match virtual-address ${VIP} tcp eq ${vipPort}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm FARM
policy-map multi-match VIPS
  class VIP-RAW
    loadbalance vip inservice
    loadbalance policy LB
${VIPS_INTERFACE}`;

/** Opens n connections at once; resolves each one's socket or its error. */
async function flood(port: number, n: number, from: number): Promise<net.Socket[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => connectRaw(VIP, port, client(from + i))));
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

t.test('flood beyond conc-connections: the excess is reset and counted, admitted clients keep being served', async (t) => {
  const VIP_PORT = 30010;
  const NODE_PORT = 30011;
  const nodes = [await echoNode(N1, NODE_PORT), await echoNode(N2, NODE_PORT)];
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  // 0.01 % of the appliance's 1,000,000 connections: a budget of 100.
  const rt = await startRuntime(t, l4Config(VIP_PORT, NODE_PORT, { resource: 'resource-class default\n  limit-resource conc-connections minimum 0.01 maximum equal-to-min' }));
  t.equal(rt.budget?.limit, 100, 'budget from the resource class');

  const admitted = await flood(VIP_PORT, 100, 0);
  const first = await sortOut(admitted);
  t.equal(first.served.length, 100, 'the first 100 connections are admitted and echo');
  t.teardown(() => first.served.forEach((s) => s.destroy()));

  // 60 more at once: every one is refused with a reset while the budget is spent.
  const excess = await flood(VIP_PORT, 60, 100);
  const second = await sortOut(excess);
  t.equal(second.served.length, 0, 'none of the excess is served');
  t.equal(second.refused, excess.length, 'every excess connection ends in a reset');
  t.equal(total(rt, 'limitDenied'), 60, 'all 60 counted as conc-connections rejections');
  t.equal(rt.budget?.denied, 60);

  // The admitted clients are still served after the flood.
  const echoes = await Promise.all(first.served.map((s, i) => echoOnce(s, `again-${i}`)));
  t.equal(echoes.filter((e, i) => e === `again-${i}`).length, 100, 'all 100 admitted clients still served');

  // Freeing ten slots lets ten new clients in, and not more.
  for (const s of first.served.slice(0, 10)) s.destroy();
  t.ok(await waitFor(() => rt.budget?.active === 90, 3000), 'released slots return to the budget');
  const later = await sortOut(await flood(VIP_PORT, 12, 200));
  t.equal(later.served.length, 10, 'ten new clients admitted');
  t.equal(later.refused, 2, 'the two beyond the budget are reset');
  for (const s of later.served) s.destroy();
  t.equal(total(rt, 'limitDenied'), 62);
});

t.test('flood beyond the rservers\' conn-limit: exactly max connections per real, the rest reset, service resumes below min', async (t) => {
  const VIP_PORT = 30012;
  const NODE_PORT = 30013;
  const nodes = [await echoNode(N1, NODE_PORT), await echoNode(N2, NODE_PORT)];
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const rt = await startRuntime(t, l4Config(VIP_PORT, NODE_PORT, { connLimit: '    conn-limit max 5 min 3' }));

  // 30 simultaneous connections against 2 reals × max 5.
  const socks = await flood(VIP_PORT, 30, 0);
  const r = await sortOut(socks);
  t.teardown(() => r.served.forEach((s) => s.destroy()));
  t.equal(r.served.length, 10, 'exactly 2 × max 5 served');
  t.equal(r.refused, 20, 'the other 20 reset');
  t.equal(total(rt, 'dropped'), 20, 'counted as dropped (no usable real)');
  const reals = rt.balancer.snapshotFarms()[0]!.reals;
  t.same(reals.map((x) => x.current), [5, 5], 'five current connections on each real');
  t.same(reals.map((x) => x.state), ['MAXCONNS', 'MAXCONNS']);
  t.equal(nodes[0]!.sockets.size + nodes[1]!.sockets.size, 10, 'the nodes saw only the admitted connections');

  // The admitted ones keep echoing; after dropping below min the reals take flows again.
  const echoes = await Promise.all(r.served.map((s) => echoOnce(s, 'still')));
  t.equal(echoes.filter((e) => e === 'still').length, 10, 'admitted clients still served');
  for (const s of r.served.splice(0, 6)) s.destroy();
  t.ok(await waitFor(() => rt.balancer.snapshotFarms()[0]!.reals.every((x) => x.state === 'OPERATIONAL'), 3000), 'reals back to OPERATIONAL below min');
  const more = await sortOut(await flood(VIP_PORT, 4, 50));
  t.equal(more.served.length, 4, 'new clients served again');
  for (const s of more.served) s.destroy();
});

t.test('slowloris on the L7 VIP: trickled headers get 408 and a close, silent connections close, normal clients are served', async (t) => {
  const VIP_PORT = 30014;
  const NODE_PORT = 30015;
  const node = new FaultyNode('N1', N1, NODE_PORT);
  await node.start();
  t.teardown(() => node.stop());
  const rt = await startRuntime(t, l7OneNodeConfig(VIP, VIP_PORT, N1, NODE_PORT), { timeouts: { httpHeaderMs: 1000, tcpIdleMs: 60_000 } });

  // Ten slowloris clients: one header byte every 100 ms, for ever.
  const slow = await Promise.all(Array.from({ length: 10 }, (_, i) => connectRaw(VIP, VIP_PORT, client(i))));
  const received = slow.map(() => '');
  const trickle = slow.map((s, i) => {
    s.on('data', (d: Buffer) => (received[i] += d.toString()));
    s.write('GET / HTTP/1.1\r\nHost: vip\r\nX-Slow: ');
    let stopped = false;
    s.once('close', () => (stopped = true));
    return (async () => {
      while (!stopped) {
        s.write('a');
        await delay(100);
      }
    })();
  });
  // Ten connections that never send a byte.
  const silent = await Promise.all(Array.from({ length: 10 }, (_, i) => connectRaw(VIP, VIP_PORT, client(20 + i))));
  const silentEnds = silent.map((s) => ending(s, 10_000));
  const slowEnds = slow.map((s) => ending(s, 10_000));

  // Meanwhile normal clients, 40 requests, are served.
  const normal = await Promise.all(Array.from({ length: 40 }, (_, i) => request(VIP, VIP_PORT, client(40 + i))));
  t.equal(normal.filter((r) => r.outcome === 'ok' && r.status === 200 && r.node === 'N1').length, 40, 'every normal request answered 200 by the node');

  const slowHow = await Promise.all(slowEnds);
  await Promise.all(trickle);
  // FIN from the VIP; a byte the client trickles after it may draw an RST from the closed socket instead.
  t.ok(slowHow.every((h) => h === 'closed' || h === 'reset'), 'every slowloris connection ended by the VIP (not stuck)');
  t.ok(received.every((r) => r.startsWith('HTTP/1.1 408 ')), 'each got 408 Request Timeout first');
  t.same(await Promise.all(silentEnds), silent.map(() => 'closed'), 'silent connections closed too');
  t.equal(node.served, 40, 'no slowloris request reached the node');
  t.equal(total(rt, 'idleTimeouts'), 20, '20 header timeouts counted');
  t.equal(total(rt, 'active'), 0, 'no connection left on the VIP');
  // Still serving after the attack.
  t.match(await request(VIP, VIP_PORT, client(99)), { outcome: 'ok', status: 200 });
});
