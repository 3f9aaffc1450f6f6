// Composition root of one running balancer: Model + ports (Clock, NetPorts,
// Prober, logger) → probe engine, Balancer fed by its verdicts, and a VIP
// listener per planned (address, protocol, port). Invariants: start() never
// throws for config or socket problems (they come back as warnings/failures);
// stop() always releases every socket and timer within drainMs plus a tick.
// Timebase: the injected Clock (RealClock for `acesim run`).
import type { ContextModel, Model } from '../config/model.js';
import type { StickyStore } from '../sticky/sticky-store.js';
import type { Clock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { Balancer, type BalancerEvent } from '../farm/balancer.js';
import { planProbeInstances, memberFailOnAll } from '../probes/instances.js';
import { attachProbeNotifier, slbRealTrapsEnabled, SnmpTrapSender, trapTargets, type TrapTarget } from '../probes/notify.js';
import { vipTrapHandler } from '../farm/vip-traps.js';
import type { ProbeOptions } from '../probes/options.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { NodeProber } from '../probes/probers/node-prober.js';
import type { ProbeEvent, ProbeInstance, Prober } from '../probes/types.js';
import { aclGate } from '../proxy/acl.js';
import { nodeNetPorts, type NetPorts } from '../proxy/net-ports.js';
import { HttpVipListener } from '../proxy/http-proxy.js';
import { TcpVipListener } from '../proxy/tcp-proxy.js';
import { defaultTransparency, type TransparencyMode } from '../proxy/transparency.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HTTP_HEADER_MS,
  DEFAULT_TCP_IDLE_MS,
  DEFAULT_UDP_IDLE_MS,
  NULL_LOGGER,
  type HttpCounters,
  type ListenerCounters,
  type ProxyDeps,
  type ProxyLogger,
  type ProxyTimeouts,
  type VipBinding,
  type VipListener,
} from '../proxy/types.js';
import { UdpVipListener } from '../proxy/udp-proxy.js';
import { ConnectionBudget } from '../proxy/conn-budget.js';
import { applyConcConnections, concConnectionLimit } from './conc-connections.js';
import { BalancerSwitch } from './balancer-switch.js';
import { applyReload, rebind, type LiveListener, type ReloadApplied, type ReloadHost } from './reload.js';
import { pickContext, planVipListeners, snmpRelayFor, type PlannedListener, type SnmpPlanOptions } from './vip-plan.js';

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
  /** Else a prober chosen by the number of probe instances the context plans (`--probe-threads auto`). */
  proberFor?: (instances: number) => Prober;
  probeOptions?: Partial<ProbeOptions>;
  /** Default: bind-client when every VIP is on loopback, else none (with a warning). */
  transparency?: TransparencyMode;
  timeouts?: Partial<ProxyTimeouts>;
  /** How long stop() lets connections finish before resetting them. */
  drainMs?: number;
  maxListenersPerRange?: number;
  maxUdpFlows?: number;
  /** Concurrent connections over all VIPs; default from the context's resource class (conc-connections), else unlimited. Set here, a reload keeps it. */
  maxConnections?: number;
  /** UDP flows take a conc-connections slot as TCP connections do (default true: the ACE's connection table holds UDP flows too; unconfirmed). */
  concConnectionsCountUdp?: boolean;
  /** Serve every TCP VIP except the HTTPS port with the L7 HTTP proxy (`acesim run --l7`); else only VIPs whose policy needs it. */
  l7?: boolean;
  /** The HTTPS port in the mapped model (443 + port offset): always L4 passthrough. Default 443. */
  httpsPort?: number;
  /** SNMP-aware UDP relay: its ports in the mapped model (default 161/162) and where to add snmpTrapAddress.0. */
  snmp?: SnmpPlanOptions;
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

