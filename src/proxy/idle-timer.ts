// Idle deadline for one flow on the injected Clock. touch() is called per
// chunk/datagram, so it only records the time; the single timer re-arms lazily
// for the remainder when it fires early. `progress` (optional) is read only when
// the timer fires: a changed value counts as activity (bytes written to a slow
// reader, which emit no per-chunk event). Timebase: Clock.monotonicNow() ms.
import type { CancelTimer, Clock } from '../core/clock.js';

export class IdleTimer {
  private last: number;
  private cancel: CancelTimer | undefined;
  private stopped = false;
  private lastProgress: number;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly onIdle: () => void,
    private readonly progress: () => number = () => 0,
  ) {
    this.last = clock.monotonicNow();
    this.lastProgress = progress();
    this.arm(idleMs);
  }

  touch(): void {
    this.last = this.clock.monotonicNow();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private arm(ms: number): void {
    this.cancel = this.clock.setTimer(ms, () => {
      this.cancel = undefined;
      if (this.stopped) return;
      const p = this.progress();
      if (p !== this.lastProgress) {
        this.lastProgress = p;
        this.touch();
      }
      const idle = this.clock.monotonicNow() - this.last;
      if (idle >= this.idleMs) {
        this.stopped = true;
        this.onIdle();
      } else {
        this.arm(this.idleMs - idle);
      }
    });
  }
}
