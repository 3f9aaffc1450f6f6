// HTTP persistence on an L7 VIP, on loopback: two node HTTP servers behind a round-robin farm. Requests on
// one keep-alive client connection stay on the real the first one went to (as the ACE sends the next
// request of the same class to the previous request's real); another connection is balanced on its own; a
// real taken out of service hands the connection's next request to the other real, on the same connection;
// after a request that failed upstream (502) the next one is balanced afresh. The VIP's HTTP parameter map
// changes this: `persistence-rebalance strict` balances every request, `no persistence-rebalance` keeps the
// connection on its first real across classes and inserts headers into the first request only.
import t from 'tap';
import http from 'node:http';
import { compileConfig } from '../../../src/config/compile.js';
import { LoopbackHttpNode } from '../../fakes/loopback-http-node.js';
import { getVia, openConns, startVipRuntime, type Assertions } from '../../fakes/vip-runtime.js';
import { waitFor } from './tms-nodes.js';
import { probedFarmVip } from '../../fakes/vip-configs.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.203.40';
const NODES = { A1: '127.0.203.11', B1: '127.0.203.21' } as const;
type NodeName = keyof typeof NODES;
type Teardown = Pick<typeof t, 'teardown'>;
type Checks = Assertions & Pick<typeof t, 'teardown' | 'ok' | 'equal'>;

const CONFIG = probedFarmVip({ vip: VIP, port: PORT, reals: NODES, vlanAddress: '127.0.203.2' });

/** Who served each request, and from which client address the node saw it. */
const hits: { node: NodeName; remote: string | undefined; xClass: string | undefined }[] = [];

/** A node that records who it served and from which client address; `/boom` resets the request (the VIP answers 502). */
class Node extends LoopbackHttpNode {
  protected serve(server: http.Server): void {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const xClass = req.headers['x-class'];
      hits.push({ node: this.name as NodeName, remote: req.socket.remoteAddress, xClass: typeof xClass === 'string' ? xClass : undefined });
      if (req.url === '/boom') return void req.socket.destroy();
      res.end(`${this.name}\n`);
    });
  }
}

/** Both nodes started, each stopped at teardown (stopping twice is harmless). */
async function startNodes(t: Teardown): Promise<Record<NodeName, Node>> {
  const nodes = { A1: new Node('A1', NODES.A1, PORT), B1: new Node('B1', NODES.B1, PORT) };
  for (const n of Object.values(nodes)) {
    await n.start();
    t.teardown(() => n.stop());
  }
  return nodes;
}

const get = (agent: http.Agent, localAddress: string, path = '/'): Promise<string> => getVia(agent, VIP, PORT, localAddress, path);

t.test('HTTP persistence on an L7 VIP', async (t) => {
  const nodes = await startNodes(t);
  const { rt } = await startVipRuntime(t, CONFIG, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  const flows = (): number => rt.counters()[0]!.counters.flows;
  const one = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const two = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => {
    one.destroy();
    two.destroy();
  });

  const before = flows();
  const first: string[] = [];
  for (let i = 0; i < 4; i++) first.push(await get(one, '127.0.100.21'));
  t.equal(new Set(first).size, 1, `one connection, four requests, one real (got ${first.join(' ')})`);
  const x = first[0] as NodeName;
  const y: NodeName = x === 'A1' ? 'B1' : 'A1';
  t.same(
    hits.slice(-4).map((h) => h.remote),
    ['127.0.100.21', '127.0.100.21', '127.0.100.21', '127.0.100.21'],
    'the node saw the client address each time',
  );

  const second = [await get(two, '127.0.100.22'), await get(two, '127.0.100.22')];
  t.same(second, [y, y], 'the next connection is balanced to the other real and stays there');
  t.equal(flows() - before, 2, 'two client connections carried the six requests');
  // As the ACE counts an L7 connection's server connection: each idle keep-alive connection is one current conn on its real.
  const current = (n: NodeName): number => rt.balancer.snapshotFarms()[0]!.reals.find((r) => r.rserver === n)!.current;
  t.same([current(x), current(y)], [1, 1], 'one current connection on each real, not one per request');
  t.same(
    [x, y].map((n) => rt.balancer.snapshotFarms()[0]!.reals.find((r) => r.rserver === n)!.total),
    [1, 1],
    'and one total each: the six requests opened two connections',
  );

  // The operator takes the first connection's real out of service: its next request moves, on the same connection.
  rt.balancer.setRserverAdmin(x, 'outofservice');
  t.equal(await get(one, '127.0.100.21'), y, 'the real is out of service: the next request goes to the other');
  t.equal(await get(one, '127.0.100.21'), y, 'and stays there');
  t.equal(flows() - before, 2, 'still the same two client connections');

  // Back in service, and the other node dies: the connection's next request cannot continue there (refused, or
  // already probe-failed) and moves back; the one after it stays where it moved.
  rt.balancer.setRserverAdmin(x, 'inservice');
  await nodes[y].stop();
  t.equal(await get(one, '127.0.100.21'), x, 'the node it was on is gone: the request is served by the other');
  t.equal(await get(one, '127.0.100.21'), x, 'and the connection stays there');
  t.equal(flows() - before, 2, 'no new client connection');
  // The first connection moved to x; the second, idle, stays counted on y until its next request or its close.
  t.same([current(x), current(y)], [1, 1], 'the moved connection is counted on its new real, once');

  one.destroy();
  two.destroy();
  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'closing the client connections closes their counts');
});

