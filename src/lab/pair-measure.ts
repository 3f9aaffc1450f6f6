// Pair measurements from events (config time, ms from the start of the
// timeline): for each balancer fault, how long until the other member was
// ACTIVE and serving the VIPs, what the clients lost meanwhile, whether each
// client stayed on its node (the replicated sticky entries), and how long both
// members were ACTIVE at once. Pure: the lab and the tests feed it events.

export interface PairGroupEvent {
  atMs: number;
  role: 'primary' | 'secondary';
  /** ft.group → its `to`; ft.vips → 'SERVING' / 'RELEASED'; a member's death → 'DEAD'. */
  state: string;
}

export interface PairRequest {
  atMs: number;
  client: string;
  ok: boolean;
  node?: string;
  /** An SNMP trap (counted apart from HTTP/HTTPS requests). */
  trap?: boolean;
}

export interface BalancerFaultAt {
  atMs: number;
  kind: string;
}

export interface PairFaultMetrics {
  kind: string;
  atMs: number;
  /** Fault → a member other than the one ACTIVE at the fault is ACTIVE (null: none did). */
  takeoverMs: number | null;
  /** Fault → that member serves the VIPs (listeners bound). */
  vipGapMs: number | null;
  /** HTTP/HTTPS requests that failed from the fault until the new active served plus a settling second. */
  lostRequests: number;
  requests: number;
  /** Traps lost in the same window. */
  lostTraps: number;
  traps: number;
  /** Clients with a successful request before and after: how many kept their node. */
  stickyKept: number;
  stickyClients: number;
}

export interface PairMetrics {
  faults: PairFaultMetrics[];
  /** Total time both members were ACTIVE together. */
  duplicateActiveMs: number;
}

const SETTLE_MS = 1000;

/** Intervals (from, to) during which `role` was ACTIVE, up to endMs. */
function activeIntervals(events: readonly PairGroupEvent[], role: string, endMs: number): [number, number][] {
  const out: [number, number][] = [];
  let since: number | undefined;
  for (const e of events) {
    if (e.role !== role || e.state === 'SERVING' || e.state === 'RELEASED') continue;
    if (e.state === 'FSM_FT_STATE_ACTIVE') since ??= e.atMs;
    else if (since !== undefined) {
      out.push([since, e.atMs]);
      since = undefined;
    }
  }
  if (since !== undefined) out.push([since, endMs]);
  return out;
}

/** Total overlap, leaving out overlaps no longer than `noiseMs` (the stamps' own uncertainty). */
function overlap(a: [number, number][], b: [number, number][], noiseMs: number): number {
  let total = 0;
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const o = Math.min(a1, b1) - Math.max(a0, b0);
      if (o > noiseMs) total += o;
    }
  }
  return total;
}

/**
 * `stampNoiseMs`: how far apart two members' stamps of one instant can be (each process stamps its
 * own events, in whole ms, on its own clock reading); an overlap of ACTIVE no longer than that,
 * as a hand-over's step-down and takeover stamped out of order, is not counted as two actives.
 */
export function computePairMetrics(eventsIn: readonly PairGroupEvent[], requests: readonly PairRequest[], faults: readonly BalancerFaultAt[], endMs: number, stampNoiseMs = 0): PairMetrics {
  const events = [...eventsIn].sort((a, b) => a.atMs - b.atMs);
  // A member's state just before t: a transition stamped at t itself is the fault's doing.
  const stateBefore = (role: string, t: number): string => {
    let s = 'none';
    for (const e of events) {
      if (e.atMs >= t) break;
      if (e.role === role && e.state !== 'SERVING' && e.state !== 'RELEASED') s = e.state;
    }
    return s;
  };
  const out: PairFaultMetrics[] = [];
  for (const f of faults) {
    const activeBefore = (['primary', 'secondary'] as const).filter((r) => stateBefore(r, f.atMs) === 'FSM_FT_STATE_ACTIVE');
    const took = events.find((e) => e.atMs >= f.atMs && e.state === 'FSM_FT_STATE_ACTIVE' && !activeBefore.includes(e.role));
    const served = took ? events.find((e) => e.atMs >= took.atMs && e.role === took.role && e.state === 'SERVING') : undefined;
    const windowEnd = (served?.atMs ?? took?.atMs ?? f.atMs) + SETTLE_MS;
    const inWindow = requests.filter((r) => r.atMs >= f.atMs && r.atMs <= windowEnd);
    // Stickiness across the fault: last node before vs first node after the new active serves.
    const before = new Map<string, string>();
    const after = new Map<string, string>();
    for (const r of requests) {
      if (!r.ok || r.node === undefined) continue;
      if (r.atMs < f.atMs) before.set(r.client, r.node);
      else if (r.atMs > windowEnd && !after.has(r.client)) after.set(r.client, r.node);
    }
    let kept = 0;
    let both = 0;
    for (const [c, n] of before) {
      const a = after.get(c);
      if (a === undefined) continue;
      both++;
      if (a === n) kept++;
    }
    out.push({
      kind: f.kind,
      atMs: f.atMs,
      takeoverMs: took ? took.atMs - f.atMs : null,
      vipGapMs: served ? served.atMs - f.atMs : null,
      lostRequests: inWindow.filter((r) => !r.ok && !r.trap).length,
      requests: inWindow.filter((r) => !r.trap).length,
      lostTraps: inWindow.filter((r) => !r.ok && r.trap === true).length,
      traps: inWindow.filter((r) => r.trap === true).length,
      stickyKept: kept,
      stickyClients: both,
    });
  }
  return { faults: out, duplicateActiveMs: overlap(activeIntervals(events, 'primary', endMs), activeIntervals(events, 'secondary', endMs), stampNoiseMs) };
}
