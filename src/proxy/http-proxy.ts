// L7 HTTP VIP listener: node:http parses each request on the VIP, the Balancer
// selects per request (`match http url/header/cookie` classes; source sticky
// still applies), and http-proxy-3 forwards it over a keep-alive Agent per
// upstream, adding X-Forwarded-For/-Proto, RFC 7239 Forwarded and the policy's
// `insert-http` headers. Invariants: Balancer.open/close exactly once per
// upstream attempt; a client always gets an answer (503 no server, 502 upstream
// failure, 400 malformed or ambiguous, 405 CONNECT, 505 HTTP/2+, 408 headers
// too slow) or a reset — never a crash.
// Timebase: injected Clock (connect timeout, header and idle deadlines, drain).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { CancelTimer } from '../core/clock.js';
import type { Decision, Flow, HttpRequestInfo, ServerDecision } from '../farm/types.js';
import { admitTcp, resetSocket } from './tcp-admission.js';
import { HttpClientDeadlines, type DeadlineKind } from './http-deadlines.js';
import { refuseRequest } from './http-guard.js';
import type { InsertRules } from './http-policy.js';
import { upstreamLocalAddress } from './transparency.js';
import { DEFAULT_HTTP_HEADER_MS, newCounters, type ProxyDeps, type VipBinding, type VipListener } from './types.js';
import type { TcpServerHandle } from './net-ports.js';

/** HTTP-level counters of an L7 listener (the connection-level ones are in `counters`). */
export interface HttpCounters {
  requests: number;
  /** 503: the policy gave no server (no-server, drop, out of service). */
  noServer: number;
  /** 502: the upstream failed (after the one reselect). */
  badGateway: number;
  /** 400/405/505: node:http could not parse the request, or http-guard.ts refused it. */
  badRequests: number;
  /** Connections closed because a request's headers did not arrive in time (408 when some had). */
  headerTimeouts: number;
}

export interface HttpListenerOptions {
  /** `insert-http` headers of the VIP's policy; default none. */
  inserts?: InsertRules;
}

