// One protocol-switch request (`Connection: upgrade` + `Upgrade`, WebSocket in
// practice) at an L7 VIP, after the listener selected its real: an upstream
// connection of its own (connect timeout, reassign once on connect failure,
// transparency as for any request), the request sent with the VIP's forwarding
// headers, then either a 101 from the node — the client gets it verbatim and
// the two sockets become a raw tunnel (backpressure, half-close, resets
// crossing, closed when either side closes) — or any other answer, relayed
// with `Connection: close` and the connection ended: bytes after a refused
// upgrade are never tunnelled (the "WebSocket smuggling" of proxies that
// assume the switch happened). Requests the VIP ignores the Upgrade of
// (http-guard.ts) take the second path with the Upgrade removed, and so does
// an `OPTIONS *` (asterisk-form, which the upstream pools cannot send): its
// answer goes through node:http's response (`responseSink`) instead of raw
// bytes, since node:http still serves that connection.
// Invariants: Balancer.open/close exactly once per upstream attempt; the
// client always gets an answer, a tunnel or a reset. Timebase: injected Clock
// (connect timeout); idle time is the listener's HttpClientDeadlines, which
// watches the client socket's byte counters and so sees tunnel traffic too.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { BodyReplay } from './http-body-replay.js';
import type { CancelTimer } from '../core/clock.js';
import { connectWithin } from './connect-within.js';
import type { Flow, ServerDecision } from '../farm/types.js';
import type { UpgradeDisposition } from './http-guard.js';
import { resetSocket } from './tcp-admission.js';
import { upstreamLocalAddress } from './transparency.js';
import type { ListenerCounters, ProxyDeps } from './types.js';

/** Upstream errors that mean the real never took the connection. */
export const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EINVAL']);

/** Framing headers of a non-101 answer, replaced because the VIP closes the connection after it. */
const REFRAMED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);

/** What an exchange needs from its listener. */
export interface UpgradeHost {
  readonly deps: ProxyDeps;
  readonly counters: ListenerCounters;
  readonly vipClass: string;
  /** A 101 was relayed: the connection is a tunnel now. */
  tunnelOpened(): void;
  /** The client got a 502 (the upstream failed before answering). */
  badGateway(): void;
  /** Both sockets are closed and the Balancer released. */
  finished(x: UpgradeExchange): void;
}

/** The request as it goes to the node: method, origin-form path (or `*`) and headers (forwarding headers included). */
export interface UpgradeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** The request's body (a plain request only: an upgrade with one is refused by http-guard.ts). */
  body?: BodyReplay;
}

/** Where an answer other than 101 goes; every answer closes the client connection after it. */
export interface AnswerSink {
  /** The node's status line and fields (framing fields removed); false when they cannot be written to the client. */
  head(status: number, message: string, rawHeaders: readonly string[]): boolean;
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  end(): void;
  /** The VIP's own plain-text answer (502). */
  refuse(status: number, text: string, reason: string): void;
}

/** Raw bytes on a client socket node:http has let go of (a protocol switch request). */
function socketSink(socket: Socket): AnswerSink {
  return {
    head: (status, message, raw) => {
      let msg = `HTTP/1.1 ${status} ${message}\r\n`;
      for (let i = 0; i + 1 < raw.length; i += 2) msg += `${raw[i]}: ${raw[i + 1]}\r\n`;
      // Without Content-Length the body runs to the close (RFC 9112 §6.3), which this connection is about to do.
      socket.write(`${msg}Connection: close\r\n\r\n`);
      return true;
    },
    write: (c) => socket.write(c),
    onDrain: (fn) => void socket.on('drain', fn),
    end: () => void socket.end(() => socket.destroy()),
    refuse: (status, text, reason) => answerAndClose(socket, status, text, reason),
  };
}

/** node:http's response to a request it still serves: it keeps pipelined answers in order and closes after this one. */
export function responseSink(res: http.ServerResponse): AnswerSink {
  res.shouldKeepAlive = false;
  return {
    head: (status, message, raw) => {
      try {
        res.writeHead(status, message, raw as string[]);
        return true;
      } catch {
        // A field node:http will not write (its parser on the upstream side accepted it).
        return false;
      }
    },
    write: (c) => res.write(c),
    onDrain: (fn) => void res.on('drain', fn),
    end: () => void res.end(),
    refuse: (status, text, reason) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      const body = `${status} ${text}: ${reason}\n`;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  };
}

