// Probe scheduler: runs every planned instance through the pure reducer
// (probe-state.ts), arming one clock timer per instance and never more than one
// attempt per instance at a time. Timebase: the injected Clock's monotonic ms.
import type { Clock, CancelTimer } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import { disabledProbeState, initialProbeState, memberProbeVerdict, step } from './probe-state.js';
import type { ProbeCounters, ProbeInput, ProbeInstanceState, StepConfig } from './probe-state.js';
import { probeOptions } from './options.js';
import type { ProbeOptions } from './options.js';
import type { ProbeEvent, ProbeHealth, ProbeInstance, ProbeInstanceKey, ProbeMemberRef, ProbeResult, Prober } from './types.js';
import { lateStartText, StartLag } from './start-lag.js';
import type { StartLagSnapshot } from './start-lag.js';

/** The part of a pino logger the engine uses (a pino Logger or child satisfies it). */
export interface ProbeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ProbeEngineDeps {
  clock: Clock;
  prober: Prober;
  bus: EventBus<ProbeEvent>;
  logger?: ProbeLogger;
  options?: Partial<ProbeOptions>;
  /**
   * Spread the first attempts evenly over this window (instance i of n starts at
   * i·spread/n) so 16,000 instances do not open 16,000 sockets in one tick. Default 0:
   * the ACE's "first probe immediately" (§4.5), which the timing tests rely on.
   */
  startSpreadMs?: number;
  /** Observability hook (benchmarks): an attempt due at dueMs started at startMs. */
  onLaunch?: (instance: ProbeInstance, dueMs: number, startMs: number) => void;
}

/** One instance in a snapshot: its identity and a copy of its reducer state (times are monotonic ms;
 * convert for display with ProbeSnapshot.wallOffsetMs). */
export type ProbeSnapshotEntry = Omit<ProbeInstanceState, 'lastStartMs' | 'lastDueMs'> & {
  id: string;
  key: ProbeInstanceKey;
  members: ProbeMemberRef[];
  enabled: boolean;
};

export interface ProbeSnapshot {
  atMs: number;
  /** wallNow − monotonicNow at snapshot time: add to a monotonic stamp to display it. */
  wallOffsetMs: number;
  instances: ProbeSnapshotEntry[];
  /** How late attempts started (since the engine was made): the engine's own health. */
  startLag: StartLagSnapshot;
}

interface Entry {
  inst: ProbeInstance;
  state: ProbeInstanceState;
  config: StepConfig;
  timer?: CancelTimer;
  abort?: AbortController;
  /** Bumped on stop/disable so a late result from an aborted attempt is ignored. */
  gen: number;
  /** When the attempt being launched was due (set by its timer; undefined: due at launch). */
  dueMs?: number | undefined;
}

export class ProbeEngine {
  private readonly clock: Clock;
  private readonly prober: Prober;
  private readonly bus: EventBus<ProbeEvent>;
  private readonly logger: ProbeLogger | undefined;
  private readonly startSpreadMs: number;
  private readonly onLaunch: ProbeEngineDeps['onLaunch'];
  readonly options: ProbeOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly lag = new StartLag();
  private running = false;

  constructor(deps: ProbeEngineDeps) {
    this.clock = deps.clock;
    this.prober = deps.prober;
    this.bus = deps.bus;
    this.logger = deps.logger;
    this.options = probeOptions(deps.options);
    this.startSpreadMs = Math.max(0, Math.floor(deps.startSpreadMs ?? 0));
    this.onLaunch = deps.onLaunch;
  }

  /** Starts every enabled instance (first attempt now, or spread); disabled ones sit in DISABLED. */
  start(instances: readonly ProbeInstance[]): void {
    if (this.running) this.stop();
    this.running = true;
    this.entries.clear();
    const enabled = instances.filter((i) => i.enabled).length;
    let k = 0;
    const now = this.clock.monotonicNow();
    for (const inst of instances) {
      const config: StepConfig = { timing: inst.probe, key: inst.key, options: this.options };
      const entry: Entry = { inst, state: inst.enabled ? initialProbeState() : disabledProbeState(), config, gen: 0 };
      this.entries.set(inst.id, entry);
      if (!inst.enabled) continue;
      const delayMs = this.startSpreadMs > 0 && enabled > 1 ? Math.floor((k * this.startSpreadMs) / enabled) : 0;
      k++;
      this.apply(entry, { kind: 'start', nowMs: now, delayMs });
    }
    this.logger?.info({ instances: instances.length, enabled }, 'probe engine started');
  }

  /** Cancels every timer and in-flight attempt; snapshot() keeps the last state. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const e of this.entries.values()) {
      e.gen++;
      e.timer?.();
      e.timer = undefined;
      e.abort?.abort();
      e.abort = undefined;
      e.state = Object.assign({}, e.state, { inFlight: false, nextDueMs: undefined }); // not a spread: see probe-state.ts
    }
    this.logger?.info({ instances: this.entries.size }, 'probe engine stopped');
  }

  /** Operator `no inservice`: the instance stops and reads DISABLED. */
  disable(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.gen++;
    this.apply(e, { kind: 'disable', nowMs: this.clock.monotonicNow() });
  }

