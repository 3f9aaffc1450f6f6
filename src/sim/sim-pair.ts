// The FT pair in virtual time (`acesim simulate` on a scenario with `pair:`):
// the two members are the real FtController and group reducer
// (src/ha/ft-group.ts) on one VirtualClock over the in-memory FT VLAN
// (MemoryFtLink, which the cut/restore faults cut), each with its own
// Balancer and sticky table (replicated by the controller as in `acesim
// run`) and its own tracked-host probes on the simulated network. Clients
// send at the scenario's rates to whichever member serves the VIPs; a
// request while none does is lost. The figures come from the lab's own
// function (computePairMetrics), so they read like the real-time pair lab.
// Not modelled: process start time (a restart is instant here; about 1 s of
// real time in the lab) and socket bind time (the VIP is served as soon as
// the member is ACTIVE). Timebase: virtual ms (config time).
import type { ContextModel, Model } from '../config/model.js';
import { EventBus } from '../core/event-bus.js';
import { SeededRng, type Rng } from '../core/rng.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { Balancer, type BalancerEvent } from '../farm/balancer.js';
import { FtController, type FtEvent } from '../ha/ft-controller.js';
import { MemoryFtLink } from '../ha/memory-transport.js';
import { computePairMetrics, type PairFaultMetrics, type PairGroupEvent, type PairRequest } from '../lab/pair-measure.js';
import type { BalancerTimelineEvent, Scenario } from '../lab/scenario.js';
import { DEFAULT_PROBE_OPTIONS } from '../probes/options.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeEvent } from '../probes/types.js';
import { planFtMember, trackProbeInstances, watchTracks, type FtPlan, type FtRole } from '../runtime/ft-member.js';
import type { StickyEvent } from '../sticky/events.js';
import { SimNetwork } from './sim-network.js';
import { compilePlan, type SimPlan } from './sim-plan.js';
import { distribution, type Distribution } from './simulate.js';

/** The members start this far apart, as in the lab (the secondary joins a little later). */
const SECONDARY_START_MS = 50;
/** One-way latency of the simulated FT VLAN. */
const FT_LATENCY_MS = 1;
const FT_PORT = 7345;

interface SimMember {
  role: FtRole;
  ctl: FtController;
  balancer: Balancer;
  engine?: ProbeEngine;
  serving: boolean;
  alive: boolean;
}

export interface PairSimPlan {
  plan: SimPlan;
  ctx: ContextModel;
  model: Model;
  ft: Record<FtRole, FtPlan>;
  detectMs: number;
}

/** Plans the pair from the config's FT group; a message when it has none usable. */
export function compilePairPlan(model: Model, ctx: ContextModel, sc: Scenario): PairSimPlan | string {
  const p = planFtMember(model, ctx.name, 'primary');
  const s = planFtMember(model, ctx.name, 'secondary');
  if (!p.ok) return `pair: ${p.message}`;
  if (!s.ok) return `pair: ${s.message}`;
  return { plan: compilePlan(ctx, sc), ctx, model, ft: { primary: p.plan, secondary: s.plan }, detectMs: p.plan.heartbeatIntervalMs * p.plan.heartbeatCount };
}

export interface PairSimRun {
  phaseMs: number;
  faults: PairFaultMetrics[];
  duplicateActiveMs: number;
  notes: string[];
}