export class UpgradeExchange {
  private opened = false;
  private upstream: Socket | undefined;
  private cancelConnect: CancelTimer | undefined;
  private tunnel = false;
  /** A non-101 answer is being relayed: a later upstream error can only cut it. */
  private relaying = false;
  /** That answer was relayed in full. */
  private answered = false;
  private clientClosed = false;
  private upstreamClosed = true;
  private done = false;

  constructor(
    private readonly host: UpgradeHost,
    private readonly client: Socket,
    /** Client bytes that arrived after the request head (node:http's `head`): the new protocol's. */
    private readonly head: Buffer,
    readonly flow: Flow,
    /** The Balancer's decision (fresh per select, never mutated); replaced on a reassign. */
    public decision: ServerDecision,
    private readonly disposition: UpgradeDisposition,
    private readonly request: UpgradeRequest,
    private readonly sink: AnswerSink = socketSink(client),
  ) {}

  start(): void {
    this.client.once('close', () => {
      this.clientClosed = true;
      // Gone before the node's answer was through: abandon the attempt (reset); otherwise the node's side closes too.
      if (this.tunnel || this.answered) this.upstream?.destroySoon();
      else resetSocket(this.upstream);
      this.maybeFinish();
    });
    this.attempt(false, true);
  }

  /** failaction purge/reassign: a tunnel cannot move to another real mid-stream. */
  reset(): void {
    if (this.done) return;
    this.host.counters.resets++;
    resetSocket(this.client);
    resetSocket(this.upstream);
  }

  /** Graceful shutdown: FIN both ways on a tunnel (an exchange still connecting is reset by the listener's drain). */
  end(): void {
    if (!this.tunnel) return;
    this.client.end();
    this.upstream?.end();
  }

  private attempt(retried: boolean, bindClient: boolean): void {
    const { deps } = this.host;
    const d = this.decision;
    const local = bindClient ? upstreamLocalAddress(deps.transparency, this.flow.clientIp) : undefined;
    let connected = false;
    const pending = connectWithin(deps.net, deps.clock, { host: d.address, port: d.port, ...(local !== undefined ? { localAddress: local } : {}) }, deps.timeouts.connectTimeoutMs, (err) => {
      this.cancelConnect = undefined;
      // A failure (the timeout's too) reaches node:http's client through the socket: failed() handles it there.
      if (err !== undefined) return;
      connected = true;
      this.request.body?.connected();
    });
    const up = pending.socket;
    this.cancelConnect = pending.cancel;
    this.upstream = up;
    this.upstreamClosed = false;
    this.opened = true;
    deps.balancer.open(d);
    up.once('close', () => {
      if (this.upstream !== up) return;
      this.upstreamClosed = true;
      if (this.tunnel) this.client.destroySoon();
      this.maybeFinish();
    });
    // No `agent` (not even false, which makes node build an Agent that ignores createConnection): one socket, ours.
    let preq: http.ClientRequest;
    try {
      preq = http.request({ method: this.request.method, path: this.request.path, headers: this.request.headers, createConnection: () => up });
    } catch (err) {
      // node's server parser already refused every client field and target this client would, and the listener
      // drops `insert-http` names that are no token: what is left is an insert value beyond Latin-1 (`€`), which
      // no real can be sent. Thrown here, it would be an uncaught exception in node:http's request handler.
      return this.unsendable(up, err as Error);
    }
    preq.on('error', (err: NodeJS.ErrnoException) => this.failed(up, err, connected, retried, local !== undefined));
    preq.on('upgrade', (res: http.IncomingMessage, sock: Socket, upHead: Buffer) => this.switched(res, sock, upHead));
    preq.on('response', (res: http.IncomingMessage) => this.relay(res));
    const body = this.request.body?.attempt();
    if (body !== undefined) body.pipe(preq);
    else preq.end();
  }

