// L7 HTTP VIP listener: node:http parses each request on the VIP, the Balancer
// selects per request (`match http url/header/cookie` classes; source sticky
// still applies), and http-upstream.ts forwards it over keep-alive pools to
// the reals, without hop-by-hop fields and with X-Forwarded-For/-Proto, RFC 7239
// Forwarded and the policy's `insert-http` headers. Invariants: a client connection is counted (Balancer.open) on
// one real at a time and closed off it exactly once (Conn.held); a client always gets an answer (503 no server, 502 upstream
// failure, 400 malformed or ambiguous, 405 CONNECT, 505 HTTP/2+, 408 headers
// too slow) or a reset — never a crash. A request body is kept while its
// upstream connects (http-body-replay.ts) so a connect failure can resend it;
// protocol switches (WebSocket) are selected here and served by http-upgrade.ts,
// as is `OPTIONS *`, which the pools cannot send in asterisk form.
// A keep-alive connection's next request follows the previous one's real as the VIP's HTTP persistence
// rebalance says (Balancer.select's `previous`). A request longer than the ACE's HTTP parse length has its
// connection reset, or with `length-exceed continue` is balanced on the part parsed (http-parse-limit.ts). Timebase: injected Clock (connect timeout, header and idle deadlines, drain).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Decision, Flow, HeaderInsert, HttpRequestInfo, ServerDecision } from '../farm/types.js';
import { admitTcp, resetSocket } from './tcp-admission.js';
import { HttpClientDeadlines, type DeadlineKind } from './http-deadlines.js';
import { refuseRequest, upgradeDisposition } from './http-guard.js';
import { BodyReplay } from './http-body-replay.js';
import { answerAndClose, CONNECT_FAILURES, responseSink, UpgradeExchange, type UpgradeHost } from './http-upgrade.js';
import { UpstreamPools, type UpstreamExchange } from './http-upstream.js';
import { expandInsertValue } from './http-policy.js';
import { headerBytes, parsedPart } from './http-parse-limit.js';
import type { ParseLimit } from '../config/defaults.js';
import { upstreamLocalAddress } from './transparency.js';
import { fieldRecord } from '../core/http-fields.js';
import { DEFAULT_HTTP_HEADER_MS, newCounters, newHttpCounters, type HttpCounters, type ProxyDeps, type VipBinding, type VipListener } from './types.js';
import type { TcpServerHandle } from './net-ports.js';

export interface HttpListenerOptions {
  /**
   * The ACE's HTTP parse length for the VIP's requests (`set header-maxparse-length`, `length-exceed`), read per
   * request so a reload can change it; absent or undefined: requests are not measured (the ACE would not parse them).
   */
  parseLimit?: () => ParseLimit | undefined;
}

/** A client connection of the VIP. */
interface Conn {
  readonly flow: Flow;
  readonly deadlines: HttpClientDeadlines;
  /** Requests read and not yet finished (answered, or the client gone). */
  busy: number;
  /**
   * The real the connection is counted on (Balancer.open done, close owed): its latest request's. As the ACE
   * counts an L7 client connection's server connection, not each request, the count moves only when a request
   * goes to another real, and ends with the connection, an upstream failure, or a protocol switch (which counts
   * its own). It is also the `previous` decision the next request follows (HTTP persistence).
   */
  held: ServerDecision | undefined;
  /**
   * A request was longer than the parse length under `length-exceed continue`: as the ACE turns persistence
   * rebalance off for the connection then, its later requests stay on the real it holds (while that can serve).
   */
  pinned: boolean;
}

interface Req {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  flow: Flow;
  info: HttpRequestInfo;
  decision: ServerDecision;
  /** Its client connection. */
  conn: Conn;
  /** The request as it goes to a real: the client's fields without hop-by-hop ones, plus the VIP's. */
  headers: Record<string, string | string[]>;
  path: string;
  /** The upstream attempt in flight, aborted when the client goes. */
  exchange: UpstreamExchange | undefined;
  /** The request's body while its upstream connects (absent: no body, always replayable). */
  body: BodyReplay | undefined;
  /** Links of the listener's in-flight list (InFlight). */
  prev: Req | undefined;
  next: Req | undefined;
  listed: boolean;
}

