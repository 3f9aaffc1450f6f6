// `acesim simulate`: the real probe engine, balancer and sticky tables on a
// virtual clock with a simulated network, driven by a lab scenario. One run
// plays the timeline with the fault shifted by a random phase against the
// probe schedules; Monte Carlo over many runs gives the distributions.
// Timebase: virtual milliseconds (config time); randomness from a seeded Rng.
import type { ContextModel } from '../config/model.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';
import { formatIpv4, parseIpv4 } from '../config/ip.js';
import { EventBus } from '../core/event-bus.js';
import { SeededRng, type Rng } from '../core/rng.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { Balancer, type BalancerEvent } from '../farm/balancer.js';
import type { Flow } from '../farm/types.js';
import { computeMetrics, predictDetection, predictRecovery, probesOfMember, type RunEvent, type RunMetrics, type Window } from '../lab/measure.js';
import type { Scenario, TimelineEvent } from '../lab/scenario.js';
import { planProbeInstances } from '../probes/instances.js';
import { DEFAULT_PROBE_OPTIONS } from '../probes/options.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeEvent } from '../probes/types.js';
import { SimNetwork, type NodeCondition } from './sim-network.js';

export interface SimRunOptions {
  /** Shift of every timeline event, so the fault lands at a random phase of the probe cycles. */
  phaseMs: number;
  rng: Rng;
}

export interface SimRun {
  phaseMs: number;
  metrics: RunMetrics;
}

interface TrafficVips {
  http?: ResolvedVip;
  https?: ResolvedVip;
  trap?: ResolvedVip;
}

/** The VIPs client traffic goes to: HTTP on tcp 80 (else the first TCP VIP but 443), HTTPS on tcp 443, traps on udp 162. */
export function trafficVips(ctx: ContextModel): TrafficVips {
  const vips = resolveVips(ctx).filter((v) => v.inservice);
  const eq = (v: ResolvedVip, proto: string, port: number) => v.protocol === proto && v.ports.kind === 'eq' && v.ports.port === port;
  const out: TrafficVips = {};
  const http = vips.find((v) => eq(v, 'tcp', 80)) ?? vips.find((v) => v.protocol === 'tcp' && !eq(v, 'tcp', 443));
  const https = vips.find((v) => eq(v, 'tcp', 443));
  const trap = vips.find((v) => eq(v, 'udp', 162)) ?? vips.find((v) => v.protocol === 'udp');
  if (http) out.http = http;
  if (https) out.https = https;
  if (trap) out.trap = trap;
  return out;
}

function vipPort(v: ResolvedVip): number {
  return v.ports.kind === 'eq' ? v.ports.port : v.ports.kind === 'range' ? v.ports.from : 0;
}

function conditionOf(ev: TimelineEvent): NodeCondition {
  switch (ev.fault) {
    case 'crash':
    case 'flap':
      return { kind: 'crash' };
    case 'hang':
      return { kind: 'hang' };
    case 'blackhole':
      return { kind: 'blackhole' };
    case 'slow':
      return { kind: 'slow', ms: ev.ms ?? 0 };
    case 'http-error':
      return { kind: 'http-error', status: ev.status ?? 503 };
    case 'recover':
      return { kind: 'up' };
  }
}

/** Farms whose probes watch the rserver at this address (the ones detection waits for). */
export function probedFarmsOf(ctx: ContextModel, address: string): string[] {
  const rs = ctx.rservers.filter((r) => r.ipAddress === address).map((r) => r.name);
  return ctx.serverfarms.filter((f) => f.members.some((m) => rs.includes(m.rserver.name) && probesOfMember(ctx, f.name, m.rserver.name).length > 0)).map((f) => f.name);
}

