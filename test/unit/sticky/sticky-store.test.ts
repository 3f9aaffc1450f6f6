import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { StickyStore, type StickyGroupSpec } from '../../../src/sticky/sticky-store.js';
import type { StickyEvent } from '../../../src/sticky/events.js';
import { parseMask } from '../../../src/sticky/ip.js';
import { formatIpv4, parseIpv4 } from '../../../src/core/ipv4.js';

const MIN = 60_000;

function setup(opts: { capacity?: number; group?: Partial<StickyGroupSpec> } = {}) {
  const clock = new VirtualClock();
  const bus = new EventBus<StickyEvent>(clock);
  const events: StickyEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const store = new StickyStore({ clock, bus, ...(opts.capacity ? { capacity: opts.capacity } : {}) });
  const g = store.addGroup({ name: 'G', address: 'source', netmask: 0xffffffff, timeoutMs: 10 * MIN, timeoutActiveconns: false, replicate: false, ...opts.group });
  const r1 = store.internReal({ farm: 'F', rserver: 'RS1', port: 80 });
  const r2 = store.internReal({ farm: 'F', rserver: 'RS2', port: 80 });
  return { clock, store, g, r1, r2, events };
}

t.test('ip helpers', async (t) => {
  t.equal(parseIpv4('10.10.10.10'), 168430090, 'ACE prints 10.10.10.10 as 168430090');
  t.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', 'a.b.c.d', '', '1..2.3', '::1']) t.equal(parseIpv4(bad), -1, bad);
  t.equal(formatIpv4(parseIpv4('192.168.1.200')), '192.168.1.200');
  t.equal(parseMask('255.255.255.0'), 0xffffff00);
});

t.test('idle timeout counts from the last hit (refresh on hit), lazily and by sweep', async (t) => {
  const { clock, store, g, r1, events } = setup();
  const k = parseIpv4('1.2.3.4');
  store.touchLocal(g, 0, k, r1);
  clock.advance(9 * MIN);
  const e = store.find(g, 0, k);
  t.ok(e >= 0, 'alive at 9 min');
  store.refresh(e);
  clock.advance(9 * MIN);
  t.ok(store.find(g, 0, k) >= 0, 'refreshed: alive 18 min after creation');
  clock.advance(10 * MIN);
  t.equal(store.size, 0, 'sweep removed it without any lookup');
  t.equal(store.find(g, 0, k), -1);
  t.ok(events.some((e) => e.type === 'sticky.remove' && e.reason === 'expired'));
  t.equal(store.counters.expirations, 1);
});

t.test('lookup never returns an expired entry even before the sweep runs', async (t) => {
  const { clock, store, g, r1 } = setup();
  store.touchLocal(g, 0, 7, r1);
  // Move time without firing timers (as if the sweep were late).
  (clock as unknown as { now: number }).now = 10 * MIN;
  t.equal(store.find(g, 0, 7), -1, 'expired exactly at the timeout');
  t.equal(store.size, 0);
});

t.test('entries with open connections do not age; timer restarts at the end of the last connection', async (t) => {
  const { clock, store, g, r1 } = setup();
  store.touchLocal(g, 0, 1, r1);
  store.connOpened(g, 0, 1);
  store.connOpened(g, 0, 1);
  clock.advance(60 * MIN);
  t.ok(store.find(g, 0, 1) >= 0, 'alive after 60 min with open conns');
  store.connClosed(g, 0, 1);
  clock.advance(30 * MIN);
  t.ok(store.peek(g, 0, 1) >= 0, 'one conn still open');
  store.connClosed(g, 0, 1);
  clock.advance(10 * MIN - 1);
  t.ok(store.peek(g, 0, 1) >= 0, 'idle 10 min - 1 ms after the last close');
  clock.advance(1000);
  t.equal(store.peek(g, 0, 1), -1, 'expired 10 min after the last close');
});

t.test('timeout activeconns: expires under a live connection', async (t) => {
  const { clock, store, g, r1 } = setup({ group: { timeoutActiveconns: true } });
  store.touchLocal(g, 0, 1, r1);
  store.connOpened(g, 0, 1);
  clock.advance(10 * MIN + 1000);
  t.equal(store.peek(g, 0, 1), -1);
});

