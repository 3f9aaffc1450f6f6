// Hot reload of a running balancer (SIGHUP, `acesim reload`): a pure diff of
// the old and new context (listeners, sticky groups, probe instances) and the
// apply step. The caller compiles first and never calls this with errors.
// Invariants: listeners whose (protocol, address, port) and L4/L7 kind stay
// are kept open, so established connections live on; new flows go to a new
// Balancer built from the new context, which starts with the probe verdicts
// the old one had; sticky entries of unchanged groups survive. Timebase: none
// (the host's Clock is only handed on).
import type { ContextModel, StickyGroup } from '../config/model.js';
import type { Balancer } from '../farm/balancer.js';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeInstance } from '../probes/types.js';
import type { StickyStore } from '../sticky/sticky-store.js';
import type { VipBinding, VipListener } from '../proxy/types.js';
import type { ListenerInfo } from './balancer-runtime.js';
import type { BalancerSwitch } from './balancer-switch.js';
import type { PlannedListener, VipPlan } from './vip-plan.js';

export function listenerKey(p: { protocol: string; address: string; port: number }): string {
  return `${p.protocol} ${p.address}:${p.port}`;
}

/** A listener the runtime holds, with the plan row it was opened from. */
export interface LiveListener {
  info: ListenerInfo;
  planned: PlannedListener;
  listener: VipListener;
  /** Swapped on reload: the listener takes the new plan row's VIP class, ACLs and HTTP parse length (its policy is the new Balancer's). */
  retarget(p: PlannedListener): void;
}

export interface ReloadDiff {
  keep: { from: LiveListener; to: PlannedListener }[];
  open: PlannedListener[];
  close: LiveListener[];
  sticky: { kept: string[]; changed: string[]; added: string[]; removed: string[] };
  /** The probe instance plan differs (ids, probe config, members or enabled). */
  probesChanged: boolean;
}

// Source positions move when lines are added above; they are not part of what a block means.
const stripPos = (_k: string, v: unknown): unknown => (_k === 'pos' ? undefined : v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, stripPos) === JSON.stringify(b, stripPos);

function diffSticky(a: readonly StickyGroup[], b: readonly StickyGroup[]): ReloadDiff['sticky'] {
  const old = new Map(a.map((g) => [g.name, g]));
  const out: ReloadDiff['sticky'] = { kept: [], changed: [], added: [], removed: [] };
  for (const g of b) {
    const o = old.get(g.name);
    if (!o) out.added.push(g.name);
    else if (same(o, g)) out.kept.push(g.name);
    else out.changed.push(g.name);
  }
  const names = new Set(b.map((g) => g.name));
  for (const g of a) if (!names.has(g.name)) out.removed.push(g.name);
  return out;
}

const instanceShape = (i: ProbeInstance): unknown => [i.id, i.probe, i.members, i.enabled, i.admin];

/** Pure: what a reload from `old` to `next` changes. */
export function diffReload(old: ContextModel, next: ContextModel, live: readonly LiveListener[], plan: readonly PlannedListener[], oldInstances: readonly ProbeInstance[], newInstances: readonly ProbeInstance[]): ReloadDiff {
  const byKey = new Map(live.map((l) => [listenerKey(l.planned), l]));
  const diff: ReloadDiff = { keep: [], open: [], close: [], sticky: diffSticky(old.stickyGroups, next.stickyGroups), probesChanged: false };
  const wanted = new Set<string>();
  for (const p of plan) {
    const k = listenerKey(p);
    wanted.add(k);
    const l = byKey.get(k);
    if (l && l.planned.l7 === p.l7) diff.keep.push({ from: l, to: p });
    else {
      if (l) diff.close.push(l);
      diff.open.push(p);
    }
  }
  for (const l of live) if (!wanted.has(listenerKey(l.planned))) diff.close.push(l);
  diff.probesChanged = oldInstances.length !== newInstances.length || oldInstances.some((o, i) => !same(instanceShape(o), instanceShape(newInstances[i]!)));
  return diff;
}

/** What the runtime lends the reload step (its composition-root powers). */
export interface ReloadHost {
  context: ContextModel;
  readonly balancers: BalancerSwitch;
  readonly probes: ProbeEngine;
  readonly listeners: LiveListener[];
  /** The runtime's current probe instance plan. */
  instances: ProbeInstance[];
  /** The listener plan activate() opens; reload replaces it. */
  plan: PlannedListener[];
  /** False on a passive runtime (FT standby): listeners and probes are left to activate(). */
  readonly serving: boolean;
  planListeners(ctx: ContextModel): VipPlan;
  planInstances(ctx: ContextModel): ProbeInstance[];
  /** A Balancer for ctx whose events stay silent until `go()` (so seeding verdicts is not news). */
  buildBalancer(ctx: ContextModel, store: StickyStore | undefined): { balancer: Balancer; go(): void };
  /** Subscribes a balancer to probe verdicts; returns the unsubscribe. */
  attachBalancer(b: Balancer): () => void;
  /** (Re)attaches syslog/trap notification for a probe plan; returns the unsubscribe. */
  attachNotifier(ctx: ContextModel, instances: ProbeInstance[]): () => void;
  openListener(p: PlannedListener, ctx: ContextModel): Promise<LiveListener | { error: string }>;
  /** A replaced balancer, held weakly: stop() still cancels the timers its last flows may arm again. */
  retire(b: Balancer): void;
  drainMs: number;
}