/** One listener's live counters; `http` for L7 listeners only. */
export interface ListenerCountersView {
  info: ListenerInfo;
  counters: Readonly<ListenerCounters>;
  http?: Readonly<HttpCounters>;
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
  /** Routes the data plane to the current Balancer (a hot reload swaps it). */
  readonly balancers: BalancerSwitch;
  readonly probes: ProbeEngine;
  readonly probeBus: EventBus<ProbeEvent>;
  readonly farmBus: EventBus<BalancerEvent>;
  readonly transparency: TransparencyMode;
  /** The context's conc-connections budget (limit Infinity: unlimited); outlives FT role changes, a reload sets its limit. */
  readonly budget: ConnectionBudget;
  private readonly listeners: LiveListener[] = [];
  private plan: PlannedListener[];
  private readonly detach = { detachBalancer: (): void => {}, detachNotifier: (): void => {} };
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly warnings: string[];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logger: ProxyLogger;
  private readonly line: (s: string) => void;
  private started = false;
  private stopped = false;
  private serving = false;
  private stopping: Promise<void> | undefined;
  private instances: ProbeInstance[];
  /** Balancers a reload replaced, weakly: alive only while flows they decided are. */
  private readonly retired = new Set<WeakRef<Balancer>>();

  constructor(
    /** The running context; a hot reload replaces it. */
    public context: ContextModel,
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
    const limit = opts.maxConnections ?? concConnectionLimit(opts.model, context.name) ?? Infinity;
    this.budget = new ConnectionBudget(limit);
    const onListenerError = (err: unknown): void => this.logger.warn({ err: String(err) }, 'event listener failed');
    this.probeBus = new EventBus<ProbeEvent>(clock, onListenerError);
    this.farmBus = new EventBus<BalancerEvent>(clock, onListenerError);
    this.balancers = new BalancerSwitch(new Balancer({ context, clock, bus: this.farmBus }));
    // Planned here, once: the prober may depend on how many there are; a reload replans with its context.
    this.instances = planProbeInstances(context);
    this.probes = new ProbeEngine({
      clock,
      prober: opts.prober ?? opts.proberFor?.(this.instances.length) ?? new NodeProber({ clock, ...(opts.probeOptions ? { options: opts.probeOptions } : {}) }),
      bus: this.probeBus,
      logger: this.logger,
      ...(opts.probeOptions ? { options: opts.probeOptions } : {}),
    });
  }

  /** The Balancer deciding new flows now. */
  get balancer(): Balancer {
    return this.balancers.current;
  }

  /**
   * Wires probes → balancer → proxies; then, unless `passive`, opens every
   * listener and starts probing. A passive runtime (an FT standby) keeps its
   * balancer and sticky tables but serves nothing until activate().
   */
  async start(opts: { passive?: boolean } = {}): Promise<StartResult> {
    if (this.started) throw new Error('BalancerRuntime.start() called twice');
    this.started = true;
    const ctx = this.context;
    this.detach.detachBalancer = this.balancer.attachProbes(this.probeBus);
    this.unsubscribe.push(
      this.farmBus.on('real.state', (e) => this.line(`rserver ${e.rserver} ${e.address}:${e.port || '-'} in ${e.farm}: ${e.from} -> ${e.to} (${e.reason})`)),
      this.farmBus.on('farm.state', (e) => this.line(`serverfarm ${e.farm}: ${e.from} -> ${e.to} (${e.operational}/${e.total} operational)`)),
      this.farmBus.on('vip.state', (e) => this.line(`VIP ${e.vip} (${e.policy}): ${e.from} -> ${e.to}`)),
      // failaction purge/reassign for flows already on a real that left service (§3.5).
      this.farmBus.on('real.failaction', (e) => {
        for (const l of this.listeners) l.listener.onRealLeftService(e.farm, e.rserver);
      }),
    );
    this.detach.detachNotifier = this.attachNotifier(ctx, this.instances);
    const result: StartResult = { listeners: [], failures: [], warnings: [...this.warnings], transparency: this.transparency };
    for (const w of result.warnings) this.logger.warn({}, w);
    if (opts.passive) return result;
    const opened = await this.activate();
    result.listeners = opened.listeners;
    result.failures = opened.failures;
    return result;
  }

