// One lab run: simulated nodes on the rservers' (mapped) addresses, the
// balancer runtime as the VIP, client traffic, the scenario's fault
// timeline; then metrics from the recorded events, compared with the windows
// the config predicts. Invariants: every node, listener, session and timer
// started here is stopped before runLab returns (also on failure); problems
// with the inputs come back as { ok: false, message }, never as exceptions.
// Timebase: the injected Clock runs the scaled experiment; every time in the
// result (events, metrics, predictions) is config time = real ms × timeScale,
// measured from the start of the timeline.
import type { ContextModel, Model } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import { sleep } from '../core/real-clock.js';
import { createRuntime, type BalancerRuntime, type ListenerInfo, type RuntimeOptions } from '../runtime/balancer-runtime.js';
import { pickContext, planVipListeners } from '../runtime/vip-plan.js';
import { ClientFleet, clientAddresses, type Endpoint, type SentTrap } from './clients.js';
import { computeMetrics, predictDetection, predictRecovery, type RunEvent, type RunMetrics, type Window } from './measure.js';
import type { FaultKind, Scenario, TimelineEvent } from './scenario.js';
import { SimNode, type NodeFault, type NodeRecord } from './sim-node.js';
import { scaleModel, toConfigMs, toRealMs } from './time-scale.js';
import type { TlsIdentity } from './tls-cert.js';

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