/** One run: the timeline shifted by phaseMs against the heartbeat schedule. */
export async function runPairOnce(pp: PairSimPlan, phaseMs: number, rng: Rng): Promise<PairSimRun> {
  const { plan, ctx, ft } = pp;
  const sc = plan.sc;
  const clock = new VirtualClock();
  const link = new MemoryFtLink(clock, FT_LATENCY_MS);
  const net = new SimNetwork(clock, DEFAULT_PROBE_OPTIONS, 1);
  const groupEvents: PairGroupEvent[] = [];
  const requests: PairRequest[] = [];
  const faults: { atMs: number; kind: string }[] = [];
  const notes: string[] = [];
  const members: Partial<Record<FtRole, SimMember>> = {};
  const end = sc.durationMs + phaseMs;

  const startMember = async (role: FtRole): Promise<void> => {
    const fp = ft[role];
    const farmBus = new EventBus<BalancerEvent>(clock);
    const balancer = new Balancer({ context: ctx, clock, bus: farmBus });
    const bus = new EventBus<FtEvent>(clock);
    const m: SimMember = { role, balancer, serving: false, alive: true } as SimMember;
    bus.subscribe((e) => {
      if (!m.alive) return;
      if (e.type === 'ft.group') groupEvents.push({ atMs: clock.monotonicNow(), role, state: e.to });
      else if (e.type === 'ft.vips') groupEvents.push({ atMs: clock.monotonicNow(), role, state: e.serving ? 'SERVING' : 'RELEASED' });
    });
    m.ctl = new FtController({
      clock,
      transport: link.transportFor(),
      me: { address: fp.me, port: FT_PORT },
      peer: { address: fp.peer, port: FT_PORT },
      peerId: fp.peerId,
      heartbeatIntervalMs: fp.heartbeatIntervalMs,
      heartbeatCount: fp.heartbeatCount,
      groups: [{ id: fp.group.id, configPriority: fp.group.priority, preempt: fp.group.preempt, inservice: fp.group.inservice, contexts: fp.group.contexts }],
      tracks: fp.tracks.map((t) => ({ name: t.name, kind: 'host' as const, target: t.address, priority: t.priority })),
      sticky: { store: balancer.store, events: { subscribe: (l: (e: StickyEvent) => void) => farmBus.subscribe((e) => (e.type.startsWith('sticky.') ? l(e as StickyEvent) : undefined)) } },
      hooks: {
        // No sockets in virtual time: the VIPs are served the moment the member is ACTIVE.
        activate: async () => void (m.serving = true),
        deactivate: async () => void (m.serving = false),
        configDigest: () => 'same',
      },
      bus,
    });
    const admin = pp.model.contexts[0];
    const insts = admin ? trackProbeInstances(fp, admin) : [];
    if (insts.length > 0) {
      const probeBus = new EventBus<ProbeEvent>(clock);
      m.engine = new ProbeEngine({ clock, prober: net, bus: probeBus });
      watchTracks(probeBus, (name, down) => m.alive && m.ctl.setTrack(name, down));
      m.engine.start(insts);
    }
    members[role] = m;
    await m.ctl.start();
  };

  const kill = async (role: FtRole): Promise<void> => {
    const m = members[role];
    if (!m?.alive) return;
    // SIGKILL: no goodbye; the kernel closes the VIP sockets at once.
    m.alive = false;
    m.serving = false;
    groupEvents.push({ atMs: clock.monotonicNow(), role, state: 'DEAD' });
    m.engine?.stop();
    await m.ctl.stop();
    m.balancer.dispose();
  };

  const activeRole = (): FtRole | undefined => (['primary', 'secondary'] as const).filter((r) => members[r]?.alive && members[r]!.ctl.state(ft[r].group.id) === 'FSM_FT_STATE_ACTIVE').pop();
  const other = (r: FtRole | undefined): FtRole | undefined => (r === 'primary' ? 'secondary' : r === 'secondary' ? 'primary' : undefined);

  const applyFault = async (ev: BalancerTimelineEvent): Promise<void> => {
    const at = clock.monotonicNow();
    const active = activeRole();
    const named = ev.target === 'primary' || ev.target === 'secondary' ? ev.target : undefined;
    const label = `${ev.fault}${ev.target ? ` ${ev.target}` : ''}`;
    const skip = (why: string): void => void notes.push(`timeline: ${label} at ${ev.atMs / 1000} s: ${why}`);
    switch (ev.fault) {
      case 'kill': {
        const victim = named ?? (ev.target === 'standby' ? other(active) : active);
        if (!victim || !members[victim]?.alive) return skip('no such member is running');
        faults.push({ atMs: at, kind: label });
        await kill(victim);
        return;
      }
      case 'restart': {
        const role = named ?? (['primary', 'secondary'] as const).find((r) => !members[r]?.alive);
        if (!role || members[role]?.alive) return skip('the member is running');
        faults.push({ atMs: at, kind: label });
        await startMember(role);
        return;
      }
      case 'cut-ft-link':
      case 'restore-ft-link':
        link.setCut(ev.fault === 'cut-ft-link');
        faults.push({ atMs: at, kind: label });
        return;
      case 'cut-query-link':
      case 'restore-query-link':
        // The simulated members never ask a query VLAN: heartbeat loss alone decides.
        return skip('the simulator models no query VLAN (only acesim lab --netns cuts one)');
      case 'switchover': {
        if (!active) return skip('no active member');
        const r = members[active]!.ctl.switchover();
        if (!r.ok) return skip(r.message);
        faults.push({ atMs: at, kind: label });
        return;
      }
      case 'tracked-host-down':
      case 'tracked-host-up': {
        const down = ev.fault === 'tracked-host-down';
        const role = down ? (named ?? (ev.target === 'standby' ? other(active) : active)) : undefined;
        if (down && !role) return skip(`no ${ev.target ?? 'active'} member`);
        const hosts = (role ? [ft[role]] : [ft.primary, ft.secondary]).flatMap((p) => p.tracks.map((t) => t.address));
        if (hosts.length === 0) return skip('the config has no `ft track host`');
        for (const h of new Set(hosts)) net.set(h, down ? { kind: 'crash' } : { kind: 'up' });
        faults.push({ atMs: at, kind: down ? `${label} (${role})` : label });
        return;
      }
    }
  };

  // Clients: each stream at its period from a random offset, to the member serving the VIPs.
  const streams = plan.streams;
  const offsets = streams.map((s) => Math.floor(rng.next() * s.stepMs));
  streams.forEach((s, i) => {
    const send = (): void => {
      const now = clock.monotonicNow();
      const server = (['primary', 'secondary'] as const).map((r) => members[r]).find((m) => m?.alive && m.serving);
      const d = server?.balancer.select(s.vipClass, s.flow);
      const node = d?.kind === 'server' ? (plan.nodeOfAddress.get(d.address) ?? d.address) : undefined;
      // Per client and VIP, as the lab counts them (one client may sit on different nodes per VIP).
      const client = `${s.client} ${s.vipClass}`;
      requests.push(node !== undefined ? { atMs: now, client, ok: true, node } : { atMs: now, client, ok: false });
      if (now + s.stepMs < end) clock.setTimer(s.stepMs, send);
    };
    clock.setTimer(offsets[i]!, send);
  });
  for (const ev of sc.balancerTimeline) clock.setTimer(ev.atMs + phaseMs, () => void applyFault(ev));
  if (sc.timeline.length > 0) notes.push('node faults are not simulated with a pair (every node stays up); run them without `pair:`');

  await startMember('primary');
  clock.setTimer(SECONDARY_START_MS, () => void startMember('secondary'));
  await clock.runUntilAsync(end);
  for (const m of Object.values(members)) {
    if (!m?.alive) continue;
    m.alive = false;
    m.engine?.stop();
    await m.ctl.stop();
    m.balancer.dispose();
  }
  const shifted = (ms: number): number => ms - phaseMs;
  const metrics = computePairMetrics(
    groupEvents.map((e) => ({ ...e, atMs: shifted(e.atMs) })),
    requests.map((r) => ({ ...r, atMs: shifted(r.atMs) })),
    faults.map((f) => ({ ...f, atMs: shifted(f.atMs) })),
    sc.durationMs,
  );
  return { phaseMs, faults: metrics.faults, duplicateActiveMs: metrics.duplicateActiveMs, notes };
}

