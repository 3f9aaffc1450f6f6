// The dashboard's live feed: an event timeline and per-instance probe history
// fed by the runtime's buses, and the server-sent-event clients it pushes to.
// Invariants: bounded memory (ring buffers); a client that throws on write is
// dropped; state frames go out at most every TICK_MS while anyone listens.
// Timebase: event stamps are monotonic ms; wallOffsetMs turns them into dates.
import type { Clock, CancelTimer } from '../core/clock.js';
import * as view from './read-model.js';
import type { MgmtRuntime } from './read-model.js';

export const TIMELINE_MAX = 300;
export const PROBE_HISTORY_MAX = 30;
export const TICK_MS = 1_000;

export interface TimelineEntry {
  atMs: number;
  kind: 'probe' | 'real' | 'farm' | 'sticky' | 'inband' | 'reload' | 'operator';
  text: string;
}

export interface ProbeMark {
  atMs: number;
  ok: boolean;
  cause: string;
  latencyMs: number;
}

export interface DashboardState {
  atMs: number;
  wallOffsetMs: number;
  context: string;
  vips: view.VipView[];
  farms: (view.FarmView & { reals: (view.FarmView['reals'][number] & { history: ProbeMark[] })[] })[];
  sticky: { group: string; size: number }[];
  ft: view.FtView;
  timeline: TimelineEntry[];
}

/** An SSE client: gets `event` / `data` frames. */
export type LiveClient = (event: string, data: string) => void;

export class LiveHub {
  private readonly timeline: TimelineEntry[] = [];
  /** Probe history by "farm|rserver" (every probe of the real, newest last). */
  private readonly history = new Map<string, ProbeMark[]>();
  private readonly clients = new Set<LiveClient>();
  private readonly unsubscribe: (() => void)[] = [];
  private tick: CancelTimer | undefined;

  constructor(
    private readonly runtime: () => MgmtRuntime,
    private readonly clock: Clock,
  ) {
    const rt = runtime();
    this.unsubscribe.push(
      rt.probeBus.subscribe((e) => {
        if (e.type === 'probe.result') {
          const k = `${e.key.farm ?? ''}|${e.key.rserver}`;
          const h = this.history.get(k) ?? [];
          h.push({ atMs: e.atMs, ok: e.result.ok, cause: e.result.cause, latencyMs: Math.round(e.result.latencyMs) });
          if (h.length > PROBE_HISTORY_MAX) h.shift();
          this.history.set(k, h);
        } else {
          this.note({ atMs: e.atMs, kind: 'probe', text: `probe ${e.key.probe} ${e.key.rserver} ${e.key.address}:${e.key.port}: ${e.from} -> ${e.to} (${e.cause})` });
        }
      }),
      rt.farmBus.subscribe((e) => {
        switch (e.type) {
          case 'real.state':
            return this.note({ atMs: e.atMs, kind: 'real', text: `rserver ${e.rserver} in ${e.farm}: ${e.from} -> ${e.to} (${e.reason})` });
          case 'farm.state':
            return this.note({ atMs: e.atMs, kind: 'farm', text: `serverfarm ${e.farm}: ${e.from} -> ${e.to} (${e.operational}/${e.total})` });
          case 'inband.threshold':
            return this.note({ atMs: e.atMs, kind: 'inband', text: `inband ${e.rserver} in ${e.farm}: ${e.failures}/${e.threshold} failures (${e.mode})` });
          case 'sticky.remove':
            return this.note({ atMs: e.atMs, kind: 'sticky', text: `sticky ${e.group}: ${e.count} entr${e.count === 1 ? 'y' : 'ies'} removed (${e.reason})` });
          default:
            return;
        }
      }),
    );
  }

  /** Adds a timeline line (also used for operator actions and reloads) and pushes it. */
  note(entry: TimelineEntry): void {
    this.timeline.push(entry);
    if (this.timeline.length > TIMELINE_MAX) this.timeline.shift();
    this.broadcast('timeline', JSON.stringify(entry));
  }

  noteNow(kind: TimelineEntry['kind'], text: string): void {
    this.note({ atMs: this.clock.monotonicNow(), kind, text });
  }

  state(): DashboardState {
    const rt = this.runtime();
    const atMs = this.clock.monotonicNow();
    return {
      atMs,
      wallOffsetMs: this.clock.wallNow() - atMs,
      context: rt.context.name,
      vips: view.vips(rt),
      farms: view.farms(rt).map((f) => ({ ...f, reals: f.reals.map((r) => ({ ...r, history: this.history.get(`${f.name}|${r.rserver}`) ?? [] })) })),
      sticky: view.sticky(rt, undefined, 0).map((g) => ({ group: g.name, size: g.size })),
      ft: view.ft(rt),
      timeline: [...this.timeline],
    };
  }

  /** Registers an SSE client; it gets the full state at once. Returns the detach. */
  attach(client: LiveClient): () => void {
    this.clients.add(client);
    this.send(client, 'state', JSON.stringify(this.state()));
    this.arm();
    return () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.disarm();
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private arm(): void {
    if (this.tick) return;
    this.tick = this.clock.setTimer(TICK_MS, () => {
      this.tick = undefined;
      if (this.clients.size === 0) return;
      this.broadcast('state', JSON.stringify(this.state()));
      this.arm();
    });
  }

  private disarm(): void {
    this.tick?.();
    this.tick = undefined;
  }

  private broadcast(event: string, data: string): void {
    for (const c of this.clients) this.send(c, event, data);
  }

  private send(c: LiveClient, event: string, data: string): void {
    try {
      c(event, data);
    } catch {
      this.clients.delete(c);
    }
  }

  dispose(): void {
    this.disarm();
    this.clients.clear();
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
