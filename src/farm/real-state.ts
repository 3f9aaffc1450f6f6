// Pure reducers for one farm member ("real"): its operational token from the
// two admin levels, probe verdicts, inband health and conn-limit hysteresis,
// and the inband failure counter. No clock, no I/O: callers pass nowMs.
// Precedence (ace-semantics §11.3): OUTOFSERVICE > INACTIVE > PROBE-FAILED >
// INBAND-PROBE-FAILED > MAXCONNS > STANDBY > OPERATIONAL.
import type { AdminState, ConnLimit, InbandHealth } from '../config/model.js';
import type { ProbeHealth } from '../probes/types.js';
import type { RealStateReason } from './events.js';
import type { RealToken } from './types.js';

export interface RealCondition {
  readonly globalAdmin: AdminState;
  readonly memberAdmin: AdminState;
  /** No usable address (rserver missing, redirect rserver in a host farm, no IP). */
  readonly inactive: boolean;
  readonly probeFailed: boolean;
  readonly inbandFailed: boolean;
  /** Conn-limit hysteresis latch: set at current >= max, cleared below min. */
  readonly maxconns: boolean;
}

export type RealInput =
  | { kind: 'global-admin'; admin: AdminState }
  | { kind: 'member-admin'; admin: AdminState }
  | { kind: 'inactive'; inactive: boolean }
  | { kind: 'probe'; failed: boolean }
  | { kind: 'inband'; failed: boolean }
  | { kind: 'conns'; current: number };

export interface RealConfig {
  connLimit?: ConnLimit;
}

export interface RealTransition {
  from: RealToken;
  to: RealToken;
  reason: RealStateReason;
}

export function initialCondition(globalAdmin: AdminState, memberAdmin: AdminState, inactive: boolean): RealCondition {
  return { globalAdmin, memberAdmin, inactive, probeFailed: false, inbandFailed: false, maxconns: false };
}

export function tokenOf(c: RealCondition): RealToken {
  if (c.globalAdmin === 'outofservice' || c.memberAdmin === 'outofservice') return 'OUTOFSERVICE';
  if (c.inactive) return 'INACTIVE';
  if (c.probeFailed) return 'PROBE-FAILED';
  if (c.inbandFailed) return 'INBAND-PROBE-FAILED';
  if (c.maxconns) return 'MAXCONNS';
  if (c.globalAdmin === 'standby' || c.memberAdmin === 'standby') return 'STANDBY';
  return 'OPERATIONAL';
}

/** Tokens that mean "the real left service": its dynamic sticky entries go (§5.4) and failaction applies (§3.5). */
export function isOutOfService(t: RealToken): boolean {
  return t === 'OUTOFSERVICE' || t === 'INACTIVE' || t === 'PROBE-FAILED' || t === 'INBAND-PROBE-FAILED';
}

export function stepReal(state: RealCondition, input: RealInput, config: RealConfig): { state: RealCondition; events: RealTransition[] } {
  let next: RealCondition = state;
  let reason: RealStateReason;
  switch (input.kind) {
    case 'global-admin':
    case 'member-admin': {
      reason = 'admin';
      next = input.kind === 'global-admin' ? { ...state, globalAdmin: input.admin } : { ...state, memberAdmin: input.admin };
      // `no inservice` then `inservice` is ACE's manual recovery from an
      // inband removal with resume-service 0 (§3.7), so out of service clears it.
      if (input.admin === 'outofservice' && next.inbandFailed) next = { ...next, inbandFailed: false };
      break;
    }
    case 'inactive':
      reason = 'config';
      if (state.inactive !== input.inactive) next = { ...state, inactive: input.inactive };
      break;
    case 'probe':
      reason = 'probe';
      if (state.probeFailed !== input.failed) next = { ...state, probeFailed: input.failed };
      break;
    case 'inband':
      reason = input.failed ? 'inband' : 'inband-resume';
      if (state.inbandFailed !== input.failed) next = { ...state, inbandFailed: input.failed };
      break;
    case 'conns': {
      reason = 'conn-limit';
      const lim = config.connLimit;
      const latch = lim === undefined ? false : state.maxconns ? input.current >= lim.min : input.current >= lim.max;
      if (latch !== state.maxconns) next = { ...state, maxconns: latch };
      break;
    }
  }
  if (next === state) return { state, events: [] };
  const from = tokenOf(state);
  const to = tokenOf(next);
  return { state: next, events: from === to ? [] : [{ from, to, reason }] };
}

/**
 * Verdict over one real's probe instances (§3.4): AND by default (failed as
 * soon as any probe FAILED), OR with fail-on-all (failed only when every
 * probe FAILED). INIT counts as passing; DISABLED instances do not vote.
 */
export function probesFailed(healths: Iterable<ProbeHealth>, failOnAll: boolean): boolean {
  let voting = 0;
  let failed = 0;
  for (const h of healths) {
    if (h === 'DISABLED') continue;
    voting++;
    if (h === 'FAILED') failed++;
  }
  if (voting === 0) return false;
  return failOnAll ? failed === voting : failed > 0;
}

// ---------------------------------------------------------------- inband health (§3.7)

export interface InbandState {
  /** Start of the current reset window (monotonic ms). */
  readonly windowStartMs: number;
  readonly windowCount: number;
  readonly removed: boolean;
  /** resume-service value that governs the current removal (rules keep the old value on some changes). */
  readonly resumeServiceS: number;
}

export const INBAND_IDLE: InbandState = { windowStartMs: 0, windowCount: 0, removed: false, resumeServiceS: 0 };

export type InbandOutput =
  | { kind: 'threshold'; mode: 'log' | 'remove'; failures: number; threshold: number }
  | { kind: 'removed'; resumeServiceS: number };

/** One live-traffic failure (RST from the server, SYN timeout, ICMP unreachable). */
export function stepInbandFailure(state: InbandState, nowMs: number, config: InbandHealth, resetMsDefault: number): { state: InbandState; events: InbandOutput[] } {
  if (config.mode === 'count' || state.removed) return { state, events: [] };
  const resetMs = config.resetMs ?? resetMsDefault;
  const fresh = state.windowCount === 0 || nowMs - state.windowStartMs > resetMs;
  const windowStartMs = fresh ? nowMs : state.windowStartMs;
  const windowCount = (fresh ? 0 : state.windowCount) + 1;
  const threshold = config.threshold ?? 1;
  if (windowCount < threshold) return { state: { ...state, windowStartMs, windowCount }, events: [] };
  const events: InbandOutput[] = [{ kind: 'threshold', mode: config.mode, failures: windowCount, threshold }];
  if (config.mode === 'log') return { state: { ...state, windowStartMs: nowMs, windowCount: 0 }, events };
  const resumeServiceS = config.resumeServiceS ?? 0;
  events.push({ kind: 'removed', resumeServiceS });
  return { state: { windowStartMs: nowMs, windowCount: 0, removed: true, resumeServiceS }, events };
}

/**
 * A runtime change of `resume-service` while a real is removed (§3.7, all
 * confirmed): 0→N and lowering N1→N2 restore the real at once; raising
 * N1→N2 and N→0 keep the old value for the current failure.
 */
export function inbandResumeChange(state: InbandState, oldS: number, newS: number): { state: InbandState; restoreNow: boolean } {
  if (!state.removed) return { state, restoreNow: false };
  if ((oldS === 0 && newS > 0) || (newS > 0 && newS < oldS)) return { state: { ...state, removed: false }, restoreNow: true };
  return { state, restoreNow: false };
}
