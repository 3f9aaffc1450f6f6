// The operator's read model: what `show …`, the API, the metrics and the
// dashboard read from a running balancer, as plain JSON-safe data. Built on
// demand from the runtime's snapshots; never holds state of its own. Secrets
// stay `Secret` objects until JSON serialisation, which masks them.
// Timebase: monotonic stamps from the runtime plus the snapshot's wall offset.
import type { ParseLimit } from '../config/defaults.js';
import type { ContextModel, Model, PersistenceRebalance, Probe } from '../config/model.js';
import { describePorts, resolveVips } from '../config/vips.js';
import type { EventBus } from '../core/event-bus.js';
import type { Balancer, BalancerEvent, FarmSnapshot, RserverSnapshot, VipState } from '../farm/balancer.js';
import type { FtGroupStatus, FtPeerStatus, FtStats, FtStatusSource, FtTrackStatus } from '../ha/types.js';
import type { ProbeEngine, ProbeSnapshot } from '../probes/probe-engine.js';
import type { ProbeEvent } from '../probes/types.js';
import { newHttpCounters, type HttpCounters, type ListenerCounters } from '../proxy/types.js';
import type { StickyCounters, StickyEntrySnapshot } from '../sticky/sticky-store.js';
import type { ListenerCountersView, ListenerInfo } from '../runtime/balancer-runtime.js';

/** What mgmt needs of a running balancer (BalancerRuntime satisfies it; `ft` once the pair is wired). */
export interface MgmtRuntime {
  readonly context: ContextModel;
  readonly balancer: Balancer;
  readonly probes: Pick<ProbeEngine, 'snapshot' | 'startLag'>;
  readonly probeBus: Pick<EventBus<ProbeEvent>, 'subscribe'>;
  readonly farmBus: Pick<EventBus<BalancerEvent>, 'subscribe'>;
  counters(): ListenerCountersView[];
  readonly ft?: FtStatusSource | undefined;
}

export interface FarmView extends FarmSnapshot {
  description?: string;
  probeNames: string[];
}

export interface RserverView extends RserverSnapshot {
  type: string;
  description?: string;
  weight: number;
}

export interface StickyGroupView {
  name: string;
  type: string;
  timeoutS: number;
  timeoutActiveconns: boolean;
  size: number;
  entries: StickyEntrySnapshot[];
  /** Entries left out by the row limit. */
  truncated: boolean;
}

export interface VipView {
  policy: string;
  vip: string;
  address: string;
  protocol: string;
  ports: string;
  lbPolicy?: string;
  farms: string[];
  stickyGroups: string[];
  state: VipState | 'UNKNOWN';
  /** Summed over the VIP's listeners. */
  counters: ListenerCounters;
  /** HTTP-level counters summed over the VIP's L7 listeners; absent when none is L7. */
  http?: HttpCounters;
  /** The VIP's HTTP persistence rebalance (acted on by its L7 listeners). */
  persistence: PersistenceRebalance;
  /** The ACE's HTTP parse length for the VIP's requests; absent where the ACE would not parse them (an L4 policy). */
  parseLimit?: ParseLimit;
  listeners: ListenerInfo[];
}

export interface FtView {
  configured: boolean;
  groups: FtGroupStatus[];
  peer?: FtPeerStatus;
  tracks: FtTrackStatus[];
  stats?: FtStats;
}

export interface StatsView {
  vips: number;
  listeners: number;
  totals: ListenerCounters;
  /** HTTP-level counters summed over every L7 listener; absent when no VIP is L7. */
  http?: HttpCounters;
  sticky: StickyCounters & { entries: number; capacity: number };
  probes: {
    instances: number;
    probes: number;
    passed: number;
    failed: number;
    /** Attempts that started 1 s or more late, the worst and mean lateness (ms): the engine's own health. */
    startedLate: number;
    worstStartLagMs: number;
    meanStartLagMs: number;
    /** Probe slots passed over because an attempt began too late to keep its schedule. */
    skippedAttempts: number;
  };
}

const zero = (): ListenerCounters => ({ flows: 0, active: 0, aclDenied: 0, limitDenied: 0, dropped: 0, connectFailures: 0, reassigned: 0, resets: 0, idleTimeouts: 0, transparencyFallbacks: 0, datagramsIn: 0, datagramsOut: 0, repliesOut: 0, datagramsDropped: 0, snmpMalformed: 0 });

function add<C extends object>(into: C, c: Readonly<C>): void {
  for (const k of Object.keys(into) as (keyof C)[]) (into[k] as number) += c[k] as number;
}

export function farms(rt: MgmtRuntime, name?: string): FarmView[] {
  const cfg = new Map(rt.context.serverfarms.map((f) => [f.name, f]));
  return rt.balancer.snapshotFarms(name).map((f) => {
    const c = cfg.get(f.name);
    return { ...f, ...(c?.description ? { description: c.description } : {}), probeNames: c?.probes.map((p) => p.name) ?? [] };
  });
}

