// The L7 listener against a scripted balancer on loopback: connect failure →
// reportFailure, reselect once → served; a second failure → 502; no server →
// 503; the request info reaches select(); open/close exactly once per attempt;
// a POST with a body is replayed too (test/integration/proxy/http-replay.test.ts checks the bytes).
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { HttpVipListener } from '../../../src/proxy/http-proxy.js';
import type { BalancerPort } from '../../../src/proxy/types.js';
import { freeTcpPort } from '../../fakes/free-port.js';
import { permitAll, proxyDeps, ScriptedBalancer, serverDecision } from '../../fakes/scripted-balancer.js';

/** The assertions the helpers need (a subtest or the root). */
type Test = Pick<typeof t, 'same' | 'equal' | 'teardown'>;

const VIP = '127.0.203.40';
const LIVE = '127.0.203.11';
const DEAD = '127.0.203.12';

async function node(t: Test): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} from ${req.socket.remoteAddress}`);
    res.end('live\n');
  });
  s.listen(0, LIVE);
  await once(s, 'listening');
  t.teardown(() => {
    s.closeAllConnections();
    return new Promise<void>((r) => s.close(() => r()));
  });
  return { port: (s.address() as net.AddressInfo).port, seen };
}

async function listener(t: Test, b: BalancerPort): Promise<{ l: HttpVipListener; port: number }> {
  const l = new HttpVipListener({ vipClass: 'V', address: VIP, port: 0, protocol: 'tcp', acl: permitAll }, proxyDeps(b));
  const a = await l.listen();
  t.teardown(() => l.close(100));
  return { l, port: a.port };
}

function send(port: number, path: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: VIP, port, path, method, localAddress: '127.0.100.20', agent: false, headers: body !== undefined ? { 'content-type': 'text/plain' } : {} }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('connect failure: reselect once, then served; accounting per attempt', async (t) => {
  const n = await node(t);
  const dead = await freeTcpPort(DEAD);
  const b = new ScriptedBalancer(() => serverDecision(DEAD, dead, 'dead'), () => serverDecision(LIVE, n.port, 'live'));
  const { l, port } = await listener(t, b);
  const r = await send(port, '/x?q=1');
  t.same(r, { status: 200, body: 'live\n' });
  t.same(n.seen, ['GET /x?q=1 from 127.0.100.20']);
  t.same(b.log, ['open dead', 'close dead', 'fail dead', 'reselect after dead', 'open live', 'close live']);
  t.equal(b.requests[0]?.method, 'GET');
  t.equal(b.requests[0]?.url, '/x?q=1');
  t.equal(b.requests[0]?.headers?.['host'], `${VIP}:${port}`);
  t.equal(l.counters.reassigned, 1);
  t.equal(l.counters.connectFailures, 1);
});

t.test('second failure → 502 with the reason; no server → 503', async (t) => {
  const dead = await freeTcpPort(DEAD);
  const b = new ScriptedBalancer(() => serverDecision(DEAD, dead, 'dead'), () => serverDecision(DEAD, dead, 'dead2'));
  const { l, port } = await listener(t, b);
  const r = await send(port, '/');
  t.equal(r.status, 502);
  t.match(r.body, /^502 Bad Gateway: rserver dead2 .*ECONNREFUSED/);
  t.same(b.log, ['open dead', 'close dead', 'fail dead', 'reselect after dead', 'open dead2', 'close dead2', 'fail dead2']);
  t.equal(l.http.badGateway, 1);

  b.first = () => ({ kind: 'no-server', reason: 'farm-down' });
  const s = await send(port, '/');
  t.equal(s.status, 503);
  t.match(s.body, /no server for this request \(farm-down\)/);
  b.first = () => ({ kind: 'drop', reason: 'policy-drop' });
  t.match((await send(port, '/')).body, /policy-drop/);
  t.equal(l.http.noServer, 2);
});

t.test('a request with a body is replayed to the reselected real (the dead one never took it)', async (t) => {
  const dead = await freeTcpPort(DEAD);
  const n = await node(t);
  const b = new ScriptedBalancer(() => serverDecision(DEAD, dead, 'dead'), () => serverDecision(LIVE, n.port, 'live'));
  const { port } = await listener(t, b);
  const r = await send(port, '/post', 'POST', 'payload');
  t.same(r, { status: 200, body: 'live\n' });
  t.same(b.log, ['open dead', 'close dead', 'fail dead', 'reselect after dead', 'open live', 'close live']);
  t.same(n.seen, ['POST /post from 127.0.100.20']);
});
