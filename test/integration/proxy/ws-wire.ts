// A minimal WebSocket (RFC 6455) on raw sockets for the L7 upgrade tests: the
// opening handshake (Sec-WebSocket-Key/Accept with node:crypto), single-frame
// text messages (client frames masked, server frames not), and a node that
// accepts the handshake and echoes. Not a WebSocket library: no fragmentation,
// no payloads of 126 bytes or more, no control frames beyond what the tests send.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { LoopbackHttpNode } from '../../fakes/loopback-http-node.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key: string): string {
  return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

/** One text frame; masked (as a client must) when `mask`. */
export function frame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 126) throw new Error('test frames are short');
  if (!mask) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), key, masked]);
}

/** Splits complete frames off the front of `buf`; returns their texts and the unparsed rest. */
export function parseFrames(buf: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let at = 0;
  while (buf.length - at >= 2) {
    const masked = (buf[at + 1]! & 0x80) !== 0;
    const len = buf[at + 1]! & 0x7f;
    const need = 2 + (masked ? 4 : 0) + len;
    if (buf.length - at < need) break;
    let payload = buf.subarray(at + 2 + (masked ? 4 : 0), at + need);
    if (masked) {
      const key = buf.subarray(at + 2, at + 6);
      payload = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
    }
    texts.push(payload.toString('utf8'));
    at += need;
  }
  return { texts, rest: buf.subarray(at) };
}

export interface WsHit {
  remote: string | undefined;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Field lines as the node's parser read them (names and values alternating). */
  raw: string[];
  /** The node's side of the tunnel: closed, and how (a reset arrives as ECONNRESET). */
  closed: boolean;
  error: string | undefined;
}

/** A node serving WebSocket: greets with `hello from NAME`, answers each text with `NAME echo: TEXT`. */
export class WsNode extends LoopbackHttpNode {
  readonly hits: WsHit[] = [];
  /** What GET /health answers (the probe's view). */
  healthStatus = 200;
  /** When set, upgrade requests get this status instead of 101. */
  refuseWith: number | undefined;

  /** Tracks the upgraded sockets (stop() destroys them; node:http no longer owns them). */
  protected serve(s: http.Server): void {
    s.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.statusCode = req.url === '/health' ? this.healthStatus : 200;
      res.end(`${this.name} plain ${req.method} ${req.url} upgrade=${req.headers.upgrade ?? '-'}\n`);
    });
    s.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      const hit: WsHit = { remote: req.socket.remoteAddress, url: req.url ?? '', headers: req.headers, raw: req.rawHeaders, closed: false, error: undefined };
      this.hits.push(hit);
      socket.on('error', (e: NodeJS.ErrnoException) => (hit.error = e.code ?? e.message));
      if (this.refuseWith !== undefined) {
        socket.end(`HTTP/1.1 ${this.refuseWith} Nope\r\nContent-Length: 5\r\n\r\nnope\n`);
        return;
      }
      this.sockets.add(socket);
      // As a WebSocket server does: the peer's FIN ends the connection (node:http leaves an upgraded socket half-open).
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        hit.closed = true;
        this.sockets.delete(socket);
      });
      const key = String(req.headers['sec-websocket-key'] ?? '');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nX-Node: ${this.name}\r\n\r\n`);
      socket.write(frame(`hello from ${this.name}`, false));
      let buf: Buffer = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        const p = parseFrames(Buffer.concat([buf, d]));
        buf = p.rest;
        for (const text of p.texts) socket.write(frame(`${this.name} echo: ${text}`, false));
      });
    });
  }
}

/** The client side of one WebSocket through the VIP. */
export class WsClient {
  readonly socket: net.Socket;
  /** The VIP's answer head (status line and headers). */
  head = '';
  private buf: Buffer = Buffer.alloc(0);
  private readonly texts: string[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  error: string | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Opens the connection and sends the handshake; resolves once the answer head arrived (or the connection ended). */
  static async open(host: string, port: number, localAddress: string, opts: { path?: string; extra?: string; version?: string } = {}): Promise<WsClient> {
    const socket = net.connect({ host, port, localAddress });
    const c = new WsClient(socket);
    const key = crypto.randomBytes(16).toString('base64');
    socket.on('error', (e: NodeJS.ErrnoException) => (c.error = e.code ?? e.message));
    socket.on('close', () => {
      c.closed = true;
      c.wake();
    });
    socket.on('data', (d: Buffer) => c.onData(d));
    await once(socket, 'connect');
    socket.write(
      `GET ${opts.path ?? '/chat'} HTTP/${opts.version ?? '1.1'}\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${opts.extra ?? ''}\r\n`,
    );
    await c.until(() => c.head !== '' || c.closed, 3000);
    c.expectedAccept = acceptFor(key);
    return c;
  }

  expectedAccept = '';

  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.head)?.[1] ?? 0);
  }

  /** The body after a non-101 head (everything received after it, as text). */
  get rest(): string {
    return this.buf.toString('latin1');
  }

  send(text: string): void {
    this.socket.write(frame(text, true));
  }

  /** The next message from the node, or undefined after ms. */
  async next(ms = 3000): Promise<string | undefined> {
    await this.until(() => this.texts.length > 0 || this.closed, ms);
    return this.texts.shift();
  }

  async waitClosed(ms = 3000): Promise<boolean> {
    await this.until(() => this.closed, ms);
    return this.closed;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.head === '') {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString('latin1');
      this.buf = this.buf.subarray(end + 4);
    }
    if (this.status === 101) {
      const p = parseFrames(this.buf);
      this.buf = p.rest;
      this.texts.push(...p.texts);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private until(cond: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (cond()) return resolve();
      const timer = setTimeout(resolve, ms);
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }
}
