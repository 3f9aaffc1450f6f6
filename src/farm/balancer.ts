// The load-balancing core of one context: real-server runtime state in every
// farm, selection for new flows (policy walk → sticky → primary/backup farm →
// predictor → backup-rserver), connection accounting, probe verdicts, inband
// health, failaction decisions and the read model. Invariants: exactly one
// real per flow; a real that is not OPERATIONAL never gets a load-balanced
// flow (STANDBY only as a backup-rserver or via a sticky hit); state changes
// go through the pure reducers in real-state.ts and are published as events.
// Timebase: the injected Clock (monotonic ms); resume-service timers and the
// sticky sweep are the only timers.
import type { AdminState, ClassMap, ContextModel, LbAction, PersistenceRebalance, PolicyMap, Rserver, Serverfarm, StickyGroup, VipClass } from '../config/model.js';
import { httpParametersOf, INBAND_RESET_MS, persistenceRebalanceOf } from '../config/defaults.js';
import type { Clock } from '../core/clock.js';
import type { ProbeEvent, ProbeHealth } from '../probes/types.js';
import type { EventSink, StickyEvent } from '../sticky/events.js';
import { parseMask } from '../sticky/ip.js';
import { formatIpv4, parseIpv4 } from '../core/ipv4.js';
import { StickyStore, type StickyCounters, type StickyEntrySnapshot } from '../sticky/sticky-store.js';
import type { FarmEvent, FarmState, VipState } from './events.js';
import { FarmRuntime, MemberRuntime, usableAsBackup } from './farm-runtime.js';
import { compileClassMap, type MatchOptions, type Matcher } from './policy.js';
import {
  INBAND_IDLE,
  inbandResumeChange,
  initialCondition,
  isOutOfService,
  probesFailed,
  type RealInput,
  stepInbandFailure,
  stepReal,
} from './real-state.js';
import type { Decision, ExistingFlowAction, Flow, HeaderInsert, HttpRequestInfo, PickInput, RealToken, ServerDecision } from './types.js';

export type BalancerEvent = FarmEvent | StickyEvent;

type LbPolicy = Extract<PolicyMap, { type: 'loadbalance' }>;

export interface BalancerOptions {
  context: ContextModel;
  clock: Clock;
  /** Receives FarmEvent and StickyEvent (an EventBus whose union includes both). */
  bus?: EventSink<BalancerEvent>;
  /** Sticky capacity for the context (default 4,000,000). Ignored when `store` is given. */
  stickyCapacity?: number;
  /** Share a sticky store (e.g. one per box); default: a new one. */
  store?: StickyStore;
}

export type { VipState };

export interface RealSnapshot {
  rserver: string;
  address: string;
  /** Member port; 0 when the member keeps the VIP port. */
  port: number;
  weight: number;
  state: RealToken;
  current: number;
  total: number;
  failures: number;
  stateSinceMs: number;
  admin: AdminState;
  backup?: { rserver: string; port: number };
  maxConns?: number;
  minConns?: number;
  probes: { probe: string; health: ProbeHealth }[];
}

export interface FarmSnapshot {
  name: string;
  state: FarmState;
  predictor: string;
  failaction: string;
  totalRservers: number;
  activeRservers: number;
  partialThreshold?: { thresholdPct: number; backInservicePct: number };
  failovers: number;
  backInservice: number;
  reals: RealSnapshot[];
}

export interface RserverSnapshot {
  name: string;
  address: string;
  admin: AdminState;
  /** OPERATIONAL if any farm member is; else the best member token; INACTIVE when in no farm. */
  state: RealToken;
  farms: { farm: string; port: number; weight: number; state: RealToken; current: number; total: number; failures: number }[];
}

/** What every compiled class action carries: its id (ServerDecision.actionId) and the class's `insert-http` headers. */
interface ActionBase {
  id: number;
  inserts: readonly HeaderInsert[];
  insertsFirstOnly: boolean;
}
type FarmAction = ActionBase & { kind: 'farm'; primary: FarmRuntime | undefined; primaryName: string; backup: FarmRuntime | undefined; aggregateState: boolean };
type StickyAction = ActionBase & { kind: 'sticky'; group: CompiledSticky | undefined; groupName: string };
type CompiledAction = FarmAction | StickyAction | (ActionBase & ({ kind: 'drop' } | { kind: 'forward' } | { kind: 'none'; unsimulated: boolean }));

/** How a VIP's policy is compiled: the HTTP parameter map's effects on matching and on `insert-http`. */
interface PolicyVariant extends MatchOptions {
  /** `no persistence-rebalance`: decisions say their inserts go into a connection's first request only. */
  insertsFirstOnly: boolean;
}

const NO_INSERTS: readonly HeaderInsert[] = [];

interface CompiledSticky {
  id: number;
  name: string;
  address: 'source' | 'destination' | 'both';
  mask: number;
  primary: FarmRuntime | undefined;
  backup: FarmRuntime | undefined;
  backupSticky: boolean;
  aggregateState: boolean;
  simulated: boolean;
}

