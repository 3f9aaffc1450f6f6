// Time scaling for lab runs: a pure model transform that divides every
// configured timing the runtime acts on (probe interval, passdetect interval,
// open and receive timeouts; sticky idle timeouts; inband reset) by F, so an
// experiment written for 10 s probes runs F times faster in real time.
// Invariants: the input model is not mutated; scaled timings are integers
// ≥ 1 ms; F = 1 returns the model unchanged. Convert measured real-time
// durations back with toConfigMs (× F).
import type { ContextModel, Model } from '../config/model.js';

const scale = (ms: number, f: number): number => Math.max(1, Math.round(ms / f));

export function scaleContext(ctx: ContextModel, f: number): ContextModel {
  return {
    ...ctx,
    probes: ctx.probes.map((p) => ({
      ...p,
      intervalMs: scale(p.intervalMs, f),
      passdetectIntervalMs: scale(p.passdetectIntervalMs, f),
      receiveMs: scale(p.receiveMs, f),
      openMs: scale(p.openMs, f),
    })),
    stickyGroups: ctx.stickyGroups.map((g) => ({ ...g, timeoutMs: scale(g.timeoutMs, f) })),
    serverfarms: ctx.serverfarms.map((sf) =>
      sf.inbandHealth?.resetMs !== undefined ? { ...sf, inbandHealth: { ...sf.inbandHealth, resetMs: scale(sf.inbandHealth.resetMs, f) } } : sf,
    ),
  };
}

export function scaleModel(model: Model, f: number): Model {
  if (f === 1) return model;
  // The FT heartbeat scales too, so a pair's takeover keeps its ratio to the probes.
  const ft = { ...model.ft, peers: model.ft.peers.map((p) => ({ ...p, heartbeatIntervalMs: scale(p.heartbeatIntervalMs, f) })) };
  return { ...model, ft, contexts: model.contexts.map((c) => scaleContext(c, f)) };
}

/** Real (scaled) milliseconds → config milliseconds. */
export const toConfigMs = (realMs: number, f: number): number => Math.round(realMs * f);
/** Config milliseconds → real (scaled) milliseconds. */
export const toRealMs = (configMs: number, f: number): number => Math.max(0, Math.round(configMs / f));

// ---------------------------------------------------------------- the time-scale guard
// Scaling shrinks open/receive timeouts along with everything else, but the
// machine's own latency (event loop, scheduler, TLS) does not shrink: past some
// scale healthy nodes fail their probes. Measured with a no-fault run of the
// reference config (bench/lab-time-scale.ts, docs/BENCHMARKS.md): with the
// smallest scaled timing at 100 ms, 2 % of attempts failed and no verdict did
// on a heavily loaded 2-core machine; at 50 ms, 72 % of attempts failed and
// healthy nodes went PROBE-FAILED; at 20 ms, 90 %. Hence the floors below.

/** Below this smallest scaled timing the lab warns: false PROBE-FAILED verdicts become likely. */
export const SAFE_FLOOR_MS = 100;
/** Below this the lab refuses unless forced: most probe attempts fail on a loaded machine. */
export const HARD_FLOOR_MS = 25;

export interface TimeScaleVerdict {
  level: 'ok' | 'warn' | 'refuse';
  smallest: ReturnType<typeof smallestTiming>;
  /** The smallest timing after scaling (real ms). */
  scaledMs: number;
  /** Largest scale keeping the smallest timing at SAFE_FLOOR_MS (one decimal, at least 1). */
  maxSafe: number;
  /** Largest scale keeping it at HARD_FLOOR_MS. */
  maxHard: number;
}

const oneDecimalDown = (x: number): number => Math.max(1, Math.floor(x * 10) / 10);

export function checkTimeScale(ctx: ContextModel, f: number): TimeScaleVerdict {
  const smallest = smallestTiming(ctx);
  if (!Number.isFinite(smallest.ms)) return { level: 'ok', smallest, scaledMs: Infinity, maxSafe: Infinity, maxHard: Infinity };
  const scaledMs = smallest.ms / f;
  const level = scaledMs < HARD_FLOOR_MS ? 'refuse' : scaledMs < SAFE_FLOOR_MS ? 'warn' : 'ok';
  return { level, smallest, scaledMs, maxSafe: oneDecimalDown(smallest.ms / SAFE_FLOOR_MS), maxHard: oneDecimalDown(smallest.ms / HARD_FLOOR_MS) };
}

/** The guard's message for a verdict other than ok (what to change, and the limits). */
export function timeScaleMessage(v: TimeScaleVerdict, f: number, source: string): string {
  const what = `${source} ${f} makes ${v.smallest.probe} ${v.smallest.field} (${v.smallest.ms / 1000} s) ${Math.round(v.scaledMs * 10) / 10} ms of real time`;
  if (v.level === 'refuse') return `${what}, under the ${HARD_FLOOR_MS} ms floor: most probe attempts would time out on a loaded machine and healthy nodes fail; the maximum safe scale is ${v.maxSafe} (hard limit ${v.maxHard}); use --force-time-scale to run anyway`;
  return `${what}, under the ${SAFE_FLOOR_MS} ms safe floor: a loaded machine may fail healthy nodes (the report flags such false failures); the maximum safe scale is ${v.maxSafe}`;
}

/** The smallest timing a probe acts on (open, receive, interval, passdetect interval), in config ms; Infinity without probes. */
export function smallestTiming(ctx: ContextModel): { ms: number; probe: string; field: 'open' | 'receive' | 'interval' | 'passdetect interval' } {
  let best: { ms: number; probe: string; field: 'open' | 'receive' | 'interval' | 'passdetect interval' } = { ms: Infinity, probe: '', field: 'interval' };
  for (const p of ctx.probes) {
    const fields = [
      ['open', p.openMs],
      ['receive', p.receiveMs],
      ['interval', p.intervalMs],
      ['passdetect interval', p.passdetectIntervalMs],
    ] as const;
    for (const [field, ms] of fields) if (ms < best.ms) best = { ms, probe: p.name, field };
  }
  return best;
}