  /** Operator `inservice`: the instance restarts from INIT with a probe now. */
  enable(id: string): void {
    const e = this.entries.get(id);
    if (!e || !this.running) return;
    e.gen++;
    e.abort?.abort();
    e.abort = undefined;
    this.apply(e, { kind: 'start', nowMs: this.clock.monotonicNow() });
  }

  health(id: string): ProbeHealth | undefined {
    return this.entries.get(id)?.state.health;
  }

  /** Probe verdict of one farm member (AND, or OR with fail-on-all) over the given instances. */
  memberVerdict(instanceIds: readonly string[], failOnAll: boolean): 'PASS' | 'FAIL' {
    const healths = instanceIds.map((id) => this.entries.get(id)?.state.health ?? 'DISABLED');
    return memberProbeVerdict(healths, failOnAll, this.options);
  }

  snapshot(): ProbeSnapshot {
    const atMs = this.clock.monotonicNow();
    const instances: ProbeSnapshotEntry[] = [];
    for (const e of this.entries.values()) {
      const s = e.state;
      // A shallow copy of the state; counters is the one nested object, so it is copied too.
      // lastStartMs is lastProbeMs under another name; lastDueMs is the schedule's own bookkeeping.
      const { lastStartMs: _lastStart, lastDueMs: _lastDue, ...state } = s;
      const row: ProbeSnapshotEntry = { id: e.inst.id, key: e.inst.key, members: e.inst.members, enabled: e.inst.enabled, ...state, counters: { ...s.counters } };
      instances.push(row);
    }
    return { atMs, wallOffsetMs: this.clock.wallNow() - atMs, instances, startLag: this.startLag() };
  }

  /** How late attempts started, and the slots skipped: the engine's own health, without copying every instance. */
  startLag(): StartLagSnapshot {
    return this.lag.snapshot();
  }

  private apply(entry: Entry, input: ProbeInput, startLagMs?: number): void {
    const out = step(entry.state, input, entry.config);
    entry.state = out.state;
    for (const ev of out.events) {
      // The reducer's events are fresh objects; the lateness is the engine's to know.
      if (startLagMs !== undefined && ev.type === 'probe.result') ev.startLagMs = startLagMs;
      this.bus.publish(ev);
      if (ev.type === 'probe.state') {
        this.logger?.info(
          { probe: ev.key.probe, farm: ev.key.farm, rserver: ev.key.rserver, address: ev.key.address, port: ev.key.port, from: ev.from, to: ev.to, cause: ev.cause },
          'probe state change',
        );
      }
    }
    for (const fx of out.effects) {
      switch (fx.kind) {
        case 'schedule': {
          if (fx.skipped !== undefined) this.lag.skip(fx.skipped);
          entry.timer?.();
          const gen = entry.gen;
          const dueMs = fx.atMs;
          entry.timer = this.clock.setTimer(fx.atMs - this.clock.monotonicNow(), () => {
            if (entry.gen !== gen || !this.running) return;
            entry.timer = undefined;
            this.fire(entry, dueMs);
          });
          break;
        }
        case 'launch':
          this.launch(entry);
          break;
        case 'cancel':
          entry.timer?.();
          entry.timer = undefined;
          entry.abort?.abort();
          entry.abort = undefined;
          break;
      }
    }
  }

  private fire(entry: Entry, dueMs: number): void {
    const now = this.clock.monotonicNow();
    entry.dueMs = dueMs;
    this.apply(entry, { kind: 'due', nowMs: now });
    entry.dueMs = undefined;
    if (entry.state.inFlight) this.onLaunch?.(entry.inst, dueMs, now);
  }

  private launch(entry: Entry): void {
    const gen = entry.gen;
    // One controller per entry, reused until it is aborted (stop/disable/enable/cancel
    // abort it and drop it): probers remove their listeners when an attempt ends.
    const abort = (entry.abort ??= new AbortController());
    const started = this.clock.monotonicNow();
    // Timer lateness now; a prober that queues attempts adds its wait (result.queuedMs).
    const timerLagMs = entry.dueMs === undefined ? 0 : Math.max(0, started - entry.dueMs);
    let attempt: Promise<ProbeResult>;
    try {
      attempt = this.prober.probe(entry.inst, abort.signal);
    } catch (err) {
      attempt = Promise.reject(err);
    }
    // One reaction per attempt (not a catch/then/catch chain: fewer promises at 8,000 attempts/s).
    const settle = (result: ProbeResult): void => {
      if (entry.gen !== gen || !this.running) return;
      try {
        const nowMs = this.clock.monotonicNow();
        const startLagMs = timerLagMs + (result.queuedMs ?? 0);
        const warning = this.lag.record(startLagMs, nowMs);
        if (warning) this.logger?.warn({ lateAttempts: warning.late, worstLagMs: Math.round(warning.worstMs) }, lateStartText(warning));
        this.apply(entry, { kind: 'result', nowMs, result }, startLagMs);
      } catch (err) {
        this.logger?.warn({ err: String(err) }, 'probe result handling failed');
      }
    };
    attempt.then(settle, (err: unknown) => {
      // Contract breach by a prober: count it as an internal error, never crash the engine.
      this.logger?.warn({ probe: entry.inst.key.probe, err: String(err) }, 'prober threw');
      settle({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: this.clock.monotonicNow() - started, detail: String(err) });
    });
  }
}
