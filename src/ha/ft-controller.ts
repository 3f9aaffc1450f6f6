// One FT member: the heartbeat on the FT VLAN, the peer's liveness, the
// group state machines (./ft-group.ts) and the replication channel (config
// digest and `replicate sticky` entries). Timebase: the injected Clock; the
// network: an FtTransport. VIP ownership is the caller's: hooks.activate and
// hooks.deactivate run on every transition into and out of ACTIVE.
//
// Replication (§7.4): the lower FT address listens, the higher dials. A
// standby in STANDBY_CONFIG sends its config digest; the active answers
// config-ack and, when the digests match, the bulk of every replicated sticky
// entry, then incremental updates as they happen. Updates received are applied
// as remote (never re-published), so nothing echoes back.
import type { Clock, CancelTimer } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { StickyEvent } from '../sticky/events.js';
import type { StickyStore } from '../sticky/sticky-store.js';
import { initialFtGroup, isStandby as isStandbyState, netPriority, stepFtGroup, stepPeerLiveness, viewOf, type FtGroupInit, type FtGroupInput, type FtGroupMachine, type PeerLivenessEffect, type PeerLivenessInput } from './ft-group.js';
import { encodeHeartbeat, encodeReplication, FT_PROTOCOL_VERSION, LineSplitter, readHeartbeat, readReplication, type ReplicationMessage } from './messages.js';
import type { FtDatagramSocket, FtEndpoint, FtQueryPort, FtStream, FtTransport } from './transport.js';
import type { FtGroupState, FtGroupStatus, FtPeerState, FtPeerStatus, FtStats, FtStatusSource, FtTrackStatus } from './types.js';

export type FtEvent =
  | { type: 'ft.group'; group: number; from: FtGroupState; to: FtGroupState; reason: string }
  | { type: 'ft.peer'; from: FtPeerState; to: FtPeerState }
  /** VIPs of the group bound (serving) or released on this member; ms = how long the hook took. */
  | { type: 'ft.vips'; group: number; serving: boolean; ms: number }
  | { type: 'ft.sync'; group: number; step: 'config-ok' | 'config-mismatch' | 'config-pushed' | 'config-applied' | 'config-refused' | 'bulk-done'; entries?: number };

export interface FtTrackItem {
  name: string;
  kind: 'host' | 'interface';
  target: string;
  /** Subtracted from every group's net priority while the item is down. */
  priority: number;
}

export interface FtHooks {
  activate(group: number): Promise<void>;
  deactivate(group: number): Promise<void>;
  /** Digest of the running config of the group's contexts (config sync compares them). */
  configDigest(group: number): string;
  /** Active: the config text to push to a standby whose digest differs (undefined: no push, the standby stays cold). */
  configText?(group: number): string | undefined;
  /** Standby: validates and applies the active's config text; a refusal says why (never throws for bad text). */
  applyConfig?(group: number, text: string): Promise<{ ok: true } | { ok: false; message: string }>;
}

export interface FtControllerOptions {
  clock: Clock;
  transport: FtTransport;
  me: FtEndpoint;
  /** Where heartbeats go and replication dials (the peer, or a relay standing for the FT VLAN). */
  peer: FtEndpoint;
  /** The peer's own FT address, as its heartbeats and hello name it; default peer.address. */
  peerIdentity?: string;
  peerId: number;
  heartbeatIntervalMs: number;
  heartbeatCount: number;
  groups: (Omit<FtGroupInit, 'tieBreakerLower'> & { contexts: string[] })[];
  tracks?: FtTrackItem[];
  sticky?: { store: StickyStore; events: { subscribe(l: (e: StickyEvent) => void): () => void } };
  hooks: FtHooks;
  bus?: EventBus<FtEvent>;
  /** query-interface (§7.1): asked when heartbeats stop; an answer means the peer is alive (no takeover). */
  query?: FtQueryPort;
  /** How the query interface is named in `show ft peer` (e.g. "vlan 400"). */
  queryInterface?: string;
  onLine?: (line: string) => void;
}

/** A query unanswered for this many heartbeat intervals counts as no answer. */
export const QUERY_TIMEOUT_INTERVALS = 2;

const ipKey = (a: string): number => a.split('.').reduce((n, o) => n * 256 + (Number(o) || 0), 0);

