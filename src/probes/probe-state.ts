// Pure probe-instance state machine (ace-semantics §4.5): INIT → PASSED/FAILED on
// consecutive-result counters, plus when the next attempt is due. No I/O, no clock
// reads: every input carries nowMs (monotonic ms); the scheduler does timers and I/O.
import type { ProbeCause, ProbeEvent, ProbeHealth, ProbeInstanceKey, ProbeResult } from './types.js';
import type { ProbeOptions } from './options.js';

export { DEFAULT_PROBE_OPTIONS, probeOptions } from './options.js';
export type { ProbeOptions } from './options.js';

/** The timing/threshold part of a Probe the reducer needs (a model Probe satisfies it). */
export interface ProbeTiming {
  intervalMs: number;
  faildetect: number;
  passdetectIntervalMs: number;
  passdetectCount: number;
}

/** Cumulative per-instance counters, as `show probe … detail` and the MIB report them. */
export interface ProbeCounters {
  probes: number;
  passed: number;
  failed: number;
  /** Transitions into PASSED / FAILED ("No. Passed states" / "No. Failed states"). */
  passedStates: number;
  failedStates: number;
}

export interface ProbeInstanceState {
  health: ProbeHealth;
  consecFail: number;
  consecPass: number;
  /** An attempt is running; a due tick never starts a second one. */
  inFlight: boolean;
  lastStartMs?: number;
  /**
   * When the last attempt was due (monotonic ms): the start the next interval counts from
   * (`intervalFrom: 'scheduled-start'`), so acesim's own lateness never moves the schedule.
   */
  lastDueMs?: number;
  /** When the next attempt should start (monotonic ms); undefined while in flight or disabled. */
  nextDueMs?: number;
  counters: ProbeCounters;
  lastCause?: ProbeCause;
  lastStatus?: number;
  lastDetail?: string;
  latencyMs?: number;
  /** Monotonic ms of the last attempt start, last failed attempt, last transition to PASSED. */
  lastProbeMs?: number;
  lastFailMs?: number;
  lastActiveMs?: number;
}

export type ProbeInput =
  | { kind: 'start'; nowMs: number; delayMs?: number }
  | { kind: 'due'; nowMs: number }
  | { kind: 'result'; nowMs: number; result: ProbeResult }
  | { kind: 'disable'; nowMs: number };

export type ProbeEffect =
  /** Run one attempt now. */
  | { kind: 'launch' }
  /**
   * Arm the instance's timer for atMs (replaces any armed timer). `skipped`: slots of the
   * instance's schedule passed over because its last attempt began too late (see nextDue).
   */
  | { kind: 'schedule'; atMs: number; skipped?: number }
  /** Cancel the armed timer and any attempt in flight. */
  | { kind: 'cancel' };

/** Everything step() reads besides state and input. */
export interface StepConfig {
  timing: ProbeTiming;
  key: ProbeInstanceKey;
  options: Pick<ProbeOptions, 'initPassRequiresPassdetectCount' | 'nextDelayFrom' | 'intervalFrom'>;
}

export interface StepOutput {
  state: ProbeInstanceState;
  events: ProbeEvent[];
  effects: ProbeEffect[];
}

export function initialProbeState(): ProbeInstanceState {
  return {
    health: 'INIT',
    consecFail: 0,
    consecPass: 0,
    inFlight: false,
    counters: { probes: 0, passed: 0, failed: 0, passedStates: 0, failedStates: 0 },
  };
}

/** Initial state of an instance that is never probed (out of service, no address). */
export function disabledProbeState(): ProbeInstanceState {
  return { ...initialProbeState(), health: 'DISABLED' };
}

/**
 * One transition. In-flight rule: a 'due' input while an attempt runs is ignored,
 * and the result schedules the next attempt at max(lastStart + delay, now) — so an
 * attempt that outlives the interval (receive 20 s, interval 10 s) is followed
 * immediately by the next one instead of overlapping it; the ACE waits for the
 * result too (§4.5 "an in-flight probe is not duplicated").
 */