interface Req {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  flow: Flow;
  info: HttpRequestInfo;
  decision: ServerDecision;
  /** Balancer.open was called for `decision` and close is still owed. */
  opened: boolean;
  headers: Record<string, string>;
  cancelConnectTimer: CancelTimer | undefined;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EINVAL']);

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** A request without a body can be sent again to another real after a connect failure. */
function replayable(req: http.IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (len === undefined || len.trim() === '0');
}

function forwardedNode(ip: string): string {
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

export class HttpVipListener implements VipListener {
  readonly counters = newCounters();
  readonly http: HttpCounters = { requests: 0, noServer: 0, badGateway: 0, badRequests: 0, headerTimeouts: 0 };
  private readonly server: http.Server;
  private readonly proxy: ProxyServer;
  private readonly agents = new Map<string, http.Agent>();
  private readonly flows = new WeakMap<Duplex, Flow>();
  /** Client connections and how many requests each has in flight. */
  private readonly sockets = new Map<Socket, number>();
  private readonly deadlines = new Map<Socket, HttpClientDeadlines>();
  private readonly active = new Set<Req>();
  /** Client connections whose next bytes did not parse while a request was in flight: the 400 they are owed. */
  private readonly refuseAfter = new WeakMap<Duplex, string>();
  private readonly byReq = new WeakMap<http.IncomingMessage, Req>();
  private readonly inserts: InsertRules;
  private tcp: TcpServerHandle | undefined;
  private closing = false;
  private warnedFallback = false;

  constructor(
    readonly binding: VipBinding,
    private readonly deps: ProxyDeps,
    opts: HttpListenerOptions = {},
  ) {
    this.inserts = opts.inserts ?? (() => []);
    // Host rules are http-guard.ts's (counted and explained there), not node's silent 400.
    this.server = http.createServer({ requireHostHeader: false }, (req, res) => this.onRequest(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    // Every header reaches the guard and the node (the 16 KiB header limit still bounds them): the default 2,000 drops the rest silently.
    this.server.maxHeadersCount = 0;
    // Without a listener node:http just drops a CONNECT; the VIP is no forward proxy, so it says so.
    this.server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => this.refuseRaw(socket, 405, 'Method Not Allowed', 'CONNECT is not served by a VIP'));
    this.proxy = createProxyServer({});
    // Per-attempt errors go to the web() callback; this one only guards against stray emits.
    this.proxy.on('error', () => {});
    this.proxy.on('proxyReq', (preq, req, _res, _opts, socket) => {
      // The client's connection stays HTTP/1 parsed by the VIP: a node must not switch protocols on it (h2c, WebSocket).
      preq.removeHeader('upgrade');
      if (/\bupgrade\b/i.test(String(preq.getHeader('connection') ?? ''))) preq.removeHeader('connection');
      this.onUpstreamSocket(req, socket);
    });
    this.proxy.on('proxyRes', (proxyRes, req) => this.onUpstreamResponse(req, proxyRes));
  }

  async listen(): Promise<{ address: string; port: number }> {
    this.tcp = await this.deps.net.listenTcp(this.binding.address, this.binding.port, (s) => this.accept(s));
    return { address: this.tcp.address, port: this.tcp.port };
  }

  // ---------------------------------------------------------------- connections

  private accept(client: Socket): void {
    // The ACL applies per connection, as on the ACE (a new flow), not per request.
    const flow = admitTcp(client, this.binding, this.deps, this.counters, this.closing);
    if (flow === undefined) return;
    this.flows.set(client, flow);
    this.sockets.set(client, 0);
    this.counters.active++;
    const { clock, timeouts } = this.deps;
    const deadlines = new HttpClientDeadlines(client, clock, timeouts.httpHeaderMs ?? DEFAULT_HTTP_HEADER_MS, timeouts.tcpIdleMs, (kind, partial) => this.onDeadline(client, kind, partial));
    this.deadlines.set(client, deadlines);
    client.once('close', () => {
      deadlines.stop();
      this.deadlines.delete(client);
      this.sockets.delete(client);
      this.counters.active--;
    });
    this.server.emit('connection', client);
    client.resume();
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const reason = err.code ?? 'malformed request';
    const broken = [...this.active].find((r) => r.req.socket === socket && !r.req.complete);
    if (broken !== undefined) {
      // The bad bytes are in the body being forwarded: that request is refused and its upstream message left
      // unfinished (the node sees it cut short, never complete), and the connection closes after the answer.
      this.http.badRequests++;
      broken.res.shouldKeepAlive = false;
      this.plain(broken.res, 400, `400 Bad Request: ${reason}\n`);
      return;
    }
    // A pipelined request before the bad one is still being answered: its response goes first, or the client would take the 400 for it.
    if ((this.sockets.get(socket as Socket) ?? 0) > 0) {
      this.refuseAfter.set(socket, reason);
      return;
    }
    this.refuseRaw(socket, 400, 'Bad Request', reason);
  }

  /** An answer written straight to a client socket node:http will not serve, then closed. */
  private refuseRaw(socket: Duplex, status: number, text: string, reason: string): void {
    this.http.badRequests++;
    const body = `${status} ${text}: ${reason}\n`;
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  private onDeadline(client: Socket, kind: DeadlineKind, partial: boolean): void {
    this.counters.idleTimeouts++;
    if (kind === 'idle') {
      // The ACE's inactivity timeout: reset both ways (the upstream request is aborted with the response).
      this.counters.resets++;
      resetSocket(client);
      return;
    }
    this.http.headerTimeouts++;
    this.deps.logger.debug({ vip: this.binding.vipClass, client: `${client.remoteAddress}:${client.remotePort}`, partial }, 'request headers not received in time');
    const body = '408 Request Timeout: the request headers did not arrive in time\n';
    const msg = partial ? `HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}` : '';
    // Closed once flushed; should the flush stall (a client that never reads), the idle deadline resets it.
    client.end(msg, () => client.destroy());
  }

  // ---------------------------------------------------------------- requests

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.http.requests++;
    const socket = req.socket;
    const flow = this.flows.get(socket);
    if (flow === undefined || this.closing) {
      res.shouldKeepAlive = false;
      this.plain(res, 503, `503 Service Unavailable: VIP ${this.binding.vipClass} is closing\n`);
      return;
    }
    this.sockets.set(socket, (this.sockets.get(socket) ?? 0) + 1);
    this.deadlines.get(socket)?.headersDone();
    const refused = refuseRequest(req);
    if (refused !== undefined) {
      // Parsed, but a node could read it differently: answered here and the connection closed (its framing is in doubt).
      res.once('close', () => this.finished(undefined, socket));
      this.http.badRequests++;
      res.shouldKeepAlive = false;
      this.deps.logger.debug({ vip: this.binding.vipClass, client: flow.clientIp, reason: refused.reason }, 'request refused');
      this.plain(res, refused.status, `${refused.status} ${refused.status === 505 ? 'HTTP Version Not Supported' : 'Bad Request'}: ${refused.reason}\n`);
      return;
    }
    const info: HttpRequestInfo = { url: req.url ?? '/', headers: flatHeaders(req.headers), ...(req.method !== undefined ? { method: req.method } : {}) };
    const d: Decision = this.deps.balancer.select(this.binding.vipClass, flow, info);
    if (d.kind !== 'server') {
      res.once('close', () => this.finished(undefined, socket));
      this.http.noServer++;
      this.counters.dropped++;
      const why = d.kind === 'forward' ? 'forward (not proxied)' : d.reason;
      this.deps.logger.debug({ vip: this.binding.vipClass, client: flow.clientIp, url: info.url, decision: d }, 'request not load-balanced');
      this.plain(res, 503, `503 Service Unavailable: VIP ${this.binding.vipClass} has no server for this request (${why})\n`);
      return;
    }
    const r: Req = { req, res, flow, info, decision: { ...d }, opened: false, headers: this.forwardHeaders(flow, info), cancelConnectTimer: undefined };
    res.once('close', () => this.finished(r, socket));
    this.active.add(r);
    this.byReq.set(req, r);
    this.forward(r, false, true);
  }

  private forwardHeaders(flow: Flow, info: HttpRequestInfo): Record<string, string> {
    const ip = flow.clientIp;
    const xff = info.headers?.['x-forwarded-for'];
    const fwd = info.headers?.['forwarded'];
    const mine = `for=${forwardedNode(ip)};proto=http;by=${forwardedNode(flow.vipIp)}`;
    const h: Record<string, string> = {
      'x-forwarded-for': xff ? `${xff}, ${ip}` : ip,
      'x-forwarded-proto': 'http',
      forwarded: fwd ? `${fwd}, ${mine}` : mine,
    };
    for (const i of this.inserts(flow, info)) {
      // Node rejects header values with CR/LF; the config cannot be allowed to throw here.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(i.header) || /[\r\n\0]/.test(i.value)) continue;
      h[i.header.toLowerCase()] = i.value;
    }
    return h;
  }

  private agentFor(d: ServerDecision): http.Agent {
    const key = `${d.address}:${d.port}`;
    let a = this.agents.get(key);
    if (a === undefined) {
      // Keep as many idle upstream sockets as clients can have requests in flight, or every burst reconnects.
      a = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
      const net = this.deps.net;
      // Upstream sockets through the NetPorts seam; the Agent pools them per (host, port, localAddress).
      a.createConnection = (o) => {
        const s = net.connectTcp({ host: String(o.host ?? d.address), port: Number(o.port ?? d.port), ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
        s.allowHalfOpen = false;
        return s;
      };
      this.agents.set(key, a);
    }
    return a;
  }

  private forward(r: Req, retried: boolean, bindClient: boolean): void {
    const d = r.decision;
    const local = bindClient ? upstreamLocalAddress(this.deps.transparency, r.flow.clientIp) : undefined;
    r.opened = true;
    this.deps.balancer.open(d);
    this.proxy.web(
      r.req,
      r.res,
      { target: { host: d.address, port: d.port }, agent: this.agentFor(d), headers: r.headers, ...(local !== undefined ? { localAddress: local } : {}) },
      (err) => this.upstreamError(r, err as NodeJS.ErrnoException, retried, local !== undefined),
    );
  }

  /** A fresh upstream socket gets the connect timeout (a pooled one is connected already). */
  private onUpstreamSocket(req: http.IncomingMessage, socket: Socket): void {
    const r = this.byReq.get(req);
    if (r === undefined || !socket.connecting) return;
    r.cancelConnectTimer?.();
    const cancel = this.deps.clock.setTimer(this.deps.timeouts.connectTimeoutMs, () => {
      r.cancelConnectTimer = undefined;
      if (socket.connecting) socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    });
    r.cancelConnectTimer = cancel;
    socket.once('connect', () => {
      cancel();
      if (r.cancelConnectTimer === cancel) r.cancelConnectTimer = undefined;
    });
  }

  /**
   * http-proxy-3 pipes the response without watching it: a real that closes
   * (FIN, e.g. its process died) half-way through a body would leave the client
   * waiting for the rest until the idle timeout. Cut the client at once instead.
   */
  private onUpstreamResponse(req: http.IncomingMessage, proxyRes: http.IncomingMessage): void {
    const r = this.byReq.get(req);
    if (r === undefined) return;
    proxyRes.once('close', () => {
      if (proxyRes.complete || r.res.destroyed || r.res.writableEnded) return;
      this.counters.resets++;
      r.res.destroy();
    });
  }

  private release(r: Req): void {
    r.cancelConnectTimer?.();
    r.cancelConnectTimer = undefined;
    if (!r.opened) return;
    r.opened = false;
    this.deps.balancer.close(r.decision);
  }

  private upstreamError(r: Req, err: NodeJS.ErrnoException, retried: boolean, bound: boolean): void {
    const d = r.decision;
    this.release(r);
    const { res, req } = r;
    if (res.headersSent || res.writableEnded) {
      // Mid-response failure: the client cannot be told with a status any more.
      this.counters.resets++;
      res.destroy();
      return;
    }
    if (req.socket.destroyed || this.closing) return;
    const code = err.code ?? 'error';
    const canReplay = replayable(req);
    if (bound && (code === 'EADDRNOTAVAIL' || code === 'EINVAL') && canReplay) {
      this.counters.transparencyFallbacks++;
      if (!this.warnedFallback) {
        this.warnedFallback = true;
        this.deps.logger.warn({ vip: this.binding.vipClass, client: r.flow.clientIp, code }, 'transparency: cannot bind the client address here; this request and others like it use the host address');
      }
      this.forward(r, retried, false);
      return;
    }
    if (code === 'ECONNRESET' && !retried && canReplay) {
      // Most often a pooled keep-alive socket the real had closed: try once more, same real.
      this.forward(r, true, bound);
      return;
    }
    if (CONNECT_FAILURES.has(code)) {
      this.counters.connectFailures++;
      this.deps.balancer.reportFailure(d);
      this.deps.logger.debug({ vip: this.binding.vipClass, rserver: d.rserver, address: `${d.address}:${d.port}`, code }, 'upstream request failed');
      if (!retried && canReplay) {
        // Connect-failure reassign, once, like L4 (§11.1).
        const n = this.deps.balancer.reselect(r.flow, d);
        if (n.kind === 'server') {
          this.counters.reassigned++;
          r.decision = { ...n };
          this.forward(r, true, bound);
          return;
        }
      }
    }
    this.http.badGateway++;
    this.plain(res, 502, `502 Bad Gateway: rserver ${r.decision.rserver} (${r.decision.address}:${r.decision.port}) failed: ${code}\n`);
  }

  private finished(r: Req | undefined, socket: Socket): void {
    if (r !== undefined) {
      this.release(r);
      this.active.delete(r);
    }
    const n = (this.sockets.get(socket) ?? 1) - 1;
    if (this.sockets.has(socket)) this.sockets.set(socket, n);
    const refusal = n <= 0 ? this.refuseAfter.get(socket) : undefined;
    if (refusal !== undefined) {
      this.refuseAfter.delete(socket);
      this.refuseRaw(socket, 400, 'Bad Request', refusal);
      return;
    }
    if (this.closing && n <= 0) socket.end();
    else if (n <= 0) this.deadlines.get(socket)?.awaitHeaders();
  }

  private plain(res: http.ServerResponse, status: number, body: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch {
      res.destroy();
    }
  }

  // ---------------------------------------------------------------- failaction, shutdown

  onRealLeftService(farm: string, rserver: string): void {
    for (const r of [...this.active]) {
      const d = r.decision;
      if (!r.opened || d.farm !== farm || d.rserver !== rserver) continue;
      // Later requests are selected afresh; an in-flight one cannot move mid-response.
      if (this.deps.balancer.existingFlowAction(d, r.flow).kind !== 'keep') {
        this.counters.resets++;
        r.res.destroy();
      }
    }
  }

  async close(drainMs: number): Promise<void> {
    this.closing = true;
    const closed = this.tcp?.close();
    // Idle keep-alive connections end now; busy ones after their response (finished()).
    for (const [s, n] of this.sockets) if (n <= 0) s.end();
    const deadline = this.deps.clock.monotonicNow() + drainMs;
    while (this.sockets.size > 0 && this.deps.clock.monotonicNow() < deadline) {
      await new Promise<void>((r) => this.deps.clock.setTimer(Math.min(50, Math.max(1, drainMs)), r));
    }
    for (const s of [...this.sockets.keys()]) resetSocket(s);
    for (const r of [...this.active]) this.release(r);
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
    this.server.close();
    this.proxy.close();
    await closed;
  }
}
