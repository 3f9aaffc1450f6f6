// Public shapes of the FT pair (issue 8): what `show ft group|peer|stats`,
// the management API and the lab read. The reducer and transport live in
// sibling modules; these types are the contract between them and the
// operator surface, so they carry ACE's own state names.

/** CLI tokens of the FT-group state machine (ace-semantics §7.3). */
export type FtGroupState =
  | 'FSM_FT_STATE_INIT'
  | 'FSM_FT_STATE_ELECT'
  | 'FSM_FT_STATE_ACTIVE'
  | 'FSM_FT_STATE_STANDBY_CONFIG'
  | 'FSM_FT_STATE_STANDBY_BULK'
  | 'FSM_FT_STATE_STANDBY_HOT'
  | 'FSM_FT_STATE_STANDBY_COLD';

/** Peer states (ace-semantics §7.3). */
export type FtPeerState =
  | 'FSM_PEER_STATE_INIT'
  | 'FSM_PEER_STATE_TL_SETUP'
  | 'FSM_PEER_STATE_COMPATIBLE'
  | 'FSM_PEER_STATE_FT_VLAN_DOWN'
  | 'FSM_PEER_STATE_DOWN'
  | 'FSM_PEER_STATE_ERROR';

export interface FtGroupStatus {
  id: number;
  contexts: string[];
  inservice: boolean;
  myState: FtGroupState;
  myConfigPriority: number;
  myNetPriority: number;
  preempt: boolean;
  /** Unknown (undefined) while the peer has never been heard. */
  peerState?: FtGroupState;
  peerConfigPriority?: number;
  peerNetPriority?: number;
  peerPreempt?: boolean;
  peerId: number;
  /** Wall-clock ms (epoch) of the last change of myState, for display. */
  lastStateChangeMs: number;
  /** Replicated sticky entries held (sent as active, received as standby). */
  stickyReplicated: number;
  configSync: 'disabled' | 'pending' | 'done' | 'failed';
  /** The last config-sync outcome in words (pushed config applied, refused and why). */
  configSyncDetail?: string;
}

export interface FtPeerStatus {
  id: number;
  state: FtPeerState;
  myAddress: string;
  peerAddress: string;
  heartbeatIntervalMs: number;
  heartbeatCount: number;
  queryInterface?: string;
}

export interface FtTrackStatus {
  name: string;
  kind: 'host' | 'interface';
  target: string;
  up: boolean;
  priority: number;
}

export interface FtStats {
  heartbeatsSent: number;
  heartbeatsReceived: number;
  heartbeatsMissed: number;
  unidirectionalHeartbeats: number;
  heartbeatTimeoutMismatches: number;
  peerUpEvents: number;
  peerDownEvents: number;
  /** Heartbeats, replication lines and connections refused on the FT VLAN (undecodable, or from a stranger). */
  rejectedMessages: number;
  /** What the latest refused message was and where it came from. */
  lastRejection?: string;
}

/** What an FT-enabled runtime exposes to the operator surface. */
export interface FtStatusSource {
  groups(): FtGroupStatus[];
  peer(): FtPeerStatus | undefined;
  tracks(): FtTrackStatus[];
  stats(): FtStats;
  /** `ft switchover [group]`: a message for the operator, never a throw. */
  switchover(group?: number, force?: boolean): { ok: boolean; message: string };
}
