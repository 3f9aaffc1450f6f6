// Managed-system traffic: N simulated clients, each bound to its own source
// address, sending HTTP, HTTPS and SNMP traps through the VIP at fixed rates
// (evenly spaced, phases staggered so load is smooth). Every HTTP(S) outcome
// becomes a `request` RunEvent with the node that served it and the source
// address that node saw (from its answer). Traps are fire-and-forget: the
// fleet reports what it sent; the lab matches them with node records.
// Timebase: the injected Clock; rates are per second of that clock.
import http from 'node:http';
import https from 'node:https';
import snmp, { type Session } from 'net-snmp';
import type { CancelTimer, Clock } from '../core/clock.js';
import { REQUEST_ID_HEADER, TRAP_MARKER } from './sim-node.js';
import type { LossCause, RunEvent } from './measure.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface FleetOptions {
  clock: Clock;
  clients: readonly string[];
  http?: Endpoint;
  https?: Endpoint;
  trap?: Endpoint;
  httpPerClientPerS: number;
  httpsPerClientPerS: number;
  trapsPerClientPerS: number;
  /** A request not answered within this is a failure (clock ms). */
  timeoutMs: number;
  onRequest: (e: Extract<RunEvent, { type: 'request' }>) => void;
  onTrapSent?: (t: SentTrap) => void;
}

export interface SentTrap {
  id: string;
  client: string;
  atMs: number;
}

const TRAP_OID = '1.3.6.1.4.1.9.9.470.0.1';
const SYSNAME_OID = '1.3.6.1.2.1.1.5.0';

/** Client addresses: the first `n` host addresses of an IPv4 CIDR (network address skipped). */
export function clientAddresses(range: string, n: number): string[] | string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(range.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) return `clientRange "${range}": expected IPv4 CIDR like 127.0.100.0/24`;
  const len = Number(m[5]);
  const size = 2 ** (32 - len) - 2;
  if (n > size) return `clientRange ${range} holds ${size} clients, the scenario asks for ${n}`;
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const net = (base & (len === 0 ? 0 : (~0 << (32 - len)) >>> 0)) >>> 0;
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const v = (net + i) >>> 0;
    out.push(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
  }
  return out;
}

type TrafficKind = 'http' | 'https' | 'trap';
type FleetPlan = Pick<FleetOptions, 'clients' | 'http' | 'https' | 'trap' | 'httpPerClientPerS' | 'httpsPerClientPerS' | 'trapsPerClientPerS'>;

const TRAFFIC: Record<TrafficKind, { label: string; shift: number; endpoint: (o: FleetPlan) => Endpoint | undefined; rate: (o: FleetPlan) => number }> = {
  http: { label: 'HTTP', shift: 0, endpoint: (o) => o.http, rate: (o) => o.httpPerClientPerS },
  https: { label: 'HTTPS', shift: 0.33, endpoint: (o) => o.https, rate: (o) => o.httpsPerClientPerS },
  trap: { label: 'SNMP trap', shift: 0.66, endpoint: (o) => o.trap, rate: (o) => o.trapsPerClientPerS },
};

/** When client i of n first sends `kind` (ms after the fleet starts): phases staggered per client and per kind, so load is smooth. */
function firstSendMs(o: FleetPlan, kind: TrafficKind, i: number, n: number): number {
  const t = TRAFFIC[kind];
  return Math.round((1000 / t.rate(o)) * (((i + t.shift) / n) % 1));
}

/**
 * Traffic the fleet was asked for and did not record, as lines for the lab's
 * notes: no VIP listener to send a kind to, or clients due to send in the
 * first half of a `ranMs` run (late timers cannot excuse them) that recorded
 * nothing: a fleet that never started, events lost. Silence is a finding;
 * without this line it reads as "0 of 0 requests".
 */
export function fleetSilence(o: FleetPlan, requests: readonly { client: string; kind: string }[], ranMs: number): string[] {
  const out: string[] = [];
  for (const kind of ['http', 'https', 'trap'] as const) {
    const t = TRAFFIC[kind];
    if (!(t.rate(o) > 0) || o.clients.length === 0) continue;
    const ep = t.endpoint(o);
    if (!ep) {
      out.push(`clients: the scenario sends ${t.label} but the balancer announced no ${t.label} VIP listener, so no client sent any`);
      continue;
    }
    const sent = new Set(requests.filter((r) => r.kind === kind).map((r) => r.client));
    const due = o.clients.filter((_, i) => firstSendMs(o, kind, i, o.clients.length) < ranMs / 2);
    const silent = due.filter((c) => !sent.has(c));
    if (silent.length === 0) continue;
    if (silent.length === due.length) out.push(`clients: ${due.length} of ${due.length} clients due to send ${t.label} to ${ep.host}:${ep.port} recorded none: the client fleet did not start or its events were lost`);
    else out.push(`clients: ${silent.length} of ${due.length} clients due to send ${t.label} recorded none (${silent.slice(0, 3).join(', ')}${silent.length > 3 ? ', …' : ''})`);
  }
  return out;
}