/**
 * The requests in flight, as a list linked through the requests themselves. A Set here
 * (long-lived, so in V8's old space) made about a quarter of every request's allocations
 * survive two scavenges and move to the old space, which then needed a full collection
 * every second or two: measured with --trace-gc-nvp, 25 % of the bytes the L7 path
 * allocates promoted with the Set, 1 % without it, at about a third more CPU per request.
 */
class InFlight {
  private head: Req | undefined;

  add(r: Req): void {
    r.prev = undefined;
    r.next = this.head;
    if (this.head) this.head.prev = r;
    this.head = r;
    r.listed = true;
  }

  delete(r: Req): void {
    if (!r.listed) return;
    r.listed = false;
    if (r.prev) r.prev.next = r.next;
    else this.head = r.next;
    if (r.next) r.next.prev = r.prev;
    r.prev = undefined;
    r.next = undefined;
  }

  /** A copy, so callers may delete while they go through it. */
  toArray(): Req[] {
    const out: Req[] = [];
    for (let r = this.head; r !== undefined; r = r.next) out.push(r);
    return out;
  }
}

/** A continued request under `no persistence-rebalance` gets none of its class's headers. */
const NO_INSERTS: readonly HeaderInsert[] = [];

/** A field as one value: node:http joins repeats of most fields already; the rest are joined as a list. */
function oneValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = oneValue(h[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** What the Balancer's http class-maps match a request on. */
function requestInfo(req: http.IncomingMessage): HttpRequestInfo {
  return { url: req.url ?? '/', headers: flatHeaders(req.headers), ...(req.method !== undefined ? { method: req.method } : {}) };
}

function hasBody(req: http.IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len.trim() !== '0');
}

/**
 * Fields that concern one connection only (RFC 9110 §7.6.1), and Expect, which node:http has
 * already answered (100 Continue): never forwarded. Upgrade reaches here only without
 * `Connection: upgrade` (a real switch goes to onUpgrade); the node must not be offered one.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings', 'expect']);

/** A protocol switch keeps Connection and Upgrade (the node must see the offer); a trailer has no place in it. */
const UPGRADE_DROP: ReadonlySet<string> = new Set(['trailer']);
/** An ignored switch goes as a plain request: no offer left in it. */
const UPGRADE_IGNORED_DROP: ReadonlySet<string> = new Set(['trailer', 'upgrade', 'http2-settings']);

/** Response fields the VIP re-frames for its own client connection. */
const RESPONSE_HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'trailer'];

/**
 * The client's fields as they go to a node. Every field line counts, as the ACE forwards the bytes: a field
 * sent twice goes twice (as an array, which undici and node:http write as separate lines), where node:http's
 * `req.headers` keeps only the first Authorization, User-Agent, Referer, Content-Type… and joins the rest.
 * Names are lower-cased; `drop` and the fields the VIP sets itself (`add`, appended last) are left out.
 * Fields a client lists in `Connection` are left alone (as HAProxy does): honouring the list would let
 * `Connection: host` or `Connection: authorization` strip what the node relies on.
 */
export function forwardFields(raw: readonly string[], drop: ReadonlySet<string>, add: Record<string, string>): Record<string, string | string[]> {
  return Object.assign(fieldRecord(raw, drop, add), add);
}

/** The origin-form target a node gets (http-guard.ts has checked an absolute form names the same host). */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  // Asterisk-form stays as it is (`/*` would name a resource): only raw exchanges get it, the pools take paths only.
  if (url === '*') return '*';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

/** RFC 9112 §3.2.4: the asterisk-form target is OPTIONS's only. */
const ASTERISK_MISUSED = { status: 400, reason: 'the asterisk-form target (*) is for OPTIONS only' } as const;

