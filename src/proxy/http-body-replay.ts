// The body of one L7 request, kept while its upstream connection is not yet
// open so that a connect failure can resend it to the reassigned real.
// Invariants: at most REPLAY_LIMIT_BYTES (plus the one chunk that crosses it)
// are held — past the limit the client is not read until the upstream
// connects (backpressure, never an unbounded buffer), so a connect failure
// always finds the whole consumed body here; once the upstream has connected
// nothing is kept and the request is no longer replayable. No time.
import { PassThrough, type Readable } from 'node:stream';

export const REPLAY_LIMIT_BYTES = 64 * 1024;

export class BodyReplay {
  /** Chunks consumed so far, kept until the upstream connects; undefined afterwards. */
  private kept: Buffer[] | undefined = [];
  private keptBytes = 0;
  private sink: PassThrough | undefined;
  private ended = false;
  /** The sink refused a write: the client is not read until it drains. */
  private waitingDrain = false;

  constructor(private readonly req: Readable) {
    req.on('data', (chunk: Buffer) => this.onData(chunk));
    req.once('end', () => {
      this.ended = true;
      this.sink?.end();
    });
  }

  /** The body stream for a new upstream attempt: what was kept, then the rest of the client's body. */
  attempt(): PassThrough {
    this.sink?.destroy();
    const sink = new PassThrough();
    this.sink = sink;
    let full = false;
    for (const c of this.kept ?? []) full = !sink.write(c) || full;
    this.waitingDrain = full;
    if (this.ended) sink.end();
    sink.on('drain', () => {
      if (this.sink !== sink) return;
      this.waitingDrain = false;
      this.flow();
    });
    this.flow();
    return sink;
  }

  /** The upstream connection is open: the body streams from now on and is no longer kept. */
  connected(): void {
    if (this.kept === undefined) return;
    this.kept = undefined;
    this.keptBytes = 0;
    this.flow();
  }

  /** The upstream never connected, so the whole consumed body can go to another real. */
  get replayable(): boolean {
    return this.kept !== undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.kept !== undefined) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
    }
    if (this.sink !== undefined && !this.sink.write(chunk)) this.waitingDrain = true;
    this.flow();
  }

  /** Reads the client while the sink takes data and the kept copy is under the limit. */
  private flow(): void {
    const hold = this.waitingDrain || (this.kept !== undefined && this.keptBytes >= REPLAY_LIMIT_BYTES);
    if (hold) this.req.pause();
    else if (!this.ended) this.req.resume();
  }
}
