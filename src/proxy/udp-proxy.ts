// UDP VIP listener: flows keyed by client address:port, one upstream socket per
// flow (bound per transparency mode) connected to the Balancer's choice; replies
// go back to the client from the VIP socket. Invariants: a datagram never throws
// (bad sizes, full tables, send errors are counted and dropped); Balancer.open at
// flow creation, close exactly once at flow end. On an SNMP port (opts.snmp) each
// client datagram is decoded first: malformed ones are counted and dropped before
// they can open a flow, v2c notifications may gain snmpTrapAddress.0 (snmp-relay.ts).
// With a conc-connections budget in deps, a flow holds a slot from creation to end.
// Timebase: injected Clock (idle).
import type dgram from 'node:dgram';
import type { Flow, ServerDecision } from '../farm/types.js';
import { parseIpv4 } from '../core/ipv4.js';
import { IdleTimer } from './idle-timer.js';
import { relaySnmp, relaySnmpReply, type SnmpRelayOptions } from './snmp-relay.js';
import { upstreamLocalAddress } from './transparency.js';
import { newCounters, type ProxyDeps, type VipBinding, type VipListener } from './types.js';

/** Largest UDP payload over IPv4. */
export const MAX_DATAGRAM_BYTES = 65_507;
/** Datagrams held per flow while its upstream socket binds. */
export const MAX_PENDING_PER_FLOW = 64;
export const DEFAULT_MAX_UDP_FLOWS = 16_384;
/** Informs per flow whose Response still needs the added snmpTrapAddress.0 taken out (oldest forgotten first). */
const MAX_PENDING_INFORMS = 256;
/**
 * Kernel receive buffer asked for on the VIP socket (Linux caps it at
 * net.core.rmem_max): a burst of traps waits there while the event loop is busy
 * instead of being dropped at the default ~208 KiB (≈1,500 trap-sized datagrams).
 */
export const VIP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

interface UdpFlow {
  key: string;
  clientIp: string;
  clientPort: number;
  flow: Flow;
  decision: ServerDecision;
  socket: dgram.Socket;
  ready: boolean;
  pending: Buffer[];
  idle: IdleTimer;
  ended: boolean;
  /** It holds a slot of deps.budget (released at its end). */
  slot: boolean;
  /** Request-ids of informs the relay extended, awaiting the node's Response. */
  informIds?: Set<string>;
}

export interface UdpListenerOptions {
  maxFlows?: number;
  maxDatagramBytes?: number;
  /** The VIP is an SNMP port (161/162): decode client datagrams, drop malformed ones. */
  snmp?: SnmpRelayOptions;
}

export class UdpVipListener implements VipListener {
  readonly counters = newCounters();
  private readonly flows = new Map<string, UdpFlow>();
  private vip: dgram.Socket | undefined;
  private closing = false;
  private warnedFallback = false;
  private warnedMalformed = false;
  private readonly maxFlows: number;
  private readonly maxBytes: number;
  private readonly snmp: SnmpRelayOptions | undefined;

  constructor(
    readonly binding: VipBinding,
    private readonly deps: ProxyDeps,
    opts: UdpListenerOptions = {},
  ) {
    this.maxFlows = opts.maxFlows ?? DEFAULT_MAX_UDP_FLOWS;
    this.maxBytes = Math.min(opts.maxDatagramBytes ?? MAX_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES);
    this.snmp = opts.snmp;
  }