export interface PairFaultSummary {
  kind: string;
  atMs: number;
  takeoverMs: Distribution | null;
  vipGapMs: Distribution | null;
  lostRequests: { mean: number; max: number };
  /** Clients that kept their node across the fault, over all runs (of those seen before and after). */
  stickyKept: number;
  stickyClients: number;
}

export interface PairSimulationReport {
  scenario: string;
  runs: number;
  seed: number;
  heartbeat: { intervalMs: number; count: number; detectMs: number };
  faults: PairFaultSummary[];
  duplicateActiveMs: Distribution | null;
  notes: string[];
}

/** Monte Carlo over the fault phase against the heartbeat schedule (uniform over one interval). */
export async function simulatePair(pp: PairSimPlan, runs: number, seed: number): Promise<{ report: PairSimulationReport; runs: PairSimRun[] }> {
  const rng = new SeededRng(seed);
  const results: PairSimRun[] = [];
  for (let i = 0; i < runs; i++) results.push(await runPairOnce(pp, Math.floor(rng.next() * pp.ft.primary.heartbeatIntervalMs), rng));
  const byIndex = pp.plan.sc.balancerTimeline.map((ev, i) => results.map((r) => r.faults[i]).filter((f): f is PairFaultMetrics => f !== undefined && f.atMs === ev.atMs));
  const faults: PairFaultSummary[] = byIndex
    .filter((fs) => fs.length > 0)
    .map((fs) => {
      const lost = fs.map((f) => f.lostRequests);
      return {
        kind: fs[0]!.kind,
        atMs: fs[0]!.atMs,
        takeoverMs: distribution(fs.map((f) => f.takeoverMs).filter((v): v is number => v !== null)),
        vipGapMs: distribution(fs.map((f) => f.vipGapMs).filter((v): v is number => v !== null)),
        lostRequests: { mean: lost.reduce((a, b) => a + b, 0) / lost.length, max: Math.max(...lost) },
        stickyKept: fs.reduce((n, f) => n + f.stickyKept, 0),
        stickyClients: fs.reduce((n, f) => n + f.stickyClients, 0),
      };
    });
  const fp = pp.ft.primary;
  return {
    report: {
      scenario: pp.plan.sc.name,
      runs,
      seed,
      heartbeat: { intervalMs: fp.heartbeatIntervalMs, count: fp.heartbeatCount, detectMs: pp.detectMs },
      faults,
      duplicateActiveMs: distribution(results.map((r) => r.duplicateActiveMs)),
      notes: [...new Set(results.flatMap((r) => r.notes))],
    },
    runs: results,
  };
}