interface CompiledClass {
  match: Matcher | null; // null = class-default
  action: CompiledAction;
}

interface CompiledVip {
  name: string;
  /** The multi-match policy-map that defines the VIP (for the VIP-state trap). */
  policy: string;
  inservice: boolean;
  classes: CompiledClass[] | undefined;
  /** HTTP persistence rebalance: how a keep-alive connection's `previous` decision is followed (select). */
  persistence: PersistenceRebalance;
  /** The state last published (vip.state events fire on changes only). */
  state: VipState;
}

const FORWARD: Decision = { kind: 'forward' };
const DROP_POLICY: Decision = { kind: 'drop', reason: 'policy-drop' };
const DROP_OOS: Decision = { kind: 'drop', reason: 'vip-outofservice' };
const DROP_UNKNOWN: Decision = { kind: 'drop', reason: 'unknown-vip-class' };
const NO_POLICY: Decision = { kind: 'no-server', reason: 'no-lb-policy' };
const NO_CLASS: Decision = { kind: 'no-server', reason: 'no-matching-class' };
const NO_ACTION: Decision = { kind: 'no-server', reason: 'no-action' };
const NO_UNSIM: Decision = { kind: 'no-server', reason: 'unsimulated-action' };
const FARM_DOWN: Decision = { kind: 'no-server', reason: 'farm-down' };
const UNKNOWN_FARM: Decision = { kind: 'no-server', reason: 'unknown-farm' };
const NO_REAL: Decision = { kind: 'no-server', reason: 'no-usable-real' };

export class Balancer {
  readonly store: StickyStore;
  private readonly clock: Clock;
  private readonly bus: EventSink<BalancerEvent> | undefined;
  private readonly farms = new Map<string, FarmRuntime>();
  private readonly rservers = new Map<string, Rserver>();
  private readonly rserverAdmin = new Map<string, AdminState>();
  private readonly membersByRserver = new Map<string, MemberRuntime[]>();
  private readonly reals: MemberRuntime[] = [];
  private readonly byStickyReal: MemberRuntime[] = [];
  private readonly stickies = new Map<string, CompiledSticky>();
  private readonly vips = new Map<string, CompiledVip>();
  private readonly actions: CompiledAction[] = [];
  private readonly pickInput: PickInput = { src: 0, dst: 0, nowMs: 0 };
  private readonly excludedSlots: number[] = [];
  private lastVipText = '';
  private lastVipClass = '';
  private lastVip: CompiledVip | undefined;
  private lastVipNum = -1;

  constructor(opts: BalancerOptions) {
    this.clock = opts.clock;
    this.bus = opts.bus;
    const sink = opts.bus;
    this.store = opts.store ?? new StickyStore({ clock: opts.clock, capacity: opts.stickyCapacity, ...(sink ? { bus: sink } : {}) });
    this.build(opts.context);
  }

  // ================================================================ build

  private build(ctx: ContextModel): void {
    const now = this.clock.monotonicNow();
    for (const rs of ctx.rservers) {
      this.rservers.set(rs.name, rs);
      this.rserverAdmin.set(rs.name, rs.admin);
    }
    for (const sf of ctx.serverfarms) this.buildFarm(sf, now);
    for (const g of ctx.stickyGroups) this.buildSticky(g);
    const classMaps = new Map<string, ClassMap>(ctx.classMaps.map((c) => [c.name, c]));
    const compilePolicy = (pm: LbPolicy, variant: PolicyVariant): CompiledClass[] =>
      pm.classes.map((c) => {
        const name = c.classMap.name;
        const cm = classMaps.get(name);
        const match: Matcher | null = name === 'class-default' ? null : cm ? compileClassMap(cm, classMaps, variant) : () => false;
        return { match, action: this.compileAction(c.actions, variant.insertsFirstOnly) };
      });
    const lbPolicies = new Map<string, LbPolicy>();
    for (const pm of ctx.policyMaps) if (pm.type === 'loadbalance') lbPolicies.set(pm.name, pm);
    // A policy is compiled once per variant its VIPs need: `case-insensitive` matches in any case, and `no
    // persistence-rebalance` marks the decisions' inserts first-request-only. Most configs need one variant.
    const compiled = new Map<string, CompiledClass[] | undefined>();
    const policyFor = (vc: VipClass): CompiledClass[] | undefined => {
      const name = vc.lbPolicy?.name;
      if (name === undefined) return undefined;
      const variant: PolicyVariant = { caseInsensitive: httpParametersOf(ctx, vc)?.caseInsensitive === true, insertsFirstOnly: persistenceRebalanceOf(ctx, vc) === 'disabled' };
      const key = `${name} ${variant.caseInsensitive} ${variant.insertsFirstOnly}`;
      if (!compiled.has(key)) {
        const pm = lbPolicies.get(name);
        compiled.set(key, pm ? compilePolicy(pm, variant) : undefined);
      }
      return compiled.get(key);
    };
    for (const pm of ctx.policyMaps) {
      if (pm.type !== 'multi-match') continue;
      for (const vc of pm.classes) {
        // A class-map may appear in several multi-match policies; the first wins here.
        if (this.vips.has(vc.classMap.name)) continue;
        this.vips.set(vc.classMap.name, {
          name: vc.classMap.name,
          policy: pm.name,
          inservice: vc.inservice,
          classes: policyFor(vc),
          persistence: persistenceRebalanceOf(ctx, vc),
          state: 'OUTOFSERVICE',
        });
      }
    }
    for (const v of this.vips.values()) v.state = this.vipState(v.name)!;
  }