export function step(state: ProbeInstanceState, input: ProbeInput, config: StepConfig): StepOutput {
  // State copies use Object.assign, not `{ ...state }`: on Node 20 an object spread takes
  // microseconds (no fast clone path), half of a simulated run's probe work.
  const { key } = config;
  switch (input.kind) {
    case 'start': {
      // First probe immediately at attach/inservice (plus an optional spread chosen by the scheduler).
      const at = input.nowMs + Math.max(0, Math.floor(input.delayMs ?? 0));
      const s: ProbeInstanceState = Object.assign(initialProbeState(), { counters: state.counters, nextDueMs: at });
      const events: ProbeEvent[] = [];
      if (state.health !== 'INIT') events.push({ type: 'probe.state', key, from: state.health, to: 'INIT', cause: state.lastCause ?? 'OK' });
      return { state: s, events, effects: [{ kind: 'schedule', atMs: at }] };
    }
    case 'due': {
      if (state.health === 'DISABLED' || state.inFlight) return { state, events: [], effects: [] };
      // After its first result a state holds every key, in onResult's order: written out, as
      // there; the first attempt copies (it adds lastStartMs, lastDueMs and lastProbeMs to start's keys).
      const now = input.nowMs;
      // The time it was due (never later than now: a tick is late, not early).
      const due = state.nextDueMs !== undefined && state.nextDueMs < now ? state.nextDueMs : now;
      const s: ProbeInstanceState =
        'lastCause' in state
          ? {
              health: state.health,
              consecFail: state.consecFail,
              consecPass: state.consecPass,
              inFlight: true,
              counters: state.counters,
              nextDueMs: undefined,
              lastStartMs: now,
              lastDueMs: due,
              lastProbeMs: now,
              lastCause: state.lastCause,
              lastStatus: state.lastStatus,
              lastDetail: state.lastDetail,
              latencyMs: state.latencyMs,
              lastFailMs: state.lastFailMs,
              lastActiveMs: state.lastActiveMs,
            }
          : Object.assign({}, state, { inFlight: true, lastStartMs: now, lastDueMs: due, lastProbeMs: now, nextDueMs: undefined });
      return { state: s, events: [], effects: [{ kind: 'launch' }] };
    }
    case 'disable': {
      const events: ProbeEvent[] = [];
      if (state.health !== 'DISABLED') events.push({ type: 'probe.state', key, from: state.health, to: 'DISABLED', cause: state.lastCause ?? 'OK' });
      return {
        state: Object.assign({}, state, { health: 'DISABLED' as const, inFlight: false, nextDueMs: undefined, consecFail: 0, consecPass: 0 }),
        events,
        effects: [{ kind: 'cancel' }],
      };
    }
    case 'result':
      return onResult(state, input.nowMs, input.result, config.timing, key, config.options);
  }
}

