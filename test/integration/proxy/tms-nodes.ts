// Tiny stand-ins for the two TMS nodes behind the VIP: HTTP (probe URLs with
// basic auth), HTTPS (self-signed, made with the openssl CLI), UDP (records
// sources, answers "ack") and a raw TCP echo with half-close. Every request
// records the peer address the node saw. Loopback only.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROBE_PATHS = new Set(['/tms', '/tms/booking', '/TMS/external/booking/bookingservice.asmx']);
const AUTH = `Basic ${Buffer.from('tms-service:my_password').toString('base64')}`;

export interface NodePorts {
  http?: number;
  https?: number;
  udp?: number;
  raw?: number;
}

export interface Seen {
  proto: 'http' | 'https' | 'udp' | 'raw';
  remote: string;
  path?: string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-vip-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=tms.example.com'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class TmsNode {
  readonly seen: Seen[] = [];
  private closers: (() => Promise<void>)[] = [];

  constructor(
    readonly name: string,
    readonly address: string,
  ) {}

  /** Requests (not probes) seen, by protocol. */
  clients(proto: Seen['proto']): string[] {
    return this.seen.filter((s) => s.proto === proto && !(s.path !== undefined && PROBE_PATHS.has(s.path))).map((s) => s.remote);
  }

  private handler = (proto: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = req.url ?? '/';
    this.seen.push({ proto, remote: req.socket.remoteAddress ?? '?', path });
    if (PROBE_PATHS.has(path)) {
      res.writeHead(req.headers.authorization === AUTH ? 200 : 401);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ node: this.name, remote: req.socket.remoteAddress }));
  };

  async start(ports: NodePorts, tls?: { key: Buffer; cert: Buffer }): Promise<void> {
    if (ports.http !== undefined) {
      const s = http.createServer({ keepAlive: false } as http.ServerOptions, this.handler('http'));
      s.listen(ports.http, this.address);
      await once(s, 'listening');
      this.closers.push(() => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }));
    }
    if (ports.https !== undefined && tls) {
      const s = https.createServer(tls, this.handler('https'));
      s.listen(ports.https, this.address);
      await once(s, 'listening');
      this.closers.push(() => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }));
    }
    if (ports.udp !== undefined) {
      const s = dgram.createSocket('udp4');
      s.on('message', (msg, rinfo) => {
        this.seen.push({ proto: 'udp', remote: rinfo.address });
        s.send(Buffer.from(`ack:${this.name}:${msg.length}`), rinfo.port, rinfo.address);
      });
      s.bind(ports.udp, this.address);
      await once(s, 'listening');
      this.closers.push(() => new Promise((r) => s.close(() => r())));
    }
    if (ports.raw !== undefined) {
      const sockets = new Set<net.Socket>();
      const s = net.createServer({ allowHalfOpen: true }, (c) => {
        sockets.add(c);
        c.on('close', () => sockets.delete(c));
        c.on('error', () => this.seen.push({ proto: 'raw', remote: 'RESET' }));
        this.seen.push({ proto: 'raw', remote: c.remoteAddress ?? '?' });
        c.on('data', (d) => c.write(d));
        // Half-close: the client's FIN arrives, the node still answers, then closes.
        c.on('end', () => c.end(`bye:${this.name}:${c.remoteAddress}`));
      });
      s.listen(ports.raw, this.address);
      await once(s, 'listening');
      this.closers.push(() => new Promise((r) => { for (const c of sockets) c.destroy(); s.close(() => r()); }));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c()));
  }
}

/** GET through the VIP from a chosen client address; resolves the node's JSON answer. */
export function get(proto: 'http' | 'https', host: string, port: number, localAddress: string, path = '/'): Promise<{ status: number; node?: string; remote?: string }> {
  return new Promise((resolve, reject) => {
    const lib = proto === 'http' ? http : https;
    const req = lib.request({ host, port, path, localAddress, agent: false, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, ...(JSON.parse(body) as { node: string; remote: string }) });
        } catch {
          resolve({ status: res.statusCode ?? 0 });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** One datagram from a chosen client address; resolves the reply (or undefined after ms). */
export async function udpExchange(host: string, port: number, localAddress: string, payload: Buffer, ms = 2000): Promise<{ reply?: string; from?: string }> {
  const s = dgram.createSocket('udp4');
  s.bind(0, localAddress);
  await once(s, 'listening');
  try {
    const got = new Promise<{ reply?: string; from?: string }>((resolve) => {
      const t = setTimeoutCompat(ms, () => resolve({}));
      s.once('message', (m, r) => {
        t();
        resolve({ reply: m.toString(), from: `${r.address}:${r.port}` });
      });
    });
    s.send(payload, port, host);
    return await got;
  } finally {
    s.close();
  }
}

// Tests may use timers (the architecture rule binds src/ only).
function setTimeoutCompat(ms: number, fn: () => void): () => void {
  const h = setTimeout(fn, ms);
  return () => clearTimeout(h);
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until cond() or the deadline. */
export async function waitFor(cond: () => boolean, ms: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await delay(stepMs);
  }
  return cond();
}
