import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { Balancer, type BalancerEvent } from '../../../src/farm/balancer.js';
import type { Decision, ServerDecision } from '../../../src/farm/types.js';
import type { ContextModel } from '../../../src/config/model.js';
import { act, farm, flow, httpClass, l4Class, lbPolicy, member, multiMatch, POS, rserver, simpleContext, stickyGroup, tmsContext } from './model-builder.js';
import { emptyContext } from '../../../src/config/defaults.js';

function make(ctx: ContextModel) {
  const clock = new VirtualClock();
  const bus = new EventBus<BalancerEvent>(clock);
  const events: BalancerEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const b = new Balancer({ context: ctx, clock, bus });
  return { clock, bus, events, b };
}

function server(d: Decision): ServerDecision {
  if (d.kind !== 'server') throw new Error(`expected a server decision, got ${JSON.stringify(d)}`);
  return d;
}

function tally(b: Balancer, n: number, client = (i: number) => `192.168.${(i >> 8) & 255}.${i & 255}`): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const d = b.select('VIP', flow(client(i)));
    const k = d.kind === 'server' ? `${d.rserver}:${d.port}` : d.kind;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const two = () => [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2')];

t.test('weighted round robin: table of weight sets', async (t) => {
  const cases: { name: string; weights: [number, number]; picks: number; want: Record<string, number> }[] = [
    { name: 'equal weights alternate', weights: [8, 8], picks: 10, want: { 'A:80': 5, 'B:80': 5 } },
    { name: '3:1', weights: [3, 1], picks: 40, want: { 'A:80': 30, 'B:80': 10 } },
    { name: 'weight 0 gets nothing', weights: [5, 0], picks: 7, want: { 'A:80': 7 } },
  ];
  for (const c of cases) {
    const { b } = make(simpleContext({ rservers: two(), farms: [farm('F', [member('A', { weight: c.weights[0] }), member('B', { weight: c.weights[1] })])], action: act.farm('F') }));
    t.same(tally(b, c.picks), c.want, c.name);
  }
});

t.test('member weight overrides rserver weight; port falls back to VIP port', async (t) => {
  const { b } = make(simpleContext({ rservers: [rserver('A', '10.0.0.1', { weight: 1 }), rserver('B', '10.0.0.2', { weight: 1 })], farms: [farm('F', [member('A', { weight: 2 }), member('B', { port: 8080 })])], action: act.farm('F') }));
  t.same(tally(b, 30), { 'A:80': 20, 'B:8080': 10 });
});

t.test('smooth WRR interleaves 5:1:1 like nginx', async (t) => {
  const { b } = make(
    simpleContext({
      rservers: [rserver('a', '10.0.0.1'), rserver('b', '10.0.0.2'), rserver('c', '10.0.0.3')],
      farms: [farm('F', [member('a', { weight: 5 }), member('b', { weight: 1 }), member('c', { weight: 1 })])],
      action: act.farm('F'),
    }),
  );
  const seq = Array.from({ length: 7 }, () => server(b.select('VIP', flow('1.1.1.1'))).rserver).join(' ');
  t.equal(seq, 'a a b a c a a');
});

t.test('leastconns prefers the real with fewer open connections (weighted)', async (t) => {
  const { b } = make(simpleContext({ rservers: two(), farms: [farm('F', [member('A', { weight: 1 }), member('B', { weight: 2 })], { predictor: { kind: 'leastconns' } })], action: act.farm('F') }));
  // Open 30 connections, never closing: the 1:2 weight shows up in the open counts.
  for (let i = 0; i < 30; i++) b.open(b.select('VIP', flow(`1.1.1.${i}`)));
  const s = b.snapshotFarms('F')[0]!.reals;
  t.equal(s[0]!.current, 10);
  t.equal(s[1]!.current, 20);
  // Closing B's connections makes B the target.
  const dB = server(b.select('VIP', flow('2.2.2.2')));
  t.equal(dB.rserver, 'A', 'A and B equally loaded per weight → rotation picks A next');
});

t.test('hash address source is stable and spreads', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2'), rserver('C', '10.0.0.3')],
    farms: [farm('F', [member('A'), member('B'), member('C')], { predictor: { kind: 'hash-address', which: 'source', netmask: '255.255.255.0' } })],
    action: act.farm('F'),
  });
  const { b } = make(ctx);
  const first = new Map<string, string>();
  for (let i = 0; i < 200; i++) first.set(`172.16.${i}.9`, server(b.select('VIP', flow(`172.16.${i}.9`))).rserver);
  for (let i = 0; i < 200; i++) t.equal(server(b.select('VIP', flow(`172.16.${i}.77`))).rserver, first.get(`172.16.${i}.9`), 'same /24 → same real');
  const counts = [...first.values()].reduce<Record<string, number>>((a, r) => ((a[r] = (a[r] ?? 0) + 1), a), {});
  t.equal(Object.keys(counts).length, 3, 'all three reals used');
  // Removing C moves only C's keys.
  b.setMemberAdmin('F', 'C', undefined, 'outofservice');
  for (const [client, was] of first) {
    const now = server(b.select('VIP', flow(client))).rserver;
    if (was !== 'C') t.equal(now, was, `${client} kept its real`);
    else t.not(now, 'C');
  }
});

