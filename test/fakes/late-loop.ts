// A thread running behind, on purpose: the event loop held busy, and an operation
// started so that its own I/O completes while the loop is held. Used by the tests
// of deadlines judged after the ready I/O (Clock.setDeadline).

/** Holds the event loop (a busy thread) for ms. */
export function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/**
 * Calls `start` from the check phase and holds the loop for holdMs right after the ticks
 * `start` queued (net.connect issues its connect on the next tick; the hold is queued behind
 * it). The next loop turn then finds the timers that came due and the completed I/O, both unread.
 */
export async function startWhileLate<T>(start: () => Promise<T>, holdMs: number): Promise<T> {
  await new Promise<void>((r) => setImmediate(r));
  const started = start();
  process.nextTick(() => holdLoop(holdMs));
  return started;
}
