// How late probe attempts start: the StartLag accounting, the engine's use of it (timer
// lateness + a prober's queue), its rate-limited warning, and real lateness on RealClock.
import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { ProbeEngine } from '../../../src/probes/probe-engine.js';
import type { ProbeLogger } from '../../../src/probes/probe-engine.js';
import { LATE_START_MS, LATE_WARNING_EVERY_MS, lateStartText, StartLag } from '../../../src/probes/start-lag.js';
import type { Clock } from '../../../src/core/clock.js';
import type { ProbeEvent, ProbeResult, Prober } from '../../../src/probes/types.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';

t.test('StartLag: counts, worst and mean; a warning at the first late attempt, then at most one per window', async (t) => {
  const lag = new StartLag();
  t.equal(lag.record(10, 0), undefined, 'on time: no warning');
  t.equal(lag.record(LATE_START_MS - 1, 100), undefined, 'just under the threshold: no warning');
  const first = lag.record(1_500, 200);
  t.same(first, { late: 1, worstMs: 1_500, windowMs: 0 }, 'the first late attempt warns at once');
  t.equal(lag.record(3_000, 300), undefined, 'inside the window: counted, not warned');
  t.equal(lag.record(1_200, 200 + LATE_WARNING_EVERY_MS - 1), undefined);
  const next = lag.record(1_100, 200 + LATE_WARNING_EVERY_MS);
  t.same(next, { late: 3, worstMs: 3_000, windowMs: LATE_WARNING_EVERY_MS }, 'the next warning carries the ones held back');
  t.same(lag.snapshot(), { attempts: 6, late: 4, maxMs: 3_000, skipped: 0, meanMs: Math.round(((10 + 999 + 1_500 + 3_000 + 1_200 + 1_100) / 6) * 10) / 10 });
  t.equal(lag.record(-5, 99_999), undefined, 'a negative lag (clock rounding) counts as on time');
  t.equal(lag.snapshot().attempts, 7);
  t.match(lateStartText(next!), /^3 probe attempt\(s\) started 1 s or more after they were due in the last 10 s \(worst 3\.0 s\): acesim is short of CPU/);
});

/** A Prober that answers after delayMs on the clock, reporting queuedMs as a queueing prober would. */
function queueingProber(clock: Clock, delayMs: number, queuedMs: number): Prober {
  return {
    probe: () => new Promise<ProbeResult>((resolve) => clock.setTimer(delayMs, () => resolve({ ok: true, cause: 'OK', latencyMs: delayMs, queuedMs }))),
  };
}

function capture(): { logger: ProbeLogger; warnings: { obj: object; msg: string }[] } {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, logger: { info: () => {}, debug: () => {}, warn: (obj, msg) => warnings.push({ obj, msg: msg ?? '' }) } };
}

/** One 2 s instance on a VirtualClock whose prober reports `queuedMs`, run for `forMs`. */
async function runQueued(queuedMs: number, forMs: number) {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const lags: (number | undefined)[] = [];
  bus.on('probe.result', (e) => lags.push(e.startLagMs));
  const { logger, warnings } = capture();
  const engine = new ProbeEngine({ clock, bus, logger, prober: queueingProber(clock, 5, queuedMs) });
  engine.start([instanceFor(probe('P', 'http', { intervalMs: 2_000 }), '10.0.0.1', 80)]);
  await clock.runUntilAsync(forMs);
  engine.stop();
  return { lags, warnings, startLag: engine.snapshot().startLag };
}

t.test('engine: a prober queue counts as lateness, reaches the result event, the snapshot and one warning per window', async (t) => {
  // interval 2 s: 15 attempts in 29 s, all 1.5 s late by the queue (the virtual timers are exact).
  const { lags, warnings, startLag } = await runQueued(1_500, 29_000);
  t.equal(lags.length, 15);
  t.ok(lags.every((l) => l === 1_500), 'startLagMs = timer lateness (0) + queuedMs');
  t.same(startLag, { attempts: 15, late: 15, maxMs: 1_500, skipped: 0, meanMs: 1_500 });
  // Results at 5 ms, 2005, 4005, …: warnings at the first and then at least 10 s apart.
  t.equal(warnings.length, 3, 'at 0 s, ~10 s and ~20 s');
  t.match(warnings[0]!.obj, { lateAttempts: 1, worstLagMs: 1_500 });
  t.match(warnings[1]!.obj, { lateAttempts: 5 });
  t.match(warnings[1]!.msg, /^5 probe attempt\(s\) started 1 s or more after they were due in the last 10 s/);
});

t.test('engine: an attempt queued past its next slot makes the instance skip that slot, keep its phase, and count it', async (t) => {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const starts: number[] = [];
  // Each attempt waits 2.4 s in the prober's queue and then takes 100 ms: its result comes at
  // 2.5 s, after the next 2 s slot; had it begun on time it would have ended at 0.1 s.
  const prober: Prober = {
    probe: () => {
      starts.push(clock.monotonicNow());
      return new Promise<ProbeResult>((resolve) => clock.setTimer(2_500, () => resolve({ ok: true, cause: 'OK', latencyMs: 100, queuedMs: 2_400 })));
    },
  };
  const engine = new ProbeEngine({ clock, bus, prober });
  engine.start([instanceFor(probe('P', 'http', { intervalMs: 2_000 }), '10.0.0.1', 80)]);
  await clock.runUntilAsync(10_000);
  engine.stop();
  t.same(starts, [0, 4_000, 8_000], 'the 2 s, 6 s and 10 s slots are passed over: never back to back, never off the 2 s grid');
  t.equal(engine.snapshot().startLag.skipped, 2, 'the slots skipped by 10 s (the results at 2.5 s and 6.5 s)');
});

t.test('engine: attempts on time raise no warning and report zero lateness', async (t) => {
  const { lags, warnings, startLag } = await runQueued(0, 10_000);
  t.ok(lags.length >= 5 && lags.every((l) => l === 0));
  t.equal(warnings.length, 0);
  t.same(startLag, { attempts: lags.length, late: 0, maxMs: 0, skipped: 0, meanMs: 0 });
});

t.test('engine on RealClock: a blocked event loop makes the next attempt start late, and that is measured', async (t) => {
  const clock = new RealClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const lags: number[] = [];
  let blocked = false;
  const done = new Promise<void>((resolve) => {
    bus.on('probe.result', (e) => {
      lags.push(e.startLagMs ?? -1);
      if (!blocked) {
        // Hold the only thread for 600 ms right after the first result: the next attempt is
        // due 300 ms later, so its timer can only fire ~300 ms or more late.
        blocked = true;
        const until = clock.monotonicNow() + 600;
        while (clock.monotonicNow() < until) {
          /* busy: this is the overload being measured */
        }
      } else resolve();
    });
  });
  const engine = new ProbeEngine({ clock, bus, prober: { probe: async () => ({ ok: true, cause: 'OK', latencyMs: 0 }) } });
  engine.start([instanceFor(probe('P', 'tcp', { intervalMs: 300 }), '10.0.0.1', 80)]);
  await done;
  engine.stop();
  t.ok(lags[0]! >= 0 && lags[0]! < 250, `the first attempt on time (${lags[0]} ms)`);
  t.ok(lags[1]! >= 250, `the attempt due during the block started late (${lags[1]} ms)`);
  t.equal(engine.snapshot().startLag.maxMs, lags[1]);
});
