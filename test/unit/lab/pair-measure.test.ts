import t from 'tap';
import { computePairMetrics, type PairGroupEvent, type PairRequest } from '../../../src/lab/pair-measure.js';
import { pairMetrics } from '../../../src/lab/pair-run.js';
import type { PairEvent } from '../../../src/lab/engine-pair.js';

t.test('takeover, VIP gap, losses and stickiness around a kill of the active', async (t) => {
  const ev: PairGroupEvent[] = [
    { atMs: 0, role: 'primary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 5, role: 'primary', state: 'SERVING' },
    { atMs: 100, role: 'secondary', state: 'FSM_FT_STATE_STANDBY_HOT' },
    { atMs: 20_000, role: 'primary', state: 'DEAD' },
    { atMs: 22_900, role: 'secondary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 22_950, role: 'secondary', state: 'SERVING' },
  ];
  const req: PairRequest[] = [
    { atMs: 19_000, client: 'a', ok: true, node: 'n1' },
    { atMs: 19_500, client: 'b', ok: true, node: 'n2' },
    { atMs: 21_000, client: 'a', ok: false },
    { atMs: 22_000, client: 'b', ok: false },
    { atMs: 21_500, client: 'a', ok: false, trap: true },
    { atMs: 22_100, client: 'b', ok: true, node: 'n2', trap: true },
    { atMs: 25_000, client: 'a', ok: true, node: 'n1' },
    { atMs: 25_500, client: 'b', ok: true, node: 'n1' },
  ];
  const m = computePairMetrics(ev, req, [{ atMs: 20_000, kind: 'kill-active' }], 60_000);
  t.same(m.faults[0], { kind: 'kill-active', atMs: 20_000, takeoverMs: 2_900, vipGapMs: 2_950, lostRequests: 2, requests: 2, lostTraps: 1, traps: 2, stickyKept: 1, stickyClients: 2 }, 'traps are counted apart from requests');
  t.equal(m.duplicateActiveMs, 0, 'the dead member is not active');
});

t.test('split brain: both ACTIVE while the link is cut counts as duplicate-active time', async (t) => {
  const ev: PairGroupEvent[] = [
    { atMs: 0, role: 'primary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 100, role: 'secondary', state: 'FSM_FT_STATE_STANDBY_HOT' },
    { atMs: 13_000, role: 'secondary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 30_100, role: 'secondary', state: 'FSM_FT_STATE_STANDBY_COLD' },
  ];
  const m = computePairMetrics(ev, [], [{ atMs: 10_000, kind: 'cut-ft-link' }], 60_000);
  t.equal(m.duplicateActiveMs, 17_100);
  t.equal(m.faults[0]!.takeoverMs, 3_000, 'the standby went active 3 s after the cut');
  t.equal(m.faults[0]!.vipGapMs, null, 'but never served: the old active kept the VIP');
});

t.test('no takeover: null figures, never a crash', async (t) => {
  const m = computePairMetrics([], [], [{ atMs: 1, kind: 'switchover' }], 10);
  t.same(m.faults[0], { kind: 'switchover', atMs: 1, takeoverMs: null, vipGapMs: null, lostRequests: 0, requests: 0, lostTraps: 0, traps: 0, stickyKept: 0, stickyClients: 0 });
});

t.test('a switchover is timed from the active member\'s step-down, not from the lab\'s request', async (t) => {
  // Real ms from t0 = 0 at time scale 10: the lab asks at 2,000 ms; the request process takes
  // 700 ms to reach the primary; the secondary is ACTIVE 5 ms later and serving 8 ms after that.
  const events: PairEvent[] = [
    { role: 'primary', atMs: 0, type: 'ft.group', from: 'FSM_FT_STATE_INIT', to: 'FSM_FT_STATE_ACTIVE' },
    { role: 'primary', atMs: 1, type: 'ft.vips', serving: true },
    { role: 'secondary', atMs: 50, type: 'ft.group', from: 'FSM_FT_STATE_INIT', to: 'FSM_FT_STATE_STANDBY_HOT' },
    { role: 'primary', atMs: 2_700, type: 'ft.group', from: 'FSM_FT_STATE_ACTIVE', to: 'FSM_FT_STATE_STANDBY_HOT' },
    { role: 'secondary', atMs: 2_705, type: 'ft.group', from: 'FSM_FT_STATE_STANDBY_HOT', to: 'FSM_FT_STATE_ACTIVE' },
    { role: 'secondary', atMs: 2_713, type: 'ft.vips', serving: true },
  ];
  const timed = pairMetrics({ events, faults: [{ atMs: 2_000, kind: 'switchover', stepDownOf: 'primary' }] }, [], 0, 10, 5_000);
  t.same([timed.faults[0]!.atMs, timed.faults[0]!.takeoverMs, timed.faults[0]!.vipGapMs], [27_000, 50, 130], 'config ms: the step-down at 27 s, ACTIVE 50 ms and serving 130 ms after it');
  const untimed = pairMetrics({ events: events.filter((e) => e.atMs < 2_000), faults: [{ atMs: 2_000, kind: 'switchover', stepDownOf: 'primary' }] }, [], 0, 10, 5_000);
  t.equal(untimed.faults[0]!.atMs, 20_000, 'no transition reported: the lab\'s request time stands');
  // The secondary's ACTIVE stamped 1 ms before the primary's step-down (each member stamps its own events).
  const raced = events.map((e) => (e.role === 'secondary' && e.atMs === 2_705 ? { ...e, atMs: 2_699 } : e));
  const r = pairMetrics({ events: raced, faults: [{ atMs: 2_000, kind: 'switchover', stepDownOf: 'primary' }] }, [], 0, 10, 5_000);
  t.same([r.faults[0]!.atMs, r.faults[0]!.takeoverMs], [26_990, 0], 'timed from the first transition it caused, so the takeover is found');
  const kill = pairMetrics({ events, faults: [{ atMs: 2_000, kind: 'kill-active' }] }, [], 0, 10, 5_000);
  t.equal(kill.faults[0]!.takeoverMs, 7_050, 'other faults keep the time they were applied');
});

t.test('a hand-over whose two stamps are out of order by less than the stamps\' noise is not two actives', async (t) => {
  const ev: PairGroupEvent[] = [
    { atMs: 0, role: 'secondary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 100, role: 'primary', state: 'FSM_FT_STATE_STANDBY_HOT' },
    // Preemption: the primary's ACTIVE stamped 5 ms (config time) before the secondary's step-down.
    { atMs: 50_000, role: 'primary', state: 'FSM_FT_STATE_ACTIVE' },
    { atMs: 50_005, role: 'secondary', state: 'FSM_FT_STATE_STANDBY_HOT' },
  ];
  t.equal(computePairMetrics(ev, [], [], 60_000).duplicateActiveMs, 5, 'without a noise allowance: 5 ms of two actives');
  t.equal(computePairMetrics(ev, [], [], 60_000, 50).duplicateActiveMs, 0, 'within 50 ms of noise: a hand-over');
  const split: PairGroupEvent[] = [...ev.slice(0, 2), { atMs: 50_000, role: 'primary', state: 'FSM_FT_STATE_ACTIVE' }, { atMs: 53_000, role: 'secondary', state: 'FSM_FT_STATE_STANDBY_HOT' }];
  t.equal(computePairMetrics(split, [], [], 60_000, 50).duplicateActiveMs, 3_000, 'a real overlap is counted whole');
});
