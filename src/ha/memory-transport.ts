// An in-memory FT VLAN for tests and the simulator: datagrams and stream
// chunks are delivered through the Clock after `latencyMs`, and the link can
// be cut (datagrams dropped, streams closed, dials refused) and restored —
// the lab's "FT link cut" fault without sockets.
import type { Clock } from '../core/clock.js';
import type { FtDatagramSocket, FtEndpoint, FtStream, FtTransport } from './transport.js';

type Inbox = (buf: Buffer, from: string) => void;

class MemoryStream implements FtStream {
  peer: MemoryStream | undefined;
  private dataCb: ((s: string) => void) | undefined;
  private closeCb: (() => void) | undefined;
  closed = false;
  /** Written before the dial completed. */
  pending: string[] = [];
  constructor(private readonly link: MemoryFtLink) {}
  write(text: string): void {
    const p = this.peer;
    if (this.closed || this.link.cut) return;
    if (!p) {
      this.pending.push(text);
      return;
    }
    this.link.later(() => {
      if (!p.closed) p.dataCb?.(text);
    });
  }
  onData(cb: (chunk: string) => void): void {
    this.dataCb = cb;
  }
  onClose(cb: () => void): void {
    this.closeCb = cb;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.streams.delete(this);
    const p = this.peer;
    this.link.later(() => this.closeCb?.());
    if (p && !p.closed) p.close();
  }
}

/** One shared medium; each member gets a transport from `transportFor`. */
export class MemoryFtLink {
  cut = false;
  readonly inboxes = new Map<string, Inbox>();
  readonly listeners = new Map<string, (s: FtStream, from: string) => void>();
  readonly streams = new Set<MemoryStream>();
  datagrams = 0;

  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 1,
  ) {}

  later(fn: () => void): void {
    this.clock.setTimer(this.latencyMs, fn);
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const s of [...this.streams]) s.close();
  }

  transportFor(): FtTransport {
    const key = (e: FtEndpoint): string => `${e.address}:${e.port}`;
    return {
      bindHeartbeat: async (local, peer, onMessage) => {
        this.inboxes.set(key(local), onMessage);
        const sock: FtDatagramSocket = {
          send: (buf) => {
            this.datagrams++;
            if (this.cut) return;
            const copy = Buffer.from(buf);
            this.later(() => this.inboxes.get(key(peer))?.(copy, local.address));
          },
          close: () => {
            this.inboxes.delete(key(local));
          },
        };
        return sock;
      },
      listenStream: async (local, onStream) => {
        this.listeners.set(key(local), onStream);
        return { close: async () => void this.listeners.delete(key(local)) };
      },
      dialStream: (peer, localAddress) => {
        const mine = new MemoryStream(this);
        this.streams.add(mine);
        this.later(() => {
          const accept = this.listeners.get(key(peer));
          if (this.cut || !accept || mine.closed) {
            mine.close();
            return;
          }
          const theirs = new MemoryStream(this);
          this.streams.add(theirs);
          mine.peer = theirs;
          theirs.peer = mine;
          accept(theirs, localAddress);
          for (const text of mine.pending.splice(0)) mine.write(text);
        });
        return mine;
      },
    };
  }
}
