// Contracts of the load-balancing core: flows, decisions, real-server state
// tokens and the Predictor port. Type-only; predictors, probing and inband
// health meet through these types and events, never through each other.

/** Operational state token as `show serverfarm` prints it (ace-semantics §2.3, precedence §11.3). */
export type RealToken =
  | 'OUTOFSERVICE'
  | 'INACTIVE'
  | 'PROBE-FAILED'
  | 'INBAND-PROBE-FAILED'
  | 'MAXCONNS'
  | 'STANDBY'
  | 'OPERATIONAL';

export type FlowProtocol = 'tcp' | 'udp' | number;

/** A new flow as the proxy sees it. Addresses are IPv4 text; pre-parsed numbers skip the parse on hot paths. */
export interface Flow {
  clientIp: string;
  clientPort: number;
  vipIp: string;
  vipPort: number;
  protocol: FlowProtocol;
  clientIpNum?: number;
  vipIpNum?: number;
}

/** The L7 part of a flow, for `match http url/header/cookie` classes of HTTP load-balance policies. */
export interface HttpRequestInfo {
  method?: string;
  url: string;
  /** Header names in any case. */
  headers?: Readonly<Record<string, string>>;
}

/** One `insert-http NAME header-value VALUE` action, unexpanded (the L7 listener expands %is, %id, %ps, %pd per request). */
export interface HeaderInsert {
  readonly header: string;
  readonly value: string;
}

export interface ServerDecision {
  kind: 'server';
  farm: string;
  rserver: string;
  address: string;
  /** Member port, or the VIP port when the member has none. */
  port: number;
  stickyHit: boolean;
  /** Chosen from the backup serverfarm because the primary was down. */
  viaBackupFarm: boolean;
  /** Chosen as backup-rserver of an unusable primary member. */
  viaBackupRserver: boolean;
  /** The `insert-http` headers of the class whose action chose this real (an L7 VIP adds them to the request). */
  readonly inserts: readonly HeaderInsert[];
  /**
   * The VIP says `no persistence-rebalance`: a request that continues on this decision (select returned the
   * `previous` it was given) gets no `insert-http` headers, as the ACE inserts them into a connection's first request only.
   */
  readonly insertsFirstOnly: boolean;
  /** Internal handles for open/close/reselect; opaque to callers. */
  readonly realId: number;
  readonly actionId: number;
  readonly stickyGroup: number;
  readonly stickyHi: number;
  readonly stickyLo: number;
}

export type DropReason = 'policy-drop' | 'vip-outofservice' | 'unknown-vip-class';
export type NoServerReason = 'no-lb-policy' | 'no-matching-class' | 'no-action' | 'farm-down' | 'unknown-farm' | 'no-usable-real' | 'unsimulated-action';

export type Decision =
  | ServerDecision
  | { kind: 'drop'; reason: DropReason }
  | { kind: 'forward' }
  | { kind: 'no-server'; reason: NoServerReason };

/** What to do with an existing connection after its real changed state (failaction, §3.5). */
export type ExistingFlowAction =
  | { kind: 'keep' }
  | { kind: 'reset' }
  | { kind: 'move'; to: ServerDecision };

/**
 * The view a predictor gets of a farm: slots (one per non-standby member)
 * with eligibility, effective weight and current load of whatever real the
 * slot currently resolves to (itself or its backup-rserver).
 */
export interface SlotView {
  readonly count: number;
  /** 1 when the slot may take a new flow now. */
  readonly eligible: Uint8Array;
  readonly weight: Int32Array;
  /** Stable per-slot identity (hash of rserver:port) for hash predictors. */
  readonly identity: Uint32Array;
  current(slot: number): number;
  /** Monotonic ms when the slot last became eligible (slow start). */
  upSinceMs(slot: number): number;
}

/** Per-flow input a predictor may use. */
export interface PickInput {
  src: number;
  dst: number;
  nowMs: number;
}

/** Predictor port (haproxy lb_ops): told about eligibility changes, asked to pick. */
export interface Predictor {
  readonly name: string;
  onServerUp(slot: number): void;
  onServerDown(slot: number): void;
  /** An eligible slot, or -1 when none. Must not return a slot with eligible[slot] === 0. */
  pick(view: SlotView, input: PickInput): number;
}