export async function simulateOnce(ctx: ContextModel, sc: Scenario, opts: SimRunOptions): Promise<SimRun> {
  const clock = new VirtualClock();
  const net = new SimNetwork(clock, DEFAULT_PROBE_OPTIONS, 1, () => clock.requestFlush());
  const probeBus = new EventBus<ProbeEvent>(clock);
  const farmBus = new EventBus<BalancerEvent>(clock);
  const balancer = new Balancer({ context: ctx, clock, bus: farmBus });
  balancer.attachProbes(probeBus);
  const engine = new ProbeEngine({ clock, prober: net, bus: probeBus });
  const events: RunEvent[] = [];
  farmBus.on('real.state', (e) => events.push({ type: 'real', atMs: e.atMs, farm: e.farm, address: e.address, to: e.to }));

  const addressOf = new Map<string, string>();
  for (const n of sc.nodes) {
    const ip = ctx.rservers.find((r) => r.name === n.rserver)?.ipAddress;
    if (ip) addressOf.set(n.name, ip);
  }
  const nodeOfAddress = new Map([...addressOf].map(([n, a]) => [a, n]));

  // Faults: the timeline, shifted by the run's phase; a flap alternates down/up every ms.
  for (const ev of sc.timeline) {
    const address = addressOf.get(ev.node);
    if (!address) continue;
    const apply = (c: NodeCondition, fault = ev.fault) => {
      net.set(address, c);
      events.push({ type: 'fault', atMs: clock.monotonicNow(), node: ev.node, address, fault });
    };
    clock.setTimer(ev.atMs + opts.phaseMs, () => apply(conditionOf(ev)));
    if (ev.fault === 'flap' && ev.ms) {
      const next = sc.timeline.find((x) => x.node === ev.node && x.atMs > ev.atMs);
      const until = (next?.atMs ?? sc.durationMs) + opts.phaseMs;
      let down = true;
      const toggle = () => {
        if (clock.monotonicNow() + ev.ms! >= until) return;
        down = !down;
        net.set(address, down ? { kind: 'crash' } : { kind: 'up' });
        clock.setTimer(ev.ms!, toggle);
      };
      clock.setTimer(ev.atMs + opts.phaseMs + ev.ms, toggle);
    }
  }

  // Clients: each with its own address, sending at its rates with a random phase.
  const vips = trafficVips(ctx);
  const base = parseIpv4(sc.traffic.clientRange.split('/')[0] ?? '127.0.100.0') ?? 0x7f006400;
  const end = sc.durationMs + opts.phaseMs;
  const kinds: ['http' | 'https' | 'trap', number][] = [
    ['http', sc.traffic.httpPerClientPerS],
    ['https', sc.traffic.httpsPerClientPerS],
    ['trap', sc.traffic.trapsPerClientPerS],
  ];
  for (let i = 0; i < sc.traffic.clients; i++) {
    const clientIp = formatIpv4((base + i + 1) >>> 0);
    for (const [kind, rate] of kinds) {
      const vip = vips[kind];
      if (!vip || rate <= 0) continue;
      const periodMs = 1000 / rate;
      const flow: Flow = { clientIp, clientPort: 40000 + i, vipIp: vip.address, vipPort: vipPort(vip), protocol: kind === 'trap' ? 'udp' : 'tcp' };
      const send = () => {
        const atMs = clock.monotonicNow();
        let d = balancer.select(vip.classMap, flow);
        let ok = false;
        let node: string | undefined;
        if (d.kind === 'server') {
          let outcome = net.request(d.address, kind);
          if (outcome === 'refused') {
            balancer.reportFailure(d);
            if (sc.reassign) {
              const again = balancer.reselect(flow, d);
              if (again.kind === 'server') {
                d = again;
                outcome = net.request(d.address, kind);
              }
            }
          }
          if (outcome === 'ok' && d.kind === 'server') {
            balancer.open(d);
            balancer.close(d);
            ok = true;
            node = nodeOfAddress.get(d.address) ?? d.address;
          }
        }
        // The simulated path never rewrites the source: every node sees the client's own address.
        const e: RunEvent = { type: 'request', atMs, client: clientIp, kind, ok };
        if (node !== undefined) {
          e.node = node;
          e.seenSource = clientIp;
        }
        events.push(e);
        if (atMs + periodMs < end) clock.setTimer(periodMs, send);
      };
      clock.setTimer(opts.rng.next() * periodMs, send);
    }
  }

  engine.start(planProbeInstances(ctx));
  // Only probe results resolve promises here (traffic and faults are plain callbacks).
  await clock.runUntilAsync(end, { flushOnRequestOnly: true });
  engine.stop();
  balancer.dispose?.();
  const metrics = computeMetrics(events, (address) => probedFarmsOf(ctx, address));
  return { phaseMs: opts.phaseMs, metrics };
}