t.test('a request that failed upstream: the next one on the connection is balanced afresh', async (t) => {
  await startNodes(t);
  const { rt } = await startVipRuntime(t, CONFIG, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const x = (await get(agent, '127.0.100.31')) as NodeName;
  t.equal(await get(agent, '127.0.100.31'), x, 'the connection is on one real');
  t.equal(await get(agent, '127.0.100.31', '/boom'), '502', 'that real resets the request: 502');
  t.equal(rt.balancer.realState('F', x), 'OPERATIONAL', 'the real is still in service (its probe passes)');
  const next = await get(agent, '127.0.100.31');
  t.not(next, x, `the next request is load-balanced, not sent to ${x} again (round robin's next real)`);
  t.equal(openConns(rt), 1, 'the connection is counted once, on the real it moved to');
  agent.destroy();
  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'every open has its close');
});

/** Two classes (images, the rest) to the same round-robin farm, each inserting X-Class; the VIP takes map HP. */
function withParameters(persistenceLine: string): string {
  return CONFIG.replace('rserver host A1', `parameter-map type http HP\n  ${persistenceLine}\nrserver host A1`)
    .replace(
      'policy-map type loadbalance http first-match LB\n  class class-default\n    serverfarm F',
      'class-map type http loadbalance match-any IMG\n  2 match http url .*\\.png\npolicy-map type loadbalance http first-match LB\n  class IMG\n    serverfarm F\n    insert-http X-Class header-value "img"\n  class class-default\n    serverfarm F\n    insert-http X-Class header-value "web"',
    )
    .replace('    loadbalance policy LB\n', '    loadbalance policy LB\n    appl-parameter http advanced-options HP\n');
}

/** The VIP on `config`, both reals up, and one keep-alive connection from `client`: the paths it sends, who served each, with which X-Class. */
async function oneConnection(t: Checks, config: string, client: string, paths: string[]): Promise<{ served: string[]; xClass: (string | undefined)[] }> {
  await startNodes(t);
  const { rt } = await startVipRuntime(t, config, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const before = rt.counters()[0]!.counters.flows;
  const from = hits.length;
  const served: string[] = [];
  for (const p of paths) served.push(await get(agent, client, p));
  t.equal(rt.counters()[0]!.counters.flows - before, 1, 'all on one client connection');
  t.equal(openConns(rt), 1, 'counted once while it is open');
  agent.destroy();
  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'every open has its close');
  return { served, xClass: hits.slice(from).map((h) => h.xClass) };
}

