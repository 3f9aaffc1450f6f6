import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { RealClock, sleep } from '../../../src/core/real-clock.js';
import { holdLoop } from '../../fakes/late-loop.js';

t.test('RealClock: one fixed wall mapping for monotonic stamps, and the wall time is the system clock\'s', async (t) => {
  const clock = new RealClock();
  const offsets = new Set<number>();
  // Across a busy loop and two timer waits (wallNow() − monotonicNow(), two readings, took 2 values here).
  for (let i = 0; i < 20_000; i++) {
    const m = clock.monotonicNow();
    offsets.add(clock.wallOf(m) - m);
  }
  await sleep(clock, 15);
  offsets.add(clock.wallOf(0));
  await sleep(clock, 7);
  offsets.add(clock.wallOf(100) - 100);
  t.equal(offsets.size, 1, 'the same offset at every call');
  const now = clock.monotonicNow();
  t.ok(Math.abs(clock.wallOf(now) - clock.wallNow()) <= 1, 'wallOf(now) is wallNow()');
  t.ok(Math.abs(clock.wallNow() - Date.now()) <= 2, `within 2 ms of Date.now() (${clock.wallNow() - Date.now()} ms)`);
  const a = new RealClock();
  const b = new RealClock();
  t.ok(Math.abs(a.wallNow() - b.wallNow()) <= 1, 'two clocks of one process agree on the wall time');
});

t.test('RealClock.setDeadline: fires after ms; cancelled before it is due or while it waits for the I/O phase, never', async (t) => {
  const clock = new RealClock();
  const fired: string[] = [];
  const start = performance.now();
  await new Promise<void>((done) => clock.setDeadline(15, () => (fired.push('plain'), done())));
  t.ok(performance.now() - start >= 14, 'not before its time');
  clock.setDeadline(5, () => fired.push('cancelled early'))();
  const late = clock.setDeadline(5, () => fired.push('cancelled while waiting'));
  // Armed after the deadline with the same delay: runs in the same timers phase, after the deadline came due.
  clock.setTimer(5, late);
  await sleep(clock, 30);
  t.same(fired, ['plain']);
});

t.test('RealClock.setDeadline: I/O ready when the deadline comes due is read first; a plain timer is not', async (t) => {
  const clock = new RealClock();
  const order: string[] = [];
  let serverSide: net.Socket | undefined;
  const server = net.createServer((s) => (serverSide = s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    serverSide?.destroy();
    server.close();
  });
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  while (serverSide === undefined) await sleep(clock, 1);
  const done = new Promise<void>((resolve) => {
    let round = 0;
    client.on('data', () => {
      if (round++ === 1) {
        order.push('data');
        return;
      }
      // Inside an I/O callback: both timers come due while the loop is held, and the bytes written
      // now are ready then too, but only the next I/O phase reads them (after the next timers phase).
      clock.setTimer(20, () => order.push('plain timer'));
      clock.setDeadline(20, () => {
        order.push('deadline');
        resolve();
      });
      serverSide!.write('second');
      holdLoop(60);
    });
  });
  serverSide.write('first');
  await done;
  client.destroy();
  t.same(order, ['plain timer', 'data', 'deadline'], 'the deadline is judged after the ready bytes were read');
});
