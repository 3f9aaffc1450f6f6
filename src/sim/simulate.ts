// `acesim simulate`: the real probe engine, balancer and sticky tables on a
// virtual clock with a simulated network, driven by a lab scenario. One run
// plays the timeline with the fault shifted by a random phase against the
// probe schedules; Monte Carlo over many runs gives the distributions. The
// plan (probe instances, client streams) is compiled once per simulation;
// each run gets fresh engines on a fresh clock (cheaper than resetting them).
// Run i draws its randomness at its own offset of the seed's one sequence, so
// a simulation gives the same numbers on one thread or on several (run-pool.ts).
// Timebase: virtual milliseconds (config time); randomness from a seeded Rng.
import { availableParallelism } from 'node:os';
import type { ContextModel } from '../config/model.js';
import { EventBus } from '../core/event-bus.js';
import { SeededRng, type Rng } from '../core/rng.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { Balancer, type BalancerEvent } from '../farm/balancer.js';
import { computeMetrics, type RunEvent, type RunMetrics, type Window } from '../lab/measure.js';
import type { Scenario, TimelineEvent } from '../lab/scenario.js';
import { DEFAULT_PROBE_OPTIONS } from '../probes/options.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import type { ProbeEvent, ProbeHealth, ProbeInstance } from '../probes/types.js';
import { SimNetwork, type NodeCondition } from './sim-network.js';
import { runInWorkers } from './run-pool.js';
import { compilePlan, type SimPlan } from './sim-plan.js';
import { Traffic, type Segment, type TrafficMode } from './traffic.js';

export { compilePlan, phaseRangeMs, probedFarmsOf, trafficVips, type SimPlan } from './sim-plan.js';

export interface SimRunOptions {
  /** Shift of every timeline event, so the fault lands at a random phase of the probe cycles. */
  phaseMs: number;
  rng: Rng;
  /** exact: every request through the balancer; analytic (default): repeated outcomes counted in closed form. */
  traffic?: TrafficMode;
  /** Keep the run's events and segments in the result (reports, lockstep). */
  keepEvents?: boolean;
  /** Extra actors on the run's clock and network (the hot-standby controller); called before the run starts. */
  attach?: (run: RunContext) => void;
}

/** What an extra actor sees of a run. */
export interface RunContext {
  clock: VirtualClock;
  net: SimNetwork;
  traffic: Traffic;
  plan: SimPlan;
  phaseMs: number;
  endMs: number;
}