t.test('static entries never expire, survive deleteByReals and clear()', async (t) => {
  const { clock, store, g, r1 } = setup();
  store.addStatic(g, 0, 5, r1);
  store.touchLocal(g, 0, 6, r1);
  clock.advance(100 * 24 * 60 * MIN);
  t.ok(store.find(g, 0, 5) >= 0);
  t.equal(store.find(g, 0, 6), -1);
  store.touchLocal(g, 0, 6, r1);
  t.equal(store.deleteByReals(new Set([r1])), 1, 'only the dynamic entry');
  t.ok(store.find(g, 0, 5) >= 0);
  store.touchLocal(g, 0, 6, r1);
  t.equal(store.clear(g), 1);
  t.ok(store.isStatic(store.find(g, 0, 5)));
  t.equal(store.clear(undefined, true), 1, 'clear with statics');
  t.equal(store.size, 0);
});

t.test('deleteByReals removes only that real, reports per group', async (t) => {
  const { store, g, r1, r2, events } = setup();
  for (let i = 0; i < 100; i++) store.touchLocal(g, 0, i, i % 2 === 0 ? r1 : r2);
  t.equal(store.deleteByReals(new Set([r1])), 50);
  for (let i = 0; i < 100; i++) t.equal(store.peek(g, 0, i) >= 0, i % 2 === 1);
  t.match(events.at(-1), { type: 'sticky.remove', reason: 'real-out-of-service', count: 50, rserver: 'RS1', port: 80 });
});

t.test('capacity: full table evicts the entry closest to expiry', async (t) => {
  const { clock, store, g, r1 } = setup({ capacity: 4 });
  for (let i = 1; i <= 4; i++) {
    store.touchLocal(g, 0, i, r1);
    clock.advance(1000);
  }
  store.refresh(store.find(g, 0, 1)); // 1 is now the freshest; 2 is the oldest
  store.touchLocal(g, 0, 5, r1);
  t.equal(store.size, 4);
  t.equal(store.peek(g, 0, 2), -1, 'oldest user lost stickiness');
  for (const k of [1, 3, 4, 5]) t.ok(store.peek(g, 0, k) >= 0, `kept ${k}`);
  t.equal(store.counters.evictions, 1);
});

t.test('capacity: statics and live entries are not evicted; insert fails instead', async (t) => {
  const { store, g, r1, events } = setup({ capacity: 2 });
  store.addStatic(g, 0, 1, r1);
  store.touchLocal(g, 0, 2, r1);
  store.connOpened(g, 0, 2);
  t.equal(store.touchLocal(g, 0, 3, r1), -1);
  t.equal(store.counters.insertFailures, 1);
  t.ok(events.some((e) => e.type === 'sticky.full'));
});

t.test('table grows and survives many inserts and deletes (backward-shift deletion)', async (t) => {
  const { store, g, r1, r2 } = setup({ capacity: 50_000 });
  const live = new Map<number, number>();
  let wrongDeletes = 0;
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 200_000; i++) {
    const k = rnd() % 20_000;
    if (rnd() % 3 === 0) {
      const had = live.delete(k);
      if (store.delete(g, 0, k) !== had) wrongDeletes++;
    } else {
      const r = rnd() % 2 ? r1 : r2;
      store.touchLocal(g, 0, k, r);
      live.set(k, r);
    }
  }
  t.equal(wrongDeletes, 0, 'delete reports presence correctly');
  t.equal(store.size, live.size);
  let bad = 0;
  for (let k = 0; k < 20_000; k++) {
    const e = store.peek(g, 0, k);
    if ((e >= 0) !== live.has(k) || (e >= 0 && store.realOf(e) !== live.get(k))) bad++;
  }
  t.equal(bad, 0, 'store agrees with a Map model');
});

