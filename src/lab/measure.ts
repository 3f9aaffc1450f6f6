// Failover measurements, computed from clock-stamped events only (never from
// logs), and the windows the config predicts for them. Shared by the lab (real
// time) and the simulator (virtual time): both feed the same event shapes.
// Timebase: milliseconds of the run's own clock (config time).
import type { ContextModel, Probe } from '../config/model.js';
import type { FaultKind } from './scenario.js';

const TCP_PROBES = new Set(['tcp', 'echo-tcp', 'finger', 'http', 'https', 'ftp', 'smtp', 'telnet', 'imap', 'pop', 'rtsp', 'sip-tcp']);

/** How long one failing probe attempt takes for a fault kind (latency ≈ 0 on a simulated network). */
export function failingAttemptMs(p: Probe, fault: FaultKind, slowMs = 0): number {
  const tcp = TCP_PROBES.has(p.type);
  switch (fault) {
    case 'crash':
    case 'flap':
      return 0; // refused at once
    case 'blackhole':
      return tcp ? p.openMs : p.receiveMs;
    case 'hang':
      return p.receiveMs;
    case 'slow':
      return Math.min(slowMs, p.receiveMs);
    case 'http-error':
      return 0;
    case 'recover':
      return 0;
  }
}

/** Whether a fault makes this probe fail at all (a slow node within `receive` still passes). */
export function faultFailsProbe(p: Probe, fault: FaultKind, slowMs = 0, status = 503): boolean {
  if (fault === 'slow') return slowMs >= p.receiveMs;
  if (fault === 'http-error') {
    if (p.type !== 'http' && p.type !== 'https') return false;
    return !p.expectStatus.some((r) => r.min <= status && status <= r.max);
  }
  if (fault === 'recover') return false;
  return true;
}

export type Window = [number, number];

/**
 * Detection window of one probe for a fault: the fault lands anywhere in the
 * probe's cycle; the verdict comes after `faildetect` consecutive failing
 * attempts, each starting a period after the previous one (period =
 * max(interval, attempt), the in-flight rule) and ending `attempt` later.
 */
export function probeDetectionWindow(p: Probe, fault: FaultKind, slowMs = 0): Window {
  const a = failingAttemptMs(p, fault, slowMs);
  const period = Math.max(p.intervalMs, a);
  return [(p.faildetect - 1) * period + a, p.faildetect * period + a];
}

/** Recovery window: the first passing attempt at the next passdetect tick, then passdetectCount − 1 more. */
export function probeRecoveryWindow(p: Probe): Window {
  return [(p.passdetectCount - 1) * p.passdetectIntervalMs, p.passdetectCount * p.passdetectIntervalMs];
}

/** The probes that decide a real in a farm: farm probes, member probes and global rserver probes. */
export function probesOfMember(ctx: ContextModel, farmName: string, rserver: string): Probe[] {
  const farm = ctx.serverfarms.find((f) => f.name === farmName);
  if (!farm) return [];
  const byName = new Map(ctx.probes.map((p) => [p.name, p]));
  const names = new Set<string>(farm.probes.map((r) => r.name));
  for (const m of farm.members) if (m.rserver.name === rserver) for (const r of m.probes) names.add(r.name);
  const rs = ctx.rservers.find((r) => r.name === rserver);
  for (const r of rs?.probes ?? []) names.add(r.name);
  return [...names].map((n) => byName.get(n)).filter((p): p is Probe => p !== undefined);
}

/**
 * Predicted detection window for a node: in each farm the real fails when its
 * first probe fails (AND logic: any failing probe fails it); "detected" means
 * PROBE-FAILED in every farm that probes it, so the farm windows combine by max.
 */
export function predictDetection(ctx: ContextModel, rserver: string, fault: FaultKind, slowMs = 0, status = 503): Window | undefined {
  let lo = 0;
  let hi = 0;
  let any = false;
  for (const f of ctx.serverfarms) {
    if (!f.members.some((m) => m.rserver.name === rserver)) continue;
    const failing = probesOfMember(ctx, f.name, rserver).filter((p) => faultFailsProbe(p, fault, slowMs, status));
    if (failing.length === 0) continue;
    const ws = failing.map((p) => probeDetectionWindow(p, fault, slowMs));
    lo = Math.max(lo, Math.min(...ws.map((w) => w[0])));
    hi = Math.max(hi, Math.min(...ws.map((w) => w[1])));
    any = true;
  }
  return any ? [lo, hi] : undefined;
}

