// The lab's blackhole on loopback is a pulled cable, not a hang: a probe
// against a blackholed node times out while opening (L4_OPEN_TIMEOUT), a
// probe against a hung node opens and then times out waiting for the answer
// (L7_RECEIVE_TIMEOUT). Traps to a blackholed node are dropped silently
// (recorded as dropped). The holder process is gone after recover and stop.
import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { RealClock } from '../../../src/core/real-clock.js';
import { SimNode, TRAP_MARKER } from '../../../src/lab/sim-node.js';
import { NodeProber } from '../../../src/probes/probers/node-prober.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';
import { freeTcpPort } from '../../fakes/free-port.js';

const ADDR = '127.0.0.83';
const clock = new RealClock();
const prober = new NodeProber({ clock });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('blackhole → open timeout; hang → receive timeout; recover serves again', async (t) => {
  const port = await freeTcpPort(ADDR);
  const node = new SimNode({ name: 'bh', address: ADDR, clock, httpPorts: [port], udpPorts: [port] });
  await node.start();
  t.teardown(() => node.stop());
  const p = probe('P', 'http', { openMs: 300, receiveMs: 300, expectStatus: [{ min: 200, max: 299 }] });
  const inst = instanceFor(p, ADDR, port);

  t.match(await prober.probe(inst), { ok: true, cause: 'OK' }, 'healthy node passes');

  await node.apply({ kind: 'hang' });
  t.match(await prober.probe(inst), { ok: false, cause: 'L7_RECEIVE_TIMEOUT' }, 'hung node: connection opens, no answer');

  await node.apply({ kind: 'blackhole' });
  const pid = node.blackholePid;
  t.ok(pid !== undefined && alive(pid), 'a holder process keeps the listening socket');
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_OPEN_TIMEOUT' }, 'blackholed node: the connect itself times out');
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_OPEN_TIMEOUT' }, 'and keeps timing out');

  // A datagram to the blackholed node: no error back to the sender, recorded as dropped.
  const u = dgram.createSocket('udp4');
  let udpError: unknown;
  u.on('error', (e) => (udpError = e));
  u.send(Buffer.from(`x ${TRAP_MARKER}t-1`), port, ADDR);
  await new Promise((r) => clock.setTimer(100, () => r(undefined)));
  u.close();
  t.equal(udpError, undefined, 'no ICMP error surfaces for the datagram');
  t.match(node.records.filter((r) => r.proto === 'udp'), [{ id: 't-1', status: 'dropped' }]);

  await node.apply({ kind: 'up' });
  t.notOk(alive(pid!), 'recover kills the holder process');
  t.match(await prober.probe(inst), { ok: true, cause: 'OK' }, 'recovered node passes again');

  await node.apply({ kind: 'blackhole' });
  const pid2 = node.blackholePid!;
  await node.stop();
  t.notOk(alive(pid2), 'stop kills the holder of an engaged blackhole');
});

t.test('blackhole after a crash listens first, then goes silent', async (t) => {
  const port = await freeTcpPort(ADDR);
  const node = new SimNode({ name: 'bh2', address: ADDR, clock, httpPorts: [port] });
  await node.start();
  t.teardown(() => node.stop());
  const inst = instanceFor(probe('P', 'tcp', { openMs: 300, receiveMs: 300 }), ADDR, port);
  await node.apply({ kind: 'crash' });
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_REFUSED' });
  await node.apply({ kind: 'blackhole' });
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_OPEN_TIMEOUT' });
  await node.apply({ kind: 'crash' });
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_REFUSED' }, 'blackhole → crash: refused again');
});

t.test('a connection open when the cable is pulled does not stall the fault or the recovery', async (t) => {
  const port = await freeTcpPort(ADDR);
  const node = new SimNode({ name: 'bh3', address: ADDR, clock, httpPorts: [port] });
  await node.start();
  t.teardown(() => node.stop());
  // A client that connected and has not sent its request yet (the node's HTTP server would keep
  // it for its header timeout, a minute).
  const c = net.connect({ host: ADDR, port });
  c.on('error', () => {});
  t.teardown(() => c.destroy());
  await once(c, 'connect');
  await new Promise((r) => clock.setTimer(50, () => r(undefined)));
  // Bounded on the clock: the fault must be in effect well within the holder's own timeout.
  const within = <T>(p: Promise<T>, ms: number): Promise<T | 'stalled'> =>
    Promise.race([p, new Promise<'stalled'>((r) => clock.setTimer(ms, () => r('stalled')))]);
  t.not(await within(node.apply({ kind: 'blackhole' }), 4_000), 'stalled', 'blackhole is in effect while the old connection stays open');
  t.equal(c.destroyed, false, 'the established connection is not reset (a pulled cable resets nothing)');
  const inst = instanceFor(probe('P', 'tcp', { openMs: 300, receiveMs: 300 }), ADDR, port);
  t.match(await prober.probe(inst), { ok: false, cause: 'L4_OPEN_TIMEOUT' }, 'new connections get no answer');
  t.not(await within(node.apply({ kind: 'up' }), 4_000), 'stalled', 'recover completes');
  t.match(await prober.probe(inst), { ok: true, cause: 'OK' }, 'and the node serves again');
});
