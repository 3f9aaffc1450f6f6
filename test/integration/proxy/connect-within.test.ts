// The upstream connect with its timeout (src/proxy/connect-within.ts) on real
// loopback sockets and a virtual clock: a connection that completes, one
// refused, and one into a blackhole (a listening socket nobody accepts on,
// whose accept queue is full: the kernel drops the SYNs) that only the
// injected clock ends. Each settles exactly once; the timeout's error is the
// socket's own error too, as node:http's client sees it.
// A connect that completes while the loop is held past the timeout is connected.
import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { RealClock, sleep } from '../../../src/core/real-clock.js';
import { Blackhole, LISTEN_BACKLOG } from '../../../src/lab/blackhole.js';
import { connectWithin } from '../../../src/proxy/connect-within.js';
import { nodeNetPorts } from '../../../src/proxy/net-ports.js';
import { startWhileLate } from '../../fakes/late-loop.js';

const NODE = '127.0.210.1';
const CLIENT = '127.0.210.4';
const NOBODY = { host: '127.0.210.2', port: 40001 };
const HOLE = '127.0.210.3';
const TIMEOUT_MS = 1_000;

type Settled = (NodeJS.ErrnoException | undefined)[];

async function listen(host: string): Promise<net.Server> {
  const server = net.createServer();
  server.listen({ host, port: 0, backlog: LISTEN_BACKLOG });
  await once(server, 'listening');
  return server;
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

/** Resolves on the first settle; `calls` keeps every one, to count them later. */
function start(clock: VirtualClock, target: { host: string; port: number; localAddress?: string }) {
  const calls: Settled = [];
  let first!: (e: NodeJS.ErrnoException | undefined) => void;
  const settledOnce = new Promise<NodeJS.ErrnoException | undefined>((r) => (first = r));
  const pending = connectWithin(nodeNetPorts, clock, target, TIMEOUT_MS, (err) => {
    calls.push(err);
    first(err);
  });
  return { ...pending, calls, settledOnce };
}

t.test('connects: settles once without an error, from the asked source address, and the timer is gone', async (t) => {
  const server = await listen(NODE);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const clock = new VirtualClock();
  const c = start(clock, { host: NODE, port: portOf(server), localAddress: CLIENT });
  t.teardown(() => c.socket.destroy());
  t.equal(c.calls.length, 0, 'never settles synchronously');
  t.equal(await c.settledOnce, undefined);
  const [peer] = await accepted;
  t.teardown(() => peer.destroy());
  t.equal(peer.remoteAddress, CLIENT, 'the source address is the one asked for');
  t.equal(c.socket.remotePort, portOf(server));
  clock.advance(TIMEOUT_MS * 2);
  t.same(c.calls, [undefined], 'the timer was cancelled: no late timeout');
  t.notOk(c.socket.destroyed, 'the socket is the caller’s, open');
  c.socket.write('ping');
  const [data] = (await once(peer, 'data')) as [Buffer];
  t.equal(data.toString(), 'ping', 'a working connection');
});

t.test('refused: settles once with ECONNREFUSED; the clock has nothing left to fire', async (t) => {
  const clock = new VirtualClock();
  const c = start(clock, NOBODY);
  const err = await c.settledOnce;
  t.equal(err?.code, 'ECONNREFUSED');
  clock.advance(TIMEOUT_MS * 2);
  t.equal(c.calls.length, 1, 'settled once');
  t.equal(clock.nextDeadline(), undefined, 'the timer was cancelled');
});

const real = new RealClock();
const hole = new Blackhole(real, HOLE);
let port = 0;
t.before(async () => {
  const server = await listen(HOLE);
  port = portOf(server);
  const engaged = await hole.engage([{ server, port }]);
  if (!engaged.full) throw new Error(`the blackhole's accept queue did not fill (${engaged.filled} fillers)`);
});
t.teardown(() => hole.release());

t.test('blackhole: nothing happens until the injected clock passes the timeout, then ETIMEDOUT, the socket destroyed with it', async (t) => {
  const clock = new VirtualClock();
  const c = start(clock, { host: HOLE, port });
  // What node:http's client would see: the socket's own error.
  const socketError = once(c.socket, 'error') as Promise<[NodeJS.ErrnoException]>;
  await sleep(real, 300);
  t.same(c.calls, [], 'no answer from the blackhole, and no timeout on the real clock');
  t.ok(c.socket.connecting, 'still connecting');
  clock.advance(TIMEOUT_MS - 1);
  t.same(c.calls, [], 'not before the timeout');
  clock.advance(1);
  t.equal(c.calls.length, 1);
  t.equal(c.calls[0]?.code, 'ETIMEDOUT', 'settled with ETIMEDOUT at the timeout');
  t.ok(c.socket.destroyed, 'the socket is destroyed');
  const [seen] = await socketError;
  t.equal(seen, c.calls[0], 'a reader of the socket gets the same error');
  await sleep(real, 50);
  t.equal(c.calls.length, 1, 'settled once');
});

t.test('cancel: a caller giving up stops the timer; the destroyed socket never settles', async (t) => {
  const clock = new VirtualClock();
  const c = start(clock, { host: HOLE, port });
  c.cancel();
  c.socket.destroy();
  clock.advance(TIMEOUT_MS * 2);
  await sleep(real, 50);
  t.same(c.calls, [], 'never settled');
});

t.test('a connect that completed while the loop was held past the timeout is connected, not timed out', async (t) => {
  const server = await listen(NODE);
  t.teardown(() => server.close());
  server.on('connection', (s: net.Socket) => s.destroy());
  const clock = new RealClock();
  const settled = await startWhileLate(
    () =>
      new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        connectWithin(nodeNetPorts, clock, { host: NODE, port: portOf(server) }, 100, (err) => resolve(err)).socket.on('error', () => {});
      }),
    250,
  );
  t.equal(settled, undefined, 'connected: the timer came due with the completed connect unread');
});
