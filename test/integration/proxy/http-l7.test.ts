// L7 HTTP VIP on loopback: an inline ACE config with `policy-map type
// loadbalance http first-match`, a `class-map type http loadbalance` on
// /api.*, `insert-http X-Client header-value "%is"`, two node HTTP servers
// recording the peer address and headers. Covers per-request selection on one
// keep-alive connection, client-address transparency plus X-Forwarded-For /
// Forwarded, 400 on a malformed request, 502 after the reselect, 503 when every
// node is down, and the open/close accounting.
import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import type { BalancerRuntime } from '../../../src/runtime/balancer-runtime.js';
import { fieldLines, openConns, rawExchange, startVipRuntime } from '../../fakes/vip-runtime.js';
import { waitFor } from './tms-nodes.js';

/** The assertions the helpers need (a subtest or the root). */
type Test = Pick<typeof t, 'same' | 'equal' | 'teardown'>;

const PORT = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.202.40';
const A = '127.0.202.11';
const B = '127.0.202.21';

const CONFIG = `
access-list ALL line 10 extended permit ip any any
probe tcp TCPP
  port ${PORT}
  interval 2
  faildetect 1
  passdetect interval 2
  open 1
rserver host A1
  ip address ${A}
  inservice
rserver host B1
  ip address ${B}
  inservice
serverfarm host FA
  probe TCPP
  rserver A1
    inservice
serverfarm host FB
  probe TCPP
  rserver B1
    inservice
class-map type http loadbalance match-any API
  2 match http url /api.*
class-map match-all VIP-WEB
  2 match virtual-address ${VIP} tcp eq ${PORT}
policy-map type loadbalance http first-match LB
  class API
    serverfarm FA
    insert-http X-Client header-value "%is"
  class class-default
    serverfarm FB
    insert-http X-Client header-value "%is"
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.202.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

interface Hit {
  node: string;
  remote: string | undefined;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Field lines as the node's parser read them (names and values alternating). */
  raw: string[];
}

class Node {
  readonly hits: Hit[] = [];
  private server: http.Server | undefined;
  constructor(
    readonly name: string,
    readonly address: string,
  ) {}
  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.hits.push({ node: this.name, remote: req.socket.remoteAddress, url: req.url ?? '', headers: req.headers, raw: req.rawHeaders });
      res.end(`${this.name}\n`);
    });
    this.server.listen(PORT, this.address);
    await once(this.server, 'listening');
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

interface Reply {
  status: number;
  body: string;
}

function request(path: string, localAddress: string, opts: { agent?: http.Agent; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: VIP, port: PORT, path, localAddress, agent: opts.agent ?? false, headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const raw = (send: string, localAddress: string): Promise<string> => rawExchange(VIP, PORT, send, localAddress, 'utf8');

async function startRuntime(t: Test): Promise<BalancerRuntime> {
  const started = await startVipRuntime(t, CONFIG, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000 } } });
  return started.rt;
}

t.test('L7 HTTP VIP', async (t) => {
  const na = new Node('A', A);
  const nb = new Node('B', B);
  await na.start();
  await nb.start();
  t.teardown(() => Promise.all([na.stop(), nb.stop()]));
  const rt = await startRuntime(t);
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.state === 'OPERATIONAL')), 8000), 'both reals operational');

  await t.test('/api goes to farm A, the rest to farm B; client address and headers arrive', async (t) => {
    const r1 = await request('/api/v1/items', '127.0.100.7');
    t.same(r1, { status: 200, body: 'A\n' });
    const h = na.hits.at(-1)!;
    t.equal(h.url, '/api/v1/items');
    t.equal(h.remote, '127.0.100.7', 'the node sees the client address (bind-client)');
    t.equal(h.headers['x-forwarded-for'], '127.0.100.7');
    t.equal(h.headers['x-forwarded-proto'], 'http');
    t.equal(h.headers['forwarded'], `for=127.0.100.7;proto=http;by=${VIP}`);
    t.equal(h.headers['x-client'], '127.0.100.7', 'insert-http %is');
    t.equal(h.headers['host'], `${VIP}:${PORT}`, 'Host is kept');

    const r2 = await request('/index.html', '127.0.100.8', { headers: { 'X-Forwarded-For': '10.9.9.9', Forwarded: 'for=10.9.9.9' } });
    t.same(r2, { status: 200, body: 'B\n' });
    const g = nb.hits.at(-1)!;
    t.equal(g.remote, '127.0.100.8');
    t.equal(g.headers['x-forwarded-for'], '10.9.9.9, 127.0.100.8', 'X-Forwarded-For appended');
    t.equal(g.headers['forwarded'], `for=10.9.9.9, for=127.0.100.8;proto=http;by=${VIP}`, 'Forwarded appended');
    t.equal(g.headers['x-client'], '127.0.100.8');
  });

  await t.test('a field the client sends twice reaches the node twice, in order (node:http alone keeps one)', async (t) => {
    const reply = await raw(
      `GET /dups HTTP/1.1\r\nHost: ${VIP}:${PORT}\r\nUser-Agent: one\r\nAuthorization: Basic AAA\r\nUser-Agent: two\r\nAuthorization: Basic BBB\r\nX-Dup: 1\r\nX-Dup: 2\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n`,
      '127.0.100.13',
    );
    t.match(reply, /^HTTP\/1\.1 200 OK/);
    const h = nb.hits.at(-1)!;
    t.equal(h.url, '/dups');
    const lines = (name: string): string[] => fieldLines(h.raw, name);
    t.same(lines('user-agent'), ['one', 'two']);
    t.same(lines('authorization'), ['Basic AAA', 'Basic BBB']);
    t.same(lines('x-dup'), ['1', '2']);
    t.same(lines('cookie'), ['a=1', 'b=2']);
    t.same(lines('x-forwarded-for'), ['127.0.100.13'], "the VIP's own fields once");
    t.same(lines('connection').map((v) => v.toLowerCase()), ['keep-alive'], "the client's Connection is not forwarded (the pool's own)");
  });

  await t.test('per-request selection on one keep-alive client connection', async (t) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    const flowsBefore = rt.counters()[0]!.counters.flows;
    const got: string[] = [];
    for (const p of ['/api/a', '/b', '/api/c', '/d']) got.push((await request(p, '127.0.100.9', { agent })).body.trim());
    t.same(got, ['A', 'B', 'A', 'B']);
    t.equal(rt.counters()[0]!.counters.flows - flowsBefore, 1, 'one client connection carried all four');
  });

  await t.test('a malformed request gets 400 and the listener keeps serving', async (t) => {
    const reply = await raw('GARBAGE \x01\x02 nonsense\r\n\r\n', '127.0.100.10');
    t.match(reply, /^HTTP\/1\.1 400 Bad Request/);
    const ok = await request('/after', '127.0.100.10');
    t.equal(ok.status, 200);
  });

  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'every open has its close');

  await t.test('upstream connect failure: reselect once, then 502', async (t) => {
    await na.stop();
    // Before the probe notices: A1 refuses, the reselect finds no other real in FA.
    const r = await request('/api/x', '127.0.100.11');
    if (r.status === 503) t.comment('the probe was faster; the 502 path was not exercised');
    else {
      t.equal(r.status, 502);
      t.match(r.body, /502 Bad Gateway: rserver A1 .*ECONNREFUSED/);
    }
    t.same((await request('/other', '127.0.100.11')).body, 'B\n', 'farm B still serves');
  });

  await t.test('every node down: 503 with the reason', async (t) => {
    await nb.stop();
    t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.state === 'DOWN' && f.reals.every((r) => r.state !== 'OPERATIONAL')), 8000), 'probes mark both down');
    const r = await request('/index.html', '127.0.100.12');
    t.equal(r.status, 503);
    t.match(r.body, /503 Service Unavailable: VIP VIP-WEB has no server for this request \(/);
    const a = await request('/api/y', '127.0.100.12');
    t.equal(a.status, 503);
  });

  t.ok(await waitFor(() => openConns(rt) === 0, 2000), 'accounting balanced after failures');
});
