// A simulated TMS node: serves the reference probe URLs (basic credentials),
// client requests over HTTP and HTTPS, and receives SNMP traps over UDP, on
// one loopback address; records every request and datagram with the source
// address it saw; takes faults (crash, hang, slow, http-error, blackhole,
// flap, recover). Invariants: every TCP connection goes through our own
// net.Server first, so a fault can hold, refuse or answer it before HTTP or
// TLS sees a byte; faults apply one at a time, in order; a blackhole moves
// the TCP listeners to a stopped holder process (blackhole.ts); stop()
// releases every socket, timer and that process.
// Timebase: the injected Clock (records are stamped monotonicNow()).
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import type { CancelTimer, Clock } from '../core/clock.js';
import { Blackhole, LISTEN_BACKLOG } from './blackhole.js';
import type { TlsIdentity } from './tls-cert.js';

/** The URLs the vendor's probes request (deployments.md). */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/tms', '/tms/booking', '/TMS/external/booking/bookingservice.asmx']);
/** Header a lab client sends so the node's record can be matched to the request. */
export const REQUEST_ID_HEADER = 'x-acesim-request';
/** Marker a lab trap carries in a varbind; the node finds it in the raw datagram. */
export const TRAP_MARKER = 'acesim-trap:';

export type NodeFault =
  | { kind: 'up' }
  | { kind: 'crash' }
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  | { kind: 'http-error'; status: number }
  | { kind: 'blackhole' }
  | { kind: 'flap'; ms: number };

export interface NodeRecord {
  atMs: number;
  node: string;
  proto: 'http' | 'https' | 'udp';
  port: number;
  /** The source address the node saw (transparency check). */
  source: string;
  path?: string;
  /** The lab request or trap id, when the sender attached one. */
  id?: string;
  /** Probe path (health check) rather than client traffic. */
  probe: boolean;
  /** What the node did: answered status, 'held' (hang/blackhole: never answered), 'dropped' (a datagram ignored). */
  status: number | 'held' | 'dropped';
}

export interface SimNodeOptions {
  name: string;
  address: string;
  clock: Clock;
  httpPorts?: number[];
  httpsPorts?: number[];
  udpPorts?: number[];
  /** Without it, httpsPorts are not served (openssl missing). */
  tls?: TlsIdentity;
  /** Accepted basic credentials on probe paths; empty → probe paths answer 200 to anyone. */
  credentials?: { username: string; password: string }[];
  onRecord?: (r: NodeRecord) => void;
}

interface Listener {
  port: number;
  kind: 'http' | 'https' | 'udp';
  /** Set while this process listens on the port. */
  close?: () => Promise<void>;
  server?: net.Server;
}

