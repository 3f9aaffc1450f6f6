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
  /**
   * A timer for a deadline ("did it happen within ms?"): runs fn once after ms, but only once the
   * I/O already waiting when the time came has been read. On an event loop running behind, a
   * connect or a response can arrive in time and still sit unread when the timer comes due: a plain
   * timer would call that a timeout. The real clock fires the timer, then waits for the loop's I/O
   * phase (setImmediate); the virtual clock has no unread I/O and behaves as setTimer. Returns a
   * cancel function (idempotent) that also stops a deadline waiting for that phase.
   */
  setDeadline(ms: number, fn: () => void): CancelTimer;
}