  private failed(up: Socket, err: NodeJS.ErrnoException, connected: boolean, retried: boolean, bound: boolean): void {
    if (this.upstream !== up || this.tunnel || this.done) return;
    up.destroy();
    this.release();
    if (this.clientClosed || this.client.destroyed) return this.maybeFinish();
    if (this.relaying) {
      this.host.counters.resets++;
      return resetSocket(this.client);
    }
    const { deps, counters, vipClass } = this.host;
    const d = this.decision;
    const code = err.code ?? 'error';
    if (!connected && bound && (code === 'EADDRNOTAVAIL' || code === 'EINVAL')) {
      counters.transparencyFallbacks++;
      return this.attempt(retried, false);
    }
    // A body streams once connected: only a connect failure leaves it whole for another real.
    if (!connected && CONNECT_FAILURES.has(code) && (this.request.body?.replayable ?? true)) {
      counters.connectFailures++;
      deps.balancer.reportFailure(d);
      deps.logger.debug({ vip: vipClass, rserver: d.rserver, address: `${d.address}:${d.port}`, code }, 'upgrade: upstream connect failed');
      if (!retried) {
        // Connect-failure reassign, once (§11.1), as for any request: nothing reached the node.
        const n = deps.balancer.reselect(this.flow, d);
        if (n.kind === 'server') {
          counters.reassigned++;
          this.decision = n;
          return this.attempt(true, bound);
        }
      }
    }
    this.host.badGateway();
    this.sink.refuse(502, 'Bad Gateway', `rserver ${d.rserver} (${d.address}:${d.port}) failed: ${code}`);
  }

  /** The request cannot be written (a field node's client refuses): 502, counted, the upstream socket dropped. */
  private unsendable(up: Socket, err: Error): void {
    up.destroy();
    this.release();
    const d = this.decision;
    this.host.deps.logger.warn({ vip: this.host.vipClass, rserver: d.rserver, error: err.message }, 'request not sent: a header field the HTTP client refuses');
    this.host.badGateway();
    this.sink.refuse(502, 'Bad Gateway', `the request cannot be sent to rserver ${d.rserver}: ${err.message}`);
  }

  /** The node answered 101: relay it and tunnel. */
  private switched(res: http.IncomingMessage, sock: Socket, upHead: Buffer): void {
    if (this.disposition.kind !== 'tunnel' || this.clientClosed) {
      // A switch the VIP did not ask for (it removed the Upgrade): nothing safe to do with the bytes that follow.
      this.host.counters.resets++;
      resetSocket(sock);
      resetSocket(this.client);
      return;
    }
    this.tunnel = true;
    this.host.tunnelOpened();
    const client = this.client;
    let msg = `HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}\r\n`;
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) msg += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
    client.write(`${msg}\r\n`);
    if (upHead.length > 0) client.write(upHead);
    if (this.head.length > 0) client.unshift(this.head);
    // A reset on one side is a reset on the other (ECONNRESET arrives as 'error').
    client.on('error', () => this.crossReset(sock));
    sock.on('error', () => this.crossReset(client));
    // pipe(): backpressure both ways; a FIN on one side ends the other (half-close).
    client.pipe(sock);
    sock.pipe(client);
    client.resume();
  }

  private crossReset(other: Socket): void {
    if (other.destroyed) return;
    this.host.counters.resets++;
    resetSocket(other);
  }

  /** Any answer but 101: relayed with `Connection: close`, then the connection ends. */
  private relay(res: http.IncomingMessage): void {
    const client = this.client;
    if (this.clientClosed || client.destroyed) {
      res.resume();
      return;
    }
    const raw: string[] = [];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      if (!REFRAMED.has(res.rawHeaders[i]!.toLowerCase())) raw.push(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    }
    const sink = this.sink;
    if (!sink.head(res.statusCode ?? 502, res.statusMessage ?? '', raw)) {
      res.destroy();
      this.host.badGateway();
      sink.refuse(502, 'Bad Gateway', `rserver ${this.decision.rserver} (${this.decision.address}:${this.decision.port}) sent a response header the VIP cannot relay`);
      return;
    }
    this.relaying = true;
    res.on('data', (c: Buffer) => {
      if (!sink.write(c)) res.pause();
    });
    sink.onDrain(() => res.resume());
    res.once('end', () => {
      this.answered = true;
      sink.end();
    });
    res.once('close', () => {
      if (!res.complete) {
        this.host.counters.resets++;
        resetSocket(client);
      }
    });
  }

  private release(): void {
    this.cancelConnect?.();
    this.cancelConnect = undefined;
    if (!this.opened) return;
    this.opened = false;
    this.host.deps.balancer.close(this.decision);
  }

  private maybeFinish(): void {
    if (this.done || !this.clientClosed) return;
    if (!this.upstreamClosed && this.upstream !== undefined && !this.upstream.destroyed) return;
    this.done = true;
    this.release();
    this.host.finished(this);
  }
}

/** A plain-text answer written straight to a client socket node:http no longer serves, then closed. */
export function answerAndClose(socket: Duplex, status: number, text: string, reason: string): void {
  if (socket.destroyed || socket.writableEnded) return;
  const body = `${status} ${text}: ${reason}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
}
