// The pure parts of the overload guards: the conc-connections limit a context
// gets from its resource class, the shared budget, and the idle and header
// deadlines on a VirtualClock (byte counters stand in for a socket).
import t from 'tap';
import type { Socket } from 'node:net';
import { compileConfig } from '../../src/config/compile.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { ConnectionBudget } from '../../src/proxy/conn-budget.js';
import { HttpClientDeadlines, type DeadlineKind } from '../../src/proxy/http-deadlines.js';
import { IdleTimer } from '../../src/proxy/idle-timer.js';
import { concConnectionLimit } from '../../src/runtime/conc-connections.js';

const model = (admin: string): ReturnType<typeof compileConfig>['model'] => compileConfig(`${admin}\nrserver host R\n  ip address 10.0.0.1\n  inservice\n`, 'x.conf').model;

t.test('conc-connections from the resource class', async (t) => {
  t.equal(concConnectionLimit(model(''), 'Admin'), undefined, 'no resource class: unlimited');
  t.equal(concConnectionLimit(model('resource-class default\n  limit-resource conc-connections minimum 0.01 maximum equal-to-min'), 'Admin'), 100, 'class default, equal-to-min → the minimum');
  t.equal(concConnectionLimit(model('resource-class default\n  limit-resource conc-connections minimum 1.00 maximum 2.50'), 'Admin'), 25_000, 'a percentage maximum');
  t.equal(concConnectionLimit(model('resource-class default\n  limit-resource all minimum 0.00 maximum unlimited'), 'Admin'), undefined, 'unlimited');
  t.equal(concConnectionLimit(model('resource-class default\n  limit-resource all minimum 10.00 maximum equal-to-min\n  limit-resource sticky minimum 5.00 maximum equal-to-min'), 'Admin'), 100_000, '`all` when conc-connections is not listed');
  const m = model('resource-class GOLD\n  limit-resource conc-connections minimum 0.10 maximum equal-to-min\nresource-class default\n  limit-resource conc-connections minimum 0.01 maximum equal-to-min\ncontext WEB\n  member GOLD');
  t.equal(concConnectionLimit(m, 'WEB'), 1000, 'a member context uses its class');
  t.equal(concConnectionLimit(m, 'Admin'), 100, 'the others use default');
});

t.test('the budget never goes below 0 or above the limit', async (t) => {
  const b = new ConnectionBudget(2);
  t.same([b.tryAcquire(), b.tryAcquire(), b.tryAcquire()], [true, true, false]);
  t.equal(b.denied, 1);
  b.release();
  b.release();
  b.release();
  t.equal(b.active, 0, 'extra releases do not go negative');
  t.ok(b.tryAcquire());
});

t.test('IdleTimer: progress read at expiry counts as activity', async (t) => {
  const clock = new VirtualClock();
  let bytes = 0;
  let fired = 0;
  const idle = new IdleTimer(clock, 1000, () => fired++, () => bytes);
  clock.advance(900);
  bytes += 10; // a slow reader drained some of what was written: no event, but progress
  clock.advance(200);
  t.equal(fired, 0, 'progress at the first expiry re-arms');
  clock.advance(1000);
  t.equal(fired, 1, 'no progress for a whole period: idle');
  idle.stop();
});

t.test('HttpClientDeadlines: header deadline per request, idle when nothing moves', async (t) => {
  const clock = new VirtualClock();
  const sock = { bytesRead: 0, bytesWritten: 0 };
  const seen: [DeadlineKind, boolean][] = [];
  const d = new HttpClientDeadlines(sock as unknown as Socket, clock, 300, 5000, (k, p) => seen.push([k, p]));
  sock.bytesRead = 20;
  clock.advance(200);
  d.headersDone();
  clock.advance(1000);
  t.same(seen, [], 'headers in time: no header timeout while the request runs');
  d.awaitHeaders();
  sock.bytesRead = 25;
  clock.advance(300);
  t.same(seen, [['header', true]], 'part of the next request, not all of it: 408');
  d.awaitHeaders();
  clock.advance(300);
  t.same(seen.at(-1), ['header', false], 'nothing at all: a plain close');
  d.headersDone();
  clock.advance(4000);
  t.equal(seen.length, 2, 'bytes moved in the first idle period: it re-armed');
  clock.advance(5000);
  t.same(seen.at(-1), ['idle', false], 'no byte either way for a whole idle period: idle');
  d.stop();
});

t.test('HttpClientDeadlines: a wait that starts while an earlier one\'s timer is pending gets its full time', async (t) => {
  const clock = new VirtualClock();
  const sock = { bytesRead: 0, bytesWritten: 0 };
  const seen: [DeadlineKind, boolean, number][] = [];
  const d = new HttpClientDeadlines(sock as unknown as Socket, clock, 300, 60_000, (k, p) => seen.push([k, p, clock.monotonicNow()]));
  clock.advance(100);
  d.headersDone();
  clock.advance(150);
  d.awaitHeaders(); // at 250: the timer armed at 0 is still pending (due at 300)
  clock.advance(299);
  t.same(seen, [], 'not at 300 (the first wait\'s deadline), not at 549');
  clock.advance(1);
  t.same(seen, [['header', false, 550]], 'at 250 + 300');
  d.awaitHeaders();
  d.stop();
  clock.advance(1_000);
  t.equal(seen.length, 1, 'stop() ends every deadline');
});