  /** True while the VIPs are served (listeners open, probes running). */
  get active(): boolean {
    return this.serving;
  }

  /**
   * Starts serving: probes restart from INIT (the ACE re-probes after a
   * takeover and counts INIT reals as operational, §7.4/§4.5) and every VIP
   * listener opens. A listener whose address is still held (the old active's
   * socket, a cut FT link) is retried every bindRetryMs for bindRetryForMs.
   */
  async activate(bind: { retryForMs?: number; retryMs?: number } = {}): Promise<Pick<StartResult, 'listeners' | 'failures'>> {
    const out: Pick<StartResult, 'listeners' | 'failures'> = { listeners: [], failures: [] };
    if (this.serving || this.stopped) return out;
    this.serving = true;
    const { clock } = this.opts;
    for (const inst of this.instances) this.balancer.setProbeHealth(inst.key.farm, inst.key.rserver, inst.key.port, inst.key.probe, inst.enabled ? 'INIT' : 'DISABLED');
    const timeouts: ProxyTimeouts = {
      tcpIdleMs: this.opts.timeouts?.tcpIdleMs ?? DEFAULT_TCP_IDLE_MS,
      udpIdleMs: this.opts.timeouts?.udpIdleMs ?? DEFAULT_UDP_IDLE_MS,
      connectTimeoutMs: this.opts.timeouts?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      httpHeaderMs: this.opts.timeouts?.httpHeaderMs ?? DEFAULT_HTTP_HEADER_MS,
    };
    const base: Omit<ProxyDeps, 'transparency'> = { clock, net: this.opts.net ?? nodeNetPorts, balancer: this.balancers, logger: this.logger, timeouts, budget: this.budget };
    const deadline = clock.monotonicNow() + (bind.retryForMs ?? 0);
    this.base = base;
    for (const p of this.plan) {
      for (;;) {
        const live = this.makeListener(p);
        const { listener, info } = live;
        try {
          const a = await listener.listen();
          Object.assign(info, { address: a.address, port: a.port });
          if (!this.serving) {
            await listener.close(0).catch(() => {}); // deactivated while binding
            break;
          }
          this.listeners.push(live);
          out.listeners.push(info);
          this.line(`VIP ${p.vipClass} ${p.protocol} ${a.address}:${a.port} listening${p.l7 ? ' L7 http' : ''} (policy ${p.policy}, vlan ${p.vlans.join(',')}, farm ${p.farms.join(', ') || '-'})`);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? String(err);
          if (code === 'EADDRINUSE' && this.serving && clock.monotonicNow() < deadline) {
            await new Promise<void>((r) => clock.setTimer(bind.retryMs ?? 50, r));
            continue;
          }
          out.failures.push({ vip: p.vipClass, protocol: p.protocol, address: p.address, port: p.port, error: code });
          this.line(`VIP ${p.vipClass} ${p.protocol} ${p.address}:${p.port} NOT listening: ${code}`);
          break;
        }
      }
    }
    if (!this.serving) return out;
    for (const f of this.balancer.snapshotFarms()) {
      for (const r of f.reals) this.line(`rserver ${r.rserver} ${r.address}:${r.port || '-'} in ${f.name}: ${r.state}`);
    }
    this.probes.start(this.instances);
    return out;
  }

  private base: Omit<ProxyDeps, 'transparency'> | undefined;

