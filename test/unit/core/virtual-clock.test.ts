import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { sleep } from '../../../src/core/real-clock.js';

t.test('timers fire in deadline order, ties by insertion', async (t) => {
  const c = new VirtualClock();
  const seen: string[] = [];
  c.setTimer(20, () => seen.push('b@20'));
  c.setTimer(10, () => seen.push('a@10'));
  c.setTimer(20, () => seen.push('c@20'));
  const cancel = c.setTimer(15, () => seen.push('cancelled'));
  cancel();
  c.runUntil(19);
  t.same(seen, ['a@10']);
  t.equal(c.monotonicNow(), 19);
  c.runAll();
  t.same(seen, ['a@10', 'b@20', 'c@20']);
  t.equal(c.monotonicNow(), 20);
});

t.test('a deadline is a plain timer in virtual time: same order, ties by insertion, cancellable', async (t) => {
  const c = new VirtualClock();
  const seen: string[] = [];
  c.setDeadline(20, () => seen.push('deadline@20'));
  c.setTimer(20, () => seen.push('timer@20'));
  c.setDeadline(10, () => seen.push('deadline@10'));
  c.setDeadline(15, () => seen.push('cancelled'))();
  c.runAll();
  t.same(seen, ['deadline@10', 'deadline@20', 'timer@20']);
  t.equal(c.monotonicNow(), 20);
});

t.test('timers armed by timers run within the same advance', async (t) => {
  const c = new VirtualClock();
  const at: number[] = [];
  const tick = () => {
    at.push(c.monotonicNow());
    if (at.length < 4) c.setTimer(5, tick);
  };
  c.setTimer(5, tick);
  c.advance(100);
  t.same(at, [5, 10, 15, 20]);
});

t.test('async code awaiting sleep progresses in virtual time', async (t) => {
  const c = new VirtualClock();
  const stamps: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await sleep(c, 1000);
      stamps.push(c.monotonicNow());
    }
  })();
  await c.advanceAsync(5000);
  await loop;
  t.same(stamps, [1000, 2000, 3000]);
});

t.test('flushOnRequestOnly: promise continuations run after the timers that ask for a flush', async (t) => {
  const c = new VirtualClock();
  const seen: string[] = [];
  let resolveIt!: () => void;
  const p = new Promise<void>((r) => (resolveIt = r));
  void p.then(() => seen.push(`continued@${c.monotonicNow()}`));
  c.setTimer(10, () => {
    resolveIt();
    c.requestFlush();
  });
  c.setTimer(20, () => seen.push('timer@20'));
  await c.runUntilAsync(30, { flushOnRequestOnly: true });
  t.same(seen, ['continued@10', 'timer@20'], 'the continuation ran before the next timer because a flush was asked for');

  const d = new VirtualClock();
  const order: string[] = [];
  let r2!: () => void;
  void new Promise<void>((r) => (r2 = r)).then(() => order.push('continued'));
  d.setTimer(10, () => r2()); // resolves but does not ask
  d.setTimer(20, () => order.push('timer@20'));
  await d.runUntilAsync(30, { flushOnRequestOnly: true });
  t.same(order, ['timer@20', 'continued'], 'without a request the continuation waits (the caller chose speed)');
});
