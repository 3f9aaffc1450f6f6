// A simulated TMS node: serves the reference probe URLs (basic credentials),
// client requests over HTTP and HTTPS, and receives SNMP traps over UDP, on
// one loopback address; records every request and datagram with the source
// address it saw; takes faults (crash, hang, slow, http-error, blackhole,
// flap, recover). Invariants: every TCP connection goes through our own
// net.Server first, so a fault can hold, refuse or answer it before HTTP or
// TLS sees a byte; stop() releases every socket and timer.
// Timebase: the injected Clock (records are stamped monotonicNow()).
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import type { CancelTimer, Clock } from '../core/clock.js';
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
  /** What the node did: answered status, or 'held' (hang/blackhole). */
  status: number | 'held';
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
  close?: () => Promise<void>;
}

export class SimNode {
  readonly name: string;
  readonly address: string;
  readonly records: NodeRecord[] = [];
  private fault: NodeFault = { kind: 'up' };
  /** Listening (false after crash, or during the down half of a flap). */
  private listening = false;
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

  /** Applies a fault; `up` (recover) clears every fault and listens again. */
  async apply(fault: NodeFault): Promise<void> {
    this.cancelTimers();
    const prev = this.fault;
    this.fault = fault;
    // Held connections belong to the fault that held them: release them when it ends.
    if (prev.kind === 'hang' || prev.kind === 'blackhole') this.releaseHeld();
    switch (fault.kind) {
      case 'crash':
        await this.close();
        return;
      case 'flap':
        await this.flap(fault.ms, false);
        return;
      default:
        if (!this.listening) await this.open();
    }
  }

  async stop(): Promise<void> {
    this.cancelTimers();
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

  private async open(): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    await Promise.all(this.listeners.map((l) => (l.kind === 'udp' ? this.openUdp(l) : this.openTcp(l))));
  }

  private async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closers = this.listeners.map((l) => l.close).filter((c): c is () => Promise<void> => c !== undefined);
    for (const l of this.listeners) delete l.close;
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
        // Loopback completes the handshake in the kernel; from here on the node is silent:
        // nothing read, nothing written, no TLS. See docs/lab.md (blackhole).
        sock.pause();
        this.held.add(sock);
        this.record({ proto: l.kind, port: l.port, source: sock.remoteAddress ?? '?', probe: false, status: 'held' });
        return;
      }
      target.emit('connection', sock);
    });
    server.on('error', () => {});
    server.listen(l.port, this.address);
    await once(server, 'listening');
    l.close = () => new Promise<void>((r) => server.close(() => r()));
  }

  private async openUdp(l: Listener): Promise<void> {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    s.on('message', (msg, rinfo) => {
      // hang and blackhole drop datagrams: a trap sender never learns either way.
      if (this.fault.kind === 'hang' || this.fault.kind === 'blackhole') return;
      const text = msg.toString('latin1');
      const i = text.indexOf(TRAP_MARKER);
      const id = i >= 0 ? /^[\w.:-]+/.exec(text.slice(i + TRAP_MARKER.length))?.[0] : undefined;
      this.record({ proto: 'udp', port: l.port, source: rinfo.address, probe: false, status: 0, ...(id !== undefined ? { id } : {}) });
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