  /** A listener for one plan row; its binding and HTTP parse length are held so a reload can retarget it. */
  private makeListener(p: PlannedListener): LiveListener {
    const base = this.base!;
    const binding: VipBinding = { vipClass: p.vipClass, address: p.address, port: p.port, protocol: p.protocol, acl: aclGate(p.acls), udpFastAge: p.udpFastAge };
    let parseLimit = p.parseLimit;
    const listener: VipListener = p.l7
      ? new HttpVipListener(binding, { ...base, transparency: this.transparency === 'proxy-protocol' ? 'none' : this.transparency }, { parseLimit: () => parseLimit })
      : p.protocol === 'tcp'
        ? new TcpVipListener(binding, { ...base, transparency: this.transparency })
        : this.makeUdpListener(p, binding, base);
    const live: LiveListener = {
      info: { vip: p.vipClass, protocol: p.protocol, address: p.address, port: p.port, ...(p.l7 ? { l7: true } : {}) },
      planned: p,
      listener,
      retarget: (np) => {
        rebind(binding, np, aclGate(np.acls));
        parseLimit = np.parseLimit;
        live.planned = np;
        live.info.vip = np.vipClass;
      },
    };
    return live;
  }

  private makeUdpListener(p: PlannedListener, binding: VipBinding, base: Omit<ProxyDeps, 'transparency'>): UdpVipListener {
    const snmp = snmpRelayFor(p, this.opts.snmp);
    const { budget: _notCounted, ...uncounted } = base;
    const deps = this.opts.concConnectionsCountUdp === false ? uncounted : base;
    return new UdpVipListener(binding, { ...deps, transparency: this.transparency === 'proxy-protocol' ? 'none' : this.transparency }, { ...(this.opts.maxUdpFlows !== undefined ? { maxFlows: this.opts.maxUdpFlows } : {}), ...(snmp ? { snmp } : {}) });
  }

  private attachNotifier(ctx: ContextModel, instances: ProbeInstance[]): () => void {
    const targets = trapTargets(ctx);
    const detachProbes = this.attachProbeNotifier(ctx, instances, targets);
    // VIP-state traps (ciscoSlbVServerStateChange) when `slb vserver` traps are enabled.
    const vipTargets = trapTargets(ctx, 'vserver');
    if (vipTargets.length === 0) return detachProbes;
    const order = vipClassOrder(ctx);
    const detachVips = this.farmBus.on('vip.state', vipTrapHandler(new SnmpTrapSender(vipTargets, this.logger), (vip) => order.get(vip) ?? 0));
    return () => {
      detachProbes();
      detachVips();
    };
  }

  private attachProbeNotifier(ctx: ContextModel, instances: ProbeInstance[], targets: TrapTarget[]): () => void {
    return attachProbeNotifier({
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
    });
  }

  /**
   * Hot reload (SIGHUP, `acesim reload`) to a model the caller compiled without
   * errors; see reload.ts. Reloads run one at a time.
   */
  reload(model: Model): Promise<{ ok: true; applied: ReloadApplied } | { ok: false; message: string }> {
    const run = async (): Promise<{ ok: true; applied: ReloadApplied } | { ok: false; message: string }> => {
      if (!this.started || this.stopped || this.stopping) return { ok: false, message: 'the balancer is not running' };
      const next = pickContext(model.contexts, this.context.name);
      if (!next) return { ok: false, message: `the new config has no context "${this.context.name}" with VIPs` };
      // The resource class is the Admin context's (the whole model), not the running context's.
      const limitChange = this.opts.maxConnections === undefined ? applyConcConnections(this.budget, concConnectionLimit(model, next.name) ?? Infinity) : undefined;
      const applied = await applyReload(this.reloadHost(), next, this.detach);
      if (limitChange !== undefined) applied.changes.push(limitChange);
      for (const c of applied.changes) this.line(`reload: ${c}`);
      for (const f of applied.failures) this.line(`reload: NOT listening: ${f}`);
      return { ok: true, applied };
    };
    const p = this.reloading.then(run, run);
    this.reloading = p;
    return p;
  }

