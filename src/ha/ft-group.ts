// The FT-group state machine of one member, as a pure reducer (ace-semantics
// §7.2–7.5). Inputs are what the member learns — its own start, the peer's
// heartbeats (which carry the peer's view of every group), the peer's loss,
// tracked items, sync progress, operator switchover — and the output is the
// next state. Side effects (binding VIPs, starting probes, asking for a sync)
// are derived by the caller from the transition, so this module stays
// deterministic and is shared by `acesim run` and the simulator.
import type { FtGroupState, FtPeerState } from './types.js';

/** What a heartbeat says about one group of the sender. */
export interface PeerGroupView {
  id: number;
  state: FtGroupState;
  configPriority: number;
  netPriority: number;
  preempt: boolean;
  /** The sender stepped down by `ft switchover`: the receiver takes over and must not hand back by preemption. */
  yielding: boolean;
}

export interface FtGroupMachine {
  id: number;
  state: FtGroupState;
  configPriority: number;
  /** Config priority minus the priorities of failed tracked items (§7.2). */
  netPriority: number;
  preempt: boolean;
  inservice: boolean;
  /** Lower FT address wins ties (§7.2 "lower IP wins"). */
  tieBreakerLower: boolean;
  /** The peer as last heard; undefined while it is down or never heard. */
  peer: PeerGroupView | undefined;
  /** After a manual switchover, preemption is held until either net priority changes. */
  preemptHeld: boolean;
  /** The last config sync was refused: the member stays STANDBY_COLD (§7.3) until restarted. */
  syncFailed: boolean;
  /** Heartbeats are lost but the peer answers on the query interface (peer FSM_PEER_STATE_FT_VLAN_DOWN). */
  ftVlanDown: boolean;
  lastChangeMs: number;
}

export type FtGroupInput =
  | { kind: 'start'; nowMs: number }
  /** No heartbeat from the peer since start for interval × count: nobody else is there. */
  | { kind: 'elect-timeout'; nowMs: number }
  | { kind: 'peer-heartbeat'; nowMs: number; peer: PeerGroupView | undefined }
  /** Heartbeats lost for interval × count and the query interface (if any) did not answer. */
  | { kind: 'peer-lost'; nowMs: number }
  /**
   * Heartbeats lost for interval × count, but the peer answered on the query
   * interface (§7.1): the FT VLAN is down, not the peer. Nobody takes over.
   */
  | { kind: 'peer-query-alive'; nowMs: number }
  | { kind: 'net-priority'; nowMs: number; netPriority: number }
  /** Standby: config compared/applied (ok) or refused (cold). */
  | { kind: 'config-synced'; nowMs: number; ok: boolean }
  /** Standby: the active pushed its config (join with a different digest, or a reload): sync again from the config step. */
  | { kind: 'config-push'; nowMs: number }
  /** Standby: the bulk sticky transfer finished. */
  | { kind: 'bulk-synced'; nowMs: number }
  /** The replication channel dropped while the peer still beats: the standby is no longer hot. */
  | { kind: 'sync-lost'; nowMs: number }
  | { kind: 'switchover'; nowMs: number; force: boolean }
  /** A reload or config sync changed this member's priority or preempt setting. */
  | { kind: 'reconfigure'; nowMs: number; configPriority: number; netPriority: number; preempt: boolean };

export interface FtGroupInit {
  id: number;
  configPriority: number;
  preempt: boolean;
  inservice: boolean;
  tieBreakerLower: boolean;
}

export function initialFtGroup(g: FtGroupInit): FtGroupMachine {
  return { ...g, state: 'FSM_FT_STATE_INIT', netPriority: g.configPriority, peer: undefined, preemptHeld: false, syncFailed: false, ftVlanDown: false, lastChangeMs: 0 };
}

export const isStandby = (s: FtGroupState | undefined): boolean =>
  s === 'FSM_FT_STATE_STANDBY_CONFIG' || s === 'FSM_FT_STATE_STANDBY_BULK' || s === 'FSM_FT_STATE_STANDBY_HOT' || s === 'FSM_FT_STATE_STANDBY_COLD';

const to = (m: FtGroupMachine, state: FtGroupState, nowMs: number, extra: Partial<FtGroupMachine> = {}): FtGroupMachine =>
  m.state === state ? { ...m, ...extra } : { ...m, ...extra, state, lastChangeMs: nowMs };

/** True when this member beats the peer: higher net priority, or equal and the lower address. */
function winsElection(m: FtGroupMachine, peer: PeerGroupView): boolean {
  if (m.netPriority !== peer.netPriority) return m.netPriority > peer.netPriority;
  return m.tieBreakerLower;
}

