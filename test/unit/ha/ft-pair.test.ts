// Two FT members on an in-memory FT VLAN in virtual time: election, sticky
// replication, takeover timing, a cut link (split brain), preemption and
// switchover — with exact times where the protocol fixes them.
import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { FtController, type FtEvent } from '../../../src/ha/ft-controller.js';
import { MemoryFtLink } from '../../../src/ha/memory-transport.js';
import { StickyStore } from '../../../src/sticky/sticky-store.js';
import type { StickyEvent } from '../../../src/sticky/events.js';

const A = { address: '127.1.1.1', port: 7000 };
const B = { address: '127.1.1.2', port: 7000 };

function member(clock: VirtualClock, link: MemoryFtLink, me: typeof A, peer: typeof A, priority: number, opts: { digest?: string; preempt?: boolean; intervalMs?: number; queryAlive?: () => boolean; config?: { text: string; apply?: (text: string) => string | undefined } } = {}) {
  const stickyBus = new EventBus<StickyEvent>(clock);
  const store = new StickyStore({ clock, bus: stickyBus });
  const g = store.addGroup({ name: 'STICKY', address: 'source', netmask: 0xffffffff, timeoutMs: 600_000, timeoutActiveconns: false, replicate: true });
  const real1 = store.internReal({ farm: 'F', rserver: 'TMS01', port: 0 });
  const bus = new EventBus<FtEvent>(clock);
  const events: (FtEvent & { atMs: number })[] = [];
  bus.subscribe((e) => events.push(e as FtEvent & { atMs: number }));
  const serving: { at: number; serving: boolean }[] = [];
  const lines: string[] = [];
  const ctl = new FtController({
    clock,
    onLine: (l) => void lines.push(l),
    transport: link.transportFor(),
    me,
    peer,
    peerId: 1,
    heartbeatIntervalMs: opts.intervalMs ?? 300,
    heartbeatCount: 10,
    groups: [{ id: 1, configPriority: priority, preempt: opts.preempt ?? true, inservice: true, contexts: ['Admin'] }],
    sticky: { store, events: stickyBus },
    ...(opts.queryAlive ? { query: { ask: async () => opts.queryAlive!(), close: async () => {} }, queryInterface: 'vlan 400' } : {}),
    hooks: {
      activate: async () => void serving.push({ at: clock.monotonicNow(), serving: true }),
      deactivate: async () => void serving.push({ at: clock.monotonicNow(), serving: false }),
      configDigest: () => (opts.config ? `digest:${opts.config.text}` : (opts.digest ?? 'same')),
      ...(opts.config
        ? {
            configText: () => opts.config!.text,
            // apply returns an error message, or undefined when the text was taken.
            applyConfig: async (_g: number, text: string) => {
              const err = opts.config!.apply?.(text);
              if (err !== undefined) return { ok: false as const, message: err };
              opts.config!.text = text;
              return { ok: true as const };
            },
          }
        : {}),
    },
    bus,
  });
  return { ctl, store, g, real1, events, serving, lines };
}

/** Starts both members; they stop with the test. */
async function startBoth(t: { teardown(fn: () => unknown): void }, a: { ctl: FtController }, b: { ctl: FtController }): Promise<void> {
  await a.ctl.start();
  await b.ctl.start();
  t.teardown(async () => {
    await a.ctl.stop();
    await b.ctl.stop();
  });
}

async function pair(t: { teardown(fn: () => unknown): void }, opts: { digestB?: string; preempt?: boolean } = {}) {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  const a = member(clock, link, A, B, 150, opts);
  const b = member(clock, link, B, A, 100, { ...opts, ...(opts.digestB !== undefined ? { digest: opts.digestB } : {}) });
  await a.ctl.start();
  await b.ctl.start();
  t.teardown(async () => {
    await a.ctl.stop();
    await b.ctl.stop();
  });
  await clock.runUntilAsync(2_000);
  return { clock, link, a, b };
}