function onResult(
  state: ProbeInstanceState,
  nowMs: number,
  result: ProbeResult,
  config: ProbeTiming,
  key: ProbeInstanceKey,
  options: Pick<ProbeOptions, 'initPassRequiresPassdetectCount' | 'nextDelayFrom' | 'intervalFrom'>,
): StepOutput {
  // A late result after disable/stop is dropped: the instance is not running.
  if (state.health === 'DISABLED' || !state.inFlight) return { state, events: [], effects: [] };
  const before = state.health;
  let { consecFail, consecPass } = state;
  let health = before;
  const c = state.counters;
  const counters: ProbeCounters = { probes: c.probes + 1, passed: c.passed, failed: c.failed, passedStates: c.passedStates, failedStates: c.failedStates };
  let lastFailMs = state.lastFailMs;
  let lastActiveMs = state.lastActiveMs;

  if (result.ok) {
    counters.passed++;
    consecFail = 0;
    consecPass++;
    const needed = before === 'FAILED' || (before === 'INIT' && options.initPassRequiresPassdetectCount) ? config.passdetectCount : 1;
    if (before !== 'PASSED' && consecPass >= needed) health = 'PASSED';
  } else {
    counters.failed++;
    consecPass = 0;
    lastFailMs = nowMs;
    if (before !== 'FAILED') {
      consecFail++;
      if (consecFail >= config.faildetect) health = 'FAILED';
    }
  }

  const events: ProbeEvent[] = [{ type: 'probe.result', key, result, health }];
  if (health !== before) {
    if (health === 'PASSED') {
      counters.passedStates++;
      lastActiveMs = nowMs;
      consecFail = 0;
    } else if (health === 'FAILED') {
      counters.failedStates++;
      consecPass = 0;
    }
    events.push({ type: 'probe.state', key, from: before, to: health, cause: result.cause });
  }

  const basis = options.nextDelayFrom === 'before-result' ? before : health;
  const delayMs = basis === 'FAILED' ? config.passdetectIntervalMs : config.intervalMs;
  // Start to start (§4.5), from the scheduled start by default: an attempt the engine began late
  // does not push every later one back, so the start-up spread of many instances is kept.
  const [nextDueMs, skipped] = nextDue(state, result, nowMs, delayMs, options.intervalFrom);

  // Written out, not copied: a state reaching here went start → due, so it holds exactly the
  // keys below up to lastProbeMs, in this order, and the result adds the rest; a copy gave
  // the same object at several times the cost (this runs once per probe attempt).
  const next: ProbeInstanceState = {
    health,
    consecFail,
    consecPass,
    inFlight: false,
    counters,
    nextDueMs,
    lastStartMs: state.lastStartMs,
    lastDueMs: state.lastDueMs,
    lastProbeMs: state.lastProbeMs,
    lastCause: result.cause,
    lastStatus: result.status ?? state.lastStatus,
    lastDetail: result.detail,
    latencyMs: result.latencyMs,
    lastFailMs,
    lastActiveMs,
  };
  return { state: next, events, effects: [skipped > 0 ? { kind: 'schedule', atMs: nextDueMs, skipped } : { kind: 'schedule', atMs: nextDueMs }] };
}

/**
 * When the next attempt is due. On time: one delay after this one's start. An attempt that
 * itself outlived its delay is never duplicated: the next starts when it ended and counts from
 * there (§4.5). With 'scheduled-start', an attempt that was short but began so late (acesim
 * busy) that its result came after the next start keeps its phase: the next goes to the next
 * free slot of its own schedule, as a periodic timer skips missed ticks. Restarting every such
 * instance at its result instead bunched all the instances of one busy moment together, for good.
 */
function nextDue(state: ProbeInstanceState, result: ProbeResult, nowMs: number, delayMs: number, from: ProbeOptions['intervalFrom']): [atMs: number, skipped: number] {
  if (from === 'actual-start') return [Math.max((state.lastStartMs ?? nowMs) + delayMs, nowMs), 0];
  const grid = (state.lastDueMs ?? state.lastStartMs ?? nowMs) + delayMs;
  if (grid >= nowMs) return [grid, 0];
  // Its end at the prober, not the moment its result is handled here: a worker hands results
  // over in batches, and restarting a batch's instances together would bunch them.
  if (result.latencyMs >= delayMs) return [Math.min(nowMs, (state.lastStartMs ?? nowMs) + (result.queuedMs ?? 0) + result.latencyMs), 0];
  const skipped = Math.ceil((nowMs - grid) / delayMs);
  return [grid + skipped * delayMs, skipped];
}

/**
 * Probe verdict for one real (farm member) from the healths of all its probe instances
 * (§3.4): AND by default (any FAILED → the real is PROBE-FAILED), OR with `fail-on-all`
 * (failed only when every probe has failed). DISABLED instances do not vote; INIT votes
 * as passing when initCountsAsOperational (else as not-yet-known, i.e. failing).
 */
export function memberProbeVerdict(
  healths: readonly ProbeHealth[],
  failOnAll: boolean,
  options: Pick<ProbeOptions, 'initCountsAsOperational'>,
): 'PASS' | 'FAIL' {
  const votes = healths.filter((h) => h !== 'DISABLED');
  if (votes.length === 0) return 'PASS';
  const failing = (h: ProbeHealth): boolean => h === 'FAILED' || (h === 'INIT' && !options.initCountsAsOperational);
  return failOnAll ? (votes.every(failing) ? 'FAIL' : 'PASS') : votes.some(failing) ? 'FAIL' : 'PASS';
}
