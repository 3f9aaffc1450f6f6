// Idle deadline for one flow on the injected Clock. touch() is called per
// chunk/datagram, so it only records the time; the single timer re-arms lazily
// for the remainder when it fires early. Timebase: Clock.monotonicNow() ms.
import type { CancelTimer, Clock } from '../core/clock.js';

export class IdleTimer {
  private last: number;
  private cancel: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {
    this.last = clock.monotonicNow();
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