  private buildFarm(sf: Serverfarm, now: number): void {
    const farm = new FarmRuntime(sf);
    const farmProbes = sf.probes.map((p) => p.name);
    sf.members.forEach((mc, index) => {
      const rs = this.rservers.get(mc.rserver.name);
      const address = rs?.ipAddress ?? '';
      const inactive = !rs || !rs.ipAddress || (rs.kind !== sf.kind && sf.kind === 'host');
      const probes = [...farmProbes, ...mc.probes.map((p) => p.name), ...(rs?.probes.map((p) => p.name) ?? [])];
      const cond = initialCondition(rs?.admin ?? 'outofservice', mc.admin, inactive);
      const m = new MemberRuntime(
        farm,
        index,
        mc,
        address,
        mc.weight ?? rs?.weight ?? 8,
        mc.connLimit ?? rs?.connLimit,
        sf.failOnAll || mc.failOnAll || (rs?.failOnAll ?? false),
        cond,
        [...new Set(probes)],
        now,
      );
      m.realId = this.reals.length;
      this.reals.push(m);
      m.stickyRealId = this.store.internReal({ farm: sf.name, rserver: m.rserver, port: m.displayPort });
      this.byStickyReal[m.stickyRealId] = m;
      farm.members.push(m);
      const list = this.membersByRserver.get(m.rserver) ?? [];
      list.push(m);
      this.membersByRserver.set(m.rserver, list);
    });
    for (const m of farm.members) {
      const b = m.config.backup;
      if (!b) continue;
      const cands = farm.members.filter((x) => x.rserver === b.rserver.name);
      const hit = cands.find((x) => x.port === b.port) ?? cands[0];
      if (hit) m.backupIndex = hit.index;
    }
    farm.seal();
    farm.state = farm.recompute(now);
    this.farms.set(sf.name, farm);
  }

  private buildSticky(g: StickyGroup): void {
    const simulated = g.simulated && g.kind === 'ip-netmask';
    const id = this.store.addGroup({
      name: g.name,
      address: g.address ?? 'source',
      netmask: parseMask(g.netmask),
      timeoutMs: g.timeoutMs,
      timeoutActiveconns: g.timeoutActiveconns,
      replicate: g.replicate,
    });
    const cs: CompiledSticky = {
      id,
      name: g.name,
      address: g.address ?? 'source',
      mask: parseMask(g.netmask),
      primary: g.serverfarm ? this.farms.get(g.serverfarm.primary.name) : undefined,
      backup: g.serverfarm?.backup ? this.farms.get(g.serverfarm.backup.name) : undefined,
      backupSticky: g.serverfarm?.backupSticky ?? false,
      aggregateState: g.serverfarm?.aggregateState ?? false,
      simulated,
    };
    this.stickies.set(g.name, cs);
    if (!simulated) return;
    for (const st of g.statics) {
      const src = st.clientSource ? parseIpv4(st.clientSource) : 0;
      const dst = st.destination ? parseIpv4(st.destination) : 0;
      if (src < 0 || dst < 0) continue;
      const m = this.findStaticTarget(cs, st.rserver.name, st.port);
      if (!m) continue;
      this.store.addStatic(id, this.keyHi(cs, src, dst), this.keyLo(cs, src, dst), m.stickyRealId);
    }
  }

  private findStaticTarget(cs: CompiledSticky, rserver: string, port: number | undefined): MemberRuntime | undefined {
    for (const f of [cs.primary, cs.backup]) {
      if (!f) continue;
      const ms = f.members.filter((m) => m.rserver === rserver && (port === undefined || m.port === port));
      if (ms[0]) return ms[0];
    }
    return undefined;
  }

