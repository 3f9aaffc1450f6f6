import t from 'tap';
import fc from 'fast-check';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { Balancer, type BalancerEvent } from '../../../src/farm/balancer.js';
import type { Decision, ServerDecision } from '../../../src/farm/types.js';
import type { ContextModel } from '../../../src/config/model.js';
import { act, farm, flow, member, rserver, simpleContext, stickyGroup, tmsContext } from './model-builder.js';

const MIN = 60_000;
const VIP80 = 'L4-CLASS-TMS-WEB-80';
const FARM80 = 'SFARM-TMS-WEB-80';

function make(ctx: ContextModel) {
  const clock = new VirtualClock();
  const bus = new EventBus<BalancerEvent>(clock);
  const events: BalancerEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return { clock, events, b: new Balancer({ context: ctx, clock, bus }) };
}

function server(d: Decision): ServerDecision {
  if (d.kind !== 'server') throw new Error(`expected a server decision, got ${JSON.stringify(d)}`);
  return d;
}

t.test('TMS: sticky hit/miss, 10-minute idle timeout from the end of the last connection', async (t) => {
  const { b, clock } = make(tmsContext());
  const c = flow('192.0.2.10');
  const d1 = server(b.select(VIP80, c));
  t.equal(d1.stickyHit, false, 'first connection is a miss');
  t.equal(d1.port, 80);
  b.open(d1);
  for (let i = 0; i < 5; i++) {
    const d = server(b.select(VIP80, c));
    t.equal(d.stickyHit, true);
    t.equal(d.rserver, d1.rserver, 'same real while stuck');
  }
  clock.advance(30 * MIN);
  t.equal(server(b.select(VIP80, c)).stickyHit, true, 'open connection keeps the entry');
  b.close(d1);
  clock.advance(10 * MIN - 1000);
  t.equal(server(b.select(VIP80, c)).stickyHit, true, 'hit 9m59s after close (and refreshed)');
  clock.advance(10 * MIN);
  t.equal(server(b.select(VIP80, c)).stickyHit, false, 'expired 10 min after the last hit');
  const row = b.snapshotSticky('L7-CLASS-TMS-WEB-80-STICKY');
  t.equal(row.length, 1);
  t.match(row[0], { key: '192.0.2.10', keyInt: 3221225994, farm: FARM80, port: 80, timeToExpireS: 600 });
});

t.test('real failure deletes its sticky entries; clients stay on the new real after recovery', async (t) => {
  const { b, events } = make(tmsContext());
  const clients = Array.from({ length: 40 }, (_, i) => flow(`198.51.100.${i}`));
  const first = clients.map((c) => server(b.select(VIP80, c)).rserver);
  t.ok(first.includes('TMS01') && first.includes('TMS02'));
  b.setProbeHealth(FARM80, 'TMS01', 80, 'PROBE-HTTP-80', 'FAILED');
  t.ok(events.some((e) => e.type === 'sticky.remove' && e.reason === 'real-out-of-service' && e.count === first.filter((r) => r === 'TMS01').length));
  for (const c of clients) t.equal(server(b.select(VIP80, c)).rserver, 'TMS02');
  b.setProbeHealth(FARM80, 'TMS01', 80, 'PROBE-HTTP-80', 'PASSED');
  for (const c of clients) t.equal(server(b.select(VIP80, c)).rserver, 'TMS02', 'still on TMS02 (§5.4)');
  // Another farm's entries for TMS01 are untouched.
  const d443 = server(b.select('L4-CLASS-TMS-WEB-443', flow('203.0.113.1', 443)));
  b.setProbeHealth(FARM80, 'TMS02', 80, 'PROBE-HTTP-80', 'FAILED');
  t.equal(server(b.select('L4-CLASS-TMS-WEB-443', flow('203.0.113.1', 443))).rserver, d443.rserver);
});

