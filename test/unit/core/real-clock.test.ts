import t from 'tap';
import { RealClock, sleep } from '../../../src/core/real-clock.js';

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
