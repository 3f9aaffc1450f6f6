// The one Clock contract. Owns: monotonic time for intervals and deadlines,
// wall time for display only, and timers. Timebase: integer milliseconds.
// Only src/core/ implements it; everything else receives a Clock.

export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds on a monotonic timeline; use for intervals and deadlines. */
  monotonicNow(): number;
  /** Milliseconds since the Unix epoch; use only to display or stamp reports. */
  wallNow(): number;
  /**
   * Wall milliseconds of a monotonic stamp, on one mapping fixed for the clock's life (to line
   * up the stamps of separate processes; `wallNow() - monotonicNow()` is two readings and can
   * differ by a millisecond from one call to the next).
   */
  wallOf(monotonicMs: number): number;
  /** Runs fn once after ms (clamped to >= 0). Returns a cancel function (idempotent). */
  setTimer(ms: number, fn: () => void): CancelTimer;
}
