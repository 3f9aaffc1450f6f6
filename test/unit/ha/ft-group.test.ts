import t from 'tap';
import { initialFtGroup, netPriority, stepFtGroup, stepPeerLiveness, viewOf, type FtGroupInput, type FtGroupMachine } from '../../../src/ha/ft-group.js';

const member = (configPriority: number, lower: boolean, preempt = true): FtGroupMachine =>
  initialFtGroup({ id: 1, configPriority, preempt, inservice: true, tieBreakerLower: lower });

/** Delivers each member's heartbeat to the other until nothing changes (a few heartbeat rounds). */
function exchange(a: FtGroupMachine, b: FtGroupMachine, nowMs: number): [FtGroupMachine, FtGroupMachine] {
  for (let i = 0; i < 6; i++) {
    const a2 = stepFtGroup(a, { kind: 'peer-heartbeat', nowMs, peer: viewOf(b) });
    const b2 = stepFtGroup(b, { kind: 'peer-heartbeat', nowMs, peer: viewOf(a2) });
    if (a2.state === a.state && b2.state === b.state && a2.preemptHeld === a.preemptHeld) return [a2, b2];
    a = a2;
    b = b2;
  }
  return [a, b];
}
const sync = (m: FtGroupMachine, nowMs: number): FtGroupMachine =>
  [{ kind: 'config-synced', nowMs, ok: true }, { kind: 'bulk-synced', nowMs }].reduce((x, i) => stepFtGroup(x, i as FtGroupInput), m);
const start = (m: FtGroupMachine): FtGroupMachine => stepFtGroup(m, { kind: 'start', nowMs: 0 });

t.test('a lone member elects itself after the election timeout', async (t) => {
  let a = start(member(100, true));
  t.equal(a.state, 'FSM_FT_STATE_ELECT');
  a = stepFtGroup(a, { kind: 'elect-timeout', nowMs: 3000 });
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(a.lastChangeMs, 3000);
});

t.test('two members: the higher priority goes active, the other syncs to STANDBY_HOT', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 10);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_CONFIG', 'config first');
  b = stepFtGroup(b, { kind: 'config-synced', nowMs: 20, ok: true });
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_BULK');
  b = stepFtGroup(b, { kind: 'bulk-synced', nowMs: 30 });
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_HOT');
  [a, b] = exchange(a, b, 40);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE', 'stable');
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_HOT');
});

t.test('equal priorities: the lower FT address wins', async (t) => {
  const [a, b] = exchange(start(member(100, false)), start(member(100, true)), 0);
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_CONFIG');
});

t.test('the active dies: the standby takes over on peer loss, from any standby state', async (t) => {
  for (const synced of [true, false]) {
    let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
    if (synced) b = sync(b, 1);
    b = stepFtGroup(b, { kind: 'peer-lost', nowMs: 5000 });
    t.equal(b.state, 'FSM_FT_STATE_ACTIVE', synced ? 'hot standby' : 'standby still in config sync');
    t.equal(b.peer, undefined);
    t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  }
});

t.test('a restarted higher-priority member joins as standby, syncs, then preempts', async (t) => {
  // b is active alone (a rebooted); a comes back with the higher priority.
  let b = stepFtGroup(start(member(100, true)), { kind: 'elect-timeout', nowMs: 3000 });
  let a = start(member(150, false));
  [a, b] = exchange(a, b, 4000);
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_CONFIG', 'never takes over before it has the state');
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE');
  a = sync(a, 4100);
  [a, b] = exchange(a, b, 4200);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE', 'preempts once hot');
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_HOT', 'the old active keeps its state: hot at once');
});

t.test('no preempt: a returning higher-priority member stays standby', async (t) => {
  let b = stepFtGroup(start(member(100, true, false)), { kind: 'elect-timeout', nowMs: 3000 });
  let a = start(member(150, false, false));
  [a, b] = exchange(a, b, 4000);
  a = sync(a, 4100);
  [a, b] = exchange(a, b, 4200);
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_HOT');
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE');
});

t.test('tracking: the guide example (100 vs 70, items of 15 and 40)', async (t) => {
  t.equal(netPriority(100, [15, 15]), 70, 'two of three items at 15: 70, not below 70');
  t.equal(netPriority(100, [15, 15, 15]), 55, 'all three: 55 < 70');
  t.equal(netPriority(100, [40]), 60, 'one item at 40');
  t.equal(netPriority(10, [40]), 0, 'never negative');
  let [a, b] = exchange(start(member(100, false)), start(member(70, true)), 0);
  b = sync(b, 1);
  a = stepFtGroup(a, { kind: 'net-priority', nowMs: 2, netPriority: netPriority(100, [15, 15]) });
  [a, b] = exchange(a, b, 3);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE', '70 is not below 70: no switchover (equal, and the active keeps it)');
  a = stepFtGroup(a, { kind: 'net-priority', nowMs: 4, netPriority: netPriority(100, [15, 15, 15]) });
  [a, b] = exchange(a, b, 5);
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE', 'switchover when the active falls below the standby');
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_HOT');
  a = stepFtGroup(a, { kind: 'net-priority', nowMs: 6, netPriority: 100 });
  [a, b] = exchange(a, b, 7);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE', 'items recover: preempt takes the group back');
});