/** Predicted recovery: back to OPERATIONAL needs every probe of the real to pass again (max over probes and farms). */
export function predictRecovery(ctx: ContextModel, rserver: string): Window | undefined {
  let lo = 0;
  let hi = 0;
  let any = false;
  for (const f of ctx.serverfarms) {
    if (!f.members.some((m) => m.rserver.name === rserver)) continue;
    for (const p of probesOfMember(ctx, f.name, rserver)) {
      const w = probeRecoveryWindow(p);
      lo = Math.max(lo, w[0]);
      hi = Math.max(hi, w[1]);
      any = true;
    }
  }
  return any ? [lo, hi] : undefined;
}

// ---------------------------------------------------------------- metrics from events

/** The events a run records (stamped with its own clock). */
export type RunEvent =
  | { type: 'fault'; atMs: number; node: string; address: string; fault: FaultKind }
  | { type: 'real'; atMs: number; farm: string; address: string; to: string; from?: string }
  /**
   * One client request or trap. `node`: the node that served it or, for a
   * failure, the node it reached (answer body, or the node's record of the
   * request id); absent when nothing tells (refused, reset, lost on the way).
   */
  | { type: 'request'; atMs: number; client: string; kind: 'http' | 'https' | 'trap'; ok: boolean; node?: string; seenSource?: string; id?: string; cause?: LossCause };

/**
 * How a client request failed, as the client saw it: `refused` (ECONNREFUSED),
 * `reset` (ECONNRESET or the connection closed before an answer), `timeout`
 * (no answer within the client's timeout), `HTTP nnn` (an answer outside
 * 200–399), `tls` (handshake failed), or the error code in lower case.
 */
export type LossCause = string;
type FaultEvent = Extract<RunEvent, { type: 'fault' }>;
type RequestEvent = Extract<RunEvent, { type: 'request' }>;

/** Timings of one fault on one node (config ms from the fault, or from its recover). */
export interface FaultTimings {
  detectionMs: number | null;
  /** Per farm: fault → PROBE-FAILED in that farm. */
  detectionByFarmMs: Record<string, number>;
  failoverMs: number | null;
  recoveryMs: number | null;
  failbackMs: number | null;
}

export interface RunMetrics extends FaultTimings {
  requests: number;
  lostRequests: number;
  traps: number;
  lostTraps: number;
  stickyMoves: number;
  sourceMismatches: number;
}

/** One fault of the timeline, measured on its own. */
export interface FaultMetrics extends FaultTimings {
  node: string;
  address: string;
  fault: FaultKind;
  atMs: number;
  /** The recover that ended it (same node, no other fault in between), if any. */
  recoverAtMs: number | null;
  /** Client requests and traps that failed from the fault until the next fault on any node (or the end). */
  lostRequests: number;
  lostTraps: number;
}

/**
 * One token per client and traffic kind, the key of the per-stream maps below: a Map
 * keyed by objects looks up by identity, one keyed by "client|kind" strings built per
 * event spent most of computeMetrics hashing and comparing them.
 */
type StreamKey = Readonly<Record<string, never>>;
type StreamKeys = Map<string, Partial<Record<RequestEvent['kind'], StreamKey>>>;

function streamKey(keys: StreamKeys, client: string, kind: RequestEvent['kind']): StreamKey {
  let k = keys.get(client);
  if (k === undefined) keys.set(client, (k = {}));
  return (k[kind] ??= {});
}

const isFault = (e: RunEvent): e is FaultEvent => e.type === 'fault' && e.fault !== 'recover';

/** The recover of a fault: the next timeline event on its node, when that is a recover. */
function recoverOf(events: readonly RunEvent[], fault: FaultEvent): FaultEvent | undefined {
  const next = events.find((e): e is FaultEvent => e.type === 'fault' && e !== fault && e.node === fault.node && e.atMs >= fault.atMs && events.indexOf(e) > events.indexOf(fault));
  return next?.fault === 'recover' ? next : undefined;
}

/**
 * Timings of one fault, from events sorted by time:
 * - detection: fault → the node's address is PROBE-FAILED in every farm that has it;
 * - failover: fault → the last of the node's clients (those whose last success
 *   before the fault was on it) has a successful request on another node;
 * - recovery: recover → OPERATIONAL again in every farm;
 * - failback: recover → the first request served by the node again.
 */
