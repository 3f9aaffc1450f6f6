// The ACE's HTTP parse length on an L7 VIP, on loopback with two node HTTP servers. A request whose line
// and header fields are longer than `set header-maxparse-length` (2048 bytes by default) has its client
// connection reset under `length-exceed drop` (the default), exactly past the limit as the bytes go on the
// wire; under `continue` it is balanced on the part the ACE parsed (a header past the limit matches no
// class) and the connection's later requests stay on its real without insert-http. A VIP served at L7 only
// because of --l7 (an L4 policy the ACE would not parse) has no limit; a reload changes the limit.
import t from 'tap';
import http from 'node:http';
import { compileConfig } from '../../../src/config/compile.js';
import { LoopbackHttpNode } from '../../fakes/loopback-http-node.js';
import { getVia, sizedRequest, startVipRuntime } from '../../fakes/vip-runtime.js';
import type { BalancerRuntime } from '../../../src/runtime/balancer-runtime.js';
import { waitFor } from './tms-nodes.js';
import { probedFarmVip } from '../../fakes/vip-configs.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.204.40';
const NODES = { A1: '127.0.204.11', B1: '127.0.204.21' } as const;
type NodeName = keyof typeof NODES;

/** Images (a .png URL or `X-Kind: image`) and the rest, both to farm F, each inserting X-Class; `l4`: an L4 policy instead. */
const IMAGES = `class-map type http loadbalance match-any IMG
  2 match http url .*\\.png
  3 match http header X-Kind header-value "image"
policy-map type loadbalance http first-match LB
  class IMG
    serverfarm F
    insert-http X-Class header-value "img"
  class class-default
    serverfarm F
    insert-http X-Class header-value "web"`;
const L4 = 'policy-map type loadbalance first-match LB\n  class class-default\n    serverfarm F';

const config = (opts: { map?: string[]; policy?: 'http' | 'l4' } = {}): string =>
  probedFarmVip({ vip: VIP, port: PORT, reals: NODES, vlanAddress: '127.0.204.2', policy: opts.policy === 'l4' ? L4 : IMAGES, ...(opts.map ? { map: opts.map } : {}) });

const hits: { node: NodeName; url: string | undefined; xClass: string | undefined; xff: string | undefined }[] = [];

class Node extends LoopbackHttpNode {
  protected serve(server: http.Server): void {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const xClass = req.headers['x-class'];
      const xff = req.headers['x-forwarded-for'];
      hits.push({ node: this.name as NodeName, url: req.url, xClass: typeof xClass === 'string' ? xClass : undefined, xff: typeof xff === 'string' ? xff : undefined });
      res.end(`${this.name}\n`);
    });
  }
}

type Checks = Pick<typeof t, 'teardown' | 'ok' | 'same' | 'equal'>;

async function startNodes(c: Pick<Checks, 'teardown'>): Promise<void> {
  for (const n of [new Node('A1', NODES.A1, PORT), new Node('B1', NODES.B1, PORT)]) {
    await n.start();
    c.teardown(() => n.stop());
  }
}

const sized = (bytes: number, client: string): Promise<string> => sizedRequest(VIP, PORT, bytes, client);

async function running(c: Checks, text: string, l7 = false): Promise<BalancerRuntime> {
  await startNodes(c);
  const { rt } = await startVipRuntime(c, text, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 }, ...(l7 ? { l7: true } : {}) } });
  c.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');
  return rt;
}

const http7 = (rt: BalancerRuntime) => rt.counters()[0]!.http!;

t.test('default: 2048 bytes parsed, a longer request has its connection reset', async (t) => {
  const rt = await running(t, config());
  const served = hits.length;
  t.equal(await sized(2048, '127.0.100.61'), '200', 'exactly 2048 bytes of request line and header fields: served');
  t.equal(await sized(2049, '127.0.100.61'), 'reset', 'one byte more: the connection is reset, as the ACE resets it');
  t.equal(hits.length - served, 1, 'the node never saw the longer request');
  t.equal(http7(rt).lengthExceeded, 1, 'counted as over the parse length');
  t.equal(rt.counters()[0]!.counters.resets, 1, 'and as a reset');
});

t.test('set header-maxparse-length raises the limit', async (t) => {
  const rt = await running(t, config({ map: ['set header-maxparse-length 4096'] }));
  t.equal(await sized(3000, '127.0.100.62'), '200', '3000 bytes: served under a 4096-byte limit');
  t.equal(await sized(4096, '127.0.100.62'), '200', '4096 bytes: served');
  t.equal(await sized(4097, '127.0.100.62'), 'reset', '4097 bytes: reset');
  t.equal(http7(rt).lengthExceeded, 1);
});

t.test('length-exceed continue: balanced on the part parsed; the connection then stays on its real', async (t) => {
  const rt = await running(t, config({ map: ['length-exceed continue'] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const get = (path: string, headers: Record<string, string> = {}): Promise<string> => getVia(agent, VIP, PORT, '127.0.100.63', path, headers);
  const from = hits.length;
  // X-Kind: image comes after 2,100 bytes of padding: past the parse length, so the ACE never sees it.
  const first = await get('/page', { 'X-Pad': 'p'.repeat(2100), 'X-Kind': 'image', 'X-Forwarded-For': '192.0.2.7' });
  const second = await get('/a.png');
  const third = await get('/b.png');
  t.same(
    hits.slice(from).map((h) => h.xClass),
    ['web', undefined, undefined],
    'the long request is classified on what was parsed (not an image); the later ones get no insert-http (persistence rebalance off)',
  );
  t.same([second, third], [first, first], `the images (another class) stay on the first request's real (got ${first} ${second} ${third})`);
  t.equal(hits[from]?.xff, '192.0.2.7, 127.0.100.63', 'the X-Forwarded-For chain past the parse length is kept and extended');
  t.equal(http7(rt).lengthExceeded, 1, 'counted once');
  t.equal(rt.counters()[0]!.counters.resets, 0, 'nothing reset');

  // The same images on a fresh connection are balanced as usual: round robin's next real after each.
  const fresh = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => fresh.destroy());
  const on = (path: string): Promise<string> => getVia(fresh, VIP, PORT, '127.0.100.64', path);
  const a = await on('/page');
  t.not(await on('/a.png'), a, 'without the long request, another class is balanced afresh (persistence rebalance)');
});

t.test('a VIP the ACE serves at L4 has no parse length under --l7', async (t) => {
  const rt = await running(t, config({ policy: 'l4' }), true);
  t.equal(await sized(5000, '127.0.100.65'), '200', '5000 bytes served: the ACE would not have parsed it');
  t.equal(http7(rt).lengthExceeded, 0);
});

t.test('a reload that sets the map changes the limit of the listening VIP', async (t) => {
  const rt = await running(t, config());
  t.equal(await sized(3000, '127.0.100.66'), 'reset', 'default: 3000 bytes are reset');
  const r = await rt.reload(compileConfig(config({ map: ['set header-maxparse-length 8192'] }), 'raised.conf').model);
  t.ok(r.ok, 'the reload is applied');
  t.equal(await sized(3000, '127.0.100.66'), '200', 'after the reload: served');
});
