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
  private cancelHeader: CancelTimer | undefined;
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
    this.cancelHeader?.();
    const from = this.socket.bytesRead;
    this.cancelHeader = this.clock.setTimer(this.headerMs, () => {
      this.cancelHeader = undefined;
      this.onTimeout('header', this.socket.bytesRead > from);
    });
  }

  /** A request's headers are complete. */
  headersDone(): void {
    this.cancelHeader?.();
    this.cancelHeader = undefined;
  }

  stop(): void {
    this.headersDone();
    this.idle.stop();
  }
}
