// Real-time Clock over Node's timers. The only module (with the rest of
// src/core) allowed to read the process clock or arm Node timers.
import type { Clock, CancelTimer } from './clock.js';

export class RealClock implements Clock {
  private readonly origin = performance.now();
  /**
   * Wall time of monotonic 0, fixed once (wallOf). Read as two clocks per call, the offset
   * jittered by a millisecond, and stamps converted between processes with it (the lab lining
   * up its members' events) came out of order: a member's ACTIVE sorted before the step-down it
   * followed. performance.timeOrigin is the wall clock at process start to the microsecond; a
   * step of the system clock after start is not followed (CLOCK_MONOTONIC and the wall clock
   * share NTP's rate corrections, so nothing drifts otherwise).
   */
  private readonly wallBase = Math.round(performance.timeOrigin + this.origin);

  monotonicNow(): number {
    return Math.floor(performance.now() - this.origin);
  }

  wallNow(): number {
    return this.wallBase + this.monotonicNow();
  }

  wallOf(monotonicMs: number): number {
    return this.wallBase + monotonicMs;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  }

  setDeadline(ms: number, fn: () => void): CancelTimer {
    return new LoopDeadline(ms, fn).cancel;
  }
}

/**
 * One deadline on Node's loop: the timers phase comes before the I/O (poll) phase of each turn,
 * so the verdict waits for the check phase (setImmediate) of the same turn, after the I/O that was
 * ready has been read. Without that, a prober thread running 100 ms+ behind at ACE scale (16,000
 * instances) called thousands of connects L4_OPEN_TIMEOUT that the kernel had completed in
 * microseconds (docs/BENCHMARKS.md, issue 3).
 */
class LoopDeadline {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    ms: number,
    private readonly fn: () => void,
  ) {
    // A static callback with the deadline as its argument: no closure per deadline (two per probe attempt).
    this.timer = setTimeout(LoopDeadline.due, Math.max(0, ms), this);
  }

  private static due(d: LoopDeadline): void {
    d.timer = undefined;
    d.immediate = setImmediate(d.fn);
  }

  readonly cancel = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  };
}

/** Resolves after ms on the given clock: the async form every engine loop uses. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(ms, resolve);
  });
}