export function faultTimings(events: readonly RunEvent[], fault: FaultEvent, farms: readonly string[]): FaultTimings {
  const t: FaultTimings = { detectionMs: null, detectionByFarmMs: {}, failoverMs: null, recoveryMs: null, failbackMs: null };
  const keys: StreamKeys = new Map();
  const recover = recoverOf(events, fault);
  const lastNode = new Map<StreamKey, string>();
  const movedAt = new Map<StreamKey, number>();
  let clientsOfNode: Set<StreamKey> | undefined;
  // Per client and traffic kind: each kind has its own VIP and sticky group.
  const ofNode = (): Set<StreamKey> => new Set([...lastNode].filter(([, n]) => n === fault.node).map(([k]) => k));
  for (const e of events) {
    if (e.type !== 'request' || !e.ok || e.node === undefined) continue;
    const key = streamKey(keys, e.client, e.kind);
    if (e.atMs < fault.atMs) {
      lastNode.set(key, e.node);
      continue;
    }
    clientsOfNode ??= ofNode();
    if (e.node !== fault.node && clientsOfNode.has(key) && !movedAt.has(key)) movedAt.set(key, e.atMs);
    if (recover && t.failbackMs === null && e.atMs >= recover.atMs && e.node === recover.node) t.failbackMs = e.atMs - recover.atMs;
  }
  clientsOfNode ??= ofNode();
  for (const farm of farms) {
    const down = events.find((e) => e.type === 'real' && e.farm === farm && e.address === fault.address && e.to === 'PROBE-FAILED' && e.atMs >= fault.atMs && (!recover || e.atMs <= recover.atMs));
    if (down) t.detectionByFarmMs[farm] = down.atMs - fault.atMs;
  }
  if (farms.length > 0 && farms.every((f) => f in t.detectionByFarmMs)) t.detectionMs = Math.max(...Object.values(t.detectionByFarmMs));
  if (clientsOfNode.size > 0 && [...clientsOfNode].every((c) => movedAt.has(c))) t.failoverMs = Math.max(...movedAt.values()) - fault.atMs;
  if (recover) {
    const ups = farms.map((farm) => events.find((e) => e.type === 'real' && e.farm === farm && e.address === fault.address && e.to === 'OPERATIONAL' && e.atMs >= recover.atMs));
    if (ups.length > 0 && ups.every((u) => u !== undefined)) t.recoveryMs = Math.max(...ups.map((u) => u!.atMs)) - recover.atMs;
  }
  return t;
}

/** Failed client requests (not traps) by cause, most frequent first; requests recorded without a cause count as `unknown`. */
export function lossCauses(events: readonly RunEvent[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'request' || e.ok || e.kind === 'trap') continue;
    const c = e.cause ?? 'unknown';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/**
 * Totals over the run and the timings of its first fault (the shape issue 6
 * fixed; faultMetrics has every fault). Sticky moves: a client's traffic of
 * one kind (one VIP, one sticky group) changing node.
 */
export function computeMetrics(events: readonly RunEvent[], farmsOf: (address: string) => readonly string[]): RunMetrics {
  const m: RunMetrics = { detectionMs: null, detectionByFarmMs: {}, failoverMs: null, recoveryMs: null, failbackMs: null, requests: 0, lostRequests: 0, traps: 0, lostTraps: 0, stickyMoves: 0, sourceMismatches: 0 };
  const lastNode = new Map<StreamKey, string>();
  const keys: StreamKeys = new Map();
  for (const e of events) {
    if (e.type !== 'request') continue;
    if (e.kind === 'trap') {
      m.traps++;
      if (!e.ok) m.lostTraps++;
    } else {
      m.requests++;
      if (!e.ok) m.lostRequests++;
    }
    if (e.ok && e.seenSource !== undefined && e.seenSource !== e.client) m.sourceMismatches++;
    if (!e.ok || e.node === undefined) continue;
    const stickKey = streamKey(keys, e.client, e.kind);
    const prev = lastNode.get(stickKey);
    if (prev !== undefined && prev !== e.node) m.stickyMoves++;
    lastNode.set(stickKey, e.node);
  }
  const fault = events.find(isFault);
  // Object.assign over a spread copy: the same keys in the same order, without Node 20's slow spread.
  return fault ? Object.assign(m, faultTimings(events, fault, farmsOf(fault.address))) : m;
}

/** Every fault of the run measured on its own; farmsOf gives the farms a fault can be detected in. */
export function faultMetrics(events: readonly RunEvent[], farmsOf: (fault: FaultEvent) => readonly string[]): FaultMetrics[] {
  const faults = events.filter(isFault);
  return faults.map((f, i) => {
    const end = faults[i + 1]?.atMs ?? Infinity;
    const lost = events.filter((e): e is RequestEvent => e.type === 'request' && !e.ok && e.atMs >= f.atMs && e.atMs < end);
    const recover = recoverOf(events, f);
    return {
      node: f.node,
      address: f.address,
      fault: f.fault,
      atMs: f.atMs,
      recoverAtMs: recover?.atMs ?? null,
      ...faultTimings(events, f, farmsOf(f)),
      lostRequests: lost.filter((e) => e.kind !== 'trap').length,
      lostTraps: lost.filter((e) => e.kind === 'trap').length,
    };
  });
}