export class FtController implements FtStatusSource {
  private readonly clock: Clock;
  private readonly groupsById = new Map<number, { m: FtGroupMachine; contexts: string[] }>();
  private readonly trackDown = new Map<string, boolean>();
  private peerState: FtPeerState = 'FSM_PEER_STATE_INIT';
  private peerHeardMs: number | undefined;
  private peerIntervalMs: number | undefined;
  private seq = 0;
  private hb: FtDatagramSocket | undefined;
  private server: { close(): Promise<void> } | undefined;
  private stream: FtStream | undefined;
  private helloOk = false;
  private readonly timers: CancelTimer[] = [];
  private hbTimer: CancelTimer | undefined;
  private watchdog: CancelTimer | undefined;
  private dialTimer: CancelTimer | undefined;
  private stopped = false;
  private querying = false;
  private queryTimer: CancelTimer | undefined;
  private readonly counters: Omit<FtStats, 'rejectedMessages' | 'lastRejection'> = { heartbeatsSent: 0, heartbeatsReceived: 0, heartbeatsMissed: 0, unidirectionalHeartbeats: 0, heartbeatTimeoutMismatches: 0, peerUpEvents: 0, peerDownEvents: 0 };
  /** Datagrams or lines that were not valid FT messages, or came from a stranger. */
  malformed = 0;
  /** The latest rejection, for `show ft stats` (what, why — the field at fault — and from where; never the bytes). */
  lastRejection: string | undefined;
  /** Rejections not yet reported in an operator line, and when the last line went out. */
  private unreported = 0;
  private reportedAtMs: number | undefined;
  private replicatedSent = 0;
  private replicatedReceived = 0;
  private readonly lowerAddress: boolean;
  private readonly peerIdentity: string;
  /** Serialises activate/deactivate so a flap never interleaves binds and releases. */
  private vipChain: Promise<void> = Promise.resolve();
  private unsubscribeSticky: (() => void) | undefined;
  /** When each group last asked the active for a sync (re-asked after a silent detect time). */
  private readonly syncAskedMs = new Map<number, number>();
  /** Active side: the peer's config matched on this channel, so updates may flow. */
  private peerSynced = false;
  /** Active side: groups whose config was pushed on this channel (a standby still different after a push is refused, not pushed to forever). */
  private readonly pushed = new Set<number>();
  /** Standby side: groups applying a pushed config (their digest is not asked for meanwhile). */
  private readonly applying = new Set<number>();
  /** The last config-sync outcome per group, for `show ft group`. */
  private readonly syncDetail = new Map<number, string>();

  constructor(private readonly o: FtControllerOptions) {
    this.clock = o.clock;
    this.peerIdentity = o.peerIdentity ?? o.peer.address;
    this.lowerAddress = ipKey(o.me.address) < ipKey(this.peerIdentity);
    for (const g of o.groups) this.groupsById.set(g.id, { m: initialFtGroup({ ...g, tieBreakerLower: this.lowerAddress }), contexts: g.contexts });
    for (const t of o.tracks ?? []) this.trackDown.set(t.name, false);
  }

  private get intervalMs(): number {
    // Both peers adopt the lower interval (§7.1 "HB timeout mismatches").
    return Math.min(this.o.heartbeatIntervalMs, this.peerIntervalMs ?? Infinity);
  }

  private get detectMs(): number {
    return this.intervalMs * this.o.heartbeatCount;
  }