t.test('admin states at both levels', async (t) => {
  const cases: { name: string; global: 'inservice' | 'standby' | 'outofservice'; memberAdmin: 'inservice' | 'standby' | 'outofservice'; want: string }[] = [
    { name: 'both inservice', global: 'inservice', memberAdmin: 'inservice', want: 'OPERATIONAL' },
    { name: 'global out', global: 'outofservice', memberAdmin: 'inservice', want: 'OUTOFSERVICE' },
    { name: 'member out', global: 'inservice', memberAdmin: 'outofservice', want: 'OUTOFSERVICE' },
    { name: 'member standby', global: 'inservice', memberAdmin: 'standby', want: 'STANDBY' },
    { name: 'global standby', global: 'standby', memberAdmin: 'inservice', want: 'STANDBY' },
  ];
  for (const c of cases) {
    const { b } = make(simpleContext({ rservers: [rserver('A', '10.0.0.1', { admin: c.global }), rserver('B', '10.0.0.2')], farms: [farm('F', [member('A', { admin: c.memberAdmin }), member('B')])], action: act.farm('F') }));
    t.equal(b.realState('F', 'A'), c.want, c.name);
    const got = tally(b, 6);
    if (c.want === 'OPERATIONAL') t.same(got, { 'A:80': 3, 'B:80': 3 }, `${c.name}: shares traffic`);
    else t.same(got, { 'B:80': 6 }, `${c.name}: gets no new flows`);
  }
});

t.test('probe verdicts: AND by default, OR with fail-on-all, INIT counts as up', async (t) => {
  for (const failOnAll of [false, true]) {
    const { b } = make(simpleContext({ rservers: two(), farms: [farm('F', [member('A'), member('B')], { probes: ['P1', 'P2'], failOnAll })], action: act.farm('F') }));
    t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'INIT probes: operational');
    b.setProbeHealth('F', 'A', 80, 'P1', 'FAILED');
    t.equal(b.realState('F', 'A'), failOnAll ? 'OPERATIONAL' : 'PROBE-FAILED', `one failed (failOnAll=${failOnAll})`);
    b.setProbeHealth('F', 'A', 80, 'P2', 'FAILED');
    t.equal(b.realState('F', 'A'), 'PROBE-FAILED', 'all failed');
    b.setProbeHealth('F', 'A', 80, 'P1', 'PASSED');
    t.equal(b.realState('F', 'A'), failOnAll ? 'OPERATIONAL' : 'PROBE-FAILED', 'one recovered');
    b.setProbeHealth('F', 'A', 80, 'P2', 'PASSED');
    t.equal(b.realState('F', 'A'), 'OPERATIONAL');
  }
});