  listen(): Promise<{ address: string; port: number }> {
    const s = this.deps.net.udpSocket();
    this.vip = s;
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      s.once('error', fail);
      s.bind({ address: this.binding.address, port: this.binding.port, exclusive: true }, () => {
        s.off('error', fail);
        // ICMP errors and the like on the VIP socket are counted, never fatal.
        s.on('error', () => this.counters.datagramsDropped++);
        s.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
        try {
          s.setRecvBufferSize(VIP_RECV_BUFFER_BYTES);
        } catch {
          // best effort: the default buffer still works, it only drops sooner in a burst
        }
        const a = s.address();
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closing) return;
    this.counters.datagramsIn++;
    if (msg.length > this.maxBytes) {
      this.counters.datagramsDropped++;
      return;
    }
    let informId: string | undefined;
    if (this.snmp !== undefined) {
      const r = relaySnmp(msg, rinfo.address, this.snmp);
      if (!r.ok) {
        this.counters.snmpMalformed++;
        this.counters.datagramsDropped++;
        // Once at warn, then debug: a flood of garbage must not flood the log. Never the bytes (a community).
        const log = { vip: this.binding.vipClass, client: rinfo.address, reason: r.reason, offset: r.offset };
        if (this.warnedMalformed) this.deps.logger.debug(log, 'SNMP: malformed datagram dropped');
        else {
          this.warnedMalformed = true;
          this.deps.logger.warn(log, 'SNMP: malformed datagram dropped (further ones are logged at debug; counter snmpMalformed)');
        }
        return;
      }
      msg = r.data;
      informId = r.informId;
    }
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = this.flows.get(key);
    if (f === undefined) {
      f = this.newFlow(key, rinfo);
      if (f === undefined) {
        this.counters.datagramsDropped++;
        return;
      }
    }
    f.idle.touch();
    if (informId !== undefined) {
      const ids = (f.informIds ??= new Set());
      if (ids.size >= MAX_PENDING_INFORMS) ids.delete(ids.values().next().value!);
      ids.add(informId);
    }
    if (!f.ready) {
      if (f.pending.length >= MAX_PENDING_PER_FLOW) this.counters.datagramsDropped++;
      else f.pending.push(msg);
      return;
    }
    this.sendUp(f, msg);
  }

  private newFlow(key: string, rinfo: dgram.RemoteInfo): UdpFlow | undefined {
    const vipIp = this.binding.address;
    const vipPort = this.binding.port;
    const src = parseIpv4(rinfo.address);
    const dst = parseIpv4(vipIp);
    if (src < 0) return undefined; // the VIP socket is udp4; anything else is malformed
    const verdict = this.binding.acl({ protocol: 'udp', src, srcPort: rinfo.port, dst: dst < 0 ? 0 : dst, dstPort: vipPort });
    if (!verdict.permit) {
      this.counters.aclDenied++;
      return undefined;
    }
    if (this.flows.size >= this.maxFlows) return undefined;
    // conc-connections after the ACL, as for TCP: a denied datagram never takes a slot.
    const budget = this.deps.budget;
    if (budget !== undefined && !budget.tryAcquire()) {
      this.counters.limitDenied++;
      return undefined;
    }
    const flow: Flow = { clientIp: rinfo.address, clientPort: rinfo.port, vipIp, vipPort, protocol: 'udp', clientIpNum: src, ...(dst >= 0 ? { vipIpNum: dst } : {}) };
    const d = this.deps.balancer.select(this.binding.vipClass, flow);
    if (d.kind !== 'server') {
      budget?.release();
      this.counters.dropped++;
      return undefined;
    }
    this.counters.flows++;
    this.counters.active++;
    const decision = d;
    this.deps.balancer.open(decision);
    const f: UdpFlow = {
      key,
      clientIp: rinfo.address,
      clientPort: rinfo.port,
      flow,
      decision,
      socket: this.deps.net.udpSocket(),
      ready: false,
      pending: [],
      idle: new IdleTimer(this.deps.clock, this.deps.timeouts.udpIdleMs, () => {
        this.counters.idleTimeouts++;
        this.endFlow(f);
      }),
      ended: false,
      slot: budget !== undefined,
    };
    this.flows.set(key, f);
    this.openUpstream(f, true);
    return f;
  }

  private openUpstream(f: UdpFlow, bindClient: boolean): void {
    const local = bindClient ? upstreamLocalAddress(this.deps.transparency, f.clientIp) : undefined;
    const s = f.socket;
    const onBindError = (err: NodeJS.ErrnoException): void => {
      if (f.ended) return;
      s.close();
      if (local !== undefined && (err.code === 'EADDRNOTAVAIL' || err.code === 'EINVAL')) {
        this.counters.transparencyFallbacks++;
        if (!this.warnedFallback) {
          this.warnedFallback = true;
          this.deps.logger.warn({ vip: this.binding.vipClass, client: f.clientIp, code: err.code }, 'transparency: cannot bind the client address here; UDP flows like this use the host address');
        }
        f.socket = this.deps.net.udpSocket();
        this.openUpstream(f, false);
        return;
      }
      this.endFlow(f);
    };
    s.once('error', onBindError);
    s.bind({ port: 0, ...(local !== undefined ? { address: local } : {}) }, () => {
      if (f.ended) return;
      // Connected: the kernel accepts replies only from the chosen real.
      s.connect(f.decision.port, f.decision.address, () => {
        s.off('error', onBindError);
        s.on('error', () => {
          // ICMP port unreachable from the real surfaces here: a live-traffic failure.
          this.counters.connectFailures++;
          this.deps.balancer.reportFailure(f.decision);
          this.endFlow(f);
        });
        s.on('message', (reply) => this.onReply(f, reply));
        if (f.ended) return;
        f.ready = true;
        for (const m of f.pending.splice(0)) this.sendUp(f, m);
      });
    });
  }

  // One callback per listener, not a closure per datagram (the hot path at tens of thousands per second).
  private readonly sentUp = (err: Error | null): void => {
    if (err) this.counters.datagramsDropped++;
    else this.counters.datagramsOut++;
  };

  private readonly sentReply = (err: Error | null): void => {
    if (err) this.counters.datagramsDropped++;
    else this.counters.repliesOut++;
  };

  private sendUp(f: UdpFlow, msg: Buffer): void {
    f.socket.send(msg, this.sentUp);
  }

  private onReply(f: UdpFlow, reply: Buffer): void {
    if (f.ended || this.vip === undefined) return;
    f.idle.touch();
    if (f.informIds !== undefined && f.informIds.size > 0) reply = relaySnmpReply(reply, f.clientIp, f.informIds);
    this.vip.send(reply, f.clientPort, f.clientIp, this.sentReply);
    // udp-fast-age: one request, one reply (DNS-like); the next datagram is a new flow.
    if (this.binding.udpFastAge) this.endFlow(f);
  }

  private endFlow(f: UdpFlow): void {
    if (f.ended) return;
    f.ended = true;
    f.idle.stop();
    f.pending.length = 0;
    try {
      f.socket.close();
    } catch {
      // already closed
    }
    this.flows.delete(f.key);
    this.counters.active--;
    if (f.slot) this.deps.budget?.release();
    this.deps.balancer.close(f.decision);
  }

  onRealLeftService(farm: string, rserver: string): void {
    for (const f of [...this.flows.values()]) {
      const d = f.decision;
      if (d.farm !== farm || d.rserver !== rserver) continue;
      // purge and reassign both end the flow; the client's next datagram is a new flow
      // and the Balancer (whose sticky entry for the real is gone) picks a serving real.
      if (this.deps.balancer.existingFlowAction(d, f.flow).kind !== 'keep') this.endFlow(f);
    }
  }

  async close(_drainMs: number): Promise<void> {
    this.closing = true;
    for (const f of [...this.flows.values()]) this.endFlow(f);
    const s = this.vip;
    this.vip = undefined;
    if (s) await new Promise<void>((r) => {
      try {
        s.close(() => r());
      } catch {
        r();
      }
    });
  }
}