/** The report as text lines (the CLI prints them). */
export function pairReportText(r: PairSimulationReport): string[] {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const dist = (d: Distribution | null): string => (d ? `p50 ${s(d.p50)} (min ${s(d.min)}, p90 ${s(d.p90)}, max ${s(d.max)})` : '—');
  const out = [`${r.scenario}: ${r.runs} simulated runs of the FT pair (seed ${r.seed}); heartbeat ${r.heartbeat.intervalMs} ms × ${r.heartbeat.count} = ${s(r.heartbeat.detectMs)} to detect a dead peer; fault phase uniform over one heartbeat interval`];
  for (const f of r.faults) {
    out.push(`${f.kind} at ${f.atMs / 1000} s:`);
    out.push(`  other member ACTIVE  ${dist(f.takeoverMs)}`);
    out.push(`  VIPs served          ${dist(f.vipGapMs)}`);
    out.push(`  requests lost        mean ${f.lostRequests.mean.toFixed(1)}, max ${f.lostRequests.max}`);
    out.push(`  clients kept node    ${f.stickyKept} of ${f.stickyClients}${f.stickyClients > 0 ? ` (${((100 * f.stickyKept) / f.stickyClients).toFixed(1)} %)` : ''}`);
  }
  out.push(`duplicate-active time ${dist(r.duplicateActiveMs)}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out;
}