  async start(): Promise<void> {
    this.hb = await this.o.transport.bindHeartbeat(this.o.me, this.o.peer, (buf, from) => this.onHeartbeat(buf, from));
    if (this.lowerAddress) {
      this.server = await this.o.transport.listenStream(this.o.me, (s, from) => this.onInboundStream(s, from));
    }
    if (this.o.sticky) this.unsubscribeSticky = this.o.sticky.events.subscribe((e) => this.onStickyEvent(e));
    const now = this.clock.monotonicNow();
    for (const id of this.groupsById.keys()) this.feed(id, { kind: 'start', nowMs: now }, 'start');
    this.sendHeartbeat();
    this.scheduleHeartbeat();
    this.armWatchdog();
    this.timers.push(this.clock.setTimer(this.detectMs, () => this.onElectTimeout()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.hbTimer?.();
    this.watchdog?.();
    this.dialTimer?.();
    this.queryTimer?.();
    for (const c of this.timers.splice(0)) c();
    this.unsubscribeSticky?.();
    this.hb?.close();
    this.stream?.close();
    await this.server?.close();
    await this.o.query?.close();
    await this.vipChain;
  }

  // ------------------------------------------------------------ heartbeat

  private scheduleHeartbeat(): void {
    if (this.stopped) return;
    this.hbTimer = this.clock.setTimer(this.intervalMs, () => {
      this.sendHeartbeat();
      this.scheduleHeartbeat();
    });
  }

  private hearing(): boolean {
    return this.peerHeardMs !== undefined && this.clock.monotonicNow() - this.peerHeardMs < this.detectMs;
  }

  private sendHeartbeat(): void {
    if (this.stopped || !this.hb) return;
    const groups = [...this.groupsById.values()].map((g) => viewOf(g.m));
    this.hb.send(encodeHeartbeat({ v: FT_PROTOCOL_VERSION, from: this.o.me.address, seq: this.seq++, intervalMs: this.o.heartbeatIntervalMs, count: this.o.heartbeatCount, hearing: this.hearing(), groups }));
    this.counters.heartbeatsSent++;
  }

  private onHeartbeat(buf: Buffer, from: string): void {
    if (this.stopped) return;
    const decoded = readHeartbeat(buf);
    // The decoder's reason names the field at fault, so the operator sees why, not only that.
    if (!decoded.ok) return this.reject(`heartbeat that does not decode: ${decoded.reason}`, from);
    const h = decoded.value;
    // The sender's own claim must be the configured peer; the datagram's source must be it or the relay.
    if (h.from !== this.peerIdentity || (from !== this.peerIdentity && from !== this.o.peer.address)) {
      this.reject(h.from !== this.peerIdentity ? `heartbeat claiming to be ${h.from}, not the peer` : 'heartbeat from an address that is neither the peer nor its relay', from);
      return;
    }
    const now = this.clock.monotonicNow();
    this.counters.heartbeatsReceived++;
    if (!h.hearing) this.counters.unidirectionalHeartbeats++;
    if (h.intervalMs !== this.o.heartbeatIntervalMs && this.peerIntervalMs !== h.intervalMs) this.counters.heartbeatTimeoutMismatches++;
    const intervalChanged = this.peerIntervalMs !== h.intervalMs;
    this.peerIntervalMs = h.intervalMs;
    this.peerHeardMs = now;
    if (this.peerState === 'FSM_PEER_STATE_INIT' || this.peerState === 'FSM_PEER_STATE_DOWN' || this.peerState === 'FSM_PEER_STATE_FT_VLAN_DOWN') {
      this.counters.peerUpEvents++;
      this.setPeerState(this.helloOk ? 'FSM_PEER_STATE_COMPATIBLE' : 'FSM_PEER_STATE_TL_SETUP');
      this.ensureStream();
    }
    if (intervalChanged) {
      this.hbTimer?.();
      this.scheduleHeartbeat();
    }
    this.armWatchdog();
    const byId = new Map(h.groups.map((g) => [g.id, g]));
    for (const id of this.groupsById.keys()) this.feed(id, { kind: 'peer-heartbeat', nowMs: now, peer: byId.get(id) }, 'peer heartbeat');
    // A sync request that reached a peer not yet active is asked again.
    for (const [id, g] of this.groupsById) {
      if (g.m.state === 'FSM_FT_STATE_STANDBY_CONFIG' && byId.get(id)?.state === 'FSM_FT_STATE_ACTIVE' && now - (this.syncAskedMs.get(id) ?? -Infinity) >= this.detectMs) this.requestSync(id);
    }
  }

  private armWatchdog(): void {
    this.watchdog?.();
    if (this.stopped) return;
    const since = this.peerHeardMs ?? this.clock.monotonicNow();
    const due = since + this.detectMs - this.clock.monotonicNow();
    this.watchdog = this.clock.setTimer(Math.max(0, due), () => this.onWatchdog());
  }

  private onWatchdog(): void {
    if (this.stopped || this.peerHeardMs === undefined) return;
    const silentMs = this.clock.monotonicNow() - this.peerHeardMs;
    if (silentMs < this.detectMs) {
      this.armWatchdog();
      return;
    }
    this.counters.heartbeatsMissed += this.o.heartbeatCount;
    this.liveness({ kind: 'silent', queryInterface: this.o.query !== undefined }, 'heartbeat lost');
  }

  /** Feeds the peer-liveness reducer (ft-group.ts) and carries out its effect. */
  private liveness(input: PeerLivenessInput, reason: string): void {
    const out = stepPeerLiveness({ state: this.peerState, querying: this.querying }, input);
    this.querying = out.peer.querying;
    const effect: PeerLivenessEffect = out.effect;
    switch (effect) {
      case 'query':
        this.askQuery();
        return;
      case 'peer-query-alive': {
        if (this.peerState !== 'FSM_PEER_STATE_FT_VLAN_DOWN') this.line(`ft peer ${this.o.peerId}: heartbeats lost but the peer answers on the query interface (${this.o.queryInterface ?? 'query'}): no takeover`);
        this.setPeerState('FSM_PEER_STATE_FT_VLAN_DOWN');
        // Replication rides the FT VLAN too: it is gone with it.
        this.dropStream();
        const now = this.clock.monotonicNow();
        for (const id of this.groupsById.keys()) this.feed(id, { kind: 'peer-query-alive', nowMs: now }, 'FT VLAN down, peer alive on the query interface');
        // Ask again after another silent period: the peer may die while the FT VLAN is down.
        this.queryTimer?.();
        this.queryTimer = this.clock.setTimer(this.detectMs, () => this.onWatchdog());
        return;
      }
      case 'peer-lost':
        this.peerLost(reason);
        return;
      case 'none':
        return;
    }
  }

  private askQuery(): void {
    const port = this.o.query!;
    const ac = new AbortController();
    let answered = false;
    const answer = (alive: boolean): void => {
      if (answered) return;
      answered = true;
      cancel();
      if (!alive) ac.abort();
      if (this.stopped) return;
      const silent = this.peerHeardMs === undefined || this.clock.monotonicNow() - this.peerHeardMs >= this.detectMs;
      this.liveness({ kind: 'query-answer', alive, silent }, alive ? 'query interface answered' : 'heartbeat lost, query interface silent');
    };
    // The timeout is on the member's clock, so virtual time sees it too.
    const cancel = this.clock.setTimer(this.intervalMs * QUERY_TIMEOUT_INTERVALS, () => answer(false));
    port.ask(ac.signal).then(answer, () => answer(false));
  }

  private peerLost(reason: string): void {
    this.peerHeardMs = undefined;
    this.peerIntervalMs = undefined;
    this.counters.peerDownEvents++;
    this.setPeerState('FSM_PEER_STATE_DOWN');
    this.dropStream();
    const now = this.clock.monotonicNow();
    for (const id of this.groupsById.keys()) this.feed(id, { kind: 'peer-lost', nowMs: now }, reason);
  }

  private onElectTimeout(): void {
    if (this.stopped) return;
    const now = this.clock.monotonicNow();
    for (const id of this.groupsById.keys()) this.feed(id, { kind: 'elect-timeout', nowMs: now }, 'no peer heard');
  }

  private setPeerState(s: FtPeerState): void {
    if (s === this.peerState) return;
    const from = this.peerState;
    this.peerState = s;
    this.o.bus?.publish({ type: 'ft.peer', from, to: s });
    this.line(`ft peer ${this.o.peerId}: ${from} -> ${s}`);
  }

  // ------------------------------------------------------------ groups

  private feed(id: number, input: FtGroupInput, reason: string): void {
    const g = this.groupsById.get(id);
    if (!g) return;
    const before = g.m;
    g.m = stepFtGroup(before, input);
    if (g.m.state === before.state) return;
    this.o.bus?.publish({ type: 'ft.group', group: id, from: before.state, to: g.m.state, reason });
    this.line(`ft group ${id}: ${before.state} -> ${g.m.state} (${reason})`);
    if (g.m.state === 'FSM_FT_STATE_ACTIVE') this.queueVips(id, true);
    else if (before.state === 'FSM_FT_STATE_ACTIVE') this.queueVips(id, false);
    if (g.m.state === 'FSM_FT_STATE_STANDBY_CONFIG') this.requestSync(id);
    // Tell the peer at once: handovers then take one datagram, not an interval.
    this.sendHeartbeat();
  }

  private queueVips(group: number, serve: boolean): void {
    this.vipChain = this.vipChain.then(async () => {
      if (this.stopped && serve) return;
      const g = this.groupsById.get(group);
      // Skip a bind that a later transition already superseded.
      if (serve && g?.m.state !== 'FSM_FT_STATE_ACTIVE') return;
      const t0 = this.clock.monotonicNow();
      try {
        await (serve ? this.o.hooks.activate(group) : this.o.hooks.deactivate(group));
      } catch (err) {
        this.line(`ft group ${group}: ${serve ? 'activating' : 'releasing'} the VIPs failed: ${String(err)}`);
      }
      this.o.bus?.publish({ type: 'ft.vips', group, serving: serve, ms: this.clock.monotonicNow() - t0 });
    });
  }

  /** A tracked item changed (host probe verdict, interface state). */
  setTrack(name: string, down: boolean): void {
    if (!this.trackDown.has(name) || this.trackDown.get(name) === down) return;
    this.trackDown.set(name, down);
    const failed = (this.o.tracks ?? []).filter((t) => this.trackDown.get(t.name)).map((t) => t.priority);
    const now = this.clock.monotonicNow();
    this.line(`ft track ${name}: ${down ? 'DOWN' : 'UP'}`);
    for (const [id, g] of this.groupsById) this.feed(id, { kind: 'net-priority', nowMs: now, netPriority: netPriority(g.m.configPriority, failed) }, `track ${name} ${down ? 'down' : 'up'}`);
    this.sendHeartbeat();
  }

  // ------------------------------------------------------------ replication

  private ensureStream(): void {
    if (this.stopped || this.stream || this.lowerAddress) return;
    this.dialTimer?.();
    const s = this.o.transport.dialStream(this.o.peer, this.o.me.address);
    this.attachStream(s);
  }

  private onInboundStream(s: FtStream, from: string): void {
    const stranger = from !== this.peerIdentity && from !== this.o.peer.address;
    if (this.stopped || stranger || this.stream) {
      if (stranger) this.reject('replication connection from a stranger', from);
      s.close();
      return;
    }
    this.attachStream(s);
  }

  private attachStream(s: FtStream): void {
    this.stream = s;
    this.helloOk = false;
    this.pushed.clear();
    const split = new LineSplitter();
    s.onData((chunk) => {
      if (this.stream !== s) return;
      const lines = split.push(chunk);
      if (lines === undefined) {
        this.reject('replication line over the length limit (channel dropped)', this.o.peer.address);
        this.dropStream();
        return;
      }
      for (const l of lines) {
        const m = readReplication(l);
        if (!m.ok) this.reject(`replication message that does not decode: ${m.reason}`, this.o.peer.address);
        else this.onReplication(m.value);
        if (this.stream !== s) return;
      }
    });
    s.onClose(() => {
      if (this.stream !== s) return;
      this.stream = undefined;
      this.afterStreamLoss();
    });
    s.write(encodeReplication({ t: 'hello', v: FT_PROTOCOL_VERSION, from: this.o.me.address }));
  }

  private dropStream(): void {
    const s = this.stream;
    if (!s) return;
    this.stream = undefined;
    s.close();
    this.afterStreamLoss();
  }

  private afterStreamLoss(): void {
    this.helloOk = false;
    this.peerSynced = false;
    const now = this.clock.monotonicNow();
    for (const id of this.groupsById.keys()) this.feed(id, { kind: 'sync-lost', nowMs: now }, 'replication channel lost');
    if (this.peerState === 'FSM_PEER_STATE_COMPATIBLE') this.setPeerState('FSM_PEER_STATE_TL_SETUP');
    // The dialing side retries while the peer still beats.
    if (!this.lowerAddress && !this.stopped) {
      this.dialTimer?.();
      this.dialTimer = this.clock.setTimer(this.intervalMs, () => {
        if (this.hearing()) this.ensureStream();
      });
    }
  }

  private send(m: ReplicationMessage): boolean {
    if (!this.stream || !this.helloOk) return false;
    this.stream.write(encodeReplication(m));
    return true;
  }

  private requestSync(group: number): void {
    const g = this.groupsById.get(group);
    if (!g || g.m.state !== 'FSM_FT_STATE_STANDBY_CONFIG' || this.applying.has(group)) return;
    if (this.send({ t: 'config', group, digest: this.o.hooks.configDigest(group) })) this.syncAskedMs.set(group, this.clock.monotonicNow());
  }

  private onReplication(m: ReplicationMessage): void {
    const now = this.clock.monotonicNow();
    switch (m.t) {
      case 'hello':
        if (m.v !== FT_PROTOCOL_VERSION || m.from !== this.peerIdentity) {
          this.setPeerState('FSM_PEER_STATE_ERROR');
          this.line(`ft peer ${this.o.peerId}: incompatible peer (protocol ${m.v}, from ${m.from})`);
          this.dropStream();
          return;
        }
        this.helloOk = true;
        if (this.hearing()) this.setPeerState('FSM_PEER_STATE_COMPATIBLE');
        for (const id of this.groupsById.keys()) this.requestSync(id);
        return;
      case 'config': {
        const g = this.groupsById.get(m.group);
        if (!g || g.m.state !== 'FSM_FT_STATE_ACTIVE') return;
        const ok = m.digest === this.o.hooks.configDigest(m.group);
        // A different config is pushed once per channel; still different after that, the standby is refused.
        if (!ok && !this.pushed.has(m.group) && this.pushConfig(m.group)) return;
        this.send({ t: 'config-ack', group: m.group, ok });
        if (ok) {
          this.peerSynced = true;
          this.sendBulk(m.group);
        }
        return;
      }
      case 'config-push':
        this.onConfigPush(m);
        return;
      case 'config-ack': {
        const g = this.groupsById.get(m.group);
        if (!g) return;
        this.o.bus?.publish({ type: 'ft.sync', group: m.group, step: m.ok ? 'config-ok' : 'config-mismatch' });
        if (!m.ok) {
          this.syncDetail.set(m.group, 'the running-config differs from the active\'s and could not be synced');
          this.line(`ft group ${m.group}: the running-config differs from the active's; load the same config on both members (config sync refused)`);
        } else if (!this.syncDetail.has(m.group)) this.syncDetail.set(m.group, 'same running-config as the active');
        this.feed(m.group, { kind: 'config-synced', nowMs: now, ok: m.ok }, m.ok ? 'config in sync' : 'config sync refused');
        return;
      }
      case 'bulk-start':
        return;
      case 'bulk-end':
        this.o.bus?.publish({ type: 'ft.sync', group: m.group, step: 'bulk-done', entries: m.entries });
        this.feed(m.group, { kind: 'bulk-synced', nowMs: now }, `bulk sync done (${m.entries} sticky entries)`);
        return;
      case 'sticky':
        this.applyRemoteSticky(m);
        return;
      case 'sticky-clear': {
        const st = this.o.sticky?.store;
        if (!st || this.anyActive()) return;
        const id = m.group === undefined ? undefined : st.groupId(m.group);
        if (m.group === undefined || id !== undefined) st.clear(id);
        return;
      }
    }
  }

  /** Active: sends the config text to the standby; false when there is none to send or no channel. */
  private pushConfig(group: number): boolean {
    const text = this.o.hooks.configText?.(group);
    if (text === undefined) return false;
    if (!this.send({ t: 'config-push', group, digest: this.o.hooks.configDigest(group), text })) return false;
    this.pushed.add(group);
    // Incremental updates wait for the standby's new digest; the bulk after it carries everything.
    this.peerSynced = false;
    this.o.bus?.publish({ type: 'ft.sync', group, step: 'config-pushed' });
    this.line(`ft group ${group}: running-config pushed to the standby`);
    return true;
  }

  /**
   * The active's config changed (a reload): push it to a connected standby now,
   * as `ft auto-sync running-config` does. Returns what happened, for the operator.
   */
  configChanged(): string[] {
    const out: string[] = [];
    for (const [id, g] of this.groupsById) {
      if (g.m.state !== 'FSM_FT_STATE_ACTIVE') continue;
      if (!g.m.peer || !isStandbyState(g.m.peer.state)) {
        out.push(`ft group ${id}: no standby to sync the config to`);
        continue;
      }
      this.pushed.delete(id);
      out.push(this.pushConfig(id) ? `ft group ${id}: config pushed to the standby` : `ft group ${id}: the replication channel is down; the standby gets the config when it reconnects`);
    }
    return out;
  }

  /** Standby: apply the active's config, then report the new digest (the active then acks and sends the bulk). */
  private onConfigPush(m: Extract<ReplicationMessage, { t: 'config-push' }>): void {
    const g = this.groupsById.get(m.group);
    if (!g || g.m.state === 'FSM_FT_STATE_ACTIVE') return;
    const stream = this.stream;
    this.applying.add(m.group);
    this.feed(m.group, { kind: 'config-push', nowMs: this.clock.monotonicNow() }, 'config pushed by the active');
    const apply = this.o.hooks.applyConfig;
    const done = (r: { ok: true } | { ok: false; message: string }): void => {
      this.applying.delete(m.group);
      if (this.stopped) return;
      const now = this.clock.monotonicNow();
      if (!r.ok) {
        this.syncDetail.set(m.group, r.message);
        this.o.bus?.publish({ type: 'ft.sync', group: m.group, step: 'config-refused' });
        this.line(`ft group ${m.group}: the active's config was refused: ${r.message}`);
        this.feed(m.group, { kind: 'config-synced', nowMs: now, ok: false }, 'config sync refused');
        return;
      }
      this.syncDetail.set(m.group, `applied the active's config (digest ${m.digest.slice(0, 8)})`);
      this.o.bus?.publish({ type: 'ft.sync', group: m.group, step: 'config-applied' });
      this.line(`ft group ${m.group}: applied the running-config pushed by the active`);
      if (this.stream === stream) this.requestSync(m.group);
    };
    if (!apply) {
      done({ ok: false, message: 'this member cannot apply a pushed config' });
      return;
    }
    apply(m.group, m.text).then(done, (err: unknown) => done({ ok: false, message: String(err) }));
  }

  private anyActive(): boolean {
    for (const g of this.groupsById.values()) if (g.m.state === 'FSM_FT_STATE_ACTIVE') return true;
    return false;
  }

  private sendBulk(group: number): void {
    const st = this.o.sticky?.store;
    let n = 0;
    this.send({ t: 'bulk-start', group });
    if (st) {
      for (const name of st.groupNames()) {
        const id = st.groupId(name);
        if (id === undefined || !st.groupSpec(id).replicate) continue;
        for (const e of st.entries(id)) {
          if (e.static) continue; // static entries come from the config on both members
          this.send({ t: 'sticky', group: name, hi: e.keyHi, lo: e.keyLo, farm: e.farm, rserver: e.rserver, port: e.port });
          n++;
        }
      }
    }
    this.replicatedSent += n;
    this.send({ t: 'bulk-end', group, entries: n });
  }

  private onStickyEvent(e: StickyEvent): void {
    // Until the peer's config matched, the bulk on (re)join carries everything.
    if (!this.anyActive() || !this.peerSynced) return;
    if (e.type === 'sticky.learn') {
      if (this.send({ t: 'sticky', group: e.group, hi: e.keyHi, lo: e.keyLo, farm: e.farm, rserver: e.rserver, port: e.port })) this.replicatedSent++;
    } else if (e.type === 'sticky.remove' && e.reason === 'cleared') {
      this.send({ t: 'sticky-clear', group: e.group });
    }
  }

  private applyRemoteSticky(m: Extract<ReplicationMessage, { t: 'sticky' }>): void {
    const st = this.o.sticky?.store;
    if (!st || this.anyActive()) return; // an active member owns its table
    const id = st.groupId(m.group);
    if (id === undefined || !st.groupSpec(id).replicate) {
      this.reject(`sticky entry for group ${m.group}, which ${id === undefined ? 'this config does not have' : 'does not replicate'}`, this.o.peer.address);
      return;
    }
    const real = st.internReal({ farm: m.farm, rserver: m.rserver, port: m.port });
    if (st.touchRemote(id, m.hi, m.lo, real) >= 0) this.replicatedReceived++;
  }

  // ------------------------------------------------------------ operator surface

  switchover(group?: number, force = false): { ok: boolean; message: string } {
    const ids = group === undefined ? [...this.groupsById.keys()] : [group];
    const msgs: string[] = [];
    let ok = true;
    for (const id of ids) {
      const g = this.groupsById.get(id);
      if (!g) {
        ok = false;
        msgs.push(`ft group ${id} does not exist`);
        continue;
      }
      if (g.m.state !== 'FSM_FT_STATE_ACTIVE') {
        ok = false;
        msgs.push(`ft group ${id}: this member is ${g.m.state}, not active; run the switchover on the active`);
        continue;
      }
      this.feed(id, { kind: 'switchover', nowMs: this.clock.monotonicNow(), force }, force ? 'ft switchover force' : 'ft switchover');
      const after = this.groupsById.get(id)!.m.state;
      if (after === 'FSM_FT_STATE_ACTIVE') {
        ok = false;
        msgs.push(`ft group ${id}: the peer is ${g.m.peer?.state ?? 'not reachable'}; it must be STANDBY_HOT (or use force)`);
      } else msgs.push(`ft group ${id}: switching over to the peer`);
    }
    return { ok, message: msgs.join('\n') };
  }

  groups(): FtGroupStatus[] {
    return [...this.groupsById.values()].map(({ m, contexts }) => ({
      id: m.id,
      contexts,
      inservice: m.inservice,
      myState: m.state,
      myConfigPriority: m.configPriority,
      myNetPriority: m.netPriority,
      preempt: m.preempt,
      ...(m.peer ? { peerState: m.peer.state, peerConfigPriority: m.peer.configPriority, peerNetPriority: m.peer.netPriority, peerPreempt: m.peer.preempt } : {}),
      peerId: this.o.peerId,
      lastStateChangeMs: this.clock.wallOf(m.lastChangeMs),
      stickyReplicated: m.state === 'FSM_FT_STATE_ACTIVE' ? this.replicatedSent : this.replicatedReceived,
      configSync: m.syncFailed ? 'failed' : m.state === 'FSM_FT_STATE_STANDBY_CONFIG' ? 'pending' : m.peer ? 'done' : 'disabled',
      ...(this.syncDetail.has(m.id) ? { configSyncDetail: this.syncDetail.get(m.id)! } : {}),
    }));
  }

  peer(): FtPeerStatus {
    return {
      id: this.o.peerId,
      state: this.peerState,
      myAddress: this.o.me.address,
      peerAddress: this.peerIdentity,
      heartbeatIntervalMs: this.intervalMs,
      heartbeatCount: this.o.heartbeatCount,
      ...(this.o.queryInterface !== undefined ? { queryInterface: this.o.queryInterface } : {}),
    };
  }

  tracks(): FtTrackStatus[] {
    return (this.o.tracks ?? []).map((t) => ({ name: t.name, kind: t.kind, target: t.target, up: !this.trackDown.get(t.name), priority: t.priority }));
  }

  stats(): FtStats {
    return { ...this.counters, rejectedMessages: this.malformed, ...(this.lastRejection !== undefined ? { lastRejection: this.lastRejection } : {}) };
  }

  /** A reload or config sync changed this member's own side of the group (priority, preempt). */
  reconfigure(group: number, configPriority: number, preempt: boolean): void {
    const g = this.groupsById.get(group);
    if (!g) return;
    const failed = (this.o.tracks ?? []).filter((t) => this.trackDown.get(t.name)).map((t) => t.priority);
    this.feed(group, { kind: 'reconfigure', nowMs: this.clock.monotonicNow(), configPriority, preempt, netPriority: netPriority(configPriority, failed) }, 'reconfigured');
    this.sendHeartbeat();
  }

  /** Group state by id (tests, the lab). */
  state(group: number): FtGroupState | undefined {
    return this.groupsById.get(group)?.m.state;
  }

  private line(s: string): void {
    this.o.onLine?.(s);
  }

  /**
   * Counts a message refused on the FT VLAN and says why: the first at once, then at most one
   * operator line per REJECTION_LINE_MS with how many more came (junk on the VLAN cannot flood the log).
   */
  private reject(why: string, from: string): void {
    this.malformed++;
    this.lastRejection = `${why} (from ${from})`;
    this.unreported++;
    const now = this.clock.monotonicNow();
    if (this.reportedAtMs !== undefined && now - this.reportedAtMs < REJECTION_LINE_MS) return;
    const more = this.unreported - 1;
    this.line(`ft: rejected a ${this.lastRejection}${more > 0 ? `; ${more} more rejected since the last report` : ''}`);
    this.unreported = 0;
    this.reportedAtMs = now;
  }
}

/** At most one operator line per this many ms about rejected FT messages. */
const REJECTION_LINE_MS = 10_000;