/** The standby a member becomes under an active peer: it first receives the config. */
const STANDBY_ENTRY: FtGroupState = 'FSM_FT_STATE_STANDBY_CONFIG';

export function stepFtGroup(m: FtGroupMachine, input: FtGroupInput): FtGroupMachine {
  const now = input.nowMs;
  if (!m.inservice) return m; // `no inservice`: the group takes no part (stays INIT, serves nothing)
  switch (input.kind) {
    case 'start':
      return m.state === 'FSM_FT_STATE_INIT' ? to(m, 'FSM_FT_STATE_ELECT', now) : m;
    case 'elect-timeout':
      return m.state === 'FSM_FT_STATE_ELECT' && m.peer === undefined ? to(m, 'FSM_FT_STATE_ACTIVE', now) : m;
    case 'peer-lost':
      // §7.5: every standby (COLD too, non-statefully) and an undecided member take over.
      if (m.state === 'FSM_FT_STATE_ELECT' || isStandby(m.state)) return to(m, 'FSM_FT_STATE_ACTIVE', now, { peer: undefined, preemptHeld: false, ftVlanDown: false });
      return { ...m, peer: undefined, preemptHeld: false, ftVlanDown: false };
    case 'peer-query-alive':
      // Split-brain check (§7.1, §7.5): the peer lives, so every member keeps
      // its role — a standby stays standby, and the peer's last view is kept
      // so that an active peer is still known as such.
      return m.ftVlanDown ? m : { ...m, ftVlanDown: true };
    case 'net-priority': {
      if (input.netPriority === m.netPriority) return m;
      return { ...m, netPriority: input.netPriority, preemptHeld: false };
    }
    case 'config-synced':
      if (m.state !== 'FSM_FT_STATE_STANDBY_CONFIG') return m;
      return input.ok ? to(m, 'FSM_FT_STATE_STANDBY_BULK', now) : to(m, 'FSM_FT_STATE_STANDBY_COLD', now, { syncFailed: true });
    case 'config-push':
      // A new config is a new chance: even a member whose last sync failed tries again.
      return isStandby(m.state) ? to(m, STANDBY_ENTRY, now, { syncFailed: false }) : m;
    case 'reconfigure': {
      // The member's own side of a new config (after a reload or a config sync).
      const changed = input.netPriority !== m.netPriority;
      return { ...m, configPriority: input.configPriority, netPriority: input.netPriority, preempt: input.preempt, preemptHeld: m.preemptHeld && !changed };
    }
    case 'bulk-synced':
      return m.state === 'FSM_FT_STATE_STANDBY_BULK' ? to(m, 'FSM_FT_STATE_STANDBY_HOT', now) : m;
    case 'sync-lost':
      return m.state === 'FSM_FT_STATE_STANDBY_HOT' || m.state === 'FSM_FT_STATE_STANDBY_BULK' || m.state === 'FSM_FT_STATE_STANDBY_CONFIG'
        ? to(m, 'FSM_FT_STATE_STANDBY_COLD', now)
        : m;
    case 'switchover': {
      if (m.state !== 'FSM_FT_STATE_ACTIVE') return m;
      const peerReady = m.peer !== undefined && (m.peer.state === 'FSM_FT_STATE_STANDBY_HOT' || (input.force && isStandby(m.peer.state)));
      if (!peerReady) return m;
      return to(m, 'FSM_FT_STATE_STANDBY_HOT', now, { preemptHeld: true });
    }
    case 'peer-heartbeat':
      return onPeerView(m, input.peer, now);
  }
}

