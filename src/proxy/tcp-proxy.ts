// L4 TCP VIP listener: one upstream connection per client connection to the
// Balancer's choice, piped both ways with backpressure and half-close; resets
// cross in both directions. Invariants: Balancer.open/close are called exactly
// once per upstream attempt, open at selection (so a burst of SYNs cannot slip
// past conn-limit while the connects are in flight); a client is never left
// half-served — every failure path ends in a reset. Timebase: injected Clock (connect, idle, drain).
import type { Socket } from 'node:net';
import type { ServerDecision, Flow } from '../farm/types.js';
import type { CancelTimer } from '../core/clock.js';
import { IdleTimer } from './idle-timer.js';
import { proxyProtocolV1, upstreamLocalAddress } from './transparency.js';
import { admitTcp, resetSocket } from './tcp-admission.js';
import { newCounters, type ProxyDeps, type VipBinding, type VipListener } from './types.js';
import type { TcpServerHandle } from './net-ports.js';

interface Conn {
  client: Socket;
  upstream: Socket | undefined;
  flow: Flow;
  /** A private copy: the Balancer may reuse its decision objects. */
  decision: ServerDecision | undefined;
  opened: boolean;
  /** Balancer.open was called for `decision` and close is still owed. */
  counted: boolean;
  clientClosed: boolean;
  upstreamClosed: boolean;
  finished: boolean;
  idle: IdleTimer | undefined;
}

/** Sends RST and destroys; safe on sockets that are already gone. */
export { resetSocket } from './tcp-admission.js';

export class TcpVipListener implements VipListener {
  readonly counters = newCounters();
  private readonly conns = new Set<Conn>();
  private server: TcpServerHandle | undefined;
  private closing = false;
  private warnedFallback = false;

  constructor(
    readonly binding: VipBinding,
    private readonly deps: ProxyDeps,
  ) {}

  async listen(): Promise<{ address: string; port: number }> {
    this.server = await this.deps.net.listenTcp(this.binding.address, this.binding.port, (s) => this.accept(s));
    return { address: this.server.address, port: this.server.port };
  }

  // ---------------------------------------------------------------- new flows

  private accept(client: Socket): void {
    const flow = admitTcp(client, this.binding, this.deps, this.counters, this.closing);
    if (flow === undefined) return;
    const d = this.deps.balancer.select(this.binding.vipClass, flow);
    if (d.kind !== 'server') {
      // drop → RST (§6.2); forward has no original destination to route to behind a proxy.
      this.counters.dropped++;
      this.deps.logger.debug({ vip: this.binding.vipClass, client: `${flow.clientIp}:${flow.clientPort}`, decision: d }, 'flow not load-balanced');
      resetSocket(client);
      return;
    }
    const c: Conn = { client, upstream: undefined, flow, decision: d, opened: false, counted: false, clientClosed: false, upstreamClosed: false, finished: false, idle: undefined };
    this.conns.add(c);
    this.counters.active++;
    this.count(c);
    client.once('close', () => {
      c.clientClosed = true;
      // A client gone before the upstream connected: abandon the attempt.
      if (!c.opened) c.upstream?.destroy();
      this.maybeFinish(c);
    });
    this.connect(c, c.decision!, false, true);
  }

  private connect(c: Conn, d: ServerDecision, retried: boolean, bindClient: boolean): void {
    const { clock, net, timeouts } = this.deps;
    const local = bindClient ? upstreamLocalAddress(this.deps.transparency, c.flow.clientIp) : undefined;
    const up = net.connectTcp({ host: d.address, port: d.port, ...(local !== undefined ? { localAddress: local } : {}) });
    c.upstream = up;
    c.upstreamClosed = false;
    let connected = false;
    // A deadline (judged after the ready I/O): a connect that completed in time is no timeout on a late loop.
    let cancelTimer: CancelTimer | undefined = clock.setDeadline(timeouts.connectTimeoutMs, () => {
      cancelTimer = undefined;
      if (!connected) up.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    });
    const onEarlyError = (err: NodeJS.ErrnoException): void => {
      if (connected) return;
      cancelTimer?.();
      cancelTimer = undefined;
      up.destroy();
      if (c.clientClosed || this.closing) {
        this.maybeFinish(c);
        return;
      }
      if (local !== undefined && (err.code === 'EADDRNOTAVAIL' || err.code === 'EINVAL')) {
        // The host does not own the client's address: serve the flow without transparency rather than not at all.
        this.counters.transparencyFallbacks++;
        if (!this.warnedFallback) {
          this.warnedFallback = true;
          this.deps.logger.warn({ vip: this.binding.vipClass, client: c.flow.clientIp, code: err.code }, 'transparency: cannot bind the client address here; this flow and others like it use the host address');
        }
        this.connect(c, d, retried, false);
        return;
      }
      this.counters.connectFailures++;
      this.uncount(c);
      this.deps.balancer.reportFailure(d);
      this.deps.logger.debug({ vip: this.binding.vipClass, rserver: d.rserver, address: `${d.address}:${d.port}`, code: err.code }, 'upstream connect failed');
      if (!retried) {
        // Connect-failure reassign, once (§11.1): the Balancer re-points the sticky entry.
        const r = this.deps.balancer.reselect(c.flow, d);
        if (r.kind === 'server') {
          this.counters.reassigned++;
          c.decision = { ...r };
          this.count(c);
          this.connect(c, c.decision, true, bindClient);
          return;
        }
      }
      this.counters.resets++;
      resetSocket(c.client);
    };
    up.on('error', onEarlyError);
    up.once('close', () => {
      if (c.upstream !== up) return;
      c.upstreamClosed = true;
      this.maybeFinish(c);
    });
    up.once('connect', () => {
      connected = true;
      cancelTimer?.();
      cancelTimer = undefined;
      if (c.clientClosed || this.closing) {
        resetSocket(up);
        return;
      }
      this.established(c, up);
    });
  }

