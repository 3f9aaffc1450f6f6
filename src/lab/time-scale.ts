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
  return { ...model, contexts: model.contexts.map((c) => scaleContext(c, f)) };
}

/** Real (scaled) milliseconds → config milliseconds. */
export const toConfigMs = (realMs: number, f: number): number => Math.round(realMs * f);
/** Config milliseconds → real (scaled) milliseconds. */
export const toRealMs = (configMs: number, f: number): number => Math.max(0, Math.round(configMs / f));