t.test('the default (persistence rebalance): another class is balanced afresh, headers go into every request', async (t) => {
  const { served, xClass } = await oneConnection(t, withParameters('persistence-rebalance'), '127.0.100.41', ['/a.png', '/page', '/page', '/b.png']);
  const [x, y] = served;
  t.not(x, y, `the page (another class) is balanced afresh: round robin's next real (got ${served.join(' ')})`);
  t.same(served, [x, y, y, x], 'same class continues; the image after the pages is balanced afresh again');
  t.same(xClass, ['img', 'web', 'web', 'img'], 'each request carries its own class\'s insert-http');
});

t.test('persistence-rebalance strict: every request on the connection is balanced', async (t) => {
  const { served, xClass } = await oneConnection(t, withParameters('persistence-rebalance strict'), '127.0.100.42', ['/', '/', '/', '/']);
  t.not(served[0], served[1], `round robin per request (got ${served.join(' ')})`);
  t.same(served, [served[0], served[1], served[0], served[1]], 'alternating on one connection');
  t.same(xClass, ['web', 'web', 'web', 'web']);
});

t.test('no persistence-rebalance: the first request\'s real serves the connection, and only it gets the headers', async (t) => {
  const { served, xClass } = await oneConnection(t, withParameters('no persistence-rebalance'), '127.0.100.43', ['/a.png', '/page', '/b.png', '/page']);
  t.equal(new Set(served).size, 1, `one real across both classes (got ${served.join(' ')})`);
  t.same(xClass, ['img', undefined, undefined, undefined], 'insert-http on the first request only');
});

t.test('a reload that changes the map: the open connection follows the new setting', async (t) => {
  await startNodes(t);
  const { rt } = await startVipRuntime(t, withParameters('persistence-rebalance'), { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const before = [await get(agent, '127.0.100.44'), await get(agent, '127.0.100.44')];
  t.equal(before[0], before[1], 'persistence rebalance: the connection stays');
  const r = await rt.reload(compileConfig(withParameters('persistence-rebalance strict'), 'strict.conf').model);
  t.ok(r.ok, 'the reload is applied');
  const after: string[] = [];
  for (let i = 0; i < 4; i++) after.push(await get(agent, '127.0.100.44'));
  t.same(after, [after[0], after[1], after[0], after[1]], `strict after the reload: alternating on the same connection (got ${after.join(' ')})`);
  t.not(after[0], after[1]);
  t.equal(openConns(rt), 1, 'counted once, on the new balancer');
  agent.destroy();
  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'every open has its close');
});

t.test('failaction purge: an idle keep-alive connection counted on a real that leaves service is reset', async (t) => {
  await startNodes(t);
  const { rt } = await startVipRuntime(t, CONFIG.replace('serverfarm host F\n', 'serverfarm host F\n  failaction purge\n'), { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const x = (await get(agent, '127.0.100.51')) as NodeName;
  const idle = Object.values(agent.freeSockets).flat()[0];
  t.ok(idle, 'the connection waits idle in the agent');
  let closed = false;
  idle?.once('close', () => (closed = true));
  const counters = () => rt.counters()[0]!.counters;
  const resets = counters().resets;
  const flows = counters().flows;
  rt.balancer.setRserverAdmin(x, 'outofservice');
  t.ok(await waitFor(() => closed, 2000), 'the idle connection is reset (the ACE purges connections, not requests)');
  t.equal(counters().resets - resets, 1, 'counted as a reset');
  t.equal(openConns(rt), 0, 'and no longer counted on the real');
  t.not(await get(agent, '127.0.100.51'), x, 'the next request goes to the other real');
  t.equal(counters().flows - flows, 1, 'on a new client connection');
});

t.test('case-insensitive in the map: the class matches a URL in capitals, and its insert-http follows', async (t) => {
  await t.test('without it', async (t) => {
    const exact = await oneConnection(t, withParameters('persistence-rebalance strict'), '127.0.100.45', ['/A.PNG']);
    t.same(exact.xClass, ['web'], '/A.PNG is not an image');
  });
  await t.test('with it', async (t) => {
    const anyCase = await oneConnection(t, withParameters('persistence-rebalance strict\n  case-insensitive'), '127.0.100.46', ['/A.PNG', '/b.Png']);
    t.same(anyCase.xClass, ['img', 'img'], 'both are images');
  });
});