  private established(c: Conn, up: Socket): void {
    const { client } = c;
    c.opened = true;
    c.idle = new IdleTimer(this.deps.clock, this.deps.timeouts.tcpIdleMs, () => {
      this.counters.idleTimeouts++;
      this.resetBoth(c);
    });
    if (this.deps.transparency === 'proxy-protocol') up.write(proxyProtocolV1(c.flow.clientIp, c.flow.clientPort, c.flow.vipIp, c.flow.vipPort));
    // A reset on one side is a reset on the other (ECONNRESET arrives as 'error').
    client.on('error', () => this.peerReset(c, up));
    up.on('error', () => this.peerReset(c, client));
    const touch = (): void => c.idle?.touch();
    client.on('data', touch);
    up.on('data', touch);
    // pipe(): backpressure both ways; the source's FIN ends the destination (half-close).
    client.pipe(up);
    up.pipe(client);
    client.resume();
  }

  private peerReset(c: Conn, other: Socket): void {
    if (other.destroyed) return;
    this.counters.resets++;
    resetSocket(other);
    c.idle?.stop();
  }

  private resetBoth(c: Conn): void {
    this.counters.resets++;
    c.idle?.stop();
    resetSocket(c.client);
    resetSocket(c.upstream);
  }

  private maybeFinish(c: Conn): void {
    if (c.finished) return;
    // Both sides closed, or the client gone while no upstream is live.
    const upstreamGone = c.upstream === undefined || c.upstreamClosed || c.upstream.destroyed;
    if (!(c.clientClosed && upstreamGone)) {
      // One side closed cleanly: make sure the other does not linger open forever.
      if (c.clientClosed && c.opened && c.upstream && !c.upstream.writableEnded) c.upstream.end();
      if (c.upstreamClosed && c.opened && !c.client.writableEnded) c.client.end();
      return;
    }
    c.finished = true;
    c.idle?.stop();
    this.conns.delete(c);
    this.counters.active--;
    this.uncount(c);
  }

  private count(c: Conn): void {
    if (c.counted || !c.decision) return;
    c.counted = true;
    this.deps.balancer.open(c.decision);
  }

  private uncount(c: Conn): void {
    if (!c.counted || !c.decision) return;
    c.counted = false;
    this.deps.balancer.close(c.decision);
  }

  // ---------------------------------------------------------------- failaction, shutdown

  onRealLeftService(farm: string, rserver: string): void {
    for (const c of this.conns) {
      const d = c.decision;
      if (!d || !c.opened || d.farm !== farm || d.rserver !== rserver) continue;
      const a = this.deps.balancer.existingFlowAction(d, c.flow);
      // An established TCP stream cannot change servers mid-byte-stream: reassign to a
      // backup-rserver ends like purge (on the ACE the backup would answer with RST too).
      if (a.kind !== 'keep') this.resetBoth(c);
    }
  }

  async close(drainMs: number): Promise<void> {
    this.closing = true;
    const closed = this.server?.close();
    // FIN both ways; give flows drainMs to finish, then reset what remains.
    for (const c of this.conns) {
      if (!c.opened) {
        resetSocket(c.client);
        resetSocket(c.upstream);
        continue;
      }
      c.client.end();
      c.upstream?.end();
    }
    const deadline = this.deps.clock.monotonicNow() + drainMs;
    while (this.conns.size > 0 && this.deps.clock.monotonicNow() < deadline) {
      await new Promise<void>((r) => this.deps.clock.setTimer(Math.min(50, drainMs), r));
    }
    for (const c of [...this.conns]) this.resetBoth(c);
    await closed;
  }
}
