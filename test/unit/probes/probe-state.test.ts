import t from 'tap';
import { DEFAULT_PROBE_OPTIONS } from '../../../src/probes/options.js';
import { initialProbeState, step, type ProbeInstanceState, type StepConfig } from '../../../src/probes/probe-state.js';
import { REF, instanceFor } from '../../fakes/probe-fixtures.js';

// PROBE-HTTP-80 of the reference config: interval 10 s.
const inst = instanceFor(REF['PROBE-HTTP-80'](), '10.0.200.50', 80, { farm: 'SFARM-TMS-WEB-80', rserver: 'TMS01' });
const config = (intervalFrom: 'scheduled-start' | 'actual-start'): StepConfig => ({ timing: inst.probe, key: inst.key, options: { ...DEFAULT_PROBE_OPTIONS, intervalFrom } });

/** Start with a spread of 700 ms, then attempts that the engine began `lateMs` after they were due, each answering in 50 ms. */
function dueTimes(intervalFrom: 'scheduled-start' | 'actual-start', lateMs: readonly number[]): number[] {
  const c = config(intervalFrom);
  let s: ProbeInstanceState = step(initialProbeState(), { kind: 'start', nowMs: 0, delayMs: 700 }, c).state;
  const dues: number[] = [s.nextDueMs!];
  for (const late of lateMs) {
    const begun = s.nextDueMs! + late;
    s = step(s, { kind: 'due', nowMs: begun }, c).state;
    s = step(s, { kind: 'result', nowMs: begun + 50, result: { ok: true, cause: 'OK', latencyMs: 50 } }, c).state;
    dues.push(s.nextDueMs!);
  }
  return dues;
}

t.test('the interval counts from the scheduled start: a late start does not move the schedule', async (t) => {
  t.same(dueTimes('scheduled-start', [0, 120, 0, 35, 0]), [700, 10_700, 20_700, 30_700, 40_700, 50_700], 'every attempt stays on the 700 ms + 10 s grid');
  t.same(dueTimes('actual-start', [0, 120, 0, 35, 0]), [700, 10_700, 20_820, 30_820, 40_855, 50_855], "'actual-start': each lateness is added for good");
});

t.test('an attempt that outlives its interval: the next starts when it ends, and the grid restarts there', async (t) => {
  const c = config('scheduled-start');
  let s = step(initialProbeState(), { kind: 'start', nowMs: 0 }, c).state;
  s = step(s, { kind: 'due', nowMs: 0 }, c).state;
  s = step(s, { kind: 'result', nowMs: 12_000, result: { ok: true, cause: 'OK', latencyMs: 12_000 } }, c).state;
  t.equal(s.nextDueMs, 12_000, 'never duplicated: the next attempt at the result');
  s = step(s, { kind: 'due', nowMs: 12_000 }, c).state;
  t.equal(s.lastDueMs, 12_000);
  s = step(s, { kind: 'result', nowMs: 12_100, result: { ok: true, cause: 'OK', latencyMs: 100 } }, c).state;
  t.equal(s.nextDueMs, 22_000, 'then every interval from that start');
});

t.test('a due tick is never taken as earlier than it came', async (t) => {
  const c = config('scheduled-start');
  let s = step(initialProbeState(), { kind: 'start', nowMs: 0, delayMs: 500 }, c).state;
  s = step(s, { kind: 'due', nowMs: 200 }, c).state;
  t.equal(s.lastDueMs, 200, 'a tick before its due time (an operator start) counts from when it ran');
});

/** One attempt due at `due` (after a 700 ms start spread and `cycles` on-time ones), begun at `begun`, answered `latency` ms later: the next due time. */
function afterOverrun(begun: number, latency: number): { next: number; then: number } {
  const c = config('scheduled-start');
  let s: ProbeInstanceState = step(initialProbeState(), { kind: 'start', nowMs: 0, delayMs: 700 }, c).state;
  s = step(s, { kind: 'due', nowMs: 700 }, c).state;
  s = step(s, { kind: 'result', nowMs: 750, result: { ok: true, cause: 'OK', latencyMs: 50 } }, c).state; // due 10,700
  s = step(s, { kind: 'due', nowMs: begun }, c).state;
  s = step(s, { kind: 'result', nowMs: begun + latency, result: { ok: true, cause: 'OK', latencyMs: latency } }, c).state;
  const next = s.nextDueMs!;
  const startedAt = Math.max(next, begun + latency);
  s = step(s, { kind: 'due', nowMs: startedAt }, c).state;
  s = step(s, { kind: 'result', nowMs: startedAt + 50, result: { ok: true, cause: 'OK', latencyMs: 50 } }, c).state;
  return { next, then: s.nextDueMs! };
}

t.test('an attempt begun late that overruns its interval: the next keeps the instance\'s phase', async (t) => {
  t.same(afterOverrun(18_000, 3_000), { next: 30_700, then: 40_700 }, 'due 10.7 s, begun 7.3 s late, 3 s long: the 20.7 s slot has passed, so 30.7 s, then 40.7 s');
  t.same(afterOverrun(32_000, 50), { next: 40_700, then: 50_700 }, 'two slots behind: the next free slot of its own phase, no run of catch-up attempts');
  t.same(afterOverrun(10_700, 12_000), { next: 22_700, then: 32_700 }, 'an attempt that itself outlived its interval (a slow server): back to back, then from there (§4.5)');
});

t.test('a slow attempt whose result was handed over late counts from its end at the prober', async (t) => {
  const c = config('scheduled-start');
  let s: ProbeInstanceState = step(initialProbeState(), { kind: 'start', nowMs: 0 }, c).state;
  s = step(s, { kind: 'due', nowMs: 0 }, c).state;
  // Queued 300 ms in a prober worker, 11 s long there, its result handled 200 ms after it ended.
  s = step(s, { kind: 'result', nowMs: 11_500, result: { ok: true, cause: 'OK', latencyMs: 11_000, queuedMs: 300 } }, c).state;
  t.equal(s.nextDueMs, 11_300, 'due when it ended (so it starts at once), not at 11.5 s with the rest of its batch');
  s = step(s, { kind: 'due', nowMs: 11_500 }, c).state;
  s = step(s, { kind: 'result', nowMs: 11_600, result: { ok: true, cause: 'OK', latencyMs: 100 } }, c).state;
  t.equal(s.nextDueMs, 21_300);
});