t.test('ft switchover hands the group over and holds preemption until a priority changes', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
  b = sync(b, 1);
  const refused = stepFtGroup(a, { kind: 'switchover', nowMs: 2, force: false });
  t.equal(refused.state, 'FSM_FT_STATE_ACTIVE', 'refused while the peer is not known hot');
  [a, b] = exchange(a, b, 3);
  a = stepFtGroup(a, { kind: 'switchover', nowMs: 4, force: false });
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_HOT');
  [a, b] = exchange(a, b, 5);
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE', 'the peer takes over');
  t.equal(a.state, 'FSM_FT_STATE_STANDBY_HOT', 'and is not preempted back');
  b = stepFtGroup(b, { kind: 'net-priority', nowMs: 6, netPriority: 90 });
  [a, b] = exchange(a, b, 7);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE', 'a priority change ends the hold');
});

t.test('a healed FT-link cut: both active, the election loser steps down and resyncs', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
  b = sync(b, 1);
  b = stepFtGroup(b, { kind: 'peer-lost', nowMs: 3000 });
  a = stepFtGroup(a, { kind: 'peer-lost', nowMs: 3000 });
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE', 'split brain while the link is cut');
  [a, b] = exchange(a, b, 9000);
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_CONFIG', 'loser goes cold, then back into config sync');
});

t.test('a refused config sync leaves the member STANDBY_COLD; it still takes over when the peer dies', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
  b = stepFtGroup(b, { kind: 'config-synced', nowMs: 1, ok: false });
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_COLD');
  [a, b] = exchange(a, b, 2);
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_COLD', 'stays cold');
  b = stepFtGroup(b, { kind: 'peer-lost', nowMs: 3 });
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE', 'non-statefully');
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
});

t.test('sync lost: a hot standby goes cold and re-enters sync on the next heartbeat', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
  b = sync(b, 1);
  b = stepFtGroup(b, { kind: 'sync-lost', nowMs: 2 });
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_COLD');
  [a, b] = exchange(a, b, 3);
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_CONFIG');
});

t.test('a group out of service takes no part', async (t) => {
  const m = initialFtGroup({ id: 2, configPriority: 200, preempt: true, inservice: false, tieBreakerLower: true });
  const s = [{ kind: 'start', nowMs: 0 }, { kind: 'elect-timeout', nowMs: 3000 }, { kind: 'peer-lost', nowMs: 4000 }].reduce((x, i) => stepFtGroup(x, i as FtGroupInput), m);
  t.equal(s.state, 'FSM_FT_STATE_INIT');
});

t.test('query interface: heartbeats lost but the peer answers — nobody takes over; no answer — the standby does', async (t) => {
  let [a, b] = exchange(start(member(150, false)), start(member(100, true)), 0);
  b = sync(b, 1);
  // The FT VLAN is cut: both miss heartbeats, both ask the query interface, the peer answers.
  b = stepFtGroup(b, { kind: 'sync-lost', nowMs: 3000 });
  b = stepFtGroup(b, { kind: 'peer-query-alive', nowMs: 3000 });
  a = stepFtGroup(a, { kind: 'peer-query-alive', nowMs: 3000 });
  t.equal(a.state, 'FSM_FT_STATE_ACTIVE');
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_COLD', 'the standby stays standby (cold: replication rides the FT VLAN)');
  t.ok(b.ftVlanDown && a.ftVlanDown);
  t.equal(b.peer?.state, 'FSM_FT_STATE_ACTIVE', 'the peer is still known active');
  // The link heals: heartbeats resume, the standby resyncs, the flag clears.
  [a, b] = exchange(a, b, 5000);
  t.equal(b.state, 'FSM_FT_STATE_STANDBY_CONFIG');
  t.notOk(b.ftVlanDown);
  // Both paths down (or the active dead): the query goes unanswered, the standby takes over.
  b = stepFtGroup(sync(b, 5001), { kind: 'peer-lost', nowMs: 9000 });
  t.equal(b.state, 'FSM_FT_STATE_ACTIVE');
  t.notOk(b.ftVlanDown);
});

t.test('peer liveness: silence asks the query interface first; its answer decides', async (t) => {
  const up = { state: 'FSM_PEER_STATE_COMPATIBLE' as const, querying: false };
  t.same(stepPeerLiveness(up, { kind: 'silent', queryInterface: false }), { peer: { state: 'FSM_PEER_STATE_DOWN', querying: false }, effect: 'peer-lost' }, 'no query interface: lost at once');
  const asked = stepPeerLiveness(up, { kind: 'silent', queryInterface: true });
  t.same(asked, { peer: { state: 'FSM_PEER_STATE_COMPATIBLE', querying: true }, effect: 'query' });
  t.equal(stepPeerLiveness(asked.peer, { kind: 'silent', queryInterface: true }).effect, 'none', 'one query at a time');
  t.same(stepPeerLiveness(asked.peer, { kind: 'query-answer', alive: true, silent: true }), { peer: { state: 'FSM_PEER_STATE_FT_VLAN_DOWN', querying: false }, effect: 'peer-query-alive' });
  t.same(stepPeerLiveness(asked.peer, { kind: 'query-answer', alive: false, silent: true }), { peer: { state: 'FSM_PEER_STATE_DOWN', querying: false }, effect: 'peer-lost' });
  t.same(stepPeerLiveness(asked.peer, { kind: 'query-answer', alive: false, silent: false }), { peer: { state: 'FSM_PEER_STATE_COMPATIBLE', querying: false }, effect: 'none' }, 'heartbeats came back meanwhile');
  const vlanDown = { state: 'FSM_PEER_STATE_FT_VLAN_DOWN' as const, querying: false };
  t.equal(stepPeerLiveness(vlanDown, { kind: 'silent', queryInterface: true }).effect, 'query', 'asked again every silent period');
});
