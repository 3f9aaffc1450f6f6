// VIP (virtual server) state notifications: the CISCO-SLB-MIB
// ciscoSlbVServerStateChange trap (§9.1) sent when a VIP's operational state
// moves (§11.2), if `snmp-server enable traps slb vserver` (or `slb`, or bare
// `traps`) and a `snmp-server host … traps` target exist. The Balancer
// publishes `vip.state` on changes only; this module turns those into traps.
import snmp from 'net-snmp';
import type { Varbind } from 'net-snmp';
import type { VipState } from './events.js';

export const SLB_VSERVER_STATE_CHANGE_OID = '1.3.6.1.4.1.9.9.161.2.0.5';
/** slbVServerInfoEntry columns (1.3.6.1.4.1.9.9.161.1.4.2.1.N), indexed by slbEntity.slbVServerIndex. */
const VSERVER_ENTRY = '1.3.6.1.4.1.9.9.161.1.4.2.1';
export const SLB_VSERVER_OIDS = {
  classMap: `${VSERVER_ENTRY}.2`,
  policyMap: `${VSERVER_ENTRY}.3`,
  state: `${VSERVER_ENTRY}.4`,
  stateChangeDescr: `${VSERVER_ENTRY}.5`,
} as const;

/** SlbVirtualServState values: a DOWN VIP has no operational real ("inOperReal"). */
export const VSERVER_STATE: Record<VipState, number> = { OUTOFSERVICE: 1, UP: 2, DOWN: 4 };

export interface VipStateChange {
  vip: string;
  policy: string;
  /** slbVServerIndex: the VIP's 1-based position among the context's VIP classes. */
  index: number;
  from: VipState;
  to: VipState;
}

export function vserverStateChangeVarbinds(c: VipStateChange, slbEntity = 1): Varbind[] {
  const T = snmp.ObjectType;
  const row = `${slbEntity}.${c.index}`;
  const descr = c.to === 'UP' ? 'a server farm is operational' : c.to === 'DOWN' ? 'no operational server farm' : 'VIP out of service';
  return [
    { oid: `${SLB_VSERVER_OIDS.state}.${row}`, type: T.Integer, value: VSERVER_STATE[c.to] },
    { oid: `${SLB_VSERVER_OIDS.stateChangeDescr}.${row}`, type: T.OctetString, value: descr },
    { oid: `${SLB_VSERVER_OIDS.classMap}.${row}`, type: T.OctetString, value: c.vip },
    { oid: `${SLB_VSERVER_OIDS.policyMap}.${row}`, type: T.OctetString, value: c.policy },
  ];
}

export interface VipTrapPort {
  send(trapOid: string, varbinds: Varbind[]): Promise<void>;
}

/** The handler for `vip.state` events: one trap per change. `indexOf` gives slbVServerIndex. */
export function vipTrapHandler(sender: VipTrapPort, indexOf: (vip: string) => number): (e: { vip: string; policy: string; from: VipState; to: VipState }) => void {
  return (e) => {
    void sender.send(SLB_VSERVER_STATE_CHANGE_OID, vserverStateChangeVarbinds({ vip: e.vip, policy: e.policy, index: indexOf(e.vip), from: e.from, to: e.to }));
  };
}
