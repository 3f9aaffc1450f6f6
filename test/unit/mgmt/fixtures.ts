// Shared by the mgmt tests: a small config holding all three kinds of secret
// (probe credentials, a user password, SNMP communities), and a hand-made
// FtStatusSource standing in for the FT pair.
import type { FtStatusSource } from '../../../src/ha/types.js';

export const SECRETS = ['Pr0beSecretXyz', 'UserPassw0rdXyz', 'C0mmunityXyz', 'TrapC0mmXyz'];

export function configText(o: { vip: string; port: number; n1: string; n2: string; probePort?: number; stickyTimeout?: number; extra?: string }): string {
  return `
username admin password 0 ${SECRETS[1]} role Admin domain default-domain
snmp-server community ${SECRETS[2]} ro
snmp-server host 127.0.0.1 traps version 2c ${SECRETS[3]}
access-list ALL line 10 extended permit ip any any
probe http FAST
  port ${o.probePort ?? o.port}
  interval 2
  faildetect 1
  passdetect interval 2
  open 1
  receive 1
  credentials probeuser ${SECRETS[0]}
  request method get url /tms
  expect status 200 499
rserver host N1
  ip address ${o.n1}
  inservice
rserver host N2
  ip address ${o.n2}
  inservice
serverfarm host FARM
  probe FAST
  rserver N1
    inservice
  rserver N2
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout ${o.stickyTimeout ?? 10}
  serverfarm FARM
${o.extra ?? ''}
class-map match-all VIP-WEB
  2 match virtual-address ${o.vip} tcp eq ${o.port}
policy-map type loadbalance first-match LB
  class class-default
    sticky-serverfarm STK
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 100
  ip address 127.0.0.2 255.0.0.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;
}

export function fakeFt(): FtStatusSource & { switched: number[] } {
  const switched: number[] = [];
  return {
    switched,
    groups: () => [
      { id: 1, contexts: ['Admin'], inservice: true, myState: 'FSM_FT_STATE_ACTIVE', myConfigPriority: 150, myNetPriority: 140, preempt: true, peerState: 'FSM_FT_STATE_STANDBY_HOT', peerConfigPriority: 100, peerNetPriority: 100, peerPreempt: true, peerId: 1, lastStateChangeMs: Date.UTC(2011, 0, 10, 9, 0, 1), stickyReplicated: 42, configSync: 'done' },
    ],
    peer: () => ({ id: 1, state: 'FSM_PEER_STATE_COMPATIBLE', myAddress: '127.0.9.1', peerAddress: '127.0.9.2', heartbeatIntervalMs: 100, heartbeatCount: 10, queryInterface: 'vlan 200' }),
    tracks: () => [{ name: 'GW', kind: 'host', target: '127.0.9.254', up: false, priority: 10 }],
    stats: () => ({ heartbeatsSent: 1000, heartbeatsReceived: 990, heartbeatsMissed: 10, unidirectionalHeartbeats: 0, heartbeatTimeoutMismatches: 0, peerUpEvents: 1, peerDownEvents: 0, rejectedMessages: 2, lastRejection: 'heartbeat claiming to be 10.9.9.9, not the peer (from 10.9.9.9)' }),
    switchover: (g) => {
      switched.push(g ?? 1);
      return { ok: true, message: `FT group ${g ?? 1}: switchover requested` };
    },
  };
}