export function rservers(rt: MgmtRuntime, name?: string): RserverView[] {
  const cfg = new Map(rt.context.rservers.map((r) => [r.name, r]));
  return rt.balancer.snapshotRservers(name).map((r) => {
    const c = cfg.get(r.name);
    return { ...r, type: (c?.kind ?? 'host').toUpperCase(), weight: c?.weight ?? 8, ...(c?.description ? { description: c.description } : {}) };
  });
}

export function probes(rt: MgmtRuntime, name?: string): { probes: Probe[]; snapshot: ProbeSnapshot } {
  const snapshot = rt.probes.snapshot();
  const list = rt.context.probes.filter((p) => name === undefined || p.name === name);
  const names = new Set(list.map((p) => p.name));
  return { probes: list, snapshot: { ...snapshot, instances: snapshot.instances.filter((i) => names.has(i.key.probe)) } };
}

/** Above this many entries in the table a group's count is the ageing entries only (a full scan would stall scrapes). */
export const STICKY_EXACT_COUNT_MAX = 200_000;

/**
 * Entries of one group. The store counts per group only the entries that age;
 * entries held by live connections or static do not, so small tables are
 * counted by a scan instead.
 */
export function stickyGroupCount(store: Balancer['store'], id: number): number {
  return store.size <= STICKY_EXACT_COUNT_MAX ? store.entries(id).length : store.groupSize(id);
}

export function sticky(rt: MgmtRuntime, group?: string, limit = 1000): StickyGroupView[] {
  const store = rt.balancer.store;
  return rt.context.stickyGroups
    .filter((g) => group === undefined || g.name === group)
    .map((g) => {
      const id = store.groupId(g.name);
      const size = id === undefined ? 0 : stickyGroupCount(store, id);
      const entries = id === undefined ? [] : rt.balancer.snapshotSticky(g.name, limit);
      return { name: g.name, type: g.kind === 'ip-netmask' ? 'IP' : g.kind.toUpperCase(), timeoutS: Math.round(g.timeoutMs / 1000), timeoutActiveconns: g.timeoutActiveconns, size, entries, truncated: entries.length < size };
    });
}

export function vips(rt: MgmtRuntime, policy?: string): VipView[] {
  const live = rt.counters();
  return resolveVips(rt.context)
    .filter((v) => policy === undefined || v.policy === policy)
    .map((v) => {
      const mine = live.filter((l) => l.info.vip === v.classMap && l.info.address === v.address);
      const counters = zero();
      for (const l of mine) add(counters, l.counters);
      let http: HttpCounters | undefined;
      for (const l of mine) if (l.http) add((http ??= newHttpCounters()), l.http);
      return {
        policy: v.policy,
        vip: v.classMap,
        address: v.address,
        protocol: typeof v.protocol === 'number' ? String(v.protocol) : v.protocol,
        ports: describePorts(v.protocol, v.ports),
        ...(v.lbPolicy ? { lbPolicy: v.lbPolicy } : {}),
        farms: v.farms,
        stickyGroups: v.stickyGroups,
        state: rt.balancer.vipState(v.classMap) ?? 'UNKNOWN',
        counters,
        ...(http ? { http } : {}),
        persistence: v.persistence,
        ...(v.aceL7 ? { parseLimit: v.parseLimit } : {}),
        listeners: mine.map((l) => ({ ...l.info })),
      };
    });
}

export function ft(rt: MgmtRuntime, group?: number): FtView {
  const src = rt.ft;
  if (!src) return { configured: false, groups: [], tracks: [] };
  const peer = src.peer();
  return { configured: true, groups: src.groups().filter((g) => group === undefined || g.id === group), ...(peer ? { peer } : {}), tracks: src.tracks(), stats: src.stats() };
}

export function stats(rt: MgmtRuntime): StatsView {
  const live = rt.counters();
  const totals = zero();
  for (const l of live) add(totals, l.counters);
  let http: HttpCounters | undefined;
  for (const l of live) if (l.http) add((http ??= newHttpCounters()), l.http);
  const snap = rt.probes.snapshot();
  const store = rt.balancer.store;
  return {
    vips: new Set(live.map((l) => l.info.vip)).size,
    listeners: live.length,
    totals,
    ...(http ? { http } : {}),
    sticky: { ...rt.balancer.stickyCounters(), entries: store.size, capacity: store.capacity },
    probes: {
      instances: snap.instances.length,
      probes: snap.instances.reduce((n, i) => n + i.counters.probes, 0),
      passed: snap.instances.reduce((n, i) => n + i.counters.passed, 0),
      failed: snap.instances.reduce((n, i) => n + i.counters.failed, 0),
      startedLate: snap.startLag.late,
      worstStartLagMs: snap.startLag.maxMs,
      meanStartLagMs: snap.startLag.meanMs,
      skippedAttempts: snap.startLag.skipped,
    },
  };
}

/** The running model as a config: the context being served, secrets masked. */
export function runningModel(model: Model, rt: MgmtRuntime): Model {
  return { ...model, contexts: model.contexts.map((c) => (c.name === rt.context.name ? rt.context : c)) };
}
