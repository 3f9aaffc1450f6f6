// How late probe attempts start: the engine's timer lateness plus the time an attempt
// waited in a prober's queue (the worker pool's hand-off). A probe engine short of CPU
// starts attempts late, and late attempts turn into false failures (an open or receive
// deadline eaten by the wait), so the operator must hear about it: counters for
// `show stats`, the JSON API and /metrics, and one warning per window at most.
// Timebase: the caller's Clock monotonic ms; no timers of its own.

/** Lateness from which an attempt counts as late and is worth a warning (ACE probe timing is in seconds). */
export const LATE_START_MS = 1_000;

/** At most one warning per this many ms; it carries the count since the previous one. */
export const LATE_WARNING_EVERY_MS = 10_000;

export interface StartLagSnapshot {
  /** Attempts whose start was measured. */
  attempts: number;
  /** Attempts that started LATE_START_MS or more after they were due. */
  late: number;
  /** The worst lateness seen, ms. */
  maxMs: number;
  /** Slots of instances' schedules passed over because an attempt began too late to keep them. */
  skipped: number;
  /** Mean lateness, ms (0 before the first attempt). */
  meanMs: number;
}

/** A warning to log: late attempts since the last one, and the worst of them. */
export interface LateStartWarning {
  late: number;
  worstMs: number;
  windowMs: number;
}

export class StartLag {
  private attempts = 0;
  private late = 0;
  private sumMs = 0;
  private maxMs = 0;
  private skipped = 0;
  /** Late attempts and worst lateness not yet reported in a warning. */
  private unreported = 0;
  private unreportedWorstMs = 0;
  private lastWarningMs: number | undefined;

  /** Records one attempt's lateness; returns a warning when one is due (rate-limited). */
  record(lagMs: number, nowMs: number): LateStartWarning | undefined {
    const lag = lagMs > 0 ? lagMs : 0;
    this.attempts++;
    this.sumMs += lag;
    if (lag > this.maxMs) this.maxMs = lag;
    if (lag < LATE_START_MS) return undefined;
    this.late++;
    this.unreported++;
    if (lag > this.unreportedWorstMs) this.unreportedWorstMs = lag;
    if (this.lastWarningMs !== undefined && nowMs - this.lastWarningMs < LATE_WARNING_EVERY_MS) return undefined;
    const w: LateStartWarning = { late: this.unreported, worstMs: this.unreportedWorstMs, windowMs: this.lastWarningMs === undefined ? 0 : nowMs - this.lastWarningMs };
    this.lastWarningMs = nowMs;
    this.unreported = 0;
    this.unreportedWorstMs = 0;
    return w;
  }

  /** Counts schedule slots passed over (the late attempts behind them are recorded and warned of). */
  skip(slots: number): void {
    this.skipped += slots;
  }

  snapshot(): StartLagSnapshot {
    return { attempts: this.attempts, late: this.late, maxMs: Math.round(this.maxMs), skipped: this.skipped, meanMs: this.attempts === 0 ? 0 : Math.round((this.sumMs / this.attempts) * 10) / 10 };
  }
}

/** The operator's text for a warning. */
export function lateStartText(w: LateStartWarning): string {
  const since = w.windowMs > 0 ? ` in the last ${Math.round(w.windowMs / 1000)} s` : '';
  return `${w.late} probe attempt(s) started ${LATE_START_MS / 1000} s or more after they were due${since} (worst ${(w.worstMs / 1000).toFixed(1)} s): acesim is short of CPU, so a probe failure now may be acesim's lateness, not the node's; fewer probe instances or --probe-threads may help`;
}
