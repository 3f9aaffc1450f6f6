// Deadline: the clock timer and the outer abort signal, shared by every phase of
// every attempt of an instance (one listener per signal, deadlines join and leave).
import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { Deadline } from '../../../src/probes/probers/common.js';

t.test('the timer expires a deadline; clear() stops it', async (t) => {
  const clock = new VirtualClock();
  const a = new Deadline(clock, 100);
  const b = new Deadline(clock, 100);
  const fired: string[] = [];
  a.onAbort(() => fired.push('a'));
  b.onAbort(() => fired.push('b'));
  b.clear();
  clock.runUntil(100);
  t.same(fired, ['a']);
  t.ok(a.expired && a.aborted);
  t.notOk(b.aborted, 'a cleared deadline never fires');
});

t.test('an outer abort reaches every deadline still waiting on it, and only those', async (t) => {
  const clock = new VirtualClock();
  const ctl = new AbortController();
  const fired: string[] = [];
  const phases = ['open', 'receive', 'done'].map((name) => {
    const d = new Deadline(clock, 1_000, ctl.signal);
    d.onAbort(() => fired.push(name));
    return d;
  });
  phases[2]!.clear(); // a finished phase leaves the signal's set
  ctl.abort();
  t.same(fired.sort(), ['open', 'receive']);
  t.notOk(phases[0]!.expired, 'aborted from outside, not expired');
  clock.runUntil(2_000);
  t.same(fired.sort(), ['open', 'receive'], 'the timer of an aborted deadline does not fire it again');
  const late = new Deadline(clock, 1_000, ctl.signal);
  t.ok(late.aborted, 'a deadline on an already aborted signal is aborted at once');
  let lateFired = false;
  late.onAbort(() => (lateFired = true));
  t.ok(lateFired);
});

t.test('many attempts on one signal: deadlines come and go without piling up', async (t) => {
  const clock = new VirtualClock();
  const ctl = new AbortController();
  for (let i = 0; i < 1_000; i++) new Deadline(clock, 10, ctl.signal).clear();
  const last = new Deadline(clock, 10_000, ctl.signal);
  let n = 0;
  last.onAbort(() => n++);
  ctl.abort();
  t.equal(n, 1, 'only the deadline still waiting is aborted');
});

t.test('deadlines leave the signal in any order: first, middle or last to join', async (t) => {
  const clock = new VirtualClock();
  for (const leaving of [[0], [1], [2], [0, 2], [2, 1], [1, 0, 2]]) {
    const ctl = new AbortController();
    const fired: number[] = [];
    const ds = [0, 1, 2].map((i) => {
      const d = new Deadline(clock, 1_000, ctl.signal);
      d.onAbort(() => fired.push(i));
      return d;
    });
    for (const i of leaving) ds[i]!.clear();
    ctl.abort();
    t.same(fired.sort(), [0, 1, 2].filter((i) => !leaving.includes(i)), `cleared ${leaving.join(', ')}`);
  }
});

t.test('a deadline cleared by another one\'s abort callback is not called', async (t) => {
  const clock = new VirtualClock();
  const ctl = new AbortController();
  const a = new Deadline(clock, 1_000, ctl.signal);
  const b = new Deadline(clock, 1_000, ctl.signal);
  const fired: string[] = [];
  // Whichever the outer abort reaches first clears the other (a phase ending its sibling).
  a.onAbort(() => (fired.push('a'), b.clear()));
  b.onAbort(() => (fired.push('b'), a.clear()));
  ctl.abort();
  t.equal(fired.length, 1, `one callback ran: ${fired.join(', ')}`);
  t.ok(a.aborted && b.aborted, 'both read aborted');
});
