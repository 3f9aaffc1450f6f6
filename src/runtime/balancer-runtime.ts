// Composition root of one running balancer: Model + ports (Clock, NetPorts,
// Prober, logger) → probe engine, Balancer fed by its verdicts, and a VIP
// listener per planned (address, protocol, port). Invariants: start() never
// throws for config or socket problems (they come back as warnings/failures);
// stop() always releases every socket and timer within drainMs plus a tick.
// Timebase: the injected Clock (RealClock for `acesim run`).
import type { ContextModel, Model } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { Balancer, type BalancerEvent } from '../farm/balancer.js';
import { planProbeInstances, memberFailOnAll } from '../probes/instances.js';
import { attachProbeNotifier, slbRealTrapsEnabled, SnmpTrapSender, trapTargets } from '../probes/notify.js';
import type { ProbeOptions } from '../probes/options.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { NodeProber } from '../probes/probers/node-prober.js';
import type { ProbeEvent, Prober } from '../probes/types.js';
import { aclGate } from '../proxy/acl.js';
import { nodeNetPorts, type NetPorts } from '../proxy/net-ports.js';
import { HttpVipListener } from '../proxy/http-proxy.js';
import { compileInsertRules } from '../proxy/http-policy.js';
import { TcpVipListener } from '../proxy/tcp-proxy.js';
import { defaultTransparency, type TransparencyMode } from '../proxy/transparency.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TCP_IDLE_MS,
  DEFAULT_UDP_IDLE_MS,
  NULL_LOGGER,
  type ListenerCounters,
  type ProxyDeps,
  type ProxyLogger,
  type ProxyTimeouts,
  type VipListener,
} from '../proxy/types.js';
import { UdpVipListener } from '../proxy/udp-proxy.js';
import { pickContext, planVipListeners, type PlannedListener } from './vip-plan.js';

export const DEFAULT_DRAIN_MS = 5_000;

export interface RuntimeOptions {
  model: Model;
  /** Context to run; default the first with VIPs. */
  context?: string;
  clock: Clock;
  logger?: ProxyLogger;
  net?: NetPorts;
  /** Default: the real-socket NodeProber. */
  prober?: Prober;
  probeOptions?: Partial<ProbeOptions>;
  /** Default: bind-client when every VIP is on loopback, else none (with a warning). */
  transparency?: TransparencyMode;
  timeouts?: Partial<ProxyTimeouts>;
  /** How long stop() lets connections finish before resetting them. */
  drainMs?: number;
  maxListenersPerRange?: number;
  maxUdpFlows?: number;
  /** Serve every TCP VIP except the HTTPS port with the L7 HTTP proxy (`acesim run --l7`); else only VIPs whose policy needs it. */
  l7?: boolean;
  /** The HTTPS port in the mapped model (443 + port offset): always L4 passthrough. Default 443. */
  httpsPort?: number;
  /** Operator-facing lines (listeners, real states, ACE syslog); the CLI prints them. */
  onLine?: (line: string) => void;
}

export interface ListenerInfo {
  vip: string;
  protocol: 'tcp' | 'udp';
  /** The L7 HTTP proxy serves it (else L4). */
  l7?: boolean;
  address: string;
  port: number;
}

export interface StartResult {
  listeners: ListenerInfo[];
  /** Listeners that could not bind (address not local, port in use, …). */
  failures: (ListenerInfo & { error: string })[];
  warnings: string[];
  transparency: TransparencyMode;
}

export type CreateResult = { ok: true; runtime: BalancerRuntime } | { ok: false; message: string };

/** Builds a runtime; a missing or VIP-less context is a message, not an exception. */
export function createRuntime(opts: RuntimeOptions): CreateResult {
  const ctx = pickContext(opts.model.contexts, opts.context);
  if (!ctx) {
    return { ok: false, message: opts.context !== undefined ? `no context named "${opts.context}"` : 'no context applies a VIP (class-map with `match virtual-address` in a service-policy)' };
  }
  return { ok: true, runtime: new BalancerRuntime(ctx, opts) };
}

