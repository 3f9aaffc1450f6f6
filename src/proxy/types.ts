// Contracts of the data plane: the balancer port the proxies call, the logger
// they write to, counters, and the shape of one VIP listener. Type-only; the
// runtime (composition root) supplies the implementations.
import type { Balancer } from '../farm/balancer.js';
import type { AclPacket, AclVerdict } from './acl.js';
import type { Clock } from '../core/clock.js';
import type { NetPorts } from './net-ports.js';
import type { TransparencyMode } from './transparency.js';
import type { ConnectionBudget } from './conn-budget.js';

/** The part of the Balancer the proxies use (the real Balancer satisfies it; tests may fake it). */
export type BalancerPort = Pick<Balancer, 'select' | 'reselect' | 'open' | 'close' | 'reportFailure' | 'existingFlowAction'>;

/** The part of a pino logger the data plane uses. */
export interface ProxyLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const NULL_LOGGER: ProxyLogger = { info() {}, warn() {}, debug() {} };

/** Decides whether a new flow may enter (the interface input ACLs that apply to the VIP). */
export type AclGate = (pkt: AclPacket) => AclVerdict;

/** One VIP listener: a class-map's virtual address on one protocol and port. */
export interface VipBinding {
  /** Multi-match class (class-map name) the Balancer selects for. */
  vipClass: string;
  address: string;
  port: number;
  protocol: 'tcp' | 'udp';
  acl: AclGate;
  /** `loadbalance vip udp-fast-age`: a UDP flow ends after the first reply. */
  udpFastAge?: boolean;
}

export interface ProxyTimeouts {
  /** Idle time after which a TCP connection is reset both ways (ACE default inactivity 3600 s). */
  tcpIdleMs: number;
  /** Idle time after which a UDP flow is forgotten (ACE default 120 s). */
  udpIdleMs: number;
  /** How long an upstream TCP connect may take before the real counts as failed. */
  connectTimeoutMs: number;
  /**
   * L7 VIPs: how long a client may take to send a request's complete header
   * block, from accept or from the end of its previous response (default
   * DEFAULT_HTTP_HEADER_MS). The ACE has no such knob; without it a client
   * trickling header bytes (slowloris) would hold a connection for ever.
   */
  httpHeaderMs?: number;
}

export const DEFAULT_TCP_IDLE_MS = 3_600_000;
export const DEFAULT_UDP_IDLE_MS = 120_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_HTTP_HEADER_MS = 30_000;

/** Shared by both proxies: what a listener is built from. */
export interface ProxyDeps {
  clock: Clock;
  net: NetPorts;
  balancer: BalancerPort;
  logger: ProxyLogger;
  transparency: TransparencyMode;
  timeouts: ProxyTimeouts;
  /** The context's `conc-connections` budget, shared by its listeners (UDP ones only when UDP flows count); none = not counted. */
  budget?: ConnectionBudget;
}

/** Counters of one listener; monotonic except `active`. */
export interface ListenerCounters {
  /** New flows (TCP connections, UDP client address:port pairs) seen. */
  flows: number;
  active: number;
  aclDenied: number;
  /** TCP connections refused (reset), or new UDP flows dropped, because the context's conc-connections budget was spent. */
  limitDenied: number;
  /** Policy drop, VIP out of service, no server, forward (not proxied). */
  dropped: number;
  connectFailures: number;
  reassigned: number;
  /** Connections reset by acesim (failaction purge, idle timeout, peer reset). */
  resets: number;
  idleTimeouts: number;
  /** Transparency could not bind the client address (not local) and fell back to the proxy's own. */
  transparencyFallbacks: number;
  datagramsIn: number;
  datagramsOut: number;
  repliesOut: number;
  /** Datagrams dropped: oversized, queue full, flow table full, send errors, malformed SNMP. */
  datagramsDropped: number;
  /** Of those, datagrams on an SNMP VIP (161/162) that are not SNMP (snmp-message.ts says why). */
  snmpMalformed: number;
}

export function newCounters(): ListenerCounters {
  return { flows: 0, active: 0, aclDenied: 0, limitDenied: 0, dropped: 0, connectFailures: 0, reassigned: 0, resets: 0, idleTimeouts: 0, transparencyFallbacks: 0, datagramsIn: 0, datagramsOut: 0, repliesOut: 0, datagramsDropped: 0, snmpMalformed: 0 };
}

/** HTTP-level counters of an L7 listener (the connection-level ones are in `ListenerCounters`). */
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
  /** Requests asking to switch protocols (`Connection: upgrade` + `Upgrade`), also counted in `requests`. */
  upgrades: number;
  /** Of those, switches the node accepted (101): connections that became tunnels. */
  tunnels: number;
  /**
   * Requests longer than the VIP's HTTP parse length (`set header-maxparse-length`, default 2048 bytes of request
   * line and header fields): their connections reset under `length-exceed drop`, load-balanced on the part parsed under `continue`.
   */
  lengthExceeded: number;
}

export function newHttpCounters(): HttpCounters {
  return { requests: 0, noServer: 0, badGateway: 0, badRequests: 0, headerTimeouts: 0, upgrades: 0, tunnels: 0, lengthExceeded: 0 };
}

/** A VIP listener as the runtime drives it. */
export interface VipListener {
  readonly binding: VipBinding;
  readonly counters: ListenerCounters;
  /** L7 HTTP listeners only. */
  readonly http?: HttpCounters;
  /** Binds the socket; resolves the bound address and port, rejects with the socket error. */
  listen(): Promise<{ address: string; port: number }>;
  /** A real left service and the farm has a failaction: apply it to this listener's flows. */
  onRealLeftService(farm: string, rserver: string): void;
  /** Stops accepting, ends flows gracefully, resets what is left after drainMs. */
  close(drainMs: number): Promise<void>;
}