t.test('inservice standby keeps and honours sticky entries; no inservice deletes them', async (t) => {
  const { b } = make(tmsContext());
  const c = flow('192.0.2.77');
  const d = server(b.select(VIP80, c));
  const other = d.rserver === 'TMS01' ? 'TMS02' : 'TMS01';
  b.setMemberAdmin(FARM80, d.rserver, 80, 'standby');
  const again = server(b.select(VIP80, c));
  t.equal(again.rserver, d.rserver, 'stuck client still served by the standby real');
  t.equal(again.stickyHit, true);
  t.equal(server(b.select(VIP80, flow('192.0.2.78'))).rserver, other, 'new clients avoid the standby real');
  b.setMemberAdmin(FARM80, d.rserver, 80, 'outofservice');
  t.equal(server(b.select(VIP80, c)).rserver, other, 'no inservice: entry gone, re-balanced');
});

t.test('stuck real at MAXCONNS: treated as a miss, entry re-pointed', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2')],
    farms: [farm('F', [member('A', { connLimit: { max: 1, min: 1 } }), member('B')])],
    sticky: [stickyGroup('G', 'F')],
    action: act.sticky('G'),
  });
  const { b } = make(ctx);
  const d1 = server(b.select('VIP', flow('1.1.1.1')));
  t.equal(d1.rserver, 'A');
  b.open(d1);
  const d2 = server(b.select('VIP', flow('1.1.1.1')));
  t.equal(d2.rserver, 'B');
  t.equal(d2.stickyHit, false);
  t.equal(server(b.select('VIP', flow('1.1.1.1'))).rserver, 'B', 'now stuck to B');
});

t.test('backup farm with and without `sticky`', async (t) => {
  for (const backupSticky of [false, true]) {
    const ctx = simpleContext({
      rservers: [rserver('A', '10.0.0.1'), rserver('S', '10.0.9.9')],
      farms: [farm('PRI', [member('A')]), farm('SORRY', [member('S')])],
      sticky: [stickyGroup('G', 'PRI', { backup: 'SORRY', backupSticky })],
      action: act.sticky('G'),
    });
    const { b } = make(ctx);
    b.setRserverAdmin('A', 'outofservice');
    const d = server(b.select('VIP', flow('5.5.5.5')));
    t.equal(d.farm, 'SORRY');
    b.setRserverAdmin('A', 'inservice');
    const after = server(b.select('VIP', flow('5.5.5.5')));
    t.equal(after.farm, backupSticky ? 'SORRY' : 'PRI', `backupSticky=${backupSticky}`);
    t.equal(after.stickyHit, backupSticky);
  }
});

t.test('static sticky entry pins a client and is not re-pointed', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2')],
    farms: [farm('F', [member('A'), member('B')])],
    sticky: [stickyGroup('G', 'F', { statics: [{ source: '8.8.8.8', rserver: 'B' }] })],
    action: act.sticky('G'),
  });
  const { b } = make(ctx);
  for (let i = 0; i < 4; i++) t.match(b.select('VIP', flow('8.8.8.8')), { rserver: 'B', stickyHit: true });
  b.setRserverAdmin('B', 'outofservice');
  t.match(b.select('VIP', flow('8.8.8.8')), { rserver: 'A', stickyHit: false });
  b.setRserverAdmin('B', 'inservice');
  t.match(b.select('VIP', flow('8.8.8.8')), { rserver: 'B', stickyHit: true }, 'static survives the outage');
  t.match(b.snapshotSticky('G'), [{ key: '8.8.8.8', static: true, timeToExpireS: -1 }]);
});

t.test('netmask 255.255.255.0 groups a /24', async (t) => {
  const ctx = simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2')],
    farms: [farm('F', [member('A'), member('B')])],
    sticky: [stickyGroup('G', 'F', { netmask: '255.255.255.0' })],
    action: act.sticky('G'),
  });
  const { b } = make(ctx);
  const r = server(b.select('VIP', flow('10.9.8.1'))).rserver;
  for (let i = 2; i < 50; i++) t.equal(server(b.select('VIP', flow(`10.9.8.${i}`))).rserver, r);
  t.equal(b.stickyKeyOf('G', '10.9.8.77', '10.0.200.40')?.key, '10.9.8.0');
});

// ------------------------------------------------------------------ properties