  private compileAction(actions: readonly LbAction[], insertsFirstOnly: boolean): CompiledAction {
    const inserts: HeaderInsert[] = [];
    for (const a of actions) if (a.kind === 'insert-http') inserts.push({ header: a.header, value: a.value });
    const base: ActionBase = { id: this.actions.length, inserts: inserts.length > 0 ? inserts : NO_INSERTS, insertsFirstOnly };
    let out: CompiledAction = { ...base, kind: 'none', unsimulated: false };
    for (const a of actions) {
      if (a.kind === 'serverfarm') {
        out = { ...base, kind: 'farm', primary: this.farms.get(a.farm.name), primaryName: a.farm.name, backup: a.backup ? this.farms.get(a.backup.name) : undefined, aggregateState: a.aggregateState };
        break;
      }
      if (a.kind === 'sticky-serverfarm') {
        out = { ...base, kind: 'sticky', group: this.stickies.get(a.group.name), groupName: a.group.name };
        break;
      }
      if (a.kind === 'drop') {
        out = { ...base, kind: 'drop' };
        break;
      }
      if (a.kind === 'forward') {
        out = { ...base, kind: 'forward' };
        break;
      }
      if (a.kind === 'unsimulated') out = { ...base, kind: 'none', unsimulated: true };
    }
    this.actions.push(out);
    return out;
  }

  // ================================================================ selection (hot path)

