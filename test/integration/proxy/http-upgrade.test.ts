// WebSocket through an L7 VIP on loopback, with the whole runtime: an inline
// ACE config (http load-balance policy, source sticky, `insert-http`, an HTTP
// probe), two nodes speaking a hand-made RFC 6455 handshake and echoing. The
// client's own address reaches the node (bind-client) with the forwarding
// headers; messages cross both ways; a close or a reset on either side reaches
// the other; a client sticks to its node; a node failing its probe gets no new
// tunnels; the accounting returns to zero.
import t from 'tap';
import type { BalancerRuntime } from '../../../src/runtime/balancer-runtime.js';
import { fieldLines, openConns, startVipRuntime } from '../../fakes/vip-runtime.js';
import { waitFor } from './tms-nodes.js';
import { WsClient, WsNode } from './ws-wire.js';

type Test = Pick<typeof t, 'same' | 'equal' | 'teardown'>;

const PORT = 36080;
const VIP = '127.0.160.40';
const A = '127.0.160.11';
const B = '127.0.160.12';
const client = (n: number): string => `127.0.160.${100 + n}`;

const CONFIG = `
access-list ALL line 10 extended permit ip any any
probe http HEALTH
  port ${PORT}
  interval 2
  faildetect 1
  passdetect interval 2
  open 1
  receive 1
  request method get url /health
  expect status 200 200
rserver host WA
  ip address ${A}
  inservice
rserver host WB
  ip address ${B}
  inservice
serverfarm host FW
  probe HEALTH
  rserver WA
    inservice
  rserver WB
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout 10
  serverfarm FW
class-map match-all VIP-WS
  2 match virtual-address ${VIP} tcp eq ${PORT}
policy-map type loadbalance http first-match LB
  class class-default
    sticky-serverfarm STK
    insert-http X-Client header-value "%is"
policy-map multi-match VIPS
  class VIP-WS
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.160.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

async function startRuntime(t: Test): Promise<BalancerRuntime> {
  const started = await startVipRuntime(t, CONFIG, { listeners: [['VIP-WS', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  return started.rt;
}

const realState = (rt: BalancerRuntime, name: string): string | undefined => rt.balancer.snapshotFarms().flatMap((f) => f.reals).find((r) => r.rserver === name)?.state;

t.test('WebSocket through the L7 VIP', async (t) => {
  const na = new WsNode('A', A, PORT);
  const nb = new WsNode('B', B, PORT);
  await na.start();
  await nb.start();
  t.teardown(() => Promise.all([na.stop(), nb.stop()]));
  const rt = await startRuntime(t);
  t.ok(await waitFor(() => realState(rt, 'WA') === 'OPERATIONAL' && realState(rt, 'WB') === 'OPERATIONAL', 8000), 'both reals operational');
  const nodeOf = (c: WsClient): string => /X-Node: (\w)/.exec(c.head)?.[1] ?? '?';
  const nodes = { A: na, B: nb } as Record<string, WsNode>;

  await t.test('handshake, transparency and echo both ways', async (t) => {
    const c = await WsClient.open(VIP, PORT, client(1), { path: '/chat?room=1' });
    t.teardown(() => c.socket.destroy());
    t.equal(c.status, 101, 'the node switched protocols');
    t.match(c.head, new RegExp(`Sec-WebSocket-Accept: ${c.expectedAccept.replace(/[+/]/g, '\\$&')}`), 'the accept key is the node’s, relayed verbatim');
    const node = nodes[nodeOf(c)]!;
    const hit = node.hits.at(-1)!;
    t.equal(hit.remote, client(1), 'the node sees the client address (bind-client)');
    t.equal(hit.url, '/chat?room=1');
    t.equal(hit.headers['x-forwarded-for'], client(1));
    t.equal(hit.headers['forwarded'], `for=${client(1)};proto=http;by=${VIP}`);
    t.equal(hit.headers['x-client'], client(1), 'insert-http %is');
    t.equal(hit.headers['upgrade'], 'websocket');
    t.equal(await c.next(), `hello from ${node.name}`, 'node → client');
    c.send('ping 1');
    t.equal(await c.next(), `${node.name} echo: ping 1`, 'client → node → client');
    c.send('ping 2');
    t.equal(await c.next(), `${node.name} echo: ping 2`);
    const http = rt.counters()[0]!;
    t.ok(http.counters.flows >= 1, 'the connection is a flow of the listener');
  });

  await t.test('a field the client sends twice reaches the node twice in the switch request', async (t) => {
    const c = await WsClient.open(VIP, PORT, client(9), { extra: 'User-Agent: one\r\nX-Dup: 1\r\nUser-Agent: two\r\nX-Dup: 2\r\n' });
    t.teardown(() => c.socket.destroy());
    t.equal(c.status, 101);
    const raw = nodes[nodeOf(c)]!.hits.at(-1)!.raw;
    const lines = (name: string): string[] => fieldLines(raw, name);
    t.same(lines('user-agent'), ['one', 'two']);
    t.same(lines('x-dup'), ['1', '2']);
    t.same(lines('upgrade'), ['websocket'], 'the offer goes through once');
    t.same(lines('x-forwarded-for'), [client(9)]);
  });

  await t.test('sticky by source: one client, always the same node', async (t) => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const c = await WsClient.open(VIP, PORT, client(2));
      seen.add(nodeOf(c));
      t.equal(await c.next(), `hello from ${nodeOf(c)}`);
      c.socket.end();
      await c.waitClosed();
    }
    t.equal(seen.size, 1, `every tunnel of 127.0.160.102 went to node ${[...seen].join()}`);
  });

  await t.test('close and reset cross the tunnel', async (t) => {
    // Client closes (FIN): the node's side closes.
    const c1 = await WsClient.open(VIP, PORT, client(3));
    await c1.next();
    const h1 = nodes[nodeOf(c1)]!.hits.at(-1)!;
    c1.socket.end();
    t.ok(await waitFor(() => h1.closed, 3000), 'client close reaches the node');
    t.ok(await c1.waitClosed(), 'and the client side is closed');

    // Node closes: the client sees the close.
    const c2 = await WsClient.open(VIP, PORT, client(4));
    await c2.next();
    const n2 = nodes[nodeOf(c2)]!;
    for (const s of n2.sockets) if (s.remoteAddress === client(4)) s.end();
    t.ok(await c2.waitClosed(), 'node close reaches the client');

    // Client resets: the node gets a reset too.
    const c3 = await WsClient.open(VIP, PORT, client(5));
    await c3.next();
    const h3 = nodes[nodeOf(c3)]!.hits.at(-1)!;
    c3.socket.resetAndDestroy();
    t.ok(await waitFor(() => h3.closed, 3000), 'the node side closes');
    t.equal(h3.error, 'ECONNRESET', 'by a reset');

    // Node resets: the client gets a reset.
    const c4 = await WsClient.open(VIP, PORT, client(6));
    await c4.next();
    for (const s of nodes[nodeOf(c4)]!.sockets) if (s.remoteAddress === client(6)) s.resetAndDestroy();
    t.ok(await c4.waitClosed(), 'the client side closes');
    t.equal(c4.error, 'ECONNRESET', 'by a reset');
    t.ok(await waitFor(() => openConns(rt) === 0, 3000), 'every open tunnel has its close in the balancer');
  });

  await t.test('a node failing its probe gets no new tunnels', async (t) => {
    nb.healthStatus = 503;
    t.ok(await waitFor(() => realState(rt, 'WB') !== 'OPERATIONAL', 8000), 'WB taken out by the probe');
    const got: string[] = [];
    for (let i = 10; i < 16; i++) {
      const c = await WsClient.open(VIP, PORT, client(i));
      got.push(nodeOf(c));
      c.socket.destroy();
    }
    t.same(got, ['A', 'A', 'A', 'A', 'A', 'A'], 'every new tunnel on WA');
    nb.healthStatus = 200;
  });

  await t.test('a node refusing the switch: its answer relayed, the connection closed, nothing tunnelled', async (t) => {
    na.refuseWith = 403;
    nb.refuseWith = 403;
    t.teardown(() => {
      na.refuseWith = undefined;
      nb.refuseWith = undefined;
    });
    const c = await WsClient.open(VIP, PORT, client(20));
    t.equal(c.status, 403);
    t.match(c.head, /Connection: close/);
    t.ok(await c.waitClosed(), 'the VIP closes the connection');
    t.equal(c.rest, 'nope\n', 'the body relayed');
  });

  t.ok(await waitFor(() => openConns(rt) === 0, 3000), 'accounting balanced');
  const h = rt.counters()[0]!;
  t.ok(h.counters.active >= 0);
});
