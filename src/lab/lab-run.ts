// One lab run: simulated nodes on the rservers' (mapped) addresses, the
// balancer runtime as the VIP, client traffic, the scenario's fault
// timeline; then metrics from the recorded events, compared with the windows
// the config predicts. Invariants: every node, listener, session and timer
// started here is stopped before runLab returns (also on failure); problems
// with the inputs come back as { ok: false, message }, never as exceptions.
// Timebase: the injected Clock runs the scaled experiment; every time in the
// result (events, metrics, predictions) is config time = real ms × timeScale,
// measured from the start of the timeline. A fault is stamped when it is in
// effect on the node (a blackhole takes tens of ms to engage), not when its
// timer fired.
import type { ContextModel, Model } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import { sleep } from '../core/real-clock.js';
import type { ProbeEvent } from '../probes/types.js';
import { createRuntime, type BalancerRuntime, type ListenerInfo, type RuntimeOptions } from '../runtime/balancer-runtime.js';
import { pickContext, planVipListeners } from '../runtime/vip-plan.js';
import { ClientFleet, clientAddresses, fleetSilence, type Endpoint, type FleetOptions, type SentTrap } from './clients.js';
import { computeMetrics, faultMetrics, lossCauses, predictDetection, predictRecovery, type FaultMetrics, type RunEvent, type RunMetrics, type Window } from './measure.js';
import type { Scenario, TimelineEvent } from './scenario.js';
import { HaproxyEngine, type LabVipEngine } from './engine-haproxy.js';
import { createPairRun, pairMetrics, schedulePairFaults, type PairRun } from './pair-run.js';
import type { PairMetrics } from './pair-measure.js';
import { SimNode, type NodeFault, type NodeRecord, type SimNodeOptions } from './sim-node.js';
import { scaleModel, toConfigMs, toRealMs } from './time-scale.js';
import type { TlsIdentity } from './tls-cert.js';
import { LATE_START_MS } from '../probes/start-lag.js';

/** Real-time scheduling slack allowed around a predicted window (config ms): 10 % of its upper bound + 200 ms × F. */
export function toleranceMs(w: Window, timeScale: number): number {
  return Math.round(0.1 * w[1] + 200 * timeScale);
}

export interface Check {
  name: string;
  measured: number | null;
  /** Predicted window or expectation bound [lo, hi] (config ms, or a count). */
  window: Window;
  tolerance: number;
  ok: boolean;
}

export interface LabNodeInfo {
  name: string;
  rserver: string;
  address: string;
  simulated: boolean;
}

export interface Predicted {
  detectionMs?: Window;
  recoveryMs?: Window;
}

/** One fault of the timeline, measured, predicted and checked on its own. */
export interface LabFaultResult extends FaultMetrics {
  predicted: Predicted;
  checks: Check[];
}

/** A probe verdict FAILED on a node that had no fault: the run's own timing (load, scale) failed it. */
export interface FalseFailure {
  /** Config ms. */
  atMs: number;
  node: string;
  farm?: string;
  probe: string;
  cause: string;
}

/** Probe attempts on nodes without a fault (HTTPS left out without openssl): how noisy the run was. */
export interface ProbeStats {
  attempts: number;
  failed: number;
  failedByCause: Record<string, number>;
  /**
   * How late the balancer's probe attempts started at worst, in config time (real lateness ×
   * time scale); absent when its events do not say (HAProxy, the network-namespace lab).
   */
  worstStartLagMs?: number;
}

export interface LabRunResult {
  /** Totals, and the timings of the first fault (the JSON shape of issue 6). */
  metrics: RunMetrics;
  predicted: Predicted;
  checks: Check[];
  /** Every fault of the timeline (recovers excluded), in time order. */
  faults: LabFaultResult[];
  probes: ProbeStats;
  /** Failed client requests by how the client saw them fail (measure.ts lossCauses). */
  lostByCause: Record<string, number>;
  falseFailures: FalseFailure[];
  /** Config-time events, sorted (the HTML timeline draws them). */
  events: RunEvent[];
  nodes: LabNodeInfo[];
  durationMs: number;
  notes: string[];
  /** FT-pair scenarios (`pair:`): takeover, VIP gap, losses and stickiness per balancer fault; duplicate-active time. */
  pair?: PairMetrics;
}

