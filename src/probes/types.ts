// Probe contracts shared by the probe engine and its consumers (farm, lab,
// mgmt): instance identity, typed prober results with layer/cause codes, and
// the events the engine publishes. Type-only.
import type { AdminState, Probe, ProbeType } from '../config/model.js';

/** Verdict of one probe instance (MIB health: init/active/failed; disabled when out of service). */
export type ProbeHealth = 'INIT' | 'PASSED' | 'FAILED' | 'DISABLED';

/** Why a probe attempt failed (or OK), naming the layer; maps to ACE's failure strings. */
export type ProbeCause =
  | 'OK'
  | 'L4_REFUSED'
  | 'L4_OPEN_TIMEOUT'
  | 'L4_RESET'
  | 'L4_UNREACHABLE'
  | 'L7_RECEIVE_TIMEOUT'
  | 'L7_BAD_STATUS'
  | 'L7_REGEX_MISMATCH'
  | 'L7_HASH_MISMATCH'
  | 'L7_PROTOCOL_ERROR'
  | 'L7_DNS_MISMATCH'
  | 'L7_SNMP_ERROR'
  | 'TLS_ERROR'
  | 'ICMP_UNREACHABLE'
  | 'ICMP_TIMEOUT'
  | 'NOT_PERMITTED'
  | 'NOT_SIMULATED'
  | 'INTERNAL_ERROR';

/** Where the instance's port came from (MIB CiscoProbeInheritedPortType). */
export type PortType = 'PROBE' | 'REAL' | 'VIP' | 'DEFAULT';

/** One probe instance: a probe attached to one real (farm member or global rserver) at one port. */
export interface ProbeInstanceKey {
  probe: string;
  probeType: ProbeType;
  /** Serverfarm the probe was attached through; undefined for rserver-level or FT-track probes. */
  farm?: string;
  rserver: string;
  address: string;
  /** 0 for portless types (icmp). */
  port: number;
  portType: PortType;
}

export interface ProbeResult {
  ok: boolean;
  cause: ProbeCause;
  latencyMs: number;
  /** Last HTTP/protocol status code seen, if any. */
  status?: number;
  detail?: string;
  /** Set by a prober that queues attempts (WorkerProberPool): ms from hand-over to the attempt's start. */
  queuedMs?: number;
}

export type ProbeEvent =
  | {
      type: 'probe.result';
      key: ProbeInstanceKey;
      result: ProbeResult;
      health: ProbeHealth;
      /** How late the attempt started (timer lateness + prober queue), ms; set by the engine. */
      startLagMs?: number;
    }
  | { type: 'probe.state'; key: ProbeInstanceKey; from: ProbeHealth; to: ProbeHealth; cause: ProbeCause };

export function instanceId(k: ProbeInstanceKey): string {
  return `${k.probe}|${k.farm ?? ''}|${k.rserver}|${k.address}|${k.port}`;
}

// ---------------------------------------------------------------- added by the probe engine (issue 3)

/** A farm member (or global rserver, farm undefined) that a probe instance reports on. */
export interface ProbeMemberRef {
  farm?: string;
  rserver: string;
  /** The member's own port (`rserver NAME PORT` in the farm); undefined when none. */
  memberPort?: number;
}

/** A planned probe instance: identity, the resolved probe config and the members it serves. */
export interface ProbeInstance {
  /** instanceId(key). */
  id: string;
  key: ProbeInstanceKey;
  probe: Probe;
  members: ProbeMemberRef[];
  /** False when the member or rserver is out of service or has no address: health DISABLED, never probed. */
  enabled: boolean;
  /** Effective admin state of the member (farm and global combined): standby members are probed. */
  admin: AdminState;
  /** VLAN of the interface whose subnet holds the address, for 4420xx syslog lines. */
  vlan?: number;
}

/**
 * The port through which the engine runs probe attempts. The Node implementation
 * (probers/node-prober.ts) opens real sockets; the simulator supplies an in-memory one.
 * Contract: never rejects for network problems (returns a ProbeResult with a cause);
 * honours the probe's open/receive deadlines; stops promptly when `signal` aborts.
 */
export interface Prober {
  probe(instance: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult>;
}