type Op =
  | { kind: 'probe'; real: number; failed: boolean }
  | { kind: 'admin'; real: number; admin: 'inservice' | 'standby' | 'outofservice' }
  | { kind: 'pick'; client: number }
  | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('probe' as const), real: fc.nat(3), failed: fc.boolean() }),
  fc.record({ kind: fc.constant('admin' as const), real: fc.nat(3), admin: fc.constantFrom('inservice' as const, 'standby' as const, 'outofservice' as const) }),
  fc.record({ kind: fc.constant('pick' as const), client: fc.nat(20) }),
  fc.record({ kind: fc.constant('pick' as const), client: fc.nat(20) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4 * MIN }) }),
);

function fourRealContext(predictor: 'roundrobin' | 'leastconns' | 'hash'): ContextModel {
  const names = ['R0', 'R1', 'R2', 'R3'];
  return simpleContext({
    rservers: names.map((n, i) => rserver(n, `10.0.1.${i + 1}`)),
    farms: [
      farm(
        'F',
        names.map((n, i) => member(n, { weight: i + 1 })),
        { probes: ['P'], predictor: predictor === 'hash' ? { kind: 'hash-address', which: 'source', netmask: '255.255.255.255' } : { kind: predictor } },
      ),
    ],
    sticky: [stickyGroup('G', 'F', { timeoutMin: 10 })],
    action: act.sticky('G'),
  });
}

t.test('property: never a failed or out-of-service real while a healthy one exists; stickiness holds while healthy and unexpired', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom('roundrobin' as const, 'leastconns' as const, 'hash' as const), fc.array(opArb, { maxLength: 120 }), (pred, ops) => {
      const { b, clock } = make(fourRealContext(pred));
      const names = ['R0', 'R1', 'R2', 'R3'];
      // Model of stickiness: client → { real, lastHit }; an entry is valid only
      // while its real never left service since and the idle time < 10 min.
      const stuck = new Map<number, { real: string; at: number }>();
      for (const op of ops) {
        if (op.kind === 'probe') b.setProbeHealth('F', names[op.real]!, 80, 'P', op.failed ? 'FAILED' : 'PASSED');
        else if (op.kind === 'admin') b.setMemberAdmin('F', names[op.real]!, undefined, op.admin);
        else if (op.kind === 'advance') clock.advance(op.ms);
        if (op.kind === 'probe' || op.kind === 'admin') {
          for (const [c, s] of stuck) {
            const st = b.realState('F', s.real);
            if (st !== 'OPERATIONAL' && st !== 'STANDBY') stuck.delete(c);
          }
        }
        if (op.kind !== 'pick') continue;
        const states = names.map((n) => b.realState('F', n)!);
        const anyHealthy = states.includes('OPERATIONAL');
        const d = b.select('VIP', flow(`172.20.0.${op.client}`));
        const prev = stuck.get(op.client);
        const now = clock.monotonicNow();
        if (prev && now - prev.at < 10 * MIN) {
          if (d.kind !== 'server' || d.rserver !== prev.real || !d.stickyHit) return false;
        }
        if (d.kind === 'server') {
          const st = b.realState('F', d.rserver)!;
          if (st !== 'OPERATIONAL' && !(d.stickyHit && st === 'STANDBY')) return false;
          stuck.set(op.client, { real: d.rserver, at: now });
        } else if (anyHealthy) {
          return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random histories held');
});

t.test('property: weighted round robin converges to the weight ratios', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }), (weights) => {
      const names = weights.map((_, i) => `W${i}`);
      const ctx = simpleContext({
        rservers: names.map((n, i) => rserver(n, `10.0.2.${i + 1}`)),
        farms: [farm('F', names.map((n, i) => member(n, { weight: weights[i]! })))],
        action: act.farm('F'),
      });
      const { b } = make(ctx);
      const total = weights.reduce((a, w) => a + w, 0);
      const counts = new Map<string, number>();
      for (let i = 0; i < total * 3; i++) {
        const d = b.select('VIP', flow('1.1.1.1'));
        if (d.kind !== 'server') return false;
        counts.set(d.rserver, (counts.get(d.rserver) ?? 0) + 1);
      }
      // Smooth WRR is exact over every full cycle of sum(weights) picks.
      return names.every((n, i) => counts.get(n) === weights[i]! * 3);
    }),
    { numRuns: 200 },
  );
  t.pass('exact ratios over whole cycles');
});