function onPeerView(m0: FtGroupMachine, peer: PeerGroupView | undefined, now: number): FtGroupMachine {
  const priorityChanged = m0.peer !== undefined && peer !== undefined && m0.peer.netPriority !== peer.netPriority;
  const m: FtGroupMachine = { ...m0, peer, preemptHeld: m0.preemptHeld && !priorityChanged, ftVlanDown: false };
  // The peer has no such group (or it is out of service): this member decides alone.
  if (peer === undefined || peer.state === 'FSM_FT_STATE_INIT') {
    return m.state === 'FSM_FT_STATE_ELECT' || isStandby(m.state) ? to(m, 'FSM_FT_STATE_ACTIVE', now) : m;
  }
  const peerActive = peer.state === 'FSM_FT_STATE_ACTIVE';
  const peerHot = peer.state === 'FSM_FT_STATE_STANDBY_HOT';
  switch (m.state) {
    case 'FSM_FT_STATE_INIT':
      return m;
    case 'FSM_FT_STATE_ACTIVE':
      if (peerActive) {
        // Two actives (a healed FT-link cut): the election loser steps down and resyncs.
        return winsElection(m, peer) ? m : to(m, 'FSM_FT_STATE_STANDBY_COLD', now);
      }
      // Preemption by a synchronized peer with a strictly higher net priority
      // (§7.2: the active must fall *below* the standby; ties keep it), unless that peer has just handed the group over by switchover.
      if (peerHot && peer.preempt && !peer.yielding && peer.netPriority > m.netPriority) return to(m, 'FSM_FT_STATE_STANDBY_HOT', now);
      return m;
    case 'FSM_FT_STATE_ELECT':
      // A member that (re)starts never takes over from a peer that is active
      // or holds the replicated state: it joins as standby and syncs first.
      if (peerActive || peerHot) return to(m, STANDBY_ENTRY, now);
      return winsElection(m, peer) ? to(m, 'FSM_FT_STATE_ACTIVE', now) : m;
    default: {
      // A standby of any kind.
      if (peerActive) {
        return m.state === 'FSM_FT_STATE_STANDBY_COLD' && !m.syncFailed ? to(m, STANDBY_ENTRY, now) : m;
      }
      // Nobody active: the peer stepped down (switchover, preemption) or is electing.
      if (peer.yielding) return to(m, 'FSM_FT_STATE_ACTIVE', now);
      if (m.preemptHeld) return m;
      if (peer.state === 'FSM_FT_STATE_ELECT') return winsElection(m, peer) ? to(m, 'FSM_FT_STATE_ACTIVE', now) : m;
      if (peerHot && m.state !== 'FSM_FT_STATE_STANDBY_HOT') return m;
      const meReadier = m.state === 'FSM_FT_STATE_STANDBY_HOT' && !peerHot;
      return meReadier || winsElection(m, peer) ? to(m, 'FSM_FT_STATE_ACTIVE', now) : m;
    }
  }
}

/** What this member's heartbeat says about the group. */
export function viewOf(m: FtGroupMachine): PeerGroupView {
  return { id: m.id, state: m.state, configPriority: m.configPriority, netPriority: m.netPriority, preempt: m.preempt, yielding: m.preemptHeld };
}

/** Net priority of a group: its config priority minus every failed tracked item's priority (never below 0). */
export function netPriority(configPriority: number, failedItemPriorities: readonly number[]): number {
  return Math.max(0, failedItemPriorities.reduce((p, d) => p - d, configPriority));
}

// ---------------------------------------------------------------- peer liveness

/** What the member knows of its peer's liveness: the heartbeat path and, when it is silent, the query interface. */
export interface PeerLiveness {
  state: FtPeerState;
  /** A query is under way (its answer is awaited). */
  querying: boolean;
}

export type PeerLivenessInput =
  /** Heartbeats have been silent for interval × count. */
  | { kind: 'silent'; queryInterface: boolean }
  /** The query interface answered (alive) or did not (timeout, refused); silent: heartbeats are still missing. */
  | { kind: 'query-answer'; alive: boolean; silent: boolean };

/** What the controller does next: ask the query interface, declare the peer lost, keep watching, or nothing. */
export type PeerLivenessEffect = 'query' | 'peer-lost' | 'peer-query-alive' | 'none';

/**
 * The split-brain check of §7.1/§7.5 as a pure step: silence with a query
 * interface asks it first; an answer keeps the peer (FT_VLAN_DOWN, re-asked
 * at the next silent period), no answer loses it. Without a query interface
 * silence loses the peer at once. An answer that arrives after heartbeats came
 * back changes nothing.
 */
export function stepPeerLiveness(p: PeerLiveness, input: PeerLivenessInput): { peer: PeerLiveness; effect: PeerLivenessEffect } {
  switch (input.kind) {
    case 'silent':
      if (p.querying) return { peer: p, effect: 'none' };
      if (input.queryInterface) return { peer: { ...p, querying: true }, effect: 'query' };
      return { peer: { state: 'FSM_PEER_STATE_DOWN', querying: false }, effect: 'peer-lost' };
    case 'query-answer': {
      const done = { ...p, querying: false };
      if (!input.silent) return { peer: done, effect: 'none' };
      if (input.alive) return { peer: { state: 'FSM_PEER_STATE_FT_VLAN_DOWN', querying: false }, effect: 'peer-query-alive' };
      return { peer: { state: 'FSM_PEER_STATE_DOWN', querying: false }, effect: 'peer-lost' };
    }
  }
}
