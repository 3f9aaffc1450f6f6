// What waits on a long-lived abort signal (one per probe instance, reused attempt after
// attempt): the signal gets one 'abort' listener for its life, and members join and leave
// an array. An EventTarget listener added and removed per attempt was a visible share of
// the CPU at 8,000 attempts/s, and a Set in its place reallocated its table on every add
// and delete between 0 and 1 members: small tables owned by a long-lived Set, so each
// outlived the young-generation GC and was promoted, several per attempt.

export class SignalWatch<T> {
  private readonly members: T[] = [];

  constructor(signal: AbortSignal, onAbort: (members: readonly T[]) => void) {
    // All leave first: a member's abort may remove another one.
    signal.addEventListener('abort', () => onAbort(this.members.splice(0)), { once: true });
  }

  add(member: T): void {
    this.members.push(member);
  }

  /** Removes one member (order does not matter: the last takes its place). */
  remove(member: T): void {
    const i = this.members.lastIndexOf(member);
    if (i < 0) return;
    this.members[i] = this.members[this.members.length - 1]!;
    this.members.pop();
  }
}

/** The watch of `signal` in `watches`, made (with its one listener) on first use. */
export function signalWatch<T>(watches: WeakMap<AbortSignal, SignalWatch<T>>, signal: AbortSignal, onAbort: (members: readonly T[]) => void): SignalWatch<T> {
  let w = watches.get(signal);
  if (w === undefined) watches.set(signal, (w = new SignalWatch(signal, onAbort)));
  return w;
}