  private reloadHost(): ReloadHost {
    const self = this;
    const o = this.opts;
    const planOpts = { ...(o.maxListenersPerRange !== undefined ? { maxPerRange: o.maxListenersPerRange } : {}), ...(o.l7 ? { forceL7: true } : {}), ...(o.httpsPort !== undefined ? { httpsPort: o.httpsPort } : {}) };
    return {
      get context() {
        return self.context;
      },
      set context(c: ContextModel) {
        self.context = c;
      },
      get instances() {
        return self.instances;
      },
      set instances(i: ProbeInstance[]) {
        self.instances = i;
      },
      get plan() {
        return self.plan;
      },
      set plan(p: PlannedListener[]) {
        self.plan = p;
      },
      serving: this.serving,
      balancers: this.balancers,
      probes: this.probes,
      listeners: this.listeners,
      drainMs: o.drainMs ?? DEFAULT_DRAIN_MS,
      planListeners: (ctx) => planVipListeners(ctx, planOpts),
      planInstances: (ctx) => planProbeInstances(ctx),
      buildBalancer: (ctx, store?: StickyStore) => {
        // Silent until go(): seeding the last probe verdicts is not a state change anyone should see.
        let live = false;
        const bus = { publish: (e: BalancerEvent): void => void (live && this.farmBus.publish(e)) };
        const balancer = new Balancer({ context: ctx, clock: o.clock, bus, ...(store ? { store } : {}) });
        return { balancer, go: () => void (live = true) };
      },
      attachBalancer: (b) => b.attachProbes(this.probeBus),
      attachNotifier: (ctx, instances) => this.attachNotifier(ctx, instances),
      retire: (b) => {
        for (const r of this.retired) if (r.deref() === undefined) this.retired.delete(r);
        this.retired.add(new WeakRef(b));
      },
      openListener: async (p) => {
        const live = this.makeListener(p);
        try {
          const a = await live.listener.listen();
          Object.assign(live.info, { address: a.address, port: a.port });
          this.line(`VIP ${p.vipClass} ${p.protocol} ${a.address}:${a.port} listening${p.l7 ? ' L7 http' : ''} (policy ${p.policy}, vlan ${p.vlans.join(',')}, farm ${p.farms.join(', ') || '-'})`);
          return live;
        } catch (err) {
          return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
        }
      },
    };
  }

  /** Stops serving (an FT member leaving ACTIVE): listeners close after drainMs, probes stop; sticky tables stay. */
  async deactivate(drainMs = 0): Promise<void> {
    if (!this.serving) return;
    this.serving = false;
    const ls = this.listeners.splice(0);
    this.probes.stop();
    await Promise.all(ls.map((l) => l.listener.close(drainMs).catch(() => {})));
  }

  /** Per-listener counters (for show commands, tests and the lab). */
  counters(): ListenerCountersView[] {
    return this.listeners.map((l) => (l.listener.http ? { info: l.info, counters: l.listener.counters, http: l.listener.http } : { info: l.info, counters: l.listener.counters }));
  }

  /** Closes listeners, drains connections (bounded by drainMs), stops probes and timers. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.deactivate(this.opts.drainMs ?? DEFAULT_DRAIN_MS);
      this.stopped = true;
      this.detach.detachBalancer();
      this.detach.detachNotifier();
      for (const u of this.unsubscribe.splice(0)) u();
      this.balancer.dispose();
      // A replaced balancer's last flows may have re-armed a resume or sweep timer after its reload.
      for (const r of this.retired) r.deref()?.dispose();
      this.retired.clear();
    })();
    return this.stopping;
  }
}

/** slbVServerIndex per VIP class: its 1-based position among the multi-match classes, first definition wins. */
function vipClassOrder(ctx: ContextModel): Map<string, number> {
  const out = new Map<string, number>();
  for (const pm of ctx.policyMaps) {
    if (pm.type !== 'multi-match') continue;
    for (const c of pm.classes) if (!out.has(c.classMap.name)) out.set(c.classMap.name, out.size + 1);
  }
  return out;
}