export class SimNode {
  readonly name: string;
  readonly address: string;
  readonly records: NodeRecord[] = [];
  private fault: NodeFault = { kind: 'up' };
  /** Faults apply one after another (a blackhole takes tens of ms to engage). */
  private applying: Promise<void> = Promise.resolve();
  /** When the last applied fault took effect (clock ms): listeners closed, or a blackhole silent. */
  effectiveAtMs = 0;
  private readonly blackhole: Blackhole;
  private readonly listeners: Listener[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly held = new Set<net.Socket>();
  private readonly timers = new Set<CancelTimer>();
  private readonly auth: Set<string>;
  private readonly httpServer: http.Server;
  private readonly httpsServer: https.Server | undefined;

  constructor(private readonly opts: SimNodeOptions) {
    this.name = opts.name;
    this.address = opts.address;
    this.blackhole = new Blackhole(opts.clock, opts.address);
    this.auth = new Set((opts.credentials ?? []).map((c) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`));
    // Never listen themselves: our net.Servers hand them accepted sockets.
    this.httpServer = http.createServer({ keepAliveTimeout: 1000 }, this.handler('http'));
    this.httpsServer = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, this.handler('https')) : undefined;
    for (const p of opts.httpPorts ?? []) this.listeners.push({ port: p, kind: 'http' });
    if (this.httpsServer) for (const p of opts.httpsPorts ?? []) this.listeners.push({ port: p, kind: 'https' });
    for (const p of opts.udpPorts ?? []) this.listeners.push({ port: p, kind: 'udp' });
  }

  get state(): NodeFault {
    return this.fault;
  }

  ports(): { kind: 'http' | 'https' | 'udp'; port: number }[] {
    return this.listeners.map((l) => ({ kind: l.kind, port: l.port }));
  }

  async start(): Promise<void> {
    await this.open();
  }

  /** Readies what a fault needs ahead of time (blackhole: its holder process), so it lands at once when applied. */
  async prepare(kind: NodeFault['kind']): Promise<void> {
    if (kind === 'blackhole' && this.listeners.some((l) => l.kind !== 'udp')) await this.blackhole.prepare();
  }

  /** The holder process of an engaged (or prepared) blackhole, for tests and diagnostics. */
  get blackholePid(): number | undefined {
    return this.blackhole.holderPid;
  }

  /** Applies a fault; resolves when it is in effect. `up` (recover) clears every fault and listens again. */
  apply(fault: NodeFault): Promise<void> {
    const next = this.applying.then(() => this.applyNow(fault));
    this.applying = next.catch(() => {});
    return next;
  }

  private async applyNow(fault: NodeFault): Promise<void> {
    await this.change(fault);
    if (fault.kind !== 'blackhole') this.effectiveAtMs = this.opts.clock.monotonicNow();
  }

  private async change(fault: NodeFault): Promise<void> {
    this.cancelTimers();
    const prev = this.fault;
    this.fault = fault;
    // Held connections belong to the fault that held them: release them when it ends.
    if (prev.kind === 'hang' || prev.kind === 'blackhole') this.releaseHeld();
    if (prev.kind === 'blackhole' && fault.kind !== 'blackhole') await this.blackhole.release();
    switch (fault.kind) {
      case 'crash':
        await this.close();
        return;
      case 'flap':
        await this.flap(fault.ms, false);
        return;
      case 'blackhole': {
        if (prev.kind === 'blackhole') {
          this.effectiveAtMs = this.opts.clock.monotonicNow();
          return;
        }
        await this.open();
        const tcp = this.listeners.filter((l) => l.kind !== 'udp' && l.server);
        const servers = tcp.map((l) => ({ server: l.server!, port: l.port }));
        for (const l of tcp) {
          delete l.close;
          delete l.server;
        }
        const silent = (): void => void (this.effectiveAtMs = this.opts.clock.monotonicNow());
        if (servers.length > 0) await this.blackhole.engage(servers, silent);
        else silent();
        return;
      }
      default:
        await this.open();
    }
  }

  async stop(): Promise<void> {
    await this.applying;
    this.cancelTimers();
    this.fault = { kind: 'up' };
    await this.blackhole.release();
    await this.close();
    this.httpServer.close();
    this.httpsServer?.close();
  }

  // ------------------------------------------------------------------ internals

  /** Flap: down for ms, up for ms, … until another fault replaces it. */
  private async flap(ms: number, up: boolean): Promise<void> {
    if (up) await this.open();
    else await this.close();
    const cancel = this.opts.clock.setTimer(ms, () => {
      this.timers.delete(cancel);
      if (this.fault.kind === 'flap') void this.flap(ms, !up);
    });
    this.timers.add(cancel);
  }

  private cancelTimers(): void {
    for (const c of this.timers) c();
    this.timers.clear();
  }

  private releaseHeld(): void {
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  /** Listens on every port not listened on yet. */
  private async open(): Promise<void> {
    await Promise.all(this.listeners.filter((l) => !l.close).map((l) => (l.kind === 'udp' ? this.openUdp(l) : this.openTcp(l))));
  }

  private async close(): Promise<void> {
    const closers = this.listeners.map((l) => l.close).filter((c): c is () => Promise<void> => c !== undefined);
    for (const l of this.listeners) {
      delete l.close;
      delete l.server;
    }
    // A crash resets every connection, as a dead process's kernel would.
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.held.clear();
    await Promise.all(closers.map((c) => c()));
  }

  private async openTcp(l: Listener): Promise<void> {
    const target = l.kind === 'https' ? this.httpsServer! : this.httpServer;
    const server = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('close', () => {
        this.sockets.delete(sock);
        this.held.delete(sock);
      });
      sock.on('error', () => {});
      if (this.fault.kind === 'blackhole') {
        // Accepted in the instant before the listener moved to the holder: silent as well
        // (nothing read, nothing written, no TLS). See docs/lab.md (blackhole).
        sock.pause();
        this.held.add(sock);
        this.record({ proto: l.kind, port: l.port, source: sock.remoteAddress ?? '?', probe: false, status: 'held' });
        return;
      }
      target.emit('connection', sock);
    });
    server.on('error', () => {});
    server.listen({ port: l.port, host: this.address, backlog: LISTEN_BACKLOG });
    await once(server, 'listening');
    l.server = server;
    l.close = () => new Promise<void>((r) => server.close(() => r()));
  }

  private async openUdp(l: Listener): Promise<void> {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    s.on('message', (msg, rinfo) => {
      const text = msg.toString('latin1');
      const i = text.indexOf(TRAP_MARKER);
      const id = i >= 0 ? /^[\w.:-]+/.exec(text.slice(i + TRAP_MARKER.length))?.[0] : undefined;
      // hang and blackhole drop datagrams silently (no ICMP, unlike a closed port): the
      // sender never learns; the record lets the lab attribute the lost trap to this node.
      const dropped = this.fault.kind === 'hang' || this.fault.kind === 'blackhole';
      this.record({ proto: 'udp', port: l.port, source: rinfo.address, probe: false, status: dropped ? 'dropped' : 0, ...(id !== undefined ? { id } : {}) });
    });
    s.bind(l.port, this.address);
    await once(s, 'listening');
    l.close = () => new Promise<void>((r) => s.close(() => r()));
  }

  private record(r: Omit<NodeRecord, 'atMs' | 'node'>): void {
    const rec: NodeRecord = { atMs: this.opts.clock.monotonicNow(), node: this.name, ...r };
    this.records.push(rec);
    this.opts.onRecord?.(rec);
  }

  private handler = (proto: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const probe = PROBE_PATHS.has(path);
    const source = req.socket.remoteAddress ?? '?';
    const idHeader = req.headers[REQUEST_ID_HEADER];
    const id = typeof idHeader === 'string' ? idHeader : undefined;
    const base = { proto, port: req.socket.localPort ?? 0, source, path, probe, ...(id !== undefined ? { id } : {}) };
    const f = this.fault;
    if (f.kind === 'hang' || f.kind === 'blackhole') {
      // Accepted, never answered; the socket is released when the fault ends.
      this.held.add(req.socket);
      this.record({ ...base, status: 'held' });
      return;
    }
    let status = 200;
    if (f.kind === 'http-error') status = f.status;
    else if (probe && this.auth.size > 0 && !this.auth.has(req.headers.authorization ?? '')) status = 401;
    const answer = (): void => {
      this.record({ ...base, status });
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ node: this.name, source }));
    };
    if (f.kind === 'slow') {
      const cancel = this.opts.clock.setTimer(f.ms, () => {
        this.timers.delete(cancel);
        if (!res.destroyed) answer();
      });
      this.timers.add(cancel);
    } else answer();
  };
}