t.test('probe.state events drive the farm (via the bus)', async (t) => {
  const { b, bus, events } = make(tmsContext());
  const probeBus = bus as unknown as EventBus<{ type: string }>;
  b.attachProbes(probeBus);
  const key = { probe: 'PROBE-HTTP-80', probeType: 'http' as const, farm: 'SFARM-TMS-WEB-80', rserver: 'TMS01', address: '10.0.200.50', port: 80, portType: 'PROBE' as const };
  probeBus.publish({ type: 'probe.state', key, from: 'INIT', to: 'FAILED', cause: 'L4_REFUSED' } as { type: string });
  t.equal(b.realState('SFARM-TMS-WEB-80', 'TMS01', 80), 'PROBE-FAILED');
  t.equal(b.realState('SFARM-TMS-WEB-161', 'TMS01'), 'OPERATIONAL', 'other farm untouched');
  const ev = events.find((e) => e.type === 'real.state');
  t.match(ev, { type: 'real.state', farm: 'SFARM-TMS-WEB-80', rserver: 'TMS01', port: 80, from: 'OPERATIONAL', to: 'PROBE-FAILED', reason: 'probe' });
  t.type((ev as { atMs?: number }).atMs, 'number', 'clock-stamped');
  for (let i = 0; i < 20; i++) t.equal(server(b.select('L4-CLASS-TMS-WEB-80', flow(`1.2.3.${i}`))).rserver, 'TMS02');
});

t.test('state precedence §11.3', async (t) => {
  const { b } = make(simpleContext({ rservers: two(), farms: [farm('F', [member('A', { connLimit: { max: 2, min: 2 } }), member('B')], { probes: ['P'], inbandHealth: { mode: 'remove', threshold: 1, resumeServiceS: 0 } })], action: act.farm('F') }));
  const dA = { ...server(b.select('VIP', flow('1.1.1.1'))) };
  t.equal(dA.rserver, 'A');
  b.open(dA);
  b.open(dA);
  t.equal(b.realState('F', 'A'), 'MAXCONNS');
  b.reportConnectFailure('F', 'A', 80);
  t.equal(b.realState('F', 'A'), 'INBAND-PROBE-FAILED', 'inband beats MAXCONNS');
  b.setProbeHealth('F', 'A', 80, 'P', 'FAILED');
  t.equal(b.realState('F', 'A'), 'PROBE-FAILED', 'probe beats inband');
  b.setRserverAdmin('A', 'outofservice');
  t.equal(b.realState('F', 'A'), 'OUTOFSERVICE', 'admin beats all');
});

t.test('conn-limit max/min hysteresis', async (t) => {
  const { b, events } = make(simpleContext({ rservers: two(), farms: [farm('F', [member('A', { connLimit: { max: 4, min: 2 } }), member('B', { weight: 0 })])], action: act.farm('F') }));
  const open: Decision[] = [];
  for (let i = 0; i < 4; i++) {
    const d = b.select('VIP', flow('1.1.1.1'));
    t.equal(server(d).rserver, 'A');
    b.open(d);
    open.push(d);
  }
  t.equal(b.realState('F', 'A'), 'MAXCONNS', 'at max');
  t.same(b.select('VIP', flow('1.1.1.1')), { kind: 'no-server', reason: 'farm-down' }, 'no usable real (B has weight 0)');
  b.close(open.pop()!);
  t.equal(b.realState('F', 'A'), 'MAXCONNS', '3 open: still above min');
  b.close(open.pop()!);
  t.equal(b.realState('F', 'A'), 'MAXCONNS', '2 open: not below min yet');
  b.close(open.pop()!);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', '1 open: below min');
  t.ok(events.some((e) => e.type === 'real.state' && e.to === 'MAXCONNS' && e.reason === 'conn-limit'));
  const snap = b.snapshotFarms('F')[0]!.reals[0]!;
  t.equal(snap.current, 1);
  t.equal(snap.total, 4);
});

t.test('backup-rserver with inservice standby', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('RS1', '10.0.0.1'), rserver('RS2', '10.0.0.2'), rserver('RS3', '10.0.0.3')],
    farms: [farm('F', [member('RS1', { port: 80, backup: { rserver: 'RS2', port: 80 } }), member('RS2', { port: 80, admin: 'standby' }), member('RS3', { port: 80 })])],
    action: act.farm('F'),
  });
  const { b } = make(ctx);
  t.equal(b.realState('F', 'RS2', 80), 'STANDBY');
  t.same(tally(b, 10), { 'RS1:80': 5, 'RS3:80': 5 }, 'standby gets nothing while the primary serves');
  b.setProbeHealth('F', 'RS1', 80, 'P', 'FAILED');
  const got = tally(b, 10);
  t.same(got, { 'RS2:80': 5, 'RS3:80': 5 }, 'the backup takes exactly the primary share');
  const d = server(b.select('VIP', flow('9.9.9.9')));
  t.ok(d.rserver === 'RS3' || d.viaBackupRserver, 'flag set when via backup');
  b.setProbeHealth('F', 'RS1', 80, 'P', 'PASSED');
  t.same(tally(b, 10), { 'RS1:80': 5, 'RS3:80': 5 }, 'primary back');
});

