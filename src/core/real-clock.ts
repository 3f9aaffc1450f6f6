// Real-time Clock over Node's timers. The only module (with the rest of
// src/core) allowed to read the process clock or arm Node timers.
import type { Clock, CancelTimer } from './clock.js';

export class RealClock implements Clock {
  private readonly origin = performance.now();

  monotonicNow(): number {
    return Math.floor(performance.now() - this.origin);
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  }
}

/** Resolves after ms on the given clock: the async form every engine loop uses. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(ms, resolve);
  });
}