export class BalancerRuntime {
  readonly balancer: Balancer;
  readonly probes: ProbeEngine;
  readonly probeBus: EventBus<ProbeEvent>;
  readonly farmBus: EventBus<BalancerEvent>;
  readonly transparency: TransparencyMode;
  private readonly listeners: { info: ListenerInfo; listener: VipListener }[] = [];
  private readonly plan: PlannedListener[];
  private readonly warnings: string[];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logger: ProxyLogger;
  private readonly line: (s: string) => void;
  private started = false;
  private stopped = false;

  constructor(
    readonly context: ContextModel,
    private readonly opts: RuntimeOptions,
  ) {
    const { clock } = opts;
    this.logger = opts.logger ?? NULL_LOGGER;
    this.line = opts.onLine ?? (() => {});
    const plan = planVipListeners(context, { ...(opts.maxListenersPerRange !== undefined ? { maxPerRange: opts.maxListenersPerRange } : {}), ...(opts.l7 ? { forceL7: true } : {}), ...(opts.httpsPort !== undefined ? { httpsPort: opts.httpsPort } : {}) });
    this.plan = plan.listeners;
    this.warnings = [...plan.warnings];
    if (opts.transparency !== undefined) this.transparency = opts.transparency;
    else {
      const t = defaultTransparency(this.plan.map((l) => l.address));
      this.transparency = t.mode;
      if (t.warning && this.plan.length > 0) this.warnings.push(t.warning);
    }
    if (this.transparency === 'proxy-protocol' && this.plan.some((l) => l.protocol === 'udp')) {
      this.warnings.push('transparency: PROXY protocol exists for TCP only; UDP VIPs forward without the client address (mode none)');
    }
    if (this.transparency === 'proxy-protocol' && this.plan.some((l) => l.l7)) {
      this.warnings.push('transparency: L7 (HTTP) VIPs send no PROXY header; the nodes get the client address in X-Forwarded-For and Forwarded');
    }
    const onListenerError = (err: unknown): void => this.logger.warn({ err: String(err) }, 'event listener failed');
    this.probeBus = new EventBus<ProbeEvent>(clock, onListenerError);
    this.farmBus = new EventBus<BalancerEvent>(clock, onListenerError);
    this.balancer = new Balancer({ context, clock, bus: this.farmBus });
    this.probes = new ProbeEngine({
      clock,
      prober: opts.prober ?? new NodeProber({ clock, ...(opts.probeOptions ? { options: opts.probeOptions } : {}) }),
      bus: this.probeBus,
      logger: this.logger,
      ...(opts.probeOptions ? { options: opts.probeOptions } : {}),
    });
  }

