// Probe contracts shared by the probe engine and its consumers (farm, lab,
// mgmt): instance identity, typed prober results with layer/cause codes, and
// the events the engine publishes. Type-only.
import type { ProbeType } from '../config/model.js';

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
}

export type ProbeEvent =
  | { type: 'probe.result'; key: ProbeInstanceKey; result: ProbeResult; health: ProbeHealth }
  | { type: 'probe.state'; key: ProbeInstanceKey; from: ProbeHealth; to: ProbeHealth; cause: ProbeCause };

export function instanceId(k: ProbeInstanceKey): string {
  return `${k.probe}|${k.farm ?? ''}|${k.rserver}|${k.address}|${k.port}`;
}
