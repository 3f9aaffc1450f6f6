// Client traffic of a simulated run: one stream per (client, kind) sending at
// a fixed period. `exact` sends every request through the balancer; `analytic`
// sends a request only where its outcome can differ from the previous one:
// once a stream's request was a sticky hit without a retry (or succeeded after
// learning the stream's entry), every following request repeats it (same real,
// same outcome) until something it depends on changes — its node's network
// condition, a state change in its farm or real, the controller — or its
// sticky entry needs a refresh. The skipped requests are counted in closed
// form (and kept as segments when asked). Requests at time T run
// after every engine event at T, in both modes, so the two agree exactly.
// Timebase: virtual ms of the run's clock.
import type { Balancer } from '../farm/balancer.js';
import type { Flow } from '../farm/types.js';
import type { RunEvent } from '../lab/measure.js';
import type { SimNetwork } from './sim-network.js';

export type TrafficKind = 'http' | 'https' | 'trap';
export type TrafficMode = 'exact' | 'analytic';

/** A client's traffic of one kind: fixed by the plan, the same in every run. */
export interface StreamSpec {
  client: string;
  kind: TrafficKind;
  vipClass: string;
  flow: Flow;
  /** Request period (floored to whole ms: the virtual clock's resolution). */
  stepMs: number;
  /**
   * The kind's sticky group when its entries belong to one client and one kind
   * (source /32, a group no other kind uses): only then can requests be skipped.
   */
  stickyGroup?: number;
  /** That group's timeout: a stable stream's entry is refreshed within half of it, so it never ages out. */
  stickyTimeoutMs?: number;
}

/** Requests the analytic mode did not send one by one: `count` requests from fromMs every stepMs, all alike. */
export interface Segment {
  client: string;
  kind: TrafficKind;
  node: string | undefined;
  ok: boolean;
  fromMs: number;
  stepMs: number;
  count: number;
}

export interface TrafficTotals {
  requests: number;
  lostRequests: number;
  traps: number;
  lostTraps: number;
}

/** Packs (time, stream) into one heap key: time-major, stream order at equal times. */
const STREAM_BITS = 2 ** 22;

interface StreamState {
  t0: number;
  /** Number of requests the stream sends in the run (times t0 + j·step < end). */
  n: number;
  /** Index of the next request to send or count. */
  next: number;
  /** Time the stream sits in the queue at (-1: not queued); older heap keys are stale. */
  queuedAt: number;
  stable: boolean;
  /** While stable: the repeated outcome and what wakes it. */
  ok: boolean;
  node: string | undefined;
  address: string;
  farm: string;
  rserver: string;
}

export class Traffic {
  readonly events: RunEvent[];
  readonly segments: Segment[] = [];
  readonly skipped: TrafficTotals = { requests: 0, lostRequests: 0, traps: 0, lostTraps: 0 };
  private readonly heap: number[] = [];
  private readonly state: StreamState[] = [];
  private readonly stableSet = new Set<number>();

  constructor(
    private readonly specs: readonly StreamSpec[],
    private readonly balancer: Balancer,
    private readonly net: SimNetwork,
    private readonly nodeOfAddress: ReadonlyMap<string, string>,
    private readonly reassign: boolean,
    private readonly mode: TrafficMode,
    events: RunEvent[],
    /** First request time of each stream (same order as specs), and the run's end. */
    offsets: readonly number[],
    private readonly endMs: number,
    /** Record the segments (reports, lockstep); a Monte Carlo run needs only the totals. */
    private readonly keepSegments = true,
  ) {
    this.events = events;
    specs.forEach((s, i) => {
      const t0 = offsets[i]!;
      const n = t0 < endMs ? Math.ceil((endMs - t0) / s.stepMs) : 0;
      this.state.push({ t0, n, next: 0, queuedAt: -1, stable: false, ok: false, node: undefined, address: '', farm: '', rserver: '' });
      if (n > 0) this.queue(i, t0);
    });
  }

  /** Time of the next request to send, or Infinity. */
  nextTime(): number {
    const h = this.heap;
    while (h.length > 0) {
      const key = h[0]!;
      const s = key % STREAM_BITS;
      const t = (key - s) / STREAM_BITS;
      if (this.state[s]!.queuedAt === t) return t;
      this.pop(); // stale: the stream was re-queued at another time
    }
    return Infinity;
  }

  /** Sends every request due at t (the clock reads t; the engine's events at t have run). */
  sendAt(t: number): void {
    while (this.nextTime() === t) {
      const s = this.pop() % STREAM_BITS;
      const st = this.state[s]!;
      st.queuedAt = -1;
      const j = Math.round((t - st.t0) / this.specs[s]!.stepMs);
      this.send(s, t);
      st.next = j + 1;
      // A stable stream waits for a wake (or the end); the others send their next request.
      if (!st.stable && st.next < st.n) this.queue(s, this.timeOf(s, st.next));
    }
  }

  /**
   * Stands in for the requests a stable stream did not send: each refreshes its
   * sticky entry (source /32: key hi 0, lo = the client's address). Called every
   * half sticky timeout, so an entry of a sending client never ages out.
   */
  refreshSticky(): void {
    const store = this.balancer.store;
    for (const s of this.stableSet) {
      const spec = this.specs[s]!;
      if (spec.stickyGroup !== undefined) store.hit(spec.stickyGroup, 0, spec.flow.clientIpNum! >>> 0);
    }
  }