  /** Opens every listener, wires probes → balancer → proxies, starts probing. */
  async start(): Promise<StartResult> {
    if (this.started) throw new Error('BalancerRuntime.start() called twice');
    this.started = true;
    const { clock } = this.opts;
    const ctx = this.context;
    this.unsubscribe.push(this.balancer.attachProbes(this.probeBus));
    this.unsubscribe.push(
      this.farmBus.on('real.state', (e) => this.line(`rserver ${e.rserver} ${e.address}:${e.port || '-'} in ${e.farm}: ${e.from} -> ${e.to} (${e.reason})`)),
      this.farmBus.on('farm.state', (e) => this.line(`serverfarm ${e.farm}: ${e.from} -> ${e.to} (${e.operational}/${e.total} operational)`)),
      // failaction purge/reassign for flows already on a real that left service (§3.5).
      this.farmBus.on('real.failaction', (e) => {
        for (const l of this.listeners) l.listener.onRealLeftService(e.farm, e.rserver);
      }),
    );
    const instances = planProbeInstances(ctx);
    const targets = trapTargets(ctx);
    this.unsubscribe.push(
      attachProbeNotifier({
        bus: this.probeBus,
        instances,
        logger: this.logger,
        syslog: (l) => this.line(l),
        ...(targets.length > 0 && slbRealTrapsEnabled(ctx) ? { traps: new SnmpTrapSender(targets, this.logger) } : {}),
        failOnAll: (farm, rserver, port) => {
          const sf = ctx.serverfarms.find((f) => f.name === farm);
          const m = sf?.members.find((x) => x.rserver.name === rserver && x.port === port);
          return sf !== undefined && m !== undefined && memberFailOnAll(sf, m);
        },
        options: this.probes.options,
      }),
    );

    const timeouts: ProxyTimeouts = {
      tcpIdleMs: this.opts.timeouts?.tcpIdleMs ?? DEFAULT_TCP_IDLE_MS,
      udpIdleMs: this.opts.timeouts?.udpIdleMs ?? DEFAULT_UDP_IDLE_MS,
      connectTimeoutMs: this.opts.timeouts?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    const base: Omit<ProxyDeps, 'transparency'> = { clock, net: this.opts.net ?? nodeNetPorts, balancer: this.balancer, logger: this.logger, timeouts };
    const result: StartResult = { listeners: [], failures: [], warnings: [...this.warnings], transparency: this.transparency };
    for (const p of this.plan) {
      const binding = { vipClass: p.vipClass, address: p.address, port: p.port, protocol: p.protocol, acl: aclGate(p.acls), udpFastAge: p.udpFastAge };
      const listener: VipListener = p.l7
        ? new HttpVipListener(binding, { ...base, transparency: this.transparency === 'proxy-protocol' ? 'none' : this.transparency }, { inserts: compileInsertRules(ctx, p.lbPolicy) })
        : p.protocol === 'tcp'
          ? new TcpVipListener(binding, { ...base, transparency: this.transparency })
          : new UdpVipListener(binding, { ...base, transparency: this.transparency === 'proxy-protocol' ? 'none' : this.transparency }, this.opts.maxUdpFlows !== undefined ? { maxFlows: this.opts.maxUdpFlows } : {});
      try {
        const a = await listener.listen();
        const info: ListenerInfo = { vip: p.vipClass, protocol: p.protocol, address: a.address, port: a.port, ...(p.l7 ? { l7: true } : {}) };
        this.listeners.push({ info, listener });
        result.listeners.push(info);
        this.line(`VIP ${p.vipClass} ${p.protocol} ${a.address}:${a.port} listening${p.l7 ? ' L7 http' : ''} (policy ${p.policy}, vlan ${p.vlans.join(',')}, farm ${p.farms.join(', ') || '-'})`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        result.failures.push({ vip: p.vipClass, protocol: p.protocol, address: p.address, port: p.port, error: code });
        this.line(`VIP ${p.vipClass} ${p.protocol} ${p.address}:${p.port} NOT listening: ${code}`);
      }
    }
    for (const w of result.warnings) this.logger.warn({}, w);
    for (const f of this.balancer.snapshotFarms()) {
      for (const r of f.reals) this.line(`rserver ${r.rserver} ${r.address}:${r.port || '-'} in ${f.name}: ${r.state}`);
    }
    this.probes.start(instances);
    return result;
  }

  /** Per-listener counters (for show commands, tests and the lab). */
  counters(): { info: ListenerInfo; counters: Readonly<ListenerCounters> }[] {
    return this.listeners.map((l) => ({ info: l.info, counters: l.listener.counters }));
  }

  /** Closes listeners, drains connections (bounded by drainMs), stops probes and timers. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const drainMs = this.opts.drainMs ?? DEFAULT_DRAIN_MS;
    await Promise.all(this.listeners.map((l) => l.listener.close(drainMs).catch(() => {})));
    this.probes.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    this.balancer.dispose();
  }
}