export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { n: s.length, min: s[0]!, p50: q(50), p90: q(90), p99: q(99), max: s[s.length - 1]! };
}

export interface SimulationReport {
  scenario: string;
  runs: number;
  seed: number;
  metrics: {
    detectionMs: Distribution | null;
    failoverMs: Distribution | null;
    recoveryMs: Distribution | null;
    failbackMs: Distribution | null;
    lostRequests: { mean: number; max: number };
    lostTraps: { mean: number; max: number };
    stickyMoves: { mean: number; max: number };
  };
  predicted: { detectionMs?: Window; recoveryMs?: Window };
}

/** The longest probe period of the faulted node's probes: the range a fault's phase can take. */
export function phaseRangeMs(ctx: ContextModel, sc: Scenario): number {
  const fault = sc.timeline.find((e) => e.fault !== 'recover');
  const rs = fault ? sc.nodes.find((n) => n.name === fault.node)?.rserver : undefined;
  let max = 0;
  for (const f of ctx.serverfarms) for (const m of f.members) if (m.rserver.name === rs) for (const p of probesOfMember(ctx, f.name, m.rserver.name)) max = Math.max(max, p.intervalMs, p.passdetectIntervalMs);
  return max || 1000;
}

export async function simulate(ctx: ContextModel, sc: Scenario, runs: number, seed: number, onProgress?: (done: number) => void): Promise<SimulationReport> {
  const rng = new SeededRng(seed);
  const range = phaseRangeMs(ctx, sc);
  const results: SimRun[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(await simulateOnce(ctx, sc, { phaseMs: Math.floor(rng.next() * range), rng }));
    onProgress?.(i + 1);
  }
  const pick = (f: (m: RunMetrics) => number | null) => results.map((r) => f(r.metrics)).filter((v): v is number => v !== null);
  const stat = (f: (m: RunMetrics) => number) => {
    const v = results.map((r) => f(r.metrics));
    return { mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), max: Math.max(0, ...v) };
  };
  const fault = sc.timeline.find((e) => e.fault !== 'recover');
  const rs = fault ? sc.nodes.find((n) => n.name === fault.node)?.rserver : undefined;
  const predicted: SimulationReport['predicted'] = {};
  if (fault && rs) {
    const d = predictDetection(ctx, rs, fault.fault, fault.ms ?? 0, fault.status ?? 503);
    if (d) predicted.detectionMs = d;
    if (sc.timeline.some((e) => e.fault === 'recover' && e.node === fault.node)) {
      const r = predictRecovery(ctx, rs);
      if (r) predicted.recoveryMs = r;
    }
  }
  return {
    scenario: sc.name,
    runs,
    seed,
    metrics: {
      detectionMs: distribution(pick((m) => m.detectionMs)),
      failoverMs: distribution(pick((m) => m.failoverMs)),
      recoveryMs: distribution(pick((m) => m.recoveryMs)),
      failbackMs: distribution(pick((m) => m.failbackMs)),
      lostRequests: stat((m) => m.lostRequests),
      lostTraps: stat((m) => m.lostTraps),
      stickyMoves: stat((m) => m.stickyMoves),
    },
    predicted,
  };
}
