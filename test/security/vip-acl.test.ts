// VIP ACLs on real loopback sockets, through the BalancerRuntime, for the
// three kinds of listener (L4 TCP, L7 HTTP, UDP): the interface's input ACL
// (vip-acl.conf) permits 127.0.110.30, denies 127.0.110.31 by an explicit
// line and 127.0.110.32 by ACE's implicit deny. A denied TCP client is reset,
// a denied datagram dropped, each counted; the node never hears from a denied
// client, while the permitted one is served on every VIP. (L4 deny and UDP
// deny of a client range are also in test/integration/proxy/failover-acl.test.ts.)
import t from 'tap';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../src/config/compile.js';
import { RealClock } from '../../src/core/real-clock.js';
import { createRuntime } from '../../src/runtime/balancer-runtime.js';
import { ROOT } from '../unit/config/helpers.js';

const VIP = '127.0.110.4';
const NODE = '127.0.110.14';
const [L4, L7, UDP] = [29090, 29091, 29092];
const [NODE_L4, NODE_L7, NODE_UDP] = [29093, 29094, 29095];
const PERMITTED = '127.0.110.30';
const DENIED = '127.0.110.31';
const IMPLICIT = '127.0.110.32';

/** Who reached the node, per service. */
const heard = { l4: [] as string[], l7: [] as string[], udp: [] as string[] };

function tcpExchange(port: number, from: string): Promise<{ data: string } | { error: string }> {
  return new Promise((res) => {
    const s = net.connect({ host: VIP, port, localAddress: from });
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('error', (e: NodeJS.ErrnoException) => res({ error: e.code ?? e.message }));
    s.on('end', () => res({ data }));
    s.on('connect', () => s.end('hello\n'));
  });
}

function httpGet(from: string): Promise<{ status: number; via?: string } | { error: string }> {
  return new Promise((res) => {
    const r = http.get({ host: VIP, port: L7, path: '/', localAddress: from, agent: false }, (m) => {
      let body = '';
      m.setEncoding('utf8');
      m.on('data', (d: string) => (body += d));
      m.on('end', () => res({ status: m.statusCode ?? 0, via: body }));
    });
    r.on('error', (e: NodeJS.ErrnoException) => res({ error: e.code ?? e.message }));
  });
}

async function udpExchange(from: string): Promise<string | undefined> {
  const s = dgram.createSocket('udp4');
  s.bind(0, from);
  await once(s, 'listening');
  const reply = new Promise<string | undefined>((res) => {
    const timer = setTimeout(() => res(undefined), 400);
    s.once('message', (m) => {
      clearTimeout(timer);
      res(m.toString());
    });
  });
  s.send('ping', UDP, VIP);
  const r = await reply;
  s.close();
  return r;
}

t.test('VIP ACLs on L4, L7 and UDP listeners', async (t) => {
  const open = new Set<net.Socket>();
  const l4 = net.createServer((s) => {
    open.add(s);
    s.once('close', () => open.delete(s));
    heard.l4.push(s.remoteAddress ?? '');
    s.on('error', () => {});
    s.end('node\n');
  });
  const l7 = http.createServer((req, res) => {
    heard.l7.push(req.socket.remoteAddress ?? '');
    res.end(String(req.headers['x-via']));
  });
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, r) => {
    heard.udp.push(r.address);
    udp.send('pong', r.port, r.address);
  });
  l4.listen(NODE_L4, NODE);
  l7.listen(NODE_L7, NODE);
  udp.bind(NODE_UDP, NODE);
  await Promise.all([once(l4, 'listening'), once(l7, 'listening'), once(udp, 'listening')]);
  t.teardown(() => {
    l7.closeAllConnections();
    for (const s of open) s.destroy();
    return Promise.all([new Promise((r) => l4.close(r)), new Promise((r) => l7.close(r)), new Promise((r) => udp.close(() => r(undefined)))]);
  });

  const c = compileConfig(readFileSync(resolve(ROOT, 'test/security/vip-acl.conf'), 'utf8'), 'vip-acl.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles');
  const created = createRuntime({ model: c.model, clock: new RealClock(), drainMs: 0 });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const started = await rt.start();
  t.teardown(() => rt.stop());
  t.same(started.failures, [], 'every listener bound');
  t.ok(started.listeners.find((l) => l.port === L7)?.l7, 'the http policy VIP is served at L7');
  const denied = (port: number) => rt.counters().find((x) => x.info.port === port)!.counters.aclDenied;

  t.same(await tcpExchange(L4, PERMITTED), { data: 'node\n' }, 'L4: the permitted client is served');
  t.same(await httpGet(PERMITTED), { status: 200, via: 'acesim' }, 'L7: the permitted client is served (through the http policy)');
  t.equal(await udpExchange(PERMITTED), 'pong', 'UDP: the permitted client is answered');

  for (const who of [DENIED, IMPLICIT]) {
    const why = who === DENIED ? 'explicit deny' : 'implicit deny';
    t.match(await tcpExchange(L4, who), { error: 'ECONNRESET' }, `L4: ${why} → reset`);
    t.match(await httpGet(who), { error: /ECONNRESET|socket hang up/ }, `L7: ${why} → reset, no HTTP answer`);
    t.equal(await udpExchange(who), undefined, `UDP: ${why} → dropped`);
  }
  t.same([denied(L4), denied(L7), denied(UDP)], [2, 2, 2], 'each refusal counted on its listener');
  t.same(heard, { l4: [PERMITTED], l7: [PERMITTED], udp: [PERMITTED] }, 'the node heard only the permitted client (the client address is kept: bind-client)');
});
