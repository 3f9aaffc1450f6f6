// Virtual-time Clock for the simulator and unit tests. Deterministic: timers
// fire in deadline order, ties in insertion order; time only moves when the
// owner calls advance()/runUntil()/runAll(). Timebase: integer milliseconds.
import type { Clock, CancelTimer } from './clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Binary min-heap keyed by (at, seq); the simulator runs millions of timers. */
class TimerHeap {
  private readonly items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  push(t: Timer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Timer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Timer, y: Timer): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

export class VirtualClock implements Clock {
  private now: number;
  private seq = 0;
  private readonly heap = new TimerHeap();
  /** Wall time at virtual 0, so reports can show plausible dates. */
  private readonly wallOrigin: number;

  constructor(startMs = 0, wallOriginMs = 0) {
    this.now = startMs;
    this.wallOrigin = wallOriginMs;
  }

  monotonicNow(): number {
    return this.now;
  }

  wallNow(): number {
    return this.wallOrigin + this.now;
  }

  wallOf(monotonicMs: number): number {
    return this.wallOrigin + monotonicMs;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const t: Timer = { at: this.now + Math.max(0, Math.floor(ms)), seq: this.seq++, fn, cancelled: false };
    this.heap.push(t);
    return () => {
      t.cancelled = true;
    };
  }

  /** No I/O waits unread in virtual time: a deadline is a plain timer (same order, same ties). */
  setDeadline(ms: number, fn: () => void): CancelTimer {
    return this.setTimer(ms, fn);
  }

  /** Number of timers still armed (cancelled ones may be counted until skipped). */
  get pending(): number {
    return this.heap.size;
  }

  /** Deadline of the next live timer, or undefined. */
  nextDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.at;
  }

  /** Fires every timer due at or before `until`, then sets now = until. */
  runUntil(until: number): void {
    for (;;) {
      this.dropCancelled();
      const t = this.heap.peek();
      if (!t || t.at > until) break;
      this.heap.pop();
      this.now = t.at;
      t.fn();
    }
    if (until > this.now) this.now = until;
  }

  advance(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Runs until no timers remain or `limit` timers have fired (guards endless loops). */
  runAll(limit = 1_000_000): number {
    let fired = 0;
    for (;;) {
      this.dropCancelled();
      const t = this.heap.pop();
      if (!t) return fired;
      this.now = t.at;
      t.fn();
      if (++fired >= limit) return fired;
    }
  }

  /**
   * Lets promise continuations run between timers: fires due timers one at a
   * time, awaiting the microtask queue after each, so async engine code
   * (await sleep(clock, ms)) progresses exactly as it would in real time.
   */
  async runUntilAsync(until: number, opts: { flushOnRequestOnly?: boolean } = {}): Promise<void> {
    await flushMicrotasks();
    for (;;) {
      this.dropCancelled();
      const t = this.heap.peek();
      if (!t || t.at > until) break;
      this.heap.pop();
      this.now = t.at;
      t.fn();
      // Flushing after every timer is always correct but costs ~20 promise jobs; a caller that
      // knows which timers resolve promises (the simulator's network) asks for it instead.
      if (!opts.flushOnRequestOnly || this.flushRequested) {
        this.flushRequested = false;
        await flushMicrotasks();
      }
    }
    if (until > this.now) this.now = until;
  }

  private flushRequested = false;

  /** A timer callback resolved a promise: let its continuations run before the next timer. */
  requestFlush(): void {
    this.flushRequested = true;
  }

  async advanceAsync(ms: number): Promise<void> {
    await this.runUntilAsync(this.now + ms);
  }

  private dropCancelled(): void {
    while (this.heap.peek()?.cancelled) this.heap.pop();
  }
}

/** Drains pending promise jobs (several rounds, for chained awaits). */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