export interface SimRun {
  phaseMs: number;
  metrics: RunMetrics;
  /** With keepEvents: fault, real-state and sent-request events, and the requests counted in closed form. */
  events?: RunEvent[];
  segments?: Segment[];
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

/** One run on a plan compiled once (see compilePlan). */
export async function runOnce(plan: SimPlan, opts: SimRunOptions): Promise<SimRun> {
  const { ctx, sc } = plan;
  const clock = new VirtualClock();
  let resolved = false;
  const net = new SimNetwork(clock, DEFAULT_PROBE_OPTIONS, 1, () => void (resolved = true));
  const probeBus = new EventBus<ProbeEvent>(clock);
  const farmBus = new EventBus<BalancerEvent>(clock);
  const balancer = new Balancer({ context: ctx, clock, bus: farmBus, stickyCapacity: plan.stickyCapacity });
  balancer.attachProbes(probeBus);
  const events: RunEvent[] = [];
  const end = sc.durationMs + opts.phaseMs;

  // Clients: a random offset each, drawn in plan order (client, then kind).
  const offsets = plan.streams.map((s) => Math.floor(opts.rng.next() * s.stepMs));
  const traffic = new Traffic(plan.streams, balancer, net, plan.nodeOfAddress, sc.reassign, opts.traffic ?? 'analytic', events, offsets, end, opts.keepEvents === true);
  farmBus.subscribe((e) => {
    if (e.type === 'real.state') {
      events.push({ type: 'real', atMs: e.atMs, farm: e.farm, address: e.address, to: e.to });
      traffic.wakeFarm(e.farm, e.atMs, e.rserver);
    } else if (e.type === 'farm.state' || e.type === 'real.failaction' || e.type === 'inband.threshold') traffic.wakeFarm(e.farm, e.atMs);
  });

  // Faults: the timeline, shifted by the run's phase; a flap alternates down/up every ms.
  for (const ev of sc.timeline) {
    const address = plan.addressOf.get(ev.node);
    if (!address) continue;
    clock.setTimer(ev.atMs + opts.phaseMs, () => {
      net.set(address, conditionOf(ev));
      const now = clock.monotonicNow();
      events.push({ type: 'fault', atMs: now, node: ev.node, address, fault: ev.fault });
      // Only requests to this node can come out differently now; whatever the balancer makes
      // of it (a real or farm state change) wakes the streams it concerns through its events.
      traffic.wakeAddress(address, now);
    });
    if (ev.fault === 'flap' && ev.ms) {
      const half = ev.ms;
      const next = sc.timeline.find((x) => x.node === ev.node && x.atMs > ev.atMs);
      const until = (next?.atMs ?? sc.durationMs) + opts.phaseMs;
      let down = true;
      const toggle = () => {
        if (clock.monotonicNow() + half >= until) return;
        down = !down;
        net.set(address, down ? { kind: 'crash' } : { kind: 'up' });
        traffic.wakeAddress(address, clock.monotonicNow());
        clock.setTimer(half, toggle);
      };
      clock.setTimer(ev.atMs + opts.phaseMs + half, toggle);
    }
  }
  const refreshMs = traffic.refreshPeriodMs();
  if (refreshMs !== undefined && (opts.traffic ?? 'analytic') === 'analytic') {
    const refresh = () => {
      traffic.refreshSticky();
      if (clock.monotonicNow() + refreshMs < end) clock.setTimer(refreshMs, refresh);
    };
    clock.setTimer(refreshMs, refresh);
  }
  opts.attach?.({ clock, net, traffic, plan, phaseMs: opts.phaseMs, endMs: end });

  // One engine per node, silenced once its future holds no event (see quiet).
  const engines = plan.instancesByAddress.map(([address, insts]) => {
    const engine = new ProbeEngine({ clock, prober: net, bus: probeBus });
    const own = sc.timeline.filter((e) => plan.addressOf.get(e.node) === address);
    // A flap keeps toggling until the node's next event or the end: count it as lasting to the end.
    const lastEventMs = own.some((e) => e.fault === 'flap') ? end : Math.max(-1, ...own.map((e) => e.atMs + opts.phaseMs));
    return { address, insts, engine, lastEventMs, running: true, settled: undefined as ProbeHealth[] | undefined };
  });
  const engineOf = new Map(engines.map((g) => [g.address, g]));
  probeBus.on('probe.result', (e) => {
    const g = engineOf.get(e.key.address);
    if (!g || !g.running || clock.monotonicNow() <= g.lastEventMs) return;
    // The node's condition is final from here on: what each instance's attempts now get, once.
    g.settled ??= g.insts.map((i) => (net.attempt(i).result.ok ? 'PASSED' : 'FAILED'));
    if (quiet(g.insts, g.settled, g.engine)) {
      g.running = false;
      net.silence(g.address);
    }
  });
  for (const g of engines) g.engine.start(g.insts);
  // Engine timers and requests in time order; at equal times the engine goes first.
  for (;;) {
    const d = clock.nextDeadline() ?? Infinity;
    const r = traffic.nextTime();
    if (d <= r && d <= end) {
      clock.runUntil(d);
      // A probe result resolved a promise: one microtask turn runs the engine's reaction
      // (the prober's promise is the one the engine awaits); the loop repeats if it resolved more.
      while (resolved) {
        resolved = false;
        await null;
      }
      continue;
    }
    if (r >= end) break;
    clock.runUntil(r);
    traffic.sendAt(r);
  }
  clock.runUntil(end);
  traffic.finish();
  // The clock and everything on it are dropped with the run: no engine.stop() (it aborts every attempt).
  const metrics = computeMetrics(events, plan.farmsOf);
  const sk = traffic.skipped;
  metrics.requests += sk.requests;
  metrics.lostRequests += sk.lostRequests;
  metrics.traps += sk.traps;
  metrics.lostTraps += sk.lostTraps;
  const run: SimRun = { phaseMs: opts.phaseMs, metrics };
  if (opts.keepEvents) {
    run.events = events;
    run.segments = traffic.segments;
  }
  return run;
}

/**
 * Once a node's conditions stop changing, every attempt of its probes repeats
 * its last result: an instance whose health already matches that result (PASSED
 * for passing, FAILED for failing) will never publish a state change again, so
 * its engine can stop without changing anything the run observes. It is silenced
 * rather than stopped (SimNetwork.silence): engine.stop() aborts every attempt, and
 * each abort builds a DOMException, a twentieth of a run for nothing.
 */
function quiet(insts: readonly ProbeInstance[], settled: readonly ProbeHealth[], engine: ProbeEngine): boolean {
  for (let k = 0; k < insts.length; k++) {
    const h = engine.health(insts[k]!.id);
    if (h !== 'DISABLED' && h !== settled[k]) return false;
  }
  return true;
}

/** One run of a scenario (compiles the plan; use runOnce to reuse one). */
export async function simulateOnce(ctx: ContextModel, sc: Scenario, opts: SimRunOptions): Promise<SimRun> {
  return runOnce(compilePlan(ctx, sc), opts);
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
  /** How client traffic was simulated (the counts are the same either way). */
  traffic: TrafficMode;
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

export interface SimulateOptions {
  traffic?: TrafficMode;
  /** Runs completed so far (with worker threads: after each finished batch). */
  onProgress?: (done: number) => void;
  /**
   * Threads to spread the runs over (1: this thread only). Default: every core from
   * AUTO_THREADS_MIN_RUNS runs on. Runs with attach, onRun or keepEvents stay on this
   * thread (callbacks and events do not cross threads). The numbers never depend on it.
   */
  threads?: number;
  /** Extra actors per run (see SimRunOptions.attach). */
  attach?: SimRunOptions['attach'];
  keepEvents?: boolean;
  /** Sees every run with its events and segments (dropped afterwards unless keepEvents). */
  onRun?: (run: SimRun, index: number) => void;
  /** Test hook: the worker threads' script (run-pool.ts). */
  poolWorkerUrl?: URL;
}

/**
 * The inputs of run `index` of a simulation with this seed: one sequence of random
 * numbers, of which every run draws 1 + streams (its phase, then each stream's
 * offset in runOnce), so run i starts at draw i × (1 + streams) and needs no run before it.
 */
export function runInputs(plan: SimPlan, seed: number, index: number): { phaseMs: number; rng: Rng } {
  const rng = SeededRng.after(seed, index * (1 + plan.streams.length));
  return { phaseMs: Math.floor(rng.next() * plan.phaseRangeMs), rng };
}

/** Runs from..to-1 of a simulation on this thread (a worker's batch, or all of them). */
export async function runRange(plan: SimPlan, seed: number, from: number, to: number, traffic: TrafficMode | undefined): Promise<SimRun[]> {
  const out: SimRun[] = [];
  for (let i = from; i < to; i++) {
    const opts: SimRunOptions = runInputs(plan, seed, i);
    if (traffic) opts.traffic = traffic;
    out.push(await runOnce(plan, opts));
  }
  return out;
}

/** From this many runs on, a simulation uses every core by default (below, starting the threads costs more than it saves). */
export const AUTO_THREADS_MIN_RUNS = 1000;

/** Monte Carlo over the fault's phase: the report and every run (for histograms and reports). */
export async function simulateRuns(ctx: ContextModel, sc: Scenario, runs: number, seed: number, o: SimulateOptions = {}): Promise<{ report: SimulationReport; runs: SimRun[]; plan: SimPlan; threads: number }> {
  const plan = compilePlan(ctx, sc);
  const inProcessOnly = o.attach !== undefined || o.onRun !== undefined || o.keepEvents === true;
  const threads = inProcessOnly ? 1 : Math.max(1, Math.floor(o.threads ?? (runs >= AUTO_THREADS_MIN_RUNS ? availableParallelism() : 1)));
  if (threads > 1) {
    const results = await runInWorkers({ ctx, sc, seed, runs, threads, ...(o.traffic ? { traffic: o.traffic } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.poolWorkerUrl ? { workerUrl: o.poolWorkerUrl } : {}) });
    // A thread that could not start or failed leaves the runs to this one: the numbers are the same.
    if (results) return { report: summarize(plan, results, seed, o.traffic ?? 'analytic'), runs: results, plan, threads };
  }
  return simulateHere(plan, runs, seed, o);
}

/** Every run on this thread, in order (also the fallback when the worker threads fail). */
async function simulateHere(plan: SimPlan, runs: number, seed: number, o: SimulateOptions): Promise<{ report: SimulationReport; runs: SimRun[]; plan: SimPlan; threads: number }> {
  const results: SimRun[] = [];
  for (let i = 0; i < runs; i++) {
    const opts: SimRunOptions = runInputs(plan, seed, i);
    if (o.traffic) opts.traffic = o.traffic;
    if (o.attach) opts.attach = o.attach;
    if (o.keepEvents || o.onRun) opts.keepEvents = true;
    const run = await runOnce(plan, opts);
    o.onRun?.(run, i);
    if (!o.keepEvents) {
      delete run.events;
      delete run.segments;
    }
    results.push(run);
    o.onProgress?.(i + 1);
  }
  return { report: summarize(plan, results, seed, o.traffic ?? 'analytic'), runs: results, plan, threads: 1 };
}

export async function simulate(ctx: ContextModel, sc: Scenario, runs: number, seed: number, o: SimulateOptions = {}): Promise<SimulationReport> {
  return (await simulateRuns(ctx, sc, runs, seed, o)).report;
}

function summarize(plan: SimPlan, results: readonly SimRun[], seed: number, traffic: TrafficMode): SimulationReport {
  const pick = (f: (m: RunMetrics) => number | null) => results.map((r) => f(r.metrics)).filter((v): v is number => v !== null);
  const stat = (f: (m: RunMetrics) => number) => {
    const v = results.map((r) => f(r.metrics));
    return { mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), max: v.reduce((a, b) => Math.max(a, b), 0) };
  };
  return {
    scenario: plan.sc.name,
    runs: results.length,
    seed,
    traffic,
    metrics: {
      detectionMs: distribution(pick((m) => m.detectionMs)),
      failoverMs: distribution(pick((m) => m.failoverMs)),
      recoveryMs: distribution(pick((m) => m.recoveryMs)),
      failbackMs: distribution(pick((m) => m.failbackMs)),
      lostRequests: stat((m) => m.lostRequests),
      lostTraps: stat((m) => m.lostTraps),
      stickyMoves: stat((m) => m.stickyMoves),
    },
    predicted: plan.predicted,
  };
}