export interface LabRunOptions {
  scenario: Scenario;
  /** The config model after the scenario's address map and port offset. */
  model: Model;
  portOffset: number;
  timeScale: number;
  clock: Clock;
  /** undefined: HTTPS is neither served by simulated nodes nor sent by clients. */
  tls?: TlsIdentity;
  /** Called about 20 times per run (config ms elapsed, requests so far, lost so far). */
  onProgress?: (p: { atMs: number; durationMs: number; requests: number; lost: number }) => void;
  runtime?: Partial<Omit<RuntimeOptions, 'model' | 'clock'>>;
  /** The VIP: acesim's runtime (default) or HAProxy with the exported config (engine-haproxy.ts); probe statistics come from acesim only. */
  engine?: 'acesim' | 'haproxy';
  /** Nodes, clients and VIP elsewhere (netns-lab.ts); probe statistics come from the placement's onProbe. */
  placement?: LabPlacement;
}

/** What the lab needs of a node (SimNode in this process, or one in a namespace). */
export type LabNode = Pick<SimNode, 'start' | 'stop' | 'apply' | 'prepare' | 'effectiveAtMs'>;
/** What the lab needs of the client fleet. */
export interface LabFleet {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where nodes, clients and the VIP run when not in this process (the
 * network-namespace lab, netns-lab.ts): same timeline, same measurements.
 */
export interface LabPlacement {
  /** The client addresses (instead of the scenario's clientRange). */
  clients: string[];
  node(o: SimNodeOptions): LabNode;
  fleet(o: FleetOptions): LabFleet;
  engine: LabVipEngine;
  /** An FT-pair scenario's members, placed too (their engine is `engine`). */
  pair?: PairRun;
  /** The placed balancer's probe results and verdicts (its events file), stamped on the lab's clock. */
  onProbe?(cb: (e: ProbeEvent & { atMs: number }) => void): void;
}

export type LabRunOutcome = { ok: true; result: LabRunResult } | { ok: false; message: string };

interface NodePlan {
  info: LabNodeInfo;
  http: number[];
  https: number[];
  udp: number[];
}

/** The ports a node must serve: farm member ports, or the VIP's port for members without one. */
function planNodes(ctx: ContextModel, scenario: Scenario, portOffset: number, notes: string[]): NodePlan[] | string {
  const listeners = planVipListeners(ctx).listeners;
  const out: NodePlan[] = [];
  for (const n of scenario.nodes) {
    const rs = ctx.rservers.find((r) => r.name === n.rserver);
    if (!rs) return `${scenario.file}:${n.pos.line}:${n.pos.col}: node ${n.name}: the config has no rserver "${n.rserver}" (rservers: ${ctx.rservers.map((r) => r.name).join(', ') || 'none'})`;
    const real = n.address !== undefined;
    const address = real ? n.address!.split(':')[0]! : rs.ipAddress;
    if (address === undefined) return `node ${n.name}: rserver ${n.rserver} has no ip address`;
    const tcp = new Set<number>();
    const udp = new Set<number>();
    for (const sf of ctx.serverfarms) {
      for (const m of sf.members) {
        if (m.rserver.name !== rs.name) continue;
        for (const l of listeners.filter((x) => x.farms.includes(sf.name))) (l.protocol === 'tcp' ? tcp : udp).add(m.port ?? l.port);
      }
    }
    const httpsProbePorts = new Set(ctx.probes.filter((p) => p.type === 'https' && p.port !== undefined).map((p) => p.port!));
    const isHttps = (p: number): boolean => p - portOffset === 443 || httpsProbePorts.has(p);
    const plan: NodePlan = { info: { name: n.name, rserver: n.rserver, address, simulated: !real }, http: [...tcp].filter((p) => !isHttps(p)), https: [...tcp].filter(isHttps), udp: [...udp] };
    if (real) {
      const port = Number(n.address!.split(':')[1]);
      if (![...tcp, ...udp].includes(port)) notes.push(`node ${n.name} (${n.address}) is a real server: the config sends it traffic on port(s) ${[...tcp, ...udp].join(', ')}, not ${port}`);
    }
    out.push(plan);
  }
  return out;
}

/** A real node stands at its own address: point the rserver there. */
function withRealAddresses(model: Model, ctxName: string, plans: NodePlan[]): Model {
  const reals = new Map(plans.filter((p) => !p.info.simulated).map((p) => [p.info.rserver, p.info.address]));
  if (reals.size === 0) return model;
  return {
    ...model,
    contexts: model.contexts.map((c) => (c.name !== ctxName ? c : { ...c, rservers: c.rservers.map((r) => (reals.has(r.name) ? { ...r, ipAddress: reals.get(r.name)! } : r)) })),
  };
}

function toNodeFault(e: TimelineEvent, timeScale: number): NodeFault {
  switch (e.fault) {
    case 'crash':
      return { kind: 'crash' };
    case 'hang':
      return { kind: 'hang' };
    case 'blackhole':
      return { kind: 'blackhole' };
    case 'slow':
      return { kind: 'slow', ms: toRealMs(e.ms ?? 0, timeScale) };
    case 'flap':
      return { kind: 'flap', ms: Math.max(1, toRealMs(e.ms ?? 1000, timeScale)) };
    case 'http-error':
      return { kind: 'http-error', status: e.status ?? 503 };
    case 'recover':
      return { kind: 'up' };
  }
}

/** Faults the lab cannot inject into a real node (every kind but recover): the reason, or undefined. */
export function realNodeFaults(scenario: Scenario): string | undefined {
  const reals = new Map(scenario.nodes.filter((n) => n.address !== undefined).map((n) => [n.name, n.address!]));
  const bad = scenario.timeline.find((e) => reals.has(e.node));
  if (!bad) return undefined;
  return `${scenario.file}:${bad.pos.line}:${bad.pos.col}: timeline: ${bad.fault} ${bad.node}: ${bad.node} is a real node (${reals.get(bad.node)}); acesim injects faults only into the nodes it simulates`;
}

export async function runLab(o: LabRunOptions): Promise<LabRunOutcome> {
  const { scenario, clock, timeScale: F } = o;
  const notes: string[] = [];
  const ctx0 = pickContext(o.model.contexts);
  if (!ctx0) return { ok: false, message: 'the config applies no VIP (class-map with `match virtual-address` in a service-policy)' };
  const plans = planNodes(ctx0, scenario, o.portOffset, notes);
  if (typeof plans === 'string') return { ok: false, message: plans };
  const realFault = realNodeFaults(scenario);
  if (realFault) return { ok: false, message: realFault };
  const model = withRealAddresses(o.model, ctx0.name, plans);
  const ctx = pickContext(model.contexts, ctx0.name)!;
  const clients = o.placement?.clients ?? clientAddresses(scenario.traffic.clientRange, scenario.traffic.clients);
  if (typeof clients === 'string') return { ok: false, message: clients };
  if (!o.tls) notes.push('no TLS certificate for the simulated nodes (openssl makes one): they serve no HTTPS and clients send none; the HTTPS farm stays PROBE-FAILED and is left out of the measurements');

  const raw: RunEvent[] = [];
  const probes: ProbeStats = { attempts: 0, failed: 0, failedByCause: {} };
  const falseRaw: FalseFailure[] = [];
  const records: NodeRecord[] = [];
  const credentials = ctx.probes.filter((p) => p.credentials?.password !== undefined).map((p) => ({ username: p.credentials!.username, password: p.credentials!.password!.reveal() }));
  const nodes = new Map<string, LabNode>();
  let runtime: BalancerRuntime | undefined;
  let haproxy: HaproxyEngine | undefined;
  let pair: PairRun | undefined;
  let fleet: LabFleet | undefined;
  const cancels: (() => void)[] = [];
  try {
    for (const p of plans) {
      if (!p.info.simulated) continue;
      const nodeOpts: SimNodeOptions = { name: p.info.name, address: p.info.address, clock, httpPorts: p.http, httpsPorts: p.https, udpPorts: p.udp, ...(o.tls ? { tls: o.tls } : {}), credentials, onRecord: (r) => records.push(r) };
      const node = o.placement ? o.placement.node(nodeOpts) : new SimNode(nodeOpts);
      try {
        await node.start();
      } catch (e) {
        await node.stop();
        return { ok: false, message: `node ${p.info.name}: cannot listen on ${p.info.address} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e)})` };
      }
      nodes.set(p.info.name, node);
      // A blackhole needs its holder process: start it now, so the fault lands on time.
      if (scenario.timeline.some((e) => e.node === p.info.name && e.fault === 'blackhole')) await node.prepare('blackhole');
    }
    o.placement?.engine.onRealState((e) => raw.push({ type: 'real', ...e }));
    if (o.engine === 'haproxy') {
      haproxy = new HaproxyEngine({ model: scaleModel(model, F), context: ctx.name, clock, reassign: scenario.reassign });
      haproxy.onRealState((e) => raw.push({ type: 'real', ...e }));
    }
    const created = createRuntime({ drainMs: 300, ...(o.runtime ?? {}), model: scaleModel(model, F), context: ctx.name, clock });
    if (!created.ok) return { ok: false, message: created.message };
    runtime = created.runtime;
    runtime.farmBus.on('real.state', (e) => raw.push({ type: 'real', atMs: e.atMs, farm: e.farm, address: e.address, to: e.to, from: e.from }));
    // Probe noise and false verdicts: attempts on a node with no fault. A fault counts
    // from its timer until `grace` after its recover (attempts in flight then end late).
    const nameOf = new Map(plans.map((p) => [p.info.address, p.info.name]));
    const scaled = scaleModel(model, F).contexts.find((c) => c.name === ctx.name)!;
    const grace = Math.max(0, ...scaled.probes.map((p) => p.openMs + p.receiveMs));
    const faultyUntil = new Map<string, number>();
    const healthy = (address: string, probeType: string): boolean => (o.tls !== undefined || probeType !== 'https') && clock.monotonicNow() >= (faultyUntil.get(address) ?? -Infinity);
    let worstLagRealMs: number | undefined;
    const onProbe = (e: ProbeEvent & { atMs: number }): void => {
      // Lateness is the balancer's own health, whatever node the attempt was for.
      if (e.type === 'probe.result' && e.startLagMs !== undefined && e.startLagMs > (worstLagRealMs ?? -1)) worstLagRealMs = e.startLagMs;
      if (!nameOf.has(e.key.address) || !healthy(e.key.address, e.key.probeType)) return;
      if (e.type === 'probe.result') {
        probes.attempts++;
        if (e.result.ok) return;
        probes.failed++;
        probes.failedByCause[e.result.cause] = (probes.failedByCause[e.result.cause] ?? 0) + 1;
      } else if (e.to === 'FAILED') {
        falseRaw.push({ atMs: e.atMs, node: nameOf.get(e.key.address)!, ...(e.key.farm !== undefined ? { farm: e.key.farm } : {}), probe: e.key.probe, cause: e.cause });
      }
    };
    // A placed balancer (another process) reports its probe events itself; this process's runtime then never probes.
    if (o.placement?.onProbe) o.placement.onProbe(onProbe);
    else runtime.probeBus.subscribe(onProbe);
    // With HAProxy as the VIP the runtime is built (its buses are wired above) but never started.
    if (scenario.pair && !haproxy) {
      const pr = o.placement?.pair ?? createPairRun(model, ctx.name, scenario, F, clock);
      if (typeof pr === 'string') return { ok: false, message: pr };
      pair = pr;
      // A placed pair is the placement's engine, whose real-state events are already wired above.
      if (pair.engine !== o.placement?.engine) pair.engine.onRealState((e) => raw.push({ type: 'real', ...e }));
    }
    const started = o.placement ? await o.placement.engine.start() : haproxy ? await haproxy.start() : pair ? await pair.engine.start() : await runtime.start();
    if (started.failures.length > 0) return { ok: false, message: `cannot listen on ${started.failures.map((f) => `${f.protocol} ${f.address}:${f.port} (${f.error})`).join(', ')}` };
    for (const w of started.warnings) notes.push(`runtime: ${w}`);
    const pick = (pred: (l: ListenerInfo) => boolean): Endpoint | undefined => {
      const l = started.listeners.find(pred);
      return l ? { host: l.address, port: l.port } : undefined;
    };
    const httpEp = pick((l) => l.protocol === 'tcp' && l.port - o.portOffset !== 443);
    const httpsEp = o.tls ? pick((l) => l.protocol === 'tcp' && l.port - o.portOffset === 443) : undefined;
    const trapEp = pick((l) => l.protocol === 'udp' && l.port - o.portOffset === 162) ?? pick((l) => l.protocol === 'udp');

    const sent: SentTrap[] = [];
    const tr = scenario.traffic;
    const fleetOpts: FleetOptions = {
      clock,
      clients,
      ...(httpEp ? { http: httpEp } : {}),
      ...(httpsEp ? { https: httpsEp } : {}),
      ...(trapEp ? { trap: trapEp } : {}),
      // Rates are per config second; the scaled run is F times faster.
      httpPerClientPerS: tr.httpPerClientPerS * F,
      httpsPerClientPerS: o.tls ? tr.httpsPerClientPerS * F : 0, // without openssl: noted above
      trapsPerClientPerS: tr.trapsPerClientPerS * F,
      // Clients give up after 10 s of config time, never under 2 s real (event-loop stalls are not node faults).
      timeoutMs: Math.max(2000, toRealMs(10_000, F)),
      onRequest: (e) => raw.push(e),
      onTrapSent: (t) => sent.push(t),
    };
    fleet = o.placement ? o.placement.fleet(fleetOpts) : new ClientFleet(fleetOpts);
    try {
      await fleet.start();
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    // After start: a fleet in another process takes a moment to come up, and the timeline counts from its first request.
    const t0 = clock.monotonicNow();
    const applied: Promise<void>[] = [];
    for (const ev of scenario.timeline) {
      const plan = plans.find((p) => p.info.name === ev.node)!;
      const node = nodes.get(ev.node)!; // real nodes were refused above
      cancels.push(
        clock.setTimer(toRealMs(ev.atMs, F), () => {
          if (ev.fault !== 'recover') faultyUntil.set(plan.info.address, Infinity);
          applied.push(
            node.apply(toNodeFault(ev, F)).then(
              () => {
                const now = node.effectiveAtMs;
                raw.push({ type: 'fault', atMs: now, node: ev.node, address: plan.info.address, fault: ev.fault });
                if (ev.fault === 'recover') faultyUntil.set(plan.info.address, now + grace);
              },
              (e: unknown) => void notes.push(`timeline: ${ev.fault} ${ev.node} at ${ev.atMs / 1000} s failed: ${String(e)}`),
            ),
          );
        }),
      );
    }
    if (pair) cancels.push(...schedulePairFaults(pair, scenario.balancerTimeline, F, clock, applied));
    const realDuration = toRealMs(scenario.durationMs, F);
    const steps = 20;
    for (let i = 1; i <= steps; i++) {
      await sleep(clock, t0 + Math.round((realDuration * i) / steps) - clock.monotonicNow());
      const reqs = raw.filter((e) => e.type === 'request');
      o.onProgress?.({ atMs: Math.min(scenario.durationMs, toConfigMs(clock.monotonicNow() - t0, F)), durationMs: scenario.durationMs, requests: reqs.length, lost: reqs.filter((e) => e.type === 'request' && !e.ok).length });
    }
    const ranMs = clock.monotonicNow() - t0;
    await fleet.stop();
    fleet = undefined;
    await Promise.all(applied);
    // Traps: delivered when a node recorded the id; a short grace for datagrams in flight.
    await sleep(clock, 50);
    const byId = new Map(records.filter((r) => r.id !== undefined && !r.probe).map((r) => [r.id!, r]));
    for (const s of sent) {
      const r = byId.get(s.id);
      const ok = r !== undefined && r.status !== 'dropped';
      raw.push({ type: 'request', atMs: s.atMs, client: s.client, kind: 'trap', ok, ...(r ? { node: r.node } : {}), ...(ok ? { seenSource: r.source } : {}) });
    }
    notes.push(...fleetSilence(fleetOpts, raw.filter((e) => e.type === 'request'), ranMs));
    // A failed request that reached a node (held by a hang, answered too late) is that node's failure.
    for (const e of raw) {
      if (e.type !== 'request' || e.ok || e.node !== undefined || e.id === undefined) continue;
      const r = byId.get(e.id);
      if (r) e.node = r.node;
    }

    // Config time from the start of the timeline.
    const events = raw
      .map((e) => ({ ...e, atMs: toConfigMs(e.atMs - t0, F) }))
      .sort((a, b) => a.atMs - b.atMs);
    type FaultEvent = Extract<RunEvent, { type: 'fault' }>;
    // A farm where the node was already out of service when the fault hit
    // (HTTPS without openssl, a fault on top of another) cannot show detection or recovery.
    const farmsAt = (address: string, atMs: number): string[] => {
      const state = new Map<string, string>();
      for (const e of events) {
        if (e.atMs > atMs) break;
        if (e.type === 'real' && e.address === address) state.set(e.farm, e.to);
      }
      return ctx.serverfarms
        .filter((sf) => sf.members.some((m) => ctx.rservers.find((r) => r.name === m.rserver.name)?.ipAddress === address))
        .map((sf) => sf.name)
        .filter((f) => (state.get(f) ?? 'OPERATIONAL') === 'OPERATIONAL');
    };
    const firstFault = events.find((e): e is FaultEvent => e.type === 'fault' && e.fault !== 'recover');
    const metrics = computeMetrics(events, (address) => farmsAt(address, firstFault?.atMs ?? Infinity));
    const windowCheck = (into: Check[], name: string, measured: number | null, w: Window | undefined): void => {
      if (!w) return;
      const tol = toleranceMs(w, F);
      into.push({ name, measured, window: w, tolerance: tol, ok: measured !== null && measured >= w[0] - tol && measured <= w[1] + tol });
    };
    // The timeline entry behind each measured fault, in order (faults are stamped in timeline order per node).
    const entries = scenario.timeline.filter((e) => e.fault !== 'recover');
    const used = new Set<TimelineEvent>();
    const faults: LabFaultResult[] = faultMetrics(events, (f) => farmsAt(f.address, f.atMs)).map((fm) => {
      const tev = entries.find((e) => e.node === fm.node && e.fault === fm.fault && !used.has(e))!;
      used.add(tev);
      const plan = plans.find((p) => p.info.name === fm.node)!;
      const farms = new Set(farmsAt(fm.address, fm.atMs));
      const only = { ...ctx, serverfarms: ctx.serverfarms.filter((sf) => farms.has(sf.name)) };
      const predicted: Predicted = {};
      const d = predictDetection(only, plan.info.rserver, fm.fault, tev.ms ?? 0, tev.status ?? 503);
      if (d) predicted.detectionMs = d;
      if (fm.recoverAtMs !== null) {
        const r = predictRecovery(only, plan.info.rserver);
        if (r) predicted.recoveryMs = r;
      }
      const checks: Check[] = [];
      windowCheck(checks, 'detection', fm.detectionMs, predicted.detectionMs);
      windowCheck(checks, 'recovery', fm.recoveryMs, predicted.recoveryMs);
      return { ...fm, predicted, checks };
    });
    // The first fault's prediction and checks stay at the top level (issue 6's JSON shape).
    const predicted: Predicted = faults[0]?.predicted ?? {};
    const checks: Check[] = [...(faults[0]?.checks ?? [])];
    for (const f of faults.slice(1)) for (const c of f.checks) checks.push({ ...c, name: `${c.name} (${f.fault} ${f.node} at ${f.atMs / 1000} s)` });
    const falseFailures = falseRaw.map((x) => ({ ...x, atMs: toConfigMs(x.atMs - t0, F) }));
    checks.push({ name: 'falseFailures', measured: falseFailures.length, window: [0, 0], tolerance: 0, ok: falseFailures.length === 0 });
    if (falseFailures.length > 0) {
      notes.push(`${falseFailures.length} probe verdict(s) FAILED on a node without a fault (first: ${falseFailures[0]!.probe} on ${falseFailures[0]!.node} at ${(falseFailures[0]!.atMs / 1000).toFixed(1)} s, ${falseFailures[0]!.cause}): the machine could not keep up at time scale ${F}; measurements of this run are suspect — lower --time-scale`);
    }
    if (worstLagRealMs !== undefined) {
      probes.worstStartLagMs = Math.round(worstLagRealMs * F);
      if (probes.worstStartLagMs >= LATE_START_MS) {
        notes.push(`probe attempts started up to ${(probes.worstStartLagMs / 1000).toFixed(1)} s late (config time; ${Math.round(worstLagRealMs)} ms real): the machine could not keep up at time scale ${F}, and a late attempt can fail a healthy node — lower --time-scale`);
      }
    }
    const ex = scenario.expect;
    const maxCheck = (name: string, measured: number | null, max: number | undefined): void => {
      if (max !== undefined) checks.push({ name, measured, window: [0, max], tolerance: 0, ok: measured !== null && measured <= max });
    };
    maxCheck('expect.maxDetection', metrics.detectionMs, ex.maxDetectionMs);
    maxCheck('expect.maxFailover', metrics.failoverMs, ex.maxFailoverMs);
    maxCheck('expect.maxLostRequests', metrics.lostRequests, ex.maxLostRequests);
    maxCheck('expect.maxSourceMismatches', metrics.sourceMismatches, ex.maxSourceMismatches);
    let pairOut: PairMetrics | undefined;
    if (pair) {
      notes.push(...pair.notes);
      const reqs = events.filter((e): e is Extract<RunEvent, { type: 'request' }> => e.type === 'request').map((e) => ({ atMs: e.atMs, client: `${e.client} ${e.kind}`, ok: e.ok, ...(e.node !== undefined ? { node: e.node } : {}), ...(e.kind === 'trap' ? { trap: true } : {}) })); // stickiness is per client and VIP (each VIP has its own sticky group)
      pairOut = pairMetrics(pair, reqs, t0, F, clock.monotonicNow());
      checks.push({ name: 'pair.stickyKept', measured: pairOut.faults.reduce((n, f) => n + f.stickyClients - f.stickyKept, 0), window: [0, 0], tolerance: 0, ok: pairOut.faults.every((f) => f.stickyKept === f.stickyClients) });
    }
    return { ok: true, result: { metrics, predicted, checks, faults, probes, lostByCause: lossCauses(events), falseFailures, events, nodes: plans.map((p) => p.info), durationMs: scenario.durationMs, notes, ...(pairOut ? { pair: pairOut } : {}) } };
  } finally {
    for (const c of cancels) c();
    if (fleet) await fleet.stop();
    if (runtime) await runtime.stop();
    if (haproxy) await haproxy.stop();
    if (o.placement) await o.placement.engine.stop();
    if (pair) {
      await pair.engine.stop();
      pair.cleanup();
    }
    await Promise.all([...nodes.values()].map((n) => n.stop()));
  }
}