t.test('backup serverfarm: used only while the primary is down', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('S', '10.0.9.9')],
    farms: [farm('PRI', [member('A')]), farm('SORRY', [member('S')])],
    action: act.farm('PRI', 'SORRY'),
  });
  const { b, events } = make(ctx);
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).farm, 'PRI');
  b.setMemberAdmin('PRI', 'A', undefined, 'outofservice');
  const d = server(b.select('VIP', flow('1.1.1.1')));
  t.equal(d.farm, 'SORRY');
  t.equal(d.viaBackupFarm, true);
  t.ok(events.some((e) => e.type === 'farm.state' && e.farm === 'PRI' && e.to === 'DOWN'));
  b.setMemberAdmin('PRI', 'A', undefined, 'inservice');
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).farm, 'PRI', 'new flows return to the primary');
  b.setMemberAdmin('PRI', 'A', undefined, 'outofservice');
  b.setMemberAdmin('SORRY', 'S', undefined, 'outofservice');
  t.same(b.select('VIP', flow('1.1.1.1')), { kind: 'no-server', reason: 'farm-down' });
});

t.test('partial-threshold with back-inservice hysteresis', async (t) => {
  const names = ['R1', 'R2', 'R3', 'R4'];
  const ctx = simpleContext({
    rservers: [...names.map((n, i) => rserver(n, `10.0.0.${i + 1}`)), rserver('S', '10.0.9.9')],
    farms: [farm('PRI', names.map((n) => member(n)), { partialThreshold: { thresholdPct: 50, backInservicePct: 75 } }), farm('SORRY', [member('S')])],
    action: act.farm('PRI', 'SORRY'),
  });
  const { b } = make(ctx);
  b.setProbeHealth('PRI', 'R1', 80, 'P', 'FAILED');
  b.setProbeHealth('PRI', 'R2', 80, 'P', 'FAILED');
  t.equal(b.farmState('PRI'), 'UP', '50% is not below 50');
  b.setProbeHealth('PRI', 'R3', 80, 'P', 'FAILED');
  t.equal(b.farmState('PRI'), 'DOWN', '25% < 50');
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).farm, 'SORRY');
  b.setProbeHealth('PRI', 'R3', 80, 'P', 'PASSED');
  t.equal(b.farmState('PRI'), 'DOWN', '50% < back-inservice 75');
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).farm, 'SORRY');
  b.setProbeHealth('PRI', 'R2', 80, 'P', 'PASSED');
  t.equal(b.farmState('PRI'), 'UP', '75% reaches back-inservice');
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).farm, 'PRI');
});

t.test('drop, forward, out-of-service VIP, unknown class', async (t) => {
  const base = { rservers: two(), farms: [farm('F', [member('A')])] };
  t.same(make(simpleContext({ ...base, action: act.drop() })).b.select('VIP', flow('1.1.1.1')), { kind: 'drop', reason: 'policy-drop' });
  t.same(make(simpleContext({ ...base, action: act.forward() })).b.select('VIP', flow('1.1.1.1')), { kind: 'forward' });
  t.same(make(simpleContext({ ...base, action: act.farm('F'), vipInservice: false })).b.select('VIP', flow('1.1.1.1')), { kind: 'drop', reason: 'vip-outofservice' });
  t.same(make(simpleContext({ ...base, action: act.farm('F') })).b.select('NOPE', flow('1.1.1.1')), { kind: 'drop', reason: 'unknown-vip-class' });
});

