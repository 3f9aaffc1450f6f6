// An HTTP node on one loopback address and port that a test can take away and
// bring back: stop() destroys every connection it tracks (and any other
// node:http still holds) and closes the listener, so later connects are
// refused; start() listens again on the same address and port. Subclasses say
// how it answers.
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';

export abstract class LoopbackHttpNode {
  /** Connections stop() must destroy (what a subclass adds: every one, or the upgraded ones). */
  readonly sockets = new Set<net.Socket>();
  private server: http.Server | undefined;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly port: number,
  ) {}

  /** The node's behaviour: request and upgrade handlers on a fresh server. */
  protected abstract serve(server: http.Server): void;

  async start(): Promise<void> {
    const s = http.createServer();
    this.serve(s);
    s.listen(this.port, this.address);
    await once(s, 'listening');
    this.server = s;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const c of this.sockets) c.destroy();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
