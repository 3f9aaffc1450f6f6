import t from 'tap';
import { computePairMetrics, type PairGroupEvent, type PairRequest } from '../../../src/lab/pair-measure.js';

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