t.test('HTTP policy: first match on url and header, class-default last', async (t) => {
  const ctx = emptyContext('Admin', POS);
  ctx.rservers = [rserver('IMG', '10.0.0.1'), rserver('API', '10.0.0.2'), rserver('WEB', '10.0.0.3')];
  ctx.serverfarms = [farm('SF_IMG', [member('IMG')]), farm('SF_API', [member('API')]), farm('SF_WEB', [member('WEB')])];
  ctx.classMaps = [
    l4Class('VIP', '10.0.200.40', 80),
    httpClass('L7_IMG', [{ kind: 'http-url', pos: POS, regex: '.*\\.(gif|png)' }]),
    httpClass('L7_API', [{ kind: 'http-header', pos: POS, name: 'X-Api', value: 'v[0-9]+' }]),
    httpClass('L7_BLOCK', [{ kind: 'http-url', pos: POS, regex: '/admin.*' }]),
  ];
  ctx.policyMaps = [
    lbPolicy(
      'LB',
      [
        { cls: 'L7_BLOCK', actions: [act.drop()] },
        { cls: 'L7_IMG', actions: [act.farm('SF_IMG')] },
        { cls: 'L7_API', actions: [act.farm('SF_API')] },
        { cls: 'class-default', actions: [act.farm('SF_WEB')] },
      ],
      true,
    ),
    multiMatch('MM', [{ cls: 'VIP', policy: 'LB' }]),
  ];
  const { b } = make(ctx);
  const rows: { req?: { url: string; headers?: Record<string, string> }; want: string }[] = [
    { req: { url: '/logo.png' }, want: 'IMG' },
    { req: { url: '/x', headers: { 'x-api': 'v2' } }, want: 'API' },
    { req: { url: '/x', headers: { 'x-api': 'beta' } }, want: 'WEB' },
    { req: { url: '/admin/panel' }, want: 'drop' },
    { want: 'WEB' }, // L4 flow: http matches do not apply
  ];
  for (const r of rows) {
    const d = b.select('VIP', flow('1.1.1.1'), r.req);
    t.equal(d.kind === 'server' ? d.rserver : d.kind, r.want, JSON.stringify(r.req ?? 'l4'));
  }
});

t.test('failaction: purge vs reassign decision for existing flows', async (t) => {
  for (const fa of ['purge', 'reassign', undefined] as const) {
    const ctx = simpleContext({
      rservers: [rserver('RS1', '10.0.0.1'), rserver('RS2', '10.0.0.2')],
      farms: [farm('F', [member('RS1', { backup: { rserver: 'RS2' } }), member('RS2', { admin: 'standby' })], fa ? { failaction: fa } : {})],
      action: act.farm('F'),
    });
    const { b, events } = make(ctx);
    const f = flow('1.1.1.1');
    const d = server(b.select('VIP', f));
    b.open(d);
    t.same(b.existingFlowAction(d, f), { kind: 'keep' }, `${fa}: healthy → keep`);
    b.setProbeHealth('F', 'RS1', 80, 'P', 'FAILED');
    const action = b.existingFlowAction(d, f);
    if (fa === 'purge') t.same(action, { kind: 'reset' });
    else if (fa === 'reassign') {
      t.equal(action.kind, 'move');
      t.equal(action.kind === 'move' && action.to.rserver, 'RS2');
    } else t.same(action, { kind: 'keep' }, 'no failaction: leave the flow alone');
    t.equal(events.some((e) => e.type === 'real.failaction'), fa !== undefined);
  }
});

t.test('inband health: remove at threshold within reset window; resume-service timer', async (t) => {
  const ctx = simpleContext({ rservers: two(), farms: [farm('F', [member('A'), member('B')], { inbandHealth: { mode: 'remove', threshold: 3, resetMs: 1000, resumeServiceS: 30 } })], action: act.farm('F') });
  const { b, clock, events } = make(ctx);
  b.reportConnectFailure('F', 'A', 80);
  b.reportConnectFailure('F', 'A', 80);
  clock.advance(1500); // window reset
  b.reportConnectFailure('F', 'A', 80);
  b.reportConnectFailure('F', 'A', 80);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'only 2 failures in the current window');
  b.reportConnectFailure('F', 'A', 80);
  t.equal(b.realState('F', 'A'), 'INBAND-PROBE-FAILED');
  t.equal(b.snapshotFarms('F')[0]!.reals[0]!.failures, 5, 'failures column counts every report');
  t.ok(events.some((e) => e.type === 'inband.threshold' && e.mode === 'remove'));
  t.same(tally(b, 4), { 'B:80': 4 });
  clock.advance(29_999);
  t.equal(b.realState('F', 'A'), 'INBAND-PROBE-FAILED');
  clock.advance(1);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'resumed after 30 s');
});