export class ClientFleet {
  private readonly timers = new Set<CancelTimer>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly sessions: Session[] = [];
  private running = false;
  private seq = 0;

  constructor(private readonly o: FleetOptions) {}

  start(): void {
    this.running = true;
    const n = this.o.clients.length;
    this.o.clients.forEach((client, i) => {
      if (this.o.http && this.o.httpPerClientPerS > 0) this.every(1000 / this.o.httpPerClientPerS, firstSendMs(this.o, 'http', i, n), () => this.request('http', client));
      if (this.o.https && this.o.httpsPerClientPerS > 0) this.every(1000 / this.o.httpsPerClientPerS, firstSendMs(this.o, 'https', i, n), () => this.request('https', client));
      if (this.o.trap && this.o.trapsPerClientPerS > 0) {
        // One session (one source port) per client: a UDP flow the VIP keeps sticky.
        const s = snmp.createSession(this.o.trap.host, 'public', { trapPort: this.o.trap.port, version: snmp.Version2c, sourceAddress: client });
        s.on('error', () => {});
        this.sessions.push(s);
        this.every(1000 / this.o.trapsPerClientPerS, firstSendMs(this.o, 'trap', i, n), () => this.trap(s, client));
      }
    });
  }

  /** Stops scheduling, waits for requests in flight (each bounded by timeoutMs). */
  async stop(): Promise<void> {
    this.running = false;
    for (const c of this.timers) c();
    this.timers.clear();
    await Promise.all([...this.inflight]);
    for (const s of this.sessions.splice(0)) s.close();
  }

  private every(periodMs: number, firstMs: number, fn: () => Promise<void>): void {
    const tick = (delay: number): void => {
      const cancel = this.o.clock.setTimer(delay, () => {
        this.timers.delete(cancel);
        if (!this.running) return;
        const p = fn().finally(() => this.inflight.delete(p));
        this.inflight.add(p);
        tick(periodMs);
      });
      this.timers.add(cancel);
    };
    tick(firstMs);
  }

  private request(kind: 'http' | 'https', client: string): Promise<void> {
    const ep = kind === 'http' ? this.o.http! : this.o.https!;
    const { clock } = this.o;
    const atMs = clock.monotonicNow();
    const id = `${client}-${++this.seq}`;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (ok: boolean, node?: string, seenSource?: string, cause?: LossCause): void => {
        if (done) return;
        done = true;
        cancel();
        this.o.onRequest({ type: 'request', atMs, client, kind, ok, id, ...(node !== undefined ? { node } : {}), ...(seenSource !== undefined ? { seenSource } : {}), ...(!ok && cause !== undefined ? { cause } : {}) });
        resolve();
      };
      const lib = kind === 'http' ? http : https;
      const req = lib.request({ host: ep.host, port: ep.port, path: '/tms/client', localAddress: client, agent: false, rejectUnauthorized: false, headers: { [REQUEST_ID_HEADER]: id } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('error', (e) => finish(false, undefined, undefined, causeOf(e)));
        res.on('end', () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400;
          const cause = `HTTP ${res.statusCode ?? '?'}`;
          try {
            const j = JSON.parse(body) as { node?: unknown; source?: unknown };
            finish(ok, typeof j.node === 'string' ? j.node : undefined, typeof j.source === 'string' ? j.source : undefined, cause);
          } catch {
            finish(ok, undefined, undefined, cause); // not an acesim node: success without attribution
          }
        });
      });
      // A deadline (judged after the ready I/O): an answer that came in time is no lost request on a late loop.
      const cancel = clock.setDeadline(this.o.timeoutMs, () => {
        req.destroy();
        finish(false, undefined, undefined, 'timeout');
      });
      req.on('error', (e) => finish(false, undefined, undefined, causeOf(e)));
      req.end();
    });
  }

  private trap(s: Session, client: string): Promise<void> {
    const id = `${client}-${++this.seq}`;
    const atMs = this.o.clock.monotonicNow();
    this.o.onTrapSent?.({ id, client, atMs });
    return new Promise<void>((resolve) => {
      try {
        s.trap(TRAP_OID, [{ oid: SYSNAME_OID, type: snmp.ObjectType.OctetString, value: `${TRAP_MARKER}${id}` }], () => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** A client-side error as a loss cause (see LossCause). */
export function causeOf(e: Error & { code?: string }): LossCause {
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(e.message)) return 'reset';
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS|certificate/i.test(e.message)) return 'tls';
  return code !== '' ? code.toLowerCase() : 'error';
}