export interface LabRunResult {
  metrics: RunMetrics;
  predicted: { detectionMs?: Window; recoveryMs?: Window };
  checks: Check[];
  /** Config-time events, sorted (the HTML timeline draws them). */
  events: RunEvent[];
  nodes: LabNodeInfo[];
  durationMs: number;
  notes: string[];
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

/**
 * On loopback a blackholed node's kernel still completes the TCP handshake
 * (see docs/lab.md), so probes fail on the receive timeout, as for a hang.
 */
const predictedAs = (f: FaultKind): FaultKind => (f === 'blackhole' ? 'hang' : f);

export async function runLab(o: LabRunOptions): Promise<LabRunOutcome> {
  const { scenario, clock, timeScale: F } = o;
  const notes: string[] = [];
  const ctx0 = pickContext(o.model.contexts);
  if (!ctx0) return { ok: false, message: 'the config applies no VIP (class-map with `match virtual-address` in a service-policy)' };
  const plans = planNodes(ctx0, scenario, o.portOffset, notes);
  if (typeof plans === 'string') return { ok: false, message: plans };
  const model = withRealAddresses(o.model, ctx0.name, plans);
  const ctx = pickContext(model.contexts, ctx0.name)!;
  const clients = clientAddresses(scenario.traffic.clientRange, scenario.traffic.clients);
  if (typeof clients === 'string') return { ok: false, message: clients };
  if (!o.tls) notes.push('openssl not available: simulated nodes serve no HTTPS and clients send none; the HTTPS farm stays PROBE-FAILED and is left out of the measurements');

  const raw: RunEvent[] = [];
  const records: NodeRecord[] = [];
  const credentials = ctx.probes.filter((p) => p.credentials?.password !== undefined).map((p) => ({ username: p.credentials!.username, password: p.credentials!.password!.reveal() }));
  const nodes = new Map<string, SimNode>();
  let runtime: BalancerRuntime | undefined;
  let fleet: ClientFleet | undefined;
  const cancels: (() => void)[] = [];
  try {
    for (const p of plans) {
      if (!p.info.simulated) continue;
      const node = new SimNode({ name: p.info.name, address: p.info.address, clock, httpPorts: p.http, httpsPorts: p.https, udpPorts: p.udp, ...(o.tls ? { tls: o.tls } : {}), credentials, onRecord: (r) => records.push(r) });
      try {
        await node.start();
      } catch (e) {
        await node.stop();
        return { ok: false, message: `node ${p.info.name}: cannot listen on ${p.info.address} (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
      }
      nodes.set(p.info.name, node);
    }
    const created = createRuntime({ drainMs: 300, ...(o.runtime ?? {}), model: scaleModel(model, F), context: ctx.name, clock });
    if (!created.ok) return { ok: false, message: created.message };
    runtime = created.runtime;
    runtime.farmBus.on('real.state', (e) => raw.push({ type: 'real', atMs: e.atMs, farm: e.farm, address: e.address, to: e.to }));
    const started = await runtime.start();
    if (started.failures.length > 0) return { ok: false, message: `cannot listen on ${started.failures.map((f) => `${f.protocol} ${f.address}:${f.port} (${f.error})`).join(', ')}` };
    for (const w of started.warnings) notes.push(`runtime: ${w}`);
    const pick = (pred: (l: ListenerInfo) => boolean): Endpoint | undefined => {
      const l = started.listeners.find(pred);
      return l ? { host: l.address, port: l.port } : undefined;
    };
    const httpEp = pick((l) => l.protocol === 'tcp' && l.port - o.portOffset !== 443);
    const httpsEp = o.tls ? pick((l) => l.protocol === 'tcp' && l.port - o.portOffset === 443) : undefined;
    const trapEp = pick((l) => l.protocol === 'udp' && l.port - o.portOffset === 162) ?? pick((l) => l.protocol === 'udp');

    const t0 = clock.monotonicNow();
    const sent: SentTrap[] = [];
    const tr = scenario.traffic;
    fleet = new ClientFleet({
      clock,
      clients,
      ...(httpEp ? { http: httpEp } : {}),
      ...(httpsEp ? { https: httpsEp } : {}),
      ...(trapEp ? { trap: trapEp } : {}),
      // Rates are per config second; the scaled run is F times faster.
      httpPerClientPerS: tr.httpPerClientPerS * F,
      httpsPerClientPerS: tr.httpsPerClientPerS * F,
      trapsPerClientPerS: tr.trapsPerClientPerS * F,
      // Clients give up after 10 s of config time, never under 2 s real (event-loop stalls are not node faults).
      timeoutMs: Math.max(2000, toRealMs(10_000, F)),
      onRequest: (e) => raw.push(e),
      onTrapSent: (t) => sent.push(t),
    });
    fleet.start();
    for (const ev of scenario.timeline) {
      const plan = plans.find((p) => p.info.name === ev.node)!;
      cancels.push(
        clock.setTimer(toRealMs(ev.atMs, F), () => {
          raw.push({ type: 'fault', atMs: clock.monotonicNow(), node: ev.node, address: plan.info.address, fault: ev.fault });
          const node = nodes.get(ev.node);
          if (node) void node.apply(toNodeFault(ev, F));
          else notes.push(`timeline: ${ev.fault} ${ev.node} at ${ev.atMs / 1000} s not applied (a real node takes no faults from the lab)`);
        }),
      );
    }
    const realDuration = toRealMs(scenario.durationMs, F);
    const steps = 20;
    for (let i = 1; i <= steps; i++) {
      await sleep(clock, t0 + Math.round((realDuration * i) / steps) - clock.monotonicNow());
      const reqs = raw.filter((e) => e.type === 'request');
      o.onProgress?.({ atMs: Math.min(scenario.durationMs, toConfigMs(clock.monotonicNow() - t0, F)), durationMs: scenario.durationMs, requests: reqs.length, lost: reqs.filter((e) => e.type === 'request' && !e.ok).length });
    }
    await fleet.stop();
    fleet = undefined;
    // Traps: delivered when a node recorded the id; a short grace for datagrams in flight.
    await sleep(clock, 50);
    const got = new Map(records.filter((r) => r.proto === 'udp' && r.id !== undefined).map((r) => [r.id!, r]));
    for (const s of sent) {
      const r = got.get(s.id);
      raw.push({ type: 'request', atMs: s.atMs, client: s.client, kind: 'trap', ok: r !== undefined, ...(r ? { node: r.node, seenSource: r.source } : {}) });
    }

    // Config time from the start of the timeline.
    const events = raw
      .map((e) => ({ ...e, atMs: toConfigMs(e.atMs - t0, F) }))
      .sort((a, b) => a.atMs - b.atMs);
    const firstFault = events.find((e) => e.type === 'fault' && e.fault !== 'recover') as Extract<RunEvent, { type: 'fault' }> | undefined;
    // A farm where the node was already out of service when the fault hit
    // (e.g. HTTPS without openssl) cannot show detection or recovery.
    const farmsOf = (address: string): string[] => {
      const state = new Map<string, string>();
      for (const e of events) {
        if (firstFault && e.atMs > firstFault.atMs) break;
        if (e.type === 'real' && e.address === address) state.set(e.farm, e.to);
      }
      return ctx.serverfarms
        .filter((sf) => sf.members.some((m) => ctx.rservers.find((r) => r.name === m.rserver.name)?.ipAddress === address))
        .map((sf) => sf.name)
        .filter((f) => (state.get(f) ?? 'OPERATIONAL') === 'OPERATIONAL');
    };
    const metrics = computeMetrics(events, farmsOf);
    const predicted: LabRunResult['predicted'] = {};
    const checks: Check[] = [];
    if (firstFault) {
      const tev = scenario.timeline.find((e) => e.fault === firstFault.fault && e.node === firstFault.node)!;
      const plan = plans.find((p) => p.info.name === firstFault.node)!;
      const farms = new Set(farmsOf(firstFault.address));
      const only = { ...ctx, serverfarms: ctx.serverfarms.filter((sf) => farms.has(sf.name)) };
      const d = predictDetection(only, plan.info.rserver, predictedAs(firstFault.fault), tev.ms ?? 0, tev.status ?? 503);
      if (d) predicted.detectionMs = d;
      if (scenario.timeline.some((e) => e.fault === 'recover' && e.node === firstFault.node && e.atMs >= tev.atMs)) {
        const r = predictRecovery(only, plan.info.rserver);
        if (r) predicted.recoveryMs = r;
      }
    }
    const windowCheck = (name: string, measured: number | null, w: Window | undefined): void => {
      if (!w) return;
      const tol = toleranceMs(w, F);
      checks.push({ name, measured, window: w, tolerance: tol, ok: measured !== null && measured >= w[0] - tol && measured <= w[1] + tol });
    };
    windowCheck('detection', metrics.detectionMs, predicted.detectionMs);
    windowCheck('recovery', metrics.recoveryMs, predicted.recoveryMs);
    const ex = scenario.expect;
    const maxCheck = (name: string, measured: number | null, max: number | undefined): void => {
      if (max !== undefined) checks.push({ name, measured, window: [0, max], tolerance: 0, ok: measured !== null && measured <= max });
    };
    maxCheck('expect.maxDetection', metrics.detectionMs, ex.maxDetectionMs);
    maxCheck('expect.maxFailover', metrics.failoverMs, ex.maxFailoverMs);
    maxCheck('expect.maxLostRequests', metrics.lostRequests, ex.maxLostRequests);
    maxCheck('expect.maxSourceMismatches', metrics.sourceMismatches, ex.maxSourceMismatches);
    return { ok: true, result: { metrics, predicted, checks, events, nodes: plans.map((p) => p.info), durationMs: scenario.durationMs, notes } };
  } finally {
    for (const c of cancels) c();
    if (fleet) await fleet.stop();
    if (runtime) await runtime.stop();
    await Promise.all([...nodes.values()].map((n) => n.stop()));
  }
}