t.test('inband health: resume 0 = manual recovery; runtime resume-service changes', async (t) => {
  const ctx = simpleContext({ rservers: two(), farms: [farm('F', [member('A'), member('B')], { inbandHealth: { mode: 'remove', threshold: 1, resumeServiceS: 0 } })], action: act.farm('F') });
  const { b, clock } = make(ctx);
  b.reportConnectFailure('F', 'A', 80);
  clock.advance(3_600_000);
  t.equal(b.realState('F', 'A'), 'INBAND-PROBE-FAILED', 'stays failed');
  b.setMemberAdmin('F', 'A', undefined, 'outofservice');
  b.setMemberAdmin('F', 'A', undefined, 'inservice');
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'no inservice + inservice recovers');
  b.reportConnectFailure('F', 'A', 80);
  b.setInbandResumeService('F', 60);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'raising 0→N restores at once');
  b.reportConnectFailure('F', 'A', 80);
  b.setInbandResumeService('F', 120);
  clock.advance(60_000);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'raising N1→N2 keeps N1 for the current failure');
  b.reportConnectFailure('F', 'A', 80);
  b.setInbandResumeService('F', 30);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'lowering restores at once');
  b.reportConnectFailure('F', 'A', 80);
  b.setInbandResumeService('F', 0);
  clock.advance(30_000);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL', 'N→0 keeps N for the current failure');
  b.reportConnectFailure('F', 'A', 80);
  clock.advance(3_600_000);
  t.equal(b.realState('F', 'A'), 'INBAND-PROBE-FAILED', 'then manual recovery');
});

t.test('inband log mode never removes', async (t) => {
  const ctx = simpleContext({ rservers: two(), farms: [farm('F', [member('A'), member('B')], { inbandHealth: { mode: 'log', threshold: 2 } })], action: act.farm('F') });
  const { b, events } = make(ctx);
  for (let i = 0; i < 10; i++) b.reportConnectFailure('F', 'A', 80);
  t.equal(b.realState('F', 'A'), 'OPERATIONAL');
  t.equal(events.filter((e) => e.type === 'inband.threshold').length, 5);
});

t.test('reselect excludes the failed real once, and re-points the sticky entry', async (t) => {
  const ctx = simpleContext({ rservers: two(), farms: [farm('F', [member('A'), member('B')])], sticky: [stickyGroup('G', 'F', { timeoutMin: 10 })], action: act.sticky('G') });
  const { b } = make(ctx);
  const f = flow('7.7.7.7');
  const d1 = server(b.select('VIP', f));
  const d2 = server(b.reselect(f, d1));
  t.not(d2.rserver, d1.rserver, 'another real');
  t.equal(server(b.select('VIP', f)).rserver, d2.rserver, 'client now stuck to the new real');
  const ctx1 = simpleContext({ rservers: two(), farms: [farm('F', [member('A')])], action: act.farm('F') });
  const one = make(ctx1).b;
  const d = server(one.select('VIP', f));
  t.same(one.reselect(f, d), { kind: 'no-server', reason: 'no-usable-real' }, 'nothing else to try');
});

t.test('exactly one server per flow, with event-free hot path', async (t) => {
  const { b, events } = make(tmsContext());
  for (let i = 0; i < 100; i++) {
    const d = server(b.select('L4-CLASS-TMS-WEB-443', flow(`10.1.${i}.1`, 443)));
    t.equal(d.port, 443);
    t.ok(d.address === '10.0.200.50' || d.address === '10.0.200.60');
  }
  t.equal(events.length, 0, 'no per-flow events');
  t.equal(b.vipState('L4-CLASS-TMS-WEB-443'), 'UP');
  for (const r of ['TMS01', 'TMS02']) b.setRserverAdmin(r, 'outofservice');
  t.equal(b.vipState('L4-CLASS-TMS-WEB-443'), 'DOWN');
});
