// Deadlines of one L7 client connection on the injected Clock. The VIP's
// http.Server never listens itself (connections are handed to it), so Node's
// own headersTimeout/requestTimeout checks never run; these replace them:
// - header: a request's complete header block within headerMs of accept or of
//   the end of the previous response (a client trickling header bytes, slowloris);
// - idle: tcpIdleMs without a byte either way (a real that never answers, a
//   client that stops reading), the ACE's inactivity timeout.
// Activity is read from the socket's byte counters when a timer fires, so the
// HTTP parser keeps its direct read path (no 'data' listener).
import type { Socket } from 'node:net';
import type { CancelTimer, Clock } from '../core/clock.js';
import { IdleTimer } from './idle-timer.js';

export type DeadlineKind = 'header' | 'idle';

export class HttpClientDeadlines {
  /** The header wait in progress: since when (Clock ms) and the bytes read by then; undefined while a request is in flight. */
  private waitingSinceMs: number | undefined;
  private bytesAtWait = 0;
  /**
   * One timer, re-armed lazily: a keep-alive connection waits for headers once per request, and a
   * Clock timer armed and cancelled per request was a visible share of the L7 path. The timer checks
   * the current wait when it fires and re-arms for what is left of it.
   */
  private cancelHeader: CancelTimer | undefined;
  private stopped = false;
  private readonly idle: IdleTimer;

  constructor(
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly headerMs: number,
    idleMs: number,
    /** `partial`: header bytes had arrived (the client gets a 408), else the connection was silent. */
    private readonly onTimeout: (kind: DeadlineKind, partial: boolean) => void,
  ) {
    this.idle = new IdleTimer(clock, idleMs, () => onTimeout('idle', false), () => socket.bytesRead + socket.bytesWritten);
    this.awaitHeaders();
  }

  /** Waiting for the next request's headers (after accept, or once no request is in flight). */
  awaitHeaders(): void {
    if (this.stopped) return;
    this.waitingSinceMs = this.clock.monotonicNow();
    this.bytesAtWait = this.socket.bytesRead;
    if (this.cancelHeader === undefined) this.armHeader(this.headerMs);
  }

  /** A request's headers are complete. */
  headersDone(): void {
    this.waitingSinceMs = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.waitingSinceMs = undefined;
    this.cancelHeader?.();
    this.cancelHeader = undefined;
    this.idle.stop();
  }

  private armHeader(ms: number): void {
    this.cancelHeader = this.clock.setTimer(ms, () => {
      this.cancelHeader = undefined;
      // No wait in progress: the next awaitHeaders() arms a fresh timer.
      if (this.stopped || this.waitingSinceMs === undefined) return;
      const waited = this.clock.monotonicNow() - this.waitingSinceMs;
      if (waited < this.headerMs) {
        this.armHeader(this.headerMs - waited);
        return;
      }
      this.waitingSinceMs = undefined;
      this.onTimeout('header', this.socket.bytesRead > this.bytesAtWait);
    });
  }
}