t.test('address both keys source and destination separately', async (t) => {
  const { store, r1, r2 } = setup();
  const g = store.addGroup({ name: 'B', address: 'both', netmask: parseMask('255.255.255.0'), timeoutMs: MIN, timeoutActiveconns: false, replicate: false });
  const src = parseIpv4('10.1.1.9');
  const d1 = parseIpv4('10.2.2.2');
  const d2 = parseIpv4('10.3.3.3');
  store.touchLocal(g, store.keyHiOf(g, src, d1), store.keyLoOf(g, src, d1), r1);
  store.touchLocal(g, store.keyHiOf(g, src, d2), store.keyLoOf(g, src, d2), r2);
  const same = parseIpv4('10.1.1.200');
  t.equal(store.realOf(store.find(g, store.keyHiOf(g, same, d1), store.keyLoOf(g, same, d1))), r1);
  t.equal(store.realOf(store.find(g, store.keyHiOf(g, same, d2), store.keyLoOf(g, same, d2))), r2);
  const rows = store.entries(g);
  t.same(rows.map((r) => r.key).sort(), ['10.1.1.0/10.2.2.0', '10.1.1.0/10.3.3.0']);
});

t.test('touchLocal marks and announces replicated entries; touchRemote does not echo', async (t) => {
  const { store, r1, r2, events } = setup();
  const g = store.addGroup({ name: 'R', address: 'source', netmask: 0xffffffff, timeoutMs: MIN, timeoutActiveconns: false, replicate: true });
  store.touchLocal(g, 0, 1, r1);
  t.match(events.filter((e) => e.type === 'sticky.learn'), [{ group: 'R', keyLo: 1, rserver: 'RS1', port: 80 }]);
  t.notOk(store.entries(g)[0]!.dirty, 'handed to the bus');
  store.touchRemote(g, 0, 2, r2);
  store.touchRemote(g, 0, 1, r2);
  t.equal(events.filter((e) => e.type === 'sticky.learn').length, 1, 'no echo of remote updates');
  t.equal(store.realOf(store.find(g, 0, 1)), r2, 'remote update applied');
  t.notOk(store.entries(g).some((e) => e.dirty));
});

t.test('a refreshed replicated entry is re-published once half its timeout has passed, not on every hit', async (t) => {
  const { clock, store, r1, events } = setup();
  const g = store.addGroup({ name: 'R', address: 'source', netmask: 0xffffffff, timeoutMs: 10 * MIN, timeoutActiveconns: false, replicate: true });
  const learns = (): number => events.filter((e) => e.type === 'sticky.learn').length;
  store.touchLocal(g, 0, 1, r1);
  t.equal(learns(), 1);
  clock.advance(4 * MIN);
  store.touchLocal(g, 0, 1, r1);
  t.equal(learns(), 1, 'refresh before half the timeout: nothing sent');
  clock.advance(1 * MIN);
  store.touchLocal(g, 0, 1, r1);
  t.equal(learns(), 2, 'refresh at half the timeout: sent again');
  clock.advance(1 * MIN);
  store.touchLocal(g, 0, 1, r1);
  t.equal(learns(), 2, 'the clock restarts at the last publication');
});

t.test('no timers remain once the table is empty', async (t) => {
  const { clock, store, g, r1 } = setup();
  for (let i = 0; i < 10; i++) store.touchLocal(g, 0, i, r1);
  clock.runAll(1000);
  t.equal(store.size, 0);
  t.equal(clock.nextDeadline(), undefined);
});

t.test('read model: time-to-expire in seconds, ACE integer key, counters', async (t) => {
  const { clock, store, g, r1 } = setup();
  store.touchLocal(g, 0, parseIpv4('10.10.10.10'), r1);
  store.addStatic(g, 0, parseIpv4('10.10.10.11'), r1);
  clock.advance(58_500);
  const rows = store.entries(g);
  t.match(rows, [
    { group: 'G', key: '10.10.10.10', keyInt: 168430090, rserver: 'RS1', port: 80, timeToExpireS: 542, static: false },
    { key: '10.10.10.11', timeToExpireS: -1, static: true },
  ]);
  store.find(g, 0, parseIpv4('10.10.10.10'));
  store.find(g, 0, 99);
  t.match(store.counters, { hits: 1, misses: 1, inserts: 1 });
});
