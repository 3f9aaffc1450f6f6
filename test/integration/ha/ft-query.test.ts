// The query-interface split-brain check on real sockets (ace-semantics §7.1):
// two FT controllers on loopback, the FT VLAN through one relay and the query
// VLAN through another, both of which the test can cut. Cutting the FT link
// only loses the heartbeats, but the query (a TCP connect over the query
// VLAN) finds the peer alive: the standby stays standby. Cutting both is a
// dead peer as far as the standby can tell: it takes over.
import t from 'tap';
import { RealClock, sleep } from '../../../src/core/real-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { FtController, type FtEvent } from '../../../src/ha/ft-controller.js';
import { FtRelay } from '../../../src/lab/ft-relay.js';
import { relayAddressFor } from '../../../src/lab/engine-pair.js';
import { nodeFtTransport } from '../../../src/runtime/ft-transport.js';
import { tcpQueryPort } from '../../../src/runtime/ft-query.js';
import { nodeNetPorts } from '../../../src/proxy/net-ports.js';

const PORT = 32010;
const FT = { a: '127.0.130.1', b: '127.0.130.2' };
const QUERY = { a: '127.0.130.11', b: '127.0.130.12' };

async function until(clock: RealClock, cond: () => boolean, maxMs: number): Promise<boolean> {
  const end = clock.monotonicNow() + maxMs;
  while (!cond()) {
    if (clock.monotonicNow() > end) return false;
    await sleep(clock, 10);
  }
  return true;
}

async function member(clock: RealClock, me: 'a' | 'b', priority: number) {
  const peer = me === 'a' ? 'b' : 'a';
  const bus = new EventBus<FtEvent>(clock);
  const events: (FtEvent & { atMs: number })[] = [];
  bus.subscribe((e) => events.push(e as FtEvent & { atMs: number }));
  const serving: boolean[] = [];
  const query = await tcpQueryPort(nodeNetPorts, { listen: { address: QUERY[me], port: PORT }, target: { address: relayAddressFor(QUERY[peer]), port: PORT }, localAddress: QUERY[me] });
  const ctl = new FtController({
    clock,
    transport: nodeFtTransport(nodeNetPorts),
    me: { address: FT[me], port: PORT },
    peer: { address: relayAddressFor(FT[peer]), port: PORT },
    peerIdentity: FT[peer],
    peerId: 1,
    heartbeatIntervalMs: 100,
    heartbeatCount: 10,
    groups: [{ id: 1, configPriority: priority, preempt: true, inservice: true, contexts: ['Admin'] }],
    query,
    queryInterface: 'vlan 400',
    hooks: { activate: async () => void serving.push(true), deactivate: async () => void serving.push(false), configDigest: () => 'same' },
    bus,
  });
  return { ctl, events, serving };
}

t.test('FT link cut with the query VLAN up: no second active; both cut: takeover', async (t) => {
  const clock = new RealClock();
  const ftRelay = new FtRelay({ member: FT.a, relay: relayAddressFor(FT.a) }, { member: FT.b, relay: relayAddressFor(FT.b) }, PORT);
  const queryRelay = new FtRelay({ member: QUERY.a, relay: relayAddressFor(QUERY.a) }, { member: QUERY.b, relay: relayAddressFor(QUERY.b) }, PORT);
  await ftRelay.start();
  await queryRelay.start();
  const a = await member(clock, 'a', 150);
  const b = await member(clock, 'b', 100);
  t.teardown(async () => {
    await a.ctl.stop();
    await b.ctl.stop();
    await ftRelay.stop();
    await queryRelay.stop();
  });
  await a.ctl.start();
  await b.ctl.start();
  t.ok(await until(clock, () => a.ctl.state(1) === 'FSM_FT_STATE_ACTIVE' && b.ctl.state(1) === 'FSM_FT_STATE_STANDBY_HOT', 10_000), 'pair formed');

  ftRelay.setCut(true);
  const cutAt = clock.monotonicNow();
  t.ok(await until(clock, () => b.ctl.peer().state === 'FSM_PEER_STATE_FT_VLAN_DOWN', 5_000), 'the standby sees FT_VLAN_DOWN');
  t.ok(await until(clock, () => a.ctl.peer().state === 'FSM_PEER_STATE_FT_VLAN_DOWN', 5_000), 'so does the active');
  const downAfter = clock.monotonicNow() - cutAt;
  t.ok(downAfter >= 1_000 - 100, `not before interval × count less the heartbeat in flight at the cut (${downAfter} ms)`);
  // Stay for two more silent periods: each one asks the query interface again.
  await sleep(clock, 2_500);
  t.equal(a.ctl.state(1), 'FSM_FT_STATE_ACTIVE');
  t.not(b.ctl.state(1), 'FSM_FT_STATE_ACTIVE', 'the standby did not take over');
  t.notOk(b.events.some((e) => e.type === 'ft.group' && e.to === 'FSM_FT_STATE_ACTIVE'), 'no duplicate active at any time');
  t.same(b.serving, []);

  queryRelay.setCut(true);
  const bothAt = clock.monotonicNow();
  t.ok(await until(clock, () => b.ctl.state(1) === 'FSM_FT_STATE_ACTIVE', 5_000), 'both cut: the standby takes over');
  const took = clock.monotonicNow() - bothAt;
  t.ok(took <= 1_000 + 200, `by the next query, one silent period later at most, plus its timeout: ${took} ms`);
  t.equal(b.ctl.peer().state, 'FSM_PEER_STATE_DOWN');
});
