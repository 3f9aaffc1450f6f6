// The proxies against a scripted balancer on loopback: connect-failure
// reassign (once) then reset, open/close accounting exactly once, failaction
// purge, UDP oversized datagrams and a full flow table dropped and counted.
import t from 'tap';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { TcpVipListener } from '../../../src/proxy/tcp-proxy.js';
import { UdpVipListener } from '../../../src/proxy/udp-proxy.js';
import { freeTcpPort } from '../../fakes/free-port.js';
import { permitAll, proxyDeps, ScriptedBalancer, serverDecision } from '../../fakes/scripted-balancer.js';

async function echoServer(address: string): Promise<{ port: number; close: () => Promise<void> }> {
  const socks = new Set<net.Socket>();
  const s = net.createServer((c) => {
    socks.add(c);
    c.on('error', () => {});
    c.pipe(c);
  });
  s.listen(0, address);
  await once(s, 'listening');
  return { port: (s.address() as net.AddressInfo).port, close: () => new Promise((r) => { for (const c of socks) c.destroy(); s.close(() => r()); }) };
}

function roundTrip(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.210.40', port, localAddress });
    c.setEncoding('utf8');
    let got = '';
    c.on('data', (d: string) => (got += d));
    c.on('error', reject);
    c.on('connect', () => c.end('ping'));
    c.on('close', () => resolve(got));
  });
}

t.test('connect failure: reassign once, then the client is reset', async (t) => {
  const good = await echoServer('127.0.210.60');
  t.teardown(good.close);
  const deadPort = await freeTcpPort('127.0.210.50');
  const b = new ScriptedBalancer(() => serverDecision('127.0.210.50', deadPort, 'DEAD'), () => serverDecision('127.0.210.60', good.port, 'GOOD'));
  const l = new TcpVipListener({ vipClass: 'V', address: '127.0.210.40', port: 0, protocol: 'tcp', acl: permitAll }, proxyDeps(b));
  const { port } = await l.listen();
  t.teardown(() => l.close(100));
  t.equal(await roundTrip(port, '127.0.100.7'), 'ping', 'reassigned to the good real');
  // Counted per attempt from selection (conn-limit holds under a burst), released at the failure.
  t.same(b.log, ['open DEAD', 'close DEAD', 'fail DEAD', 'reselect after DEAD', 'open GOOD', 'close GOOD']);
  t.match(l.counters, { connectFailures: 1, reassigned: 1, active: 0 });

  b.log = [];
  b.second = () => serverDecision('127.0.210.50', deadPort, 'DEAD2');
  await t.rejects(roundTrip(port, '127.0.100.7'), { code: 'ECONNRESET' }, 'no second reassign: reset');
  t.same(b.log, ['open DEAD', 'close DEAD', 'fail DEAD', 'reselect after DEAD', 'open DEAD2', 'close DEAD2', 'fail DEAD2'], 'every open closed');
  t.equal(l.counters.active, 0);
});

t.test('no server → reset; failaction purge resets established flows', async (t) => {
  const good = await echoServer('127.0.210.60');
  t.teardown(good.close);
  const b = new ScriptedBalancer(() => ({ kind: 'no-server', reason: 'farm-down' }), () => ({ kind: 'no-server', reason: 'farm-down' }));
  const l = new TcpVipListener({ vipClass: 'V', address: '127.0.210.40', port: 0, protocol: 'tcp', acl: permitAll }, proxyDeps(b));
  const { port } = await l.listen();
  t.teardown(() => l.close(100));
  await t.rejects(roundTrip(port, '127.0.100.7'), { code: 'ECONNRESET' });
  t.equal(l.counters.dropped, 1);

  b.first = () => serverDecision('127.0.210.60', good.port, 'GOOD');
  b.flowAction = { kind: 'reset' };
  const c = net.connect({ host: '127.0.210.40', port, localAddress: '127.0.100.8' });
  const err = once(c, 'error');
  c.write('x');
  await once(c, 'data');
  l.onRealLeftService('F', 'OTHER');
  t.equal(l.counters.resets, 0, 'other reals untouched');
  l.onRealLeftService('F', 'GOOD');
  const [e] = (await err) as [NodeJS.ErrnoException];
  t.equal(e.code, 'ECONNRESET', 'purge resets the client');
  await once(c, 'close');
  await new Promise((r) => setImmediate(r));
  t.same(b.log.filter((x) => x.includes('GOOD')), ['open GOOD', 'close GOOD']);
});

t.test('UDP: oversized datagrams and a full flow table are dropped and counted', async (t) => {
  const node = dgram.createSocket('udp4');
  node.bind(0, '127.0.210.60');
  await once(node, 'listening');
  node.on('message', (m, r) => node.send(m, r.port, r.address));
  t.teardown(() => node.close());
  const nport = node.address().port;
  const b = new ScriptedBalancer(() => serverDecision('127.0.210.60', nport, 'N'), () => serverDecision('127.0.210.60', nport, 'N'));
  const l = new UdpVipListener({ vipClass: 'V', address: '127.0.210.40', port: 0, protocol: 'udp', acl: permitAll }, proxyDeps(b), { maxFlows: 1, maxDatagramBytes: 100 });
  const { port } = await l.listen();
  t.teardown(() => l.close(0));
  const c1 = dgram.createSocket('udp4');
  c1.bind(0, '127.0.100.7');
  await once(c1, 'listening');
  t.teardown(() => c1.close());
  c1.send(Buffer.alloc(101), port, '127.0.210.40');
  c1.send(Buffer.from([0x30, 0x82, 0xff]), port, '127.0.210.40'); // garbage BER: relayed as bytes
  const [reply] = (await once(c1, 'message')) as [Buffer];
  t.same([...reply], [0x30, 0x82, 0xff], 'echo relayed back');
  const c2 = dgram.createSocket('udp4');
  c2.bind(0, '127.0.100.8');
  await once(c2, 'listening');
  t.teardown(() => c2.close());
  c2.send(Buffer.from('x'), port, '127.0.210.40');
  await new Promise((r) => setTimeout(r, 100));
  t.match(l.counters, { datagramsIn: 3, datagramsDropped: 2, flows: 1, repliesOut: 1 });
  await l.close(0);
  t.same(b.log, ['open N', 'close N'], 'open/close once per flow');
});