export interface ReloadApplied {
  /** One line per change, for the operator. */
  changes: string[];
  /** Listeners that could not be opened. */
  failures: string[];
}

/**
 * Applies a valid new context. Order matters: the new Balancer is built and
 * seeded before it takes any flow; listeners are retargeted only after the
 * switch, so a flow never meets a vipClass the current Balancer lacks.
 */
export async function applyReload(host: ReloadHost, next: ContextModel, state: { detachBalancer: () => void; detachNotifier: () => void }): Promise<ReloadApplied> {
  const old = host.context;
  const oldBalancer = host.balancers.current;
  const plan = host.planListeners(next);
  const newInstances = host.planInstances(next);
  const diff = diffReload(old, next, host.listeners, plan.listeners, host.instances, newInstances);
  const changes: string[] = [];

  // Sticky: share the table when no surviving group changed (entries, timers and
  // live-connection counts carry over exactly); otherwise a fresh table with the
  // entries of unchanged groups copied in (their ageing restarts at the reload).
  const reuse = diff.sticky.changed.length === 0;
  const { balancer, go } = host.buildBalancer(next, reuse ? oldBalancer.store : undefined);
  if (reuse) {
    for (const g of diff.sticky.removed) {
      const id = oldBalancer.store.groupId(g);
      if (id !== undefined) oldBalancer.store.clear(id, true);
    }
  } else {
    copyStickyEntries(oldBalancer, balancer, diff.sticky.kept);
  }
  for (const g of diff.sticky.changed) changes.push(`sticky group ${g}: changed, its entries are cleared`);
  for (const g of diff.sticky.removed) changes.push(`sticky group ${g}: removed`);
  for (const g of diff.sticky.added) changes.push(`sticky group ${g}: added`);
  if (diff.sticky.kept.length > 0) changes.push(`sticky groups kept with their entries: ${diff.sticky.kept.join(', ')}`);

  // Probe verdicts: the new balancer starts from what the probes last said.
  const snap = host.probes.snapshot();
  const ids = new Set(newInstances.map((i) => i.id));
  for (const r of snap.instances) {
    if (ids.has(r.id) && r.health !== 'INIT') balancer.setProbeHealth(r.key.farm, r.key.rserver, r.key.port, r.key.probe, r.health);
  }
  state.detachBalancer();
  state.detachBalancer = host.attachBalancer(balancer);
  host.balancers.swap(balancer);
  go();
  // Nothing here may keep the old balancer: its open flows hold it through the
  // decisions BalancerSwitch stamped, for as long as they last and no longer
  // (holding it until stop() leaked one per reload). Its timers go now; the
  // sticky store stays armed when the new balancer shares it.
  oldBalancer.dispose({ keepStore: reuse });
  host.retire(oldBalancer);
  if (diff.probesChanged) {
    state.detachNotifier();
    state.detachNotifier = host.attachNotifier(next, newInstances);
    if (host.serving) host.probes.start(newInstances);
    host.instances = newInstances;
    changes.push(`probes: ${newInstances.length} instance(s) restarted (the balancer keeps the last verdicts until they conclude)`);
  }
  host.context = next;
  host.plan = plan.listeners;
  if (!host.serving) return { changes, failures: [] };

  for (const k of diff.keep) {
    k.from.retarget(k.to);
  }
  const failures: string[] = [];
  const closing = diff.close.map((l) => {
    host.listeners.splice(host.listeners.indexOf(l), 1);
    changes.push(`VIP ${l.planned.vipClass} ${listenerKey(l.planned)}: closed (connections drain)`);
    return l.listener.close(host.drainMs).catch(() => {});
  });
  await Promise.all(closing);
  for (const p of diff.open) {
    const r = await host.openListener(p, next);
    if ('error' in r) failures.push(`VIP ${p.vipClass} ${listenerKey(p)}: ${r.error}`);
    else {
      host.listeners.push(r);
      changes.push(`VIP ${p.vipClass} ${listenerKey(r.planned)}: opened`);
    }
  }
  if (diff.keep.length > 0) changes.push(`${diff.keep.length} listener(s) kept open with their connections`);
  return { changes, failures };
}

function copyStickyEntries(from: Balancer, to: Balancer, groups: readonly string[]): void {
  for (const name of groups) {
    const src = from.store.groupId(name);
    const dst = to.store.groupId(name);
    if (src === undefined || dst === undefined) continue;
    for (const e of from.store.entries(src)) {
      if (e.static) continue; // statics come from the config itself
      const real = to.store.internReal({ farm: e.farm, rserver: e.rserver, port: e.port });
      to.store.touchLocal(dst, e.keyHi, e.keyLo, real);
    }
  }
}

/** Rewrites what a kept listener reads on each new flow. */
export function rebind(binding: VipBinding, p: PlannedListener, acl: VipBinding['acl']): void {
  binding.vipClass = p.vipClass;
  binding.acl = acl;
  binding.udpFastAge = p.udpFastAge;
}