  /**
   * Chooses the real for a new flow arriving on a VIP class (the class-map
   * name used in the multi-match policy). `request` enables `match http …`
   * classes of HTTP load-balance policies; without it they do not match.
   *
   * `previous` is the decision of the request before this one on the same
   * keep-alive client connection (L7 VIPs), followed as the VIP's HTTP
   * persistence rebalance says (docs/ace-compatibility.md): `enabled`, a
   * request that matches the same class goes to the real the previous one
   * used; `disabled`, every request does, whatever class it would match;
   * `strict`, none does. A real that can no longer serve (canContinue) is
   * load-balanced afresh in every mode. `persistence` overrides the VIP's mode
   * for one connection (`length-exceed continue` turns it off, as `disabled`).
   * A server decision carries its class's `insert-http` headers, so the L7 VIP
   * does not match the request again.
   */
  select(vipClass: string, flow: Flow, request?: HttpRequestInfo, previous?: ServerDecision, persistence?: PersistenceRebalance): Decision {
    // Flows arrive in runs on one VIP class: remember the last resolved one (the
    // compiled table never changes after build, so the cache cannot go stale).
    let vip = this.lastVip;
    if (vipClass !== this.lastVipClass || vip === undefined) {
      vip = this.vips.get(vipClass);
      if (vip === undefined) return DROP_UNKNOWN;
      this.lastVipClass = vipClass;
      this.lastVip = vip;
    }
    if (!vip.inservice) return DROP_OOS;
    const classes = vip.classes;
    if (classes === undefined) return NO_POLICY;
    // Without persistence rebalance the ACE balances a connection's first request only: no class match after it.
    const mode = persistence ?? vip.persistence;
    if (previous !== undefined && mode === 'disabled' && this.canContinue(previous)) return previous;
    const src = flow.clientIpNum ?? parseIpv4(flow.clientIp);
    const dst = flow.vipIpNum ?? this.vipAddress(flow.vipIp);
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i]!;
      if (c.match === null || c.match(flow, src, dst, request)) {
        if (previous !== undefined && mode === 'enabled' && previous.actionId === c.action.id && this.canContinue(previous)) return previous;
        return this.runAction(c.action, flow, src, dst, -1);
      }
    }
    return NO_CLASS;
  }

  /**
   * A real may go on serving a persistent connection while it is OPERATIONAL, STANDBY (graceful shutdown:
   * existing connections continue, §2.4, as sticky hits do) or MAXCONNS: the L7 VIP counts the client
   * connection on its real (open once, not per request), so continuing adds nothing to its conn-limit. `d` is
   * this balancer's own decision (BalancerSwitch passes none from a replaced one), so its realId indexes this table.
   */
  private canContinue(d: ServerDecision): boolean {
    const m = this.reals[d.realId];
    return m !== undefined && (m.token === 'OPERATIONAL' || m.token === 'STANDBY' || m.token === 'MAXCONNS');
  }

  /** VIP addresses repeat on every flow: parse each distinct text once (last-seen cache). */
  private vipAddress(text: string): number {
    if (text !== this.lastVipText) {
      this.lastVipText = text;
      this.lastVipNum = parseIpv4(text);
    }
    return this.lastVipNum;
  }

  /**
   * Connect-failure reassign: the real in `failed` did not answer; pick once
   * more with that real excluded (sticky entries are re-pointed). The caller
   * decides how many retries it allows (the lab uses one).
   */
  reselect(flow: Flow, failed: ServerDecision): Decision {
    const action = this.actions[failed.actionId];
    if (!action) return NO_ACTION;
    const src = flow.clientIpNum ?? parseIpv4(flow.clientIp);
    const dst = flow.vipIpNum ?? parseIpv4(flow.vipIp);
    return this.runAction(action, flow, src, dst, failed.realId);
  }

  private runAction(a: CompiledAction, flow: Flow, src: number, dst: number, exclude: number): Decision {
    switch (a.kind) {
      case 'farm':
        if (!a.primary && !a.backup) return UNKNOWN_FARM;
        return this.pickFarms(a.primary, a.backup, a.id, flow, src, dst, exclude, undefined, 0, 0);
      case 'sticky':
        return this.runSticky(a, flow, src, dst, exclude);
      case 'drop':
        return DROP_POLICY;
      case 'forward':
        return FORWARD;
      case 'none':
        return a.unsimulated ? NO_UNSIM : NO_ACTION;
    }
  }

  private runSticky(a: StickyAction, flow: Flow, src: number, dst: number, exclude: number): Decision {
    const g = a.group;
    if (!g || (!g.primary && !g.backup)) return UNKNOWN_FARM;
    if (!g.simulated || src < 0 || dst < 0) return this.pickFarms(g.primary, g.backup, a.id, flow, src, dst, exclude, undefined, 0, 0);
    const hi = this.keyHi(g, src, dst);
    const lo = this.keyLo(g, src, dst);
    const store = this.store;
    const e = store.hit(g.id, hi, lo);
    if (e >= 0) {
      const m = this.byStickyReal[store.realOf(e)];
      // A hit is honoured only while the stuck real can serve (OPERATIONAL, or
      // STANDBY for graceful shutdown, §2.4); otherwise it counts as a miss.
      if (m !== undefined && m.realId !== exclude && (m.token === 'OPERATIONAL' || m.token === 'STANDBY') && (m.farm === g.primary || m.farm === g.backup)) {
        return this.decision(m, flow, a.id, true, m.farm !== g.primary, false, g.id, hi, lo);
      }
    }
    return this.pickFarms(g.primary, g.backup, a.id, flow, src, dst, exclude, g, hi, lo, e >= 0 && store.isStatic(e));
  }

  private pickFarms(
    primary: FarmRuntime | undefined,
    backup: FarmRuntime | undefined,
    actionId: number,
    flow: Flow,
    src: number,
    dst: number,
    exclude: number,
    sticky: CompiledSticky | undefined,
    hi: number,
    lo: number,
    staticEntry = false,
  ): Decision {
    let viaBackupFarm = false;
    let slot = -1;
    let farm: FarmRuntime | undefined;
    if (primary !== undefined && primary.state === 'UP') {
      farm = primary;
      slot = this.pickSlot(primary, src, dst, exclude);
    }
    if (slot < 0 && backup !== undefined && backup.state === 'UP') {
      farm = backup;
      viaBackupFarm = true;
      slot = this.pickSlot(backup, src, dst, exclude);
    }
    if (slot < 0 || farm === undefined) return farm === undefined ? FARM_DOWN : NO_REAL;
    const m = farm.members[farm.target[slot]!]!;
    const viaBackupRserver = m.index !== slot;
    if (sticky === undefined || staticEntry || (viaBackupFarm && !sticky.backupSticky)) {
      return this.decision(m, flow, actionId, false, viaBackupFarm, viaBackupRserver, -1, 0, 0);
    }
    const e = this.store.touchLocal(sticky.id, hi, lo, m.stickyRealId);
    return this.decision(m, flow, actionId, false, viaBackupFarm, viaBackupRserver, e >= 0 ? sticky.id : -1, hi, lo);
  }

  private pickSlot(farm: FarmRuntime, src: number, dst: number, exclude: number): number {
    const input = this.pickInput;
    input.src = src < 0 ? 0 : src;
    input.dst = dst < 0 ? 0 : dst;
    input.nowMs = this.clock.monotonicNow();
    if (exclude < 0) return farm.predictor.pick(farm, input);
    const hidden = this.excludedSlots;
    hidden.length = 0;
    for (let i = 0; i < farm.count; i++) {
      const t = farm.target[i]!;
      if (farm.eligible[i] === 1 && t >= 0 && farm.members[t]!.realId === exclude) {
        farm.eligible[i] = 0;
        hidden.push(i);
      }
    }
    const slot = farm.predictor.pick(farm, input);
    for (const i of hidden) farm.eligible[i] = 1;
    return slot;
  }

  private decision(
    m: MemberRuntime,
    flow: Flow,
    actionId: number,
    stickyHit: boolean,
    viaBackupFarm: boolean,
    viaBackupRserver: boolean,
    stickyGroup: number,
    stickyHi: number,
    stickyLo: number,
  ): ServerDecision {
    const action = this.actions[actionId]!;
    return {
      kind: 'server',
      farm: m.farm.name,
      rserver: m.rserver,
      address: m.address,
      port: m.port ?? flow.vipPort,
      stickyHit,
      viaBackupFarm,
      viaBackupRserver,
      inserts: action.inserts,
      insertsFirstOnly: action.insertsFirstOnly,
      realId: m.realId,
      actionId,
      stickyGroup,
      stickyHi,
      stickyLo,
    };
  }

  private keyHi(g: CompiledSticky, src: number, _dst: number): number {
    return g.address === 'both' ? (src & g.mask) >>> 0 : 0;
  }

  private keyLo(g: CompiledSticky, src: number, dst: number): number {
    return ((g.address === 'source' ? src : dst) & g.mask) >>> 0;
  }

  // ================================================================ connection accounting

  /** A connection to the decided real was established: current/total and sticky activeconns. */
  open(d: Decision): void {
    if (d.kind !== 'server') return;
    const m = this.reals[d.realId];
    if (!m) return;
    m.current++;
    m.total++;
    const lim = m.connLimit;
    if (lim !== undefined && !m.cond.maxconns && m.current >= lim.max) this.applyReal(m, { kind: 'conns', current: m.current });
    if (d.stickyGroup >= 0) this.store.connOpened(d.stickyGroup, d.stickyHi, d.stickyLo);
  }

  /** The connection ended (any reason). */
  close(d: Decision): void {
    if (d.kind !== 'server') return;
    const m = this.reals[d.realId];
    if (!m) return;
    if (m.current > 0) m.current--;
    const lim = m.connLimit;
    if (lim !== undefined && m.cond.maxconns && m.current < lim.min) this.applyReal(m, { kind: 'conns', current: m.current });
    if (d.stickyGroup >= 0) this.store.connClosed(d.stickyGroup, d.stickyHi, d.stickyLo);
  }

  /**
   * failaction (§3.5) for one existing connection after its real changed
   * state: keep while the real still serves (or no failaction), reset for
   * purge, move to the backup-rserver for reassign (keep if it has none that
   * can serve).
   */
  existingFlowAction(d: ServerDecision, flow: Flow): ExistingFlowAction {
    const m = this.reals[d.realId];
    if (!m || !isOutOfService(m.token)) return { kind: 'keep' };
    const fa = m.farm.failaction;
    if (fa === undefined) return { kind: 'keep' };
    if (fa === 'purge') return { kind: 'reset' };
    const b = m.backupIndex >= 0 ? m.farm.members[m.backupIndex] : undefined;
    if (!b || b === m || !usableAsBackup(b.token)) return { kind: 'keep' };
    return { kind: 'move', to: this.decision(b, flow, d.actionId, false, d.viaBackupFarm, true, -1, 0, 0) };
  }

  // ================================================================ health inputs

  /** Feeds a probe event (wire it to the bus: `bus.on('probe.state', e => balancer.onProbeEvent(e))`). */
  onProbeEvent(e: ProbeEvent): void {
    if (e.type !== 'probe.state') return;
    this.setProbeHealth(e.key.farm, e.key.rserver, e.key.port, e.key.probe, e.to);
  }

  /** Subscribes to probe.state events on any bus whose events include ProbeEvent; returns the unsubscribe. */
  attachProbes(source: { subscribe(listener: (e: { type: string }) => void): () => void }): () => void {
    return source.subscribe((e) => {
      if (e.type === 'probe.state') this.onProbeEvent(e as ProbeEvent);
    });
  }

  /**
   * One probe instance's verdict. `farm` undefined = a probe attached to the
   * global rserver (applies to the rserver in every farm). `port` narrows
   * when a farm lists the same rserver on several ports.
   */
  setProbeHealth(farm: string | undefined, rserver: string, port: number | undefined, probe: string, health: ProbeHealth): void {
    const members = farm === undefined ? (this.membersByRserver.get(rserver) ?? []) : (this.farms.get(farm)?.findMembers(rserver, port) ?? []);
    for (const m of members) {
      m.probeHealth.set(probe, health);
      const failed = probesFailed(m.probeHealth.values(), m.failOnAll);
      if (failed !== m.cond.probeFailed) this.applyReal(m, { kind: 'probe', failed });
    }
  }

  /** `rserver NAME` → `inservice` / `inservice standby` / `no inservice` (all farms). */
  setRserverAdmin(rserver: string, admin: AdminState): void {
    if (!this.rserverAdmin.has(rserver)) return;
    this.rserverAdmin.set(rserver, admin);
    for (const m of this.membersByRserver.get(rserver) ?? []) this.applyReal(m, { kind: 'global-admin', admin });
  }

  /** `serverfarm F` → `rserver NAME [port]` → inservice / standby / no inservice. */
  setMemberAdmin(farm: string, rserver: string, port: number | undefined, admin: AdminState): void {
    for (const m of this.farms.get(farm)?.findMembers(rserver, port) ?? []) this.applyReal(m, { kind: 'member-admin', admin });
  }

  /**
   * A live-traffic failure towards a real (RST, SYN timeout, ICMP
   * unreachable): counts in `failures` and drives inband health (§3.7).
   */
  reportConnectFailure(farm: string, rserver: string, port: number | undefined): void {
    const f = this.farms.get(farm);
    if (!f) return;
    for (const m of f.findMembers(rserver, port)) this.inbandFailure(m);
  }

  /** Same as reportConnectFailure for the real of a decision. */
  reportFailure(d: ServerDecision): void {
    const m = this.reals[d.realId];
    if (m) this.inbandFailure(m);
  }

  private inbandFailure(m: MemberRuntime): void {
    m.failures++;
    const cfg = m.farm.inbandHealth;
    if (!cfg) return;
    const now = this.clock.monotonicNow();
    const r = stepInbandFailure(m.inband, now, cfg, INBAND_RESET_MS);
    m.inband = r.state;
    for (const ev of r.events) {
      if (ev.kind === 'threshold') {
        this.bus?.publish({ type: 'inband.threshold', farm: m.farm.name, rserver: m.rserver, port: m.displayPort, failures: ev.failures, threshold: ev.threshold, mode: ev.mode });
      } else {
        this.applyReal(m, { kind: 'inband', failed: true });
        if (ev.resumeServiceS > 0) m.cancelResume = this.clock.setTimer(ev.resumeServiceS * 1000, () => this.inbandResume(m));
      }
    }
  }

  private inbandResume(m: MemberRuntime): void {
    m.cancelResume?.();
    m.cancelResume = undefined;
    m.inband = INBAND_IDLE;
    this.applyReal(m, { kind: 'inband', failed: false });
  }

  /** Runtime change of `inband-health check remove … resume-service S` (rules of §3.7). */
  setInbandResumeService(farm: string, resumeServiceS: number): void {
    const f = this.farms.get(farm);
    if (!f?.inbandHealth) return;
    const old = f.inbandHealth.resumeServiceS ?? 0;
    f.inbandHealth.resumeServiceS = resumeServiceS;
    for (const m of f.members) {
      const r = inbandResumeChange(m.inband, old, resumeServiceS);
      if (r.restoreNow) this.inbandResume(m);
    }
  }

  private applyReal(m: MemberRuntime, input: RealInput): void {
    if ((input.kind === 'global-admin' || input.kind === 'member-admin') && input.admin === 'outofservice') {
      m.cancelResume?.();
      m.cancelResume = undefined;
      m.inband = INBAND_IDLE;
    }
    const r = stepReal(m.cond, input, m.connLimit ? { connLimit: m.connLimit } : {});
    m.cond = r.state;
    if (r.events.length === 0) return;
    const now = this.clock.monotonicNow();
    for (const ev of r.events) {
      m.token = ev.to;
      m.stateSinceMs = now;
      this.bus?.publish({ type: 'real.state', farm: m.farm.name, rserver: m.rserver, port: m.displayPort, address: m.address, from: ev.from, to: ev.to, reason: ev.reason });
      if (isOutOfService(ev.to) && !isOutOfService(ev.from)) this.realLeftService(m);
    }
    this.recomputeFarm(m.farm, now);
  }

  private realLeftService(m: MemberRuntime): void {
    this.store.deleteByReals(new Set([m.stickyRealId]));
    const fa = m.farm.failaction;
    if (fa !== undefined && this.bus) {
      const b = m.backupIndex >= 0 ? m.farm.members[m.backupIndex] : undefined;
      this.bus.publish({
        type: 'real.failaction',
        farm: m.farm.name,
        rserver: m.rserver,
        port: m.displayPort,
        action: fa === 'purge' ? 'purge' : 'reassign',
        ...(fa !== 'purge' && b ? { backup: { rserver: b.rserver, port: b.displayPort } } : {}),
      });
    }
  }

  private recomputeFarm(f: FarmRuntime, now: number): void {
    const before = f.state;
    const after = f.recompute(now);
    if (after === before) return;
    f.state = after;
    if (after === 'DOWN') f.failovers++;
    else f.backInservice++;
    this.bus?.publish({ type: 'farm.state', farm: f.name, from: before, to: after, operational: f.operationalCount(), total: f.members.length });
    this.publishVipChanges();
  }

  /** A VIP follows its farms (§11.2): after a farm changes, each VIP whose state moved is published once. */
  private publishVipChanges(): void {
    for (const v of this.vips.values()) {
      const now = this.vipState(v.name)!;
      if (now === v.state) continue;
      const from = v.state;
      v.state = now;
      this.bus?.publish({ type: 'vip.state', vip: v.name, policy: v.policy, from, to: now });
    }
  }

  // ================================================================ read model

  farmState(farm: string): FarmState | undefined {
    return this.farms.get(farm)?.state;
  }

  realState(farm: string, rserver: string, port?: number): RealToken | undefined {
    return this.farms.get(farm)?.findMembers(rserver, port)[0]?.token;
  }

  /** VIP operational state (§11.2); without aggregate-state the VIP follows the primary farm only [U-M]. */
  vipState(vipClass: string): VipState | undefined {
    const vip = this.vips.get(vipClass);
    if (!vip) return undefined;
    if (!vip.inservice) return 'OUTOFSERVICE';
    for (const c of vip.classes ?? []) {
      const a = c.action;
      if (a.kind === 'forward' || a.kind === 'drop') return 'UP';
      const [p, b, agg] = a.kind === 'farm' ? [a.primary, a.backup, a.aggregateState] : a.kind === 'sticky' ? [a.group?.primary, a.group?.backup, a.group?.aggregateState ?? false] : [undefined, undefined, false];
      if (p?.state === 'UP' || (agg && b?.state === 'UP')) return 'UP';
    }
    return 'DOWN';
  }

  /** `show serverfarm`-like data. */
  snapshotFarms(name?: string): FarmSnapshot[] {
    const out: FarmSnapshot[] = [];
    for (const f of this.farms.values()) {
      if (name !== undefined && f.name !== name) continue;
      out.push({
        name: f.name,
        state: f.state,
        predictor: f.predictor.name,
        failaction: f.failaction ?? '-',
        totalRservers: f.members.length,
        activeRservers: f.operationalCount(),
        ...(f.config.partialThreshold ? { partialThreshold: { ...f.config.partialThreshold } } : {}),
        failovers: f.failovers,
        backInservice: f.backInservice,
        reals: f.members.map((m) => this.realSnapshot(m)),
      });
    }
    return out;
  }

  private realSnapshot(m: MemberRuntime): RealSnapshot {
    const b = m.backupIndex >= 0 ? m.farm.members[m.backupIndex] : undefined;
    return {
      rserver: m.rserver,
      address: m.address,
      port: m.displayPort,
      weight: m.weight,
      state: m.token,
      current: m.current,
      total: m.total,
      failures: m.failures,
      stateSinceMs: m.stateSinceMs,
      admin: m.cond.memberAdmin,
      ...(b ? { backup: { rserver: b.rserver, port: b.displayPort } } : {}),
      ...(m.connLimit ? { maxConns: m.connLimit.max, minConns: m.connLimit.min } : {}),
      probes: [...m.probeHealth].map(([probe, health]) => ({ probe, health })),
    };
  }

  /** `show rserver`-like data. */
  snapshotRservers(name?: string): RserverSnapshot[] {
    const out: RserverSnapshot[] = [];
    const rank: RealToken[] = ['OPERATIONAL', 'STANDBY', 'MAXCONNS', 'INBAND-PROBE-FAILED', 'PROBE-FAILED', 'INACTIVE', 'OUTOFSERVICE'];
    for (const rs of this.rservers.values()) {
      if (name !== undefined && rs.name !== name) continue;
      const members = this.membersByRserver.get(rs.name) ?? [];
      const admin = this.rserverAdmin.get(rs.name) ?? rs.admin;
      let state: RealToken = admin === 'outofservice' ? 'OUTOFSERVICE' : 'INACTIVE';
      if (admin !== 'outofservice' && members.length > 0) {
        state = members.map((m) => m.token).sort((a, b) => rank.indexOf(a) - rank.indexOf(b))[0]!;
      }
      out.push({
        name: rs.name,
        address: rs.ipAddress ?? '',
        admin,
        state,
        farms: members.map((m) => ({ farm: m.farm.name, port: m.displayPort, weight: m.weight, state: m.token, current: m.current, total: m.total, failures: m.failures })),
      });
    }
    return out;
  }

  /** `show sticky database [group G]`-like rows; `limit` bounds work on huge tables. */
  snapshotSticky(group?: string, limit = 10_000): StickyEntrySnapshot[] {
    const gid = group === undefined ? undefined : this.store.groupId(group);
    if (group !== undefined && gid === undefined) return [];
    return this.store.entries(gid, limit);
  }

  stickyCounters(): Readonly<StickyCounters> {
    return this.store.counters;
  }

  /** `clear sticky database [group G]`. */
  clearSticky(group?: string, includeStatic = false): number {
    if (group === undefined) return this.store.clear(undefined, includeStatic);
    const gid = this.store.groupId(group);
    return gid === undefined ? 0 : this.store.clear(gid, includeStatic);
  }

  /** Sticky key for a client as ACE prints it (masked address and its 32-bit integer). */
  stickyKeyOf(group: string, clientIp: string, vipIp: string): { key: string; keyInt: number } | undefined {
    const g = this.stickies.get(group);
    const src = parseIpv4(clientIp);
    const dst = parseIpv4(vipIp);
    if (!g || src < 0 || dst < 0) return undefined;
    const lo = this.keyLo(g, src, dst);
    const hi = this.keyHi(g, src, dst);
    return g.address === 'both' ? { key: `${formatIpv4(hi)}/${formatIpv4(lo)}`, keyInt: hi } : { key: formatIpv4(lo), keyInt: lo };
  }

  /**
   * Stops timers (resume-service, sticky sweep). `keepStore`: the sticky store
   * lives on in a successor (a hot reload shared it), so its sweep stays armed.
   */
  dispose(opts: { keepStore?: boolean } = {}): void {
    for (const m of this.reals) m.cancelResume?.();
    if (!opts.keepStore) this.store.dispose();
  }
}
