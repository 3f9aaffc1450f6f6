// The config text of one FT pair member, as the pair tests write it: a VIP
// policy PM on one interface VLAN, the FT VLAN 900 to the peer, peer 1 with a
// short heartbeat (100 ms × 10, so a takeover fits a test) and group 1 where
// this member wins (priority 150 against 100). Both members run the same file
// (the FT VLAN addresses are swapped by role), so one text serves the pair;
// each test keeps its own addresses and ports.

/** One probed real N1 in farm FARM behind `probe tcp P`: the usual head of a pair config. */
export function tcpProbedFarm(o: { node: string; port: number; interval: number; passdetect?: boolean }): string {
  return `probe tcp P
  port ${o.port}
  interval ${o.interval}
${o.passdetect ? `  passdetect interval ${o.interval}\n` : ''}rserver host N1
  ip address ${o.node}
  inservice
serverfarm host FARM
  probe P
  rserver N1 ${o.port}
    inservice
`;
}

export interface FtPairConfig {
  /** Probes, rservers, farms and sticky groups, ahead of the VIP. */
  head: string;
  vip: string;
  port: number;
  /** What the default class does, e.g. `serverfarm FARM` or `sticky-serverfarm STK`. */
  action: string;
  vlan: number;
  vlanAddress: string;
  /** Lines after the interface address (an alias). */
  vlanExtra?: string;
  /** The FT VLAN: this member's address and its peer's. */
  ft: string;
  ftPeer: string;
  /** `preempt` or `no preempt`; neither line (the default, preempt) when undefined. */
  preempt?: boolean;
}

export function ftPairConfig(o: FtPairConfig): string {
  return `${o.head}class-map match-all VIP
  2 match virtual-address ${o.vip} tcp eq ${o.port}
policy-map type loadbalance first-match LB
  class class-default
    ${o.action}
policy-map multi-match PM
  class VIP
    loadbalance vip inservice
    loadbalance policy LB
access-list ALL line 8 extended permit ip any any
interface vlan ${o.vlan}
  ip address ${o.vlanAddress} 255.255.255.0
${o.vlanExtra ?? ''}  access-group input ALL
  service-policy input PM
  no shutdown
ft interface vlan 900
  ip address ${o.ft} 255.255.255.0
  peer ip address ${o.ftPeer} 255.255.255.0
  no shutdown
ft peer 1
  heartbeat interval 100
  heartbeat count 10
  ft-interface vlan 900
ft group 1
  peer 1
  priority 150
  peer priority 100
${o.preempt === undefined ? '' : o.preempt ? '  preempt\n' : '  no preempt\n'}  associate-context Admin
  inservice
`;
}