t.test('election and sync: the higher priority is ACTIVE, the peer STANDBY_HOT with the sticky table', async (t) => {
  const { clock, a, b } = await pair(t);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  t.equal(a.ctl.peer().state, 'FSM_PEER_STATE_COMPATIBLE');
  t.same(a.serving.map((s) => s.serving), [true], 'only the active serves');
  t.same(b.serving, []);
  // Incremental replication: 100 clients learn on the active.
  for (let ip = 1; ip <= 100; ip++) a.store.touchLocal(a.g, 0, ip, a.real1);
  await clock.runUntilAsync(2_100);
  t.equal(b.store.groupSize(b.g), 100, 'every entry reached the standby');
  t.equal(b.store.entries(b.g).find((e) => e.keyLo === 42)?.rserver, 'TMS01');
  t.equal(a.store.groupSize(a.g), 100, 'nothing echoed back as new entries');
  const gs = b.ctl.groups()[0]!;
  t.equal(gs.peerState, 'FSM_FT_STATE_ACTIVE');
  t.equal(gs.stickyReplicated, 100);
});

t.test('bulk sync: entries learned before the standby joined arrive when it joins', async (t) => {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  const a = member(clock, link, A, B, 150);
  await a.ctl.start();
  await clock.runUntilAsync(3_500);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'alone: active after 300 ms × 10');
  t.equal(a.serving[0]?.at, 3_000);
  for (let ip = 1; ip <= 50; ip++) a.store.touchLocal(a.g, 0, ip, a.real1);
  const b = member(clock, link, B, A, 100);
  await b.ctl.start();
  t.teardown(async () => {
    await a.ctl.stop();
    await b.ctl.stop();
  });
  await clock.runUntilAsync(4_500);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  t.equal(b.store.groupSize(b.g), 50);
  t.ok(b.events.some((e) => e.type === 'ft.sync' && e.step === 'bulk-done' && e.entries === 50));
});

t.test('the active dies: the standby takes over after interval × count, with every replicated entry', async (t) => {
  const { clock, a, b } = await pair(t);
  for (let ip = 1; ip <= 20; ip++) a.store.touchLocal(a.g, 0, ip, a.real1);
  await clock.runUntilAsync(2_100);
  const lastHeard = clock.monotonicNow();
  await a.ctl.stop(); // SIGKILL: no goodbye
  const killedAt = clock.monotonicNow();
  await clock.runUntilAsync(killedAt + 5_000);
  const took = b.events.find((e) => e.type === 'ft.group' && e.to === 'FSM_FT_STATE_ACTIVE');
  t.ok(took, 'standby went active');
  const takeover = took!.atMs - killedAt;
  t.ok(takeover >= 3_000 - 300 && takeover <= 3_000, `takeover ${takeover} ms within (interval×count − interval, interval×count] of the kill`);
  t.ok(lastHeard <= killedAt);
  t.same(b.serving.map((s) => s.serving), [true]);
  t.equal(b.store.groupSize(b.g), 20, '100 % of replicated entries preserved');
  t.equal(b.ctl.peer().state, 'FSM_PEER_STATE_DOWN');
});

t.test('FT link cut: both go active (split brain); when it heals the lower priority steps down and resyncs', async (t) => {
  const { clock, link, a, b } = await pair(t);
  link.setCut(true);
  const cutAt = clock.monotonicNow();
  await clock.runUntilAsync(cutAt + 4_000);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'both active while the link is cut');
  link.setCut(false);
  await clock.runUntilAsync(cutAt + 6_000);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT', 'stepped down, resynced');
  t.same(b.serving.map((s) => s.serving), [true, false], 'b released its VIPs');
  const bActive = b.events.filter((e) => e.type === 'ft.group' && (e.to === 'FSM_FT_STATE_ACTIVE' || e.from === 'FSM_FT_STATE_ACTIVE'));
  const dup = bActive[1]!.atMs - bActive[0]!.atMs;
  t.ok(dup > 0 && dup < 3_000, `duplicate-active time ${dup} ms, ended within a heartbeat of the heal`);
});