  /** How often refreshSticky must run: half the shortest timeout among the groups streams may rest in. */
  refreshPeriodMs(): number | undefined {
    let min = Infinity;
    for (const s of this.specs) if (s.stickyTimeoutMs !== undefined) min = Math.min(min, s.stickyTimeoutMs);
    return Number.isFinite(min) ? Math.max(1, Math.floor(min / 2)) : undefined;
  }

  /** The network condition of an address changed at time t. */
  wakeAddress(address: string, t: number): void {
    for (const s of this.stableSet) if (this.state[s]!.address === address) this.wake(s, t);
  }

  /** The farm changed state at time t (rserver undefined), or one of its reals did. */
  wakeFarm(farm: string, t: number, rserver?: string): void {
    for (const s of this.stableSet) {
      const st = this.state[s]!;
      // A sticky hit depends on its own real's state only; other reals' changes leave it alone.
      if (st.farm === farm && (rserver === undefined || st.rserver === rserver)) this.wake(s, t);
    }
  }

  /** Anything may have changed (a timeline fault, the controller switching): every stream sends again. */
  wakeAll(t: number): void {
    for (const s of [...this.stableSet]) this.wake(s, t);
  }

  /** End of the run: count what the stable streams would still have sent. */
  finish(): void {
    for (const s of [...this.stableSet]) {
      this.settle(s, this.state[s]!.n);
      this.unstable(s);
    }
  }

  private wake(s: number, t: number): void {
    const st = this.state[s]!;
    const step = this.specs[s]!.stepMs;
    // Requests before t saw the old state; the first at or after t runs for real.
    const k = Math.min(st.n, Math.max(st.next, Math.ceil((t - st.t0) / step)));
    this.settle(s, k);
    this.unstable(s);
    if (k < st.n) this.queue(s, this.timeOf(s, k));
    else st.queuedAt = -1;
  }

  /** Counts the stable stream's requests from `next` up to (not including) index k. */
  private settle(s: number, k: number): void {
    const st = this.state[s]!;
    const count = k - st.next;
    if (count <= 0) return;
    const spec = this.specs[s]!;
    const sk = this.skipped;
    if (spec.kind === 'trap') {
      sk.traps += count;
      if (!st.ok) sk.lostTraps += count;
    } else {
      sk.requests += count;
      if (!st.ok) sk.lostRequests += count;
    }
    if (this.keepSegments) this.segments.push({ client: spec.client, kind: spec.kind, node: st.node, ok: st.ok, fromMs: this.timeOf(s, st.next), stepMs: spec.stepMs, count });
    st.next = k;
  }

  private unstable(s: number): void {
    this.state[s]!.stable = false;
    this.stableSet.delete(s);
  }

  private send(s: number, atMs: number): void {
    const spec = this.specs[s]!;
    const { flow, kind } = spec;
    const b = this.balancer;
    let d = b.select(spec.vipClass, flow);
    let ok = false;
    let node: string | undefined;
    let retried = false;
    if (d.kind === 'server') {
      let outcome = this.net.request(d.address, kind);
      if (outcome === 'refused') {
        b.reportFailure(d);
        if (this.reassign) {
          retried = true;
          const again = b.reselect(flow, d);
          if (again.kind === 'server') {
            d = again;
            outcome = this.net.request(d.address, kind);
          }
        }
      }
      if (outcome === 'ok') {
        b.open(d);
        b.close(d);
        ok = true;
        node = this.nodeOfAddress.get(d.address) ?? d.address;
      }
    }
    // The simulated path never rewrites the source: every node sees the client's own address.
    const e: RunEvent = { type: 'request', atMs, client: spec.client, kind, ok };
    if (node !== undefined) {
      e.node = node;
      e.seenSource = spec.client;
    }
    this.events.push(e);
    const st = this.state[s]!;
    // A successful miss that learned the stream's entry is as good as a hit: the next
    // request finds that entry (it outlives one period) and goes to the same real, and
    // nothing else changes until a wake. So is a retry that succeeded on a new real (the
    // reselect re-pointed the entry; the failure it reported was this request's). Saves
    // each stream its second request, and a failed-over one its second after the move.
    const learned = ok && spec.stickyTimeoutMs !== undefined && spec.stepMs < spec.stickyTimeoutMs;
    if (this.mode === 'analytic' && d.kind === 'server' && ((d.stickyHit && !retried) || learned) && d.stickyGroup === spec.stickyGroup) {
      st.stable = true;
      st.ok = ok;
      st.node = ok ? node : this.nodeOfAddress.get(d.address);
      st.address = d.address;
      st.farm = d.farm;
      st.rserver = d.rserver;
      this.stableSet.add(s);
    } else if (st.stable) this.unstable(s);
  }

  private timeOf(s: number, j: number): number {
    return this.state[s]!.t0 + j * this.specs[s]!.stepMs;
  }

  private queue(s: number, t: number): void {
    this.state[s]!.queuedAt = t;
    const h = this.heap;
    h.push(t * STREAM_BITS + s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= h[i]!) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