function forwardedNode(ip: string): string {
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

export class HttpVipListener implements VipListener {
  readonly counters = newCounters();
  readonly http: HttpCounters = newHttpCounters();
  private readonly server: http.Server;
  private readonly upstream: UpstreamPools;
  private readonly conns = new Map<Socket, Conn>();
  private readonly active = new InFlight();
  /** Client connections whose next bytes did not parse while a request was in flight: the 400 they are owed. */
  private readonly refuseAfter = new WeakMap<Duplex, string>();
  /** Client connections switching (or switched) protocols, or sending an `OPTIONS *`, and the exchange serving each. */
  private readonly upgraded = new Map<Socket, UpgradeExchange>();
  /** An upgrade that arrived pipelined behind requests still being answered: it starts once they are out. */
  private readonly upgradeAfter = new WeakMap<Duplex, () => void>();
  private readonly upgradeHost: UpgradeHost;
  private readonly parseLimit: () => ParseLimit | undefined;
  private tcp: TcpServerHandle | undefined;
  private closing = false;
  private warnedFallback = false;

  constructor(
    readonly binding: VipBinding,
    private readonly deps: ProxyDeps,
    opts: HttpListenerOptions = {},
  ) {
    this.parseLimit = opts.parseLimit ?? (() => undefined);
    // Host rules are http-guard.ts's (counted and explained there), not node's silent 400.
    this.server = http.createServer({ requireHostHeader: false }, (req, res) => this.onRequest(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    // Every header reaches the guard and the node (the 16 KiB header limit still bounds them): the default 2,000 drops the rest silently.
    this.server.maxHeadersCount = 0;
    // An idle keep-alive connection is the header deadline's and the inactivity timeout's (http-deadlines.ts), as
    // documented for --http-header-timeout: node:http's own keep-alive timer (5 s by default) closed it first.
    this.server.keepAliveTimeout = 0;
    // Without a listener node:http just drops a CONNECT; the VIP is no forward proxy, so it says so.
    this.server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => this.refuseRaw(socket, 405, 'Method Not Allowed', 'CONNECT is not served by a VIP'));
    // Every request with `Connection: upgrade` + `Upgrade` comes here, body or not: node:http has detached the socket.
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
    const self = this.http;
    this.upgradeHost = {
      deps,
      counters: this.counters,
      vipClass: binding.vipClass,
      tunnelOpened: () => void self.tunnels++,
      badGateway: () => void self.badGateway++,
      finished: (x) => {
        for (const [s, e] of this.upgraded) if (e === x) this.upgraded.delete(s);
      },
    };
    this.upstream = new UpstreamPools(deps.net, deps.clock, deps.timeouts.connectTimeoutMs);
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
    this.counters.active++;
    const { clock, timeouts } = this.deps;
    const deadlines = new HttpClientDeadlines(client, clock, timeouts.httpHeaderMs ?? DEFAULT_HTTP_HEADER_MS, timeouts.tcpIdleMs, (kind, partial) => this.onDeadline(client, kind, partial));
    const conn: Conn = { flow, deadlines, busy: 0, held: undefined, pinned: false };
    this.conns.set(client, conn);
    client.once('close', () => {
      deadlines.stop();
      this.unhold(conn);
      this.conns.delete(client);
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
    const broken = this.active.toArray().find((r) => r.req.socket === socket && !r.req.complete);
    if (broken !== undefined) {
      // The bad bytes are in the body being forwarded: that request is refused and its upstream message left
      // unfinished (the node sees it cut short, never complete), and the connection closes after the answer.
      this.http.badRequests++;
      broken.res.shouldKeepAlive = false;
      this.plain(broken.res, 400, `400 Bad Request: ${reason}\n`);
      return;
    }
    // A pipelined request before the bad one is still being answered: its response goes first, or the client would take the 400 for it.
    if ((this.conns.get(socket as Socket)?.busy ?? 0) > 0) {
      this.refuseAfter.set(socket, reason);
      return;
    }
    this.refuseRaw(socket, 400, 'Bad Request', reason);
  }

  /** An answer written straight to a client socket node:http will not serve, then closed. */
  private refuseRaw(socket: Duplex, status: number, text: string, reason: string): void {
    this.http.badRequests++;
    answerAndClose(socket, status, text, reason);
  }

  /** Why a request got no real, for its 503. */
  private noServer(d: Exclude<Decision, ServerDecision>): string {
    return `VIP ${this.binding.vipClass} has no server for this request (${d.kind === 'forward' ? 'forward (not proxied)' : d.reason})`;
  }

  private onDeadline(client: Socket, kind: DeadlineKind, partial: boolean): void {
    this.counters.idleTimeouts++;
    if (kind === 'idle') {
      // The ACE's inactivity timeout: reset both ways (the upstream request is aborted with the response).
      const x = this.upgraded.get(client);
      if (x !== undefined) return x.reset();
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
    const conn = this.conns.get(socket);
    if (conn === undefined || this.closing) {
      res.shouldKeepAlive = false;
      this.plain(res, 503, `503 Service Unavailable: VIP ${this.binding.vipClass} is closing\n`);
      return;
    }
    const flow = conn.flow;
    conn.busy++;
    conn.deadlines.headersDone();
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
    const info = this.parsedRequest(req, socket, conn);
    if (info === undefined) {
      res.once('close', () => this.finished(undefined, socket));
      return;
    }
    if (req.url === '*') return this.asteriskForm(req, res, socket, conn, info);
    const previous = conn.held;
    const d: Decision = this.deps.balancer.select(this.binding.vipClass, flow, info, previous, conn.pinned ? 'disabled' : undefined);
    if (d.kind !== 'server') {
      res.once('close', () => this.finished(undefined, socket));
      this.http.noServer++;
      this.counters.dropped++;
      this.deps.logger.debug({ vip: this.binding.vipClass, client: flow.clientIp, url: info.url, decision: d }, 'request not load-balanced');
      this.plain(res, 503, `503 Service Unavailable: ${this.noServer(d)}\n`);
      return;
    }
    const r: Req = {
      req, res, flow, info, decision: d, conn,
      // Without persistence rebalance the ACE inserts headers into a connection's first request only.
      headers: this.nodeFields(req, flow, d === previous && (d.insertsFirstOnly || conn.pinned) ? NO_INSERTS : d.inserts),
      path: originForm(info.url),
      exchange: undefined,
      body: hasBody(req) ? new BodyReplay(req) : undefined,
      prev: undefined,
      next: undefined,
      listed: false,
    };
    res.once('close', () => this.finished(r, socket));
    this.active.add(r);
    this.forward(r, false, true);
  }

  /**
   * `OPTIONS *` (a server-wide OPTIONS, RFC 9110 §9.3.7), which the pools cannot send: an exchange of its own
   * (http-upgrade.ts) sends it as it is and relays the node's answer; the connection closes after it.
   */
  private asteriskForm(req: http.IncomingMessage, res: http.ServerResponse, socket: Socket, conn: Conn, info: HttpRequestInfo): void {
    const flow = conn.flow;
    res.once('close', () => this.finished(undefined, socket));
    if (req.method !== 'OPTIONS') {
      this.http.badRequests++;
      res.shouldKeepAlive = false;
      this.plain(res, ASTERISK_MISUSED.status, `400 Bad Request: ${ASTERISK_MISUSED.reason}\n`);
      return;
    }
    const d = this.deps.balancer.select(this.binding.vipClass, flow, info);
    if (d.kind !== 'server') {
      this.http.noServer++;
      this.counters.dropped++;
      this.plain(res, 503, `503 Service Unavailable: ${this.noServer(d)}\n`);
      return;
    }
    const request = { method: 'OPTIONS', path: '*', headers: this.nodeFields(req, flow, d.inserts), ...(hasBody(req) ? { body: new BodyReplay(req) } : {}) };
    // The exchange counts itself on its real, and the connection closes after it.
    this.unhold(conn);
    const x = new UpgradeExchange(this.upgradeHost, socket, Buffer.alloc(0), flow, d, { kind: 'ignore', reason: 'asterisk-form' }, request, responseSink(res));
    // Registered like a switch so failaction purge and the idle deadline reach it.
    this.upgraded.set(socket, x);
    x.start();
  }

  /**
   * The request as the VIP's class-maps see it. One longer than the ACE's parse length is counted, and then under
   * `length-exceed drop` its connection is reset, as the ACE resets it (undefined: nothing more to do), and under
   * `continue` it is what the ACE parsed of it, and the connection stays on its real from now on (Conn.pinned).
   */
  private parsedRequest(req: http.IncomingMessage, socket: Socket, conn: Conn): HttpRequestInfo | undefined {
    const limit = this.parseLimit();
    if (limit === undefined) return requestInfo(req);
    const bytes = headerBytes(req);
    if (bytes <= limit.bytes) return requestInfo(req);
    this.http.lengthExceeded++;
    this.deps.logger.debug({ vip: this.binding.vipClass, client: conn.flow.clientIp, bytes, limit: limit.bytes, action: limit.exceed }, 'request longer than the HTTP parse length');
    if (limit.exceed === 'drop') {
      this.counters.resets++;
      resetSocket(socket);
      return undefined;
    }
    conn.pinned = true;
    return parsedPart(req, limit.bytes);
  }

  /** A plain request's fields as they go to a node: the client's without hop-by-hop ones, then the VIP's. */
  private nodeFields(req: http.IncomingMessage, flow: Flow, inserts: readonly HeaderInsert[]): Record<string, string | string[]> {
    return forwardFields(req.rawHeaders, HOP_BY_HOP, this.forwardHeaders(flow, req, inserts));
  }

  /** X-Forwarded-For, X-Forwarded-Proto and Forwarded, then the `insert-http` headers of the class that chose the real. */
  private forwardHeaders(flow: Flow, req: http.IncomingMessage, inserts: readonly HeaderInsert[]): Record<string, string> {
    const ip = flow.clientIp;
    // From the whole request, not the class-matching view: past the ACE's parse length that view lacks fields the chain needs.
    const xff = oneValue(req.headers['x-forwarded-for']);
    const fwd = oneValue(req.headers['forwarded']);
    const mine = `for=${forwardedNode(ip)};proto=http;by=${forwardedNode(flow.vipIp)}`;
    const h: Record<string, string> = {
      'x-forwarded-for': xff ? `${xff}, ${ip}` : ip,
      'x-forwarded-proto': 'http',
      forwarded: fwd ? `${fwd}, ${mine}` : mine,
    };
    for (const i of inserts) {
      const value = expandInsertValue(i.value, flow);
      // Node rejects header values with CR/LF; the config cannot be allowed to throw here.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(i.header) || /[\r\n\0]/.test(value)) continue;
      h[i.header.toLowerCase()] = value;
    }
    return h;
  }

  private forward(r: Req, retried: boolean, bindClient: boolean): void {
    const d = r.decision;
    const local = bindClient ? upstreamLocalAddress(this.deps.transparency, r.flow.clientIp) : undefined;
    this.hold(r.conn, d);
    const res = r.res;
    let control: { pause(): void; resume(): void } | undefined;
    r.exchange = this.upstream.dispatch(
      { address: d.address, port: d.port, localAddress: local },
      { method: r.req.method ?? 'GET', path: r.path, headers: r.headers, body: r.body?.attempt() ?? null },
      {
        onConnected: () => r.body?.connected(),
        onResponseStart: (status, message, headers, c) => {
          control = c;
          if (res.headersSent || res.destroyed) {
            // The client was already answered (a broken body, a failaction reset): nothing to relay.
            r.exchange?.abort();
            return;
          }
          for (const name of RESPONSE_HOP_BY_HOP) delete headers[name];
          try {
            res.writeHead(status, message, headers);
          } catch {
            // A field node:http will not write (undici's parser is not node's): the client cannot be given this answer.
            r.exchange?.abort();
            this.http.badGateway++;
            this.plain(res, 502, `502 Bad Gateway: rserver ${d.rserver} (${d.address}:${d.port}) sent a response header the VIP cannot relay\n`);
            return;
          }
          res.on('drain', () => control?.resume());
        },
        onResponseData: (chunk) => {
          if (!res.write(chunk)) control?.pause();
        },
        onResponseEnd: () => res.end(),
        onError: (err) => this.upstreamError(r, err, retried, local !== undefined),
      },
    );
  }

  /** Counts the connection on `d`'s real, and off the one it was on. */
  private hold(conn: Conn, d: ServerDecision): void {
    if (conn.held === d) return;
    this.unhold(conn);
    this.deps.balancer.open(d);
    conn.held = d;
  }

  private unhold(conn: Conn): void {
    const d = conn.held;
    if (d === undefined) return;
    conn.held = undefined;
    this.deps.balancer.close(d);
  }

  private upstreamError(r: Req, err: Error & { code?: string }, retried: boolean, bound: boolean): void {
    const d = r.decision;
    const { res, req } = r;
    // Off the real that failed; the connection's next request is balanced afresh, unless this one is sent again
    // (forward() counts it where it goes). A pipelined request decided since may already hold the connection elsewhere.
    if (r.conn.held === d) this.unhold(r.conn);
    if (res.headersSent || res.writableEnded) {
      // Mid-response failure: the client cannot be told with a status any more.
      this.counters.resets++;
      res.destroy();
      return;
    }
    if (req.socket.destroyed || this.closing) return;
    const code = err.code ?? 'error';
    // No body, or a body the upstream never took (kept in full by BodyReplay): safe to send again.
    const canReplay = r.body?.replayable ?? true;
    if (bound && (code === 'EADDRNOTAVAIL' || code === 'EINVAL') && canReplay) {
      this.counters.transparencyFallbacks++;
      if (!this.warnedFallback) {
        this.warnedFallback = true;
        this.deps.logger.warn({ vip: this.binding.vipClass, client: r.flow.clientIp, code }, 'transparency: cannot bind the client address here; this request and others like it use the host address');
      }
      this.forward(r, retried, false);
      return;
    }
    if ((code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') && !retried && canReplay) {
      // Most often a pooled keep-alive socket the real had closed: try once more, same real.
      this.forward(r, true, bound);
      return;
    }
    if (code === 'UND_ERR_INVALID_ARG') {
      // A request node:http parsed but the upstream client will not write (e.g. a header value it finds invalid).
      this.http.badRequests++;
      res.shouldKeepAlive = false;
      this.plain(res, 400, `400 Bad Request: ${err.message}\n`);
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
          r.decision = n;
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
      // The client is gone or answered: an upstream exchange still running has no one to answer.
      r.exchange?.abort();
      this.active.delete(r);
    }
    const conn = this.conns.get(socket);
    const n = conn === undefined ? 0 : --conn.busy;
    const refusal = n <= 0 ? this.refuseAfter.get(socket) : undefined;
    if (refusal !== undefined) {
      this.refuseAfter.delete(socket);
      this.refuseRaw(socket, 400, 'Bad Request', refusal);
      return;
    }
    const upgrade = n <= 0 ? this.upgradeAfter.get(socket) : undefined;
    if (upgrade !== undefined) {
      this.upgradeAfter.delete(socket);
      upgrade();
      return;
    }
    if (this.closing && n <= 0) socket.end();
    else if (n <= 0) conn?.deadlines.awaitHeaders();
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

  // ---------------------------------------------------------------- protocol switches

  private onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    this.http.requests++;
    this.http.upgrades++;
    const conn = this.conns.get(socket);
    conn?.deadlines.headersDone();
    if (conn === undefined || this.closing) {
      answerAndClose(socket, 503, 'Service Unavailable', `VIP ${this.binding.vipClass} is closing`);
      return;
    }
    const refused = refuseRequest(req) ?? (req.url === '*' && req.method !== 'OPTIONS' ? ASTERISK_MISUSED : undefined);
    if (refused !== undefined) {
      this.deps.logger.debug({ vip: this.binding.vipClass, client: conn.flow.clientIp, reason: refused.reason }, 'upgrade request refused');
      this.refuseRaw(socket, refused.status, refused.status === 505 ? 'HTTP Version Not Supported' : 'Bad Request', refused.reason);
      return;
    }
    const start = (): void => this.startUpgrade(req, socket, head, conn);
    // The answers to earlier pipelined requests go out first; node:http no longer reads this connection meanwhile.
    if (conn.busy > 0) this.upgradeAfter.set(socket, start);
    else start();
  }

  private startUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer, conn: Conn): void {
    if (socket.destroyed) return;
    const flow = conn.flow;
    // Busy from now on: close() must not end it as an idle keep-alive connection.
    conn.busy = 1;
    // The switch is balanced on its own and counts itself on its real (http-upgrade.ts).
    this.unhold(conn);
    const disposition = upgradeDisposition(req);
    const info = this.parsedRequest(req, socket, conn);
    if (info === undefined) return;
    const d = this.deps.balancer.select(this.binding.vipClass, flow, info);
    if (d.kind !== 'server') {
      this.http.noServer++;
      this.counters.dropped++;
      answerAndClose(socket, 503, 'Service Unavailable', this.noServer(d));
      return;
    }
    const ignored = disposition.kind === 'ignore';
    const add = this.forwardHeaders(flow, req, d.inserts);
    // RFC 9110 §7.8: an ignored Upgrade is served as if it were not there; the VIP closes the connection after the answer.
    if (ignored) add['connection'] = 'close';
    const headers = forwardFields(req.rawHeaders, ignored ? UPGRADE_IGNORED_DROP : UPGRADE_DROP, add);
    if (ignored) this.deps.logger.debug({ vip: this.binding.vipClass, client: flow.clientIp, reason: disposition.reason }, 'upgrade ignored');
    const x = new UpgradeExchange(this.upgradeHost, socket, head, flow, d, disposition, { method: req.method ?? 'GET', path: originForm(req.url ?? '/'), headers });
    this.upgraded.set(socket, x);
    x.start();
  }

  // ---------------------------------------------------------------- failaction, shutdown

  onRealLeftService(farm: string, rserver: string): void {
    // The connections counted on the real, idle keep-alive ones too: the ACE purges connections, not requests.
    // A kept one's next request is balanced afresh (the real can no longer be continued); one in flight cannot move mid-response.
    const purged = (d: ServerDecision | undefined, flow: Flow): boolean => d !== undefined && d.farm === farm && d.rserver === rserver && this.deps.balancer.existingFlowAction(d, flow).kind !== 'keep';
    for (const [s, c] of this.conns) {
      if (!purged(c.held, c.flow)) continue;
      this.counters.resets++;
      resetSocket(s);
    }
    // A pipelined request still running on the real after its connection moved on to another.
    for (const r of this.active.toArray()) {
      if (r.req.socket.destroyed || !purged(r.decision, r.flow)) continue;
      this.counters.resets++;
      r.res.destroy();
    }
    for (const x of [...this.upgraded.values()]) if (purged(x.decision, x.flow)) x.reset();
  }

  async close(drainMs: number): Promise<void> {
    this.closing = true;
    const closed = this.tcp?.close();
    // Idle keep-alive connections end now; busy ones after their response (finished()).
    for (const [s, c] of this.conns) if (c.busy <= 0) s.end();
    for (const x of this.upgraded.values()) x.end();
    const deadline = this.deps.clock.monotonicNow() + drainMs;
    while (this.conns.size > 0 && this.deps.clock.monotonicNow() < deadline) {
      await new Promise<void>((r) => this.deps.clock.setTimer(Math.min(50, Math.max(1, drainMs)), r));
    }
    // Reset now, counted off now: their close events come later, and find nothing left to close.
    for (const [s, c] of [...this.conns]) {
      resetSocket(s);
      this.unhold(c);
    }
    this.server.close();
    await Promise.all([closed, this.upstream.destroy()]);
  }
}