t.test('preemption: the higher-priority member restarts, joins as standby, syncs, then takes the group back', async (t) => {
  const { clock, link, a, b } = await pair(t);
  for (let ip = 1; ip <= 10; ip++) a.store.touchLocal(a.g, 0, ip, a.real1);
  await clock.runUntilAsync(2_100);
  await a.ctl.stop();
  await clock.runUntilAsync(6_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  for (let ip = 11; ip <= 15; ip++) b.store.touchLocal(b.g, 0, ip, b.real1);
  const a2 = member(clock, link, A, B, 150);
  await a2.ctl.start();
  t.teardown(() => a2.ctl.stop());
  await clock.runUntilAsync(8_000);
  t.equal(a2.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'preempted back');
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  const states = a2.events.filter((e) => e.type === 'ft.group').map((e) => (e as { to: string }).to);
  t.same(states, ['FSM_FT_STATE_ELECT', 'FSM_FT_STATE_STANDBY_CONFIG', 'FSM_FT_STATE_STANDBY_BULK', 'FSM_FT_STATE_STANDBY_HOT', 'FSM_FT_STATE_ACTIVE'], 'synced before preempting');
  t.equal(a2.store.groupSize(a2.g), 15, 'the returning member has every entry, old and new');
});

t.test('ft switchover: the active hands over and the VIPs move with one heartbeat', async (t) => {
  const { clock, a, b } = await pair(t);
  const r = a.ctl.switchover(1);
  t.ok(r.ok, r.message);
  const at = clock.monotonicNow();
  await clock.runUntilAsync(at + 50);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  t.ok(b.serving[0]!.at - at <= 5, `VIPs moved ${b.serving[0]!.at - at} ms after the command`);
  await clock.runUntilAsync(at + 5_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'no preemption back while held');
  const bad = b.ctl.switchover(7);
  t.notOk(bad.ok);
  t.match(bad.message, /does not exist/);
  t.notOk(a.ctl.switchover(1).ok, 'the standby cannot switch over');
});

t.test('config mismatch: the standby stays STANDBY_COLD and gets no sticky entries, yet takes over if the active dies', async (t) => {
  const { clock, a, b } = await pair(t, { digestB: 'different' });
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_COLD');
  t.equal(b.ctl.groups()[0]!.configSync, 'failed');
  a.store.touchLocal(a.g, 0, 1, a.real1);
  await clock.runUntilAsync(2_100);
  t.equal(b.store.groupSize(b.g), 0);
  await a.ctl.stop();
  await clock.runUntilAsync(6_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
});

t.test('heartbeat interval mismatch: both adopt the lower interval', async (t) => {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  const a = member(clock, link, A, B, 150, { intervalMs: 300 });
  const b = member(clock, link, B, A, 100, { intervalMs: 100 });
  await startBoth(t, a, b);
  await clock.runUntilAsync(2_000);
  t.equal(a.ctl.peer().heartbeatIntervalMs, 100);
  t.equal(b.ctl.peer().heartbeatIntervalMs, 100);
  t.ok(a.ctl.stats().heartbeatTimeoutMismatches >= 1);
  await b.ctl.stop();
  const killed = clock.monotonicNow();
  await clock.runUntilAsync(killed + 2_000);
  const took = a.events.find((e) => e.type === 'ft.peer' && e.to === 'FSM_PEER_STATE_DOWN');
  t.ok(took && took.atMs - killed <= 1_000, `detected in 100 ms × 10 (${took ? took.atMs - killed : 'never'})`);
});

t.test('garbage on the FT VLAN is counted, never fatal', async (t) => {
  const { clock, link, a } = await pair(t);
  const inbox = link.inboxes.get('127.1.1.1:7000')!;
  for (const junk of ['', 'not json', '{"v":1}', JSON.stringify({ v: 1, from: '127.1.1.2', seq: 1, intervalMs: 300, count: 10, hearing: true, groups: [{ id: 1, state: 'BOGUS' }] })]) inbox(Buffer.from(junk), '127.1.1.2');
  inbox(Buffer.from(JSON.stringify({ v: 1, from: '127.9.9.9', seq: 1, intervalMs: 300, count: 10, hearing: true, groups: [] })), '127.9.9.9');
  await clock.runUntilAsync(3_000);
  t.equal(a.ctl.malformed, 5);
  t.equal(a.ctl.stats().rejectedMessages, 5);
  t.equal(a.ctl.stats().lastRejection, 'heartbeat claiming to be 127.9.9.9, not the peer (from 127.9.9.9)');
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  // One operator line for the burst (the first), then a summary at most every 10 s.
  const rejected = () => a.lines.filter((l) => l.startsWith('ft: rejected'));
  t.same(rejected(), ['ft: rejected a heartbeat that does not decode: not JSON (from 127.1.1.2)']);
  await clock.runUntilAsync(clock.monotonicNow() + 10_000);
  inbox(Buffer.from('still junk'), '127.1.1.2');
  t.equal(rejected().length, 2);
  t.equal(rejected()[1], 'ft: rejected a heartbeat that does not decode: not JSON (from 127.1.1.2); 4 more rejected since the last report');
});

t.test('a refused message names the field at fault, in the stats and the operator line', async (t) => {
  const { clock, link, a } = await pair(t);
  const inbox = link.inboxes.get('127.1.1.1:7000')!;
  const rejected = () => a.lines.filter((l) => l.startsWith('ft: rejected'));
  // A heartbeat from the peer, well formed but for one field of its second group.
  const groups = [1, 2].map((id) => ({ id, state: 'FSM_FT_STATE_ACTIVE', configPriority: 100, netPriority: 100, preempt: true, yielding: false }));
  groups[1]!.netPriority = 256;
  inbox(Buffer.from(JSON.stringify({ v: 1, from: '127.1.1.2', seq: 1, intervalMs: 300, count: 10, hearing: true, groups })), '127.1.1.2');
  t.equal(a.ctl.stats().rejectedMessages, 1);
  t.equal(a.ctl.stats().lastRejection, 'heartbeat that does not decode: groups[1].netPriority: expected an integer 0-255, got 256 (from 127.1.1.2)');
  t.same(rejected(), ['ft: rejected a heartbeat that does not decode: groups[1].netPriority: expected an integer 0-255, got 256 (from 127.1.1.2)']);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'the refused heartbeat changed nothing');

  // A replication line with one bad field, on the channel the pair opened (each end gets one).
  await clock.runUntilAsync(clock.monotonicNow() + 10_000);
  t.ok(link.streams.size >= 2, 'the replication channel is up');
  for (const s of link.streams) s.write('{"t":"bulk-end","group":1,"entries":-3}\n');
  await clock.runUntilAsync(clock.monotonicNow() + 100);
  t.equal(a.ctl.stats().rejectedMessages, 2);
  t.equal(a.ctl.stats().lastRejection, 'replication message that does not decode: bulk-end: entries: expected an integer 0-9007199254740991, got -3 (from 127.1.1.2)');
  t.equal(rejected()[1], `ft: rejected a ${a.ctl.stats().lastRejection}`);
  t.ok(link.streams.size >= 2, 'a refused line does not drop the channel');
});

t.test('query interface: an FT-link cut with the peer alive on the query VLAN makes no second active; losing both does', async (t) => {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  let queryUp = true;
  const a = member(clock, link, A, B, 150, { queryAlive: () => queryUp });
  const b = member(clock, link, B, A, 100, { queryAlive: () => queryUp });
  await startBoth(t, a, b);
  await clock.runUntilAsync(2_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  link.setCut(true);
  const cutAt = clock.monotonicNow();
  await clock.runUntilAsync(cutAt + 10_000);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.not(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'the standby stays standby');
  t.equal(b.ctl.peer().state, 'FSM_PEER_STATE_FT_VLAN_DOWN');
  t.equal(b.ctl.peer().queryInterface, 'vlan 400');
  t.same(b.serving, [], 'never served');
  queryUp = false;
  const bothAt = clock.monotonicNow();
  await clock.runUntilAsync(bothAt + 4_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'both paths down: takeover');
  const took = b.events.find((e) => e.type === 'ft.group' && e.to === 'FSM_FT_STATE_ACTIVE')!;
  t.ok(took.atMs - bothAt <= 3_000, `at the next silent period (${took.atMs - bothAt} ms)`);
});

t.test('config sync: a standby with a different config takes the active\'s; a reload on the active is pushed and resynced', async (t) => {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  const aCfg = { text: 'v1' };
  const bCfg: { text: string; apply?: (text: string) => string | undefined } = { text: 'old' };
  const a = member(clock, link, A, B, 150, { config: aCfg });
  const b = member(clock, link, B, A, 100, { config: bCfg });
  await startBoth(t, a, b);
  await clock.runUntilAsync(2_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT', 'synced on join');
  t.equal(bCfg.text, 'v1', 'the standby runs the active\'s config');
  t.match(b.ctl.groups()[0]!.configSyncDetail, /applied the active's config/);
  for (let ip = 1; ip <= 5; ip++) a.store.touchLocal(a.g, 0, ip, a.real1);
  await clock.runUntilAsync(2_100);
  // The operator reloads the active.
  aCfg.text = 'v2';
  t.same(a.ctl.configChanged(), ['ft group 1: config pushed to the standby']);
  await clock.runUntilAsync(2_200);
  t.equal(bCfg.text, 'v2');
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT', 'hot again after the resync');
  t.equal(b.store.groupSize(b.g), 5, 'sticky entries came again with the bulk');
  const steps = b.events.filter((e) => e.type === 'ft.sync').map((e) => (e as { step: string }).step);
  t.same(steps, ['config-applied', 'config-ok', 'bulk-done', 'config-applied', 'config-ok', 'bulk-done']);
  const bStates = b.events.filter((e) => e.type === 'ft.group').map((e) => (e as { to: string }).to).slice(-3);
  t.same(bStates, ['FSM_FT_STATE_STANDBY_CONFIG', 'FSM_FT_STATE_STANDBY_BULK', 'FSM_FT_STATE_STANDBY_HOT']);
  t.same(b.serving, [], 'the standby never served');
  // A config the standby cannot take: it stays STANDBY_COLD and says why.
  bCfg.apply = () => 'v3 has 1 error(s); nothing changed';
  aCfg.text = 'v3';
  a.ctl.configChanged();
  await clock.runUntilAsync(2_300);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_COLD');
  t.equal(b.ctl.groups()[0]!.configSync, 'failed');
  t.match(b.ctl.groups()[0]!.configSyncDetail, /v3 has 1 error/);
  // The next good config is another chance.
  delete bCfg.apply;
  aCfg.text = 'v4';
  a.ctl.configChanged();
  await clock.runUntilAsync(2_400);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_HOT');
  t.equal(bCfg.text, 'v4');
});

t.test('config sync: a standby still different after a push is refused once, not pushed to forever', async (t) => {
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, 1);
  const a = member(clock, link, A, B, 150, { config: { text: 'v1' } });
  // Its apply "succeeds" but its digest never matches (e.g. other address maps).
  const b = member(clock, link, B, A, 100, { digest: 'never' });
  await startBoth(t, a, b);
  await clock.runUntilAsync(2_000);
  t.equal(b.ctl.state(1), 'FSM_FT_STATE_STANDBY_COLD');
  t.match(b.ctl.groups()[0]!.configSyncDetail, /cannot apply a pushed config/);
  t.equal(a.events.filter((e) => e.type === 'ft.sync' && e.step === 'config-pushed').length, 1);
});
