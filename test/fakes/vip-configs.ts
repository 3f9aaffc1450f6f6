// ACE config text that several tests run, built from each test's own
// addresses and ports (allocated so tests running in parallel never collide):
// the names in it (VIPs, farms, rservers) are fixed, what the tests assert on.

/**
 * An L7 VIP-WEB (default class to farm FW with live real W1, /none.* to farm
 * FD whose real D1 is out of service, and with `gone`, /gone.* to farm FG
 * whose real G1 nothing listens on) beside an L4 VIP-L4 to FW, on vlan 100.
 */
export function l7BesideL4Config(o: { vip: string; port: number; l4Vip: string; l4Port: number; live: string; down: string; gone?: string; vlanAddress: string }): string {
  const gone = o.gone;
  return `
access-list ALL line 10 extended permit ip any any
rserver host W1
  ip address ${o.live}
  inservice
rserver host D1
  ip address ${o.down}
${gone ? `rserver host G1\n  ip address ${gone}\n  inservice\n` : ''}serverfarm host FW
  rserver W1
    inservice
serverfarm host FD
  rserver D1
    inservice
${gone ? 'serverfarm host FG\n  rserver G1\n    inservice\n' : ''}class-map type http loadbalance match-any NONE
  2 match http url /none.*
${gone ? 'class-map type http loadbalance match-any GONE\n  2 match http url /gone.*\n' : ''}class-map match-all VIP-WEB
  2 match virtual-address ${o.vip} tcp eq ${o.port}
class-map match-all VIP-L4
  2 match virtual-address ${o.l4Vip} tcp eq ${o.l4Port}
policy-map type loadbalance http first-match LB
  class NONE
    serverfarm FD
${gone ? '  class GONE\n    serverfarm FG\n' : ''}  class class-default
    serverfarm FW
policy-map type loadbalance first-match LB4
  class class-default
    serverfarm FW
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
  class VIP-L4
    loadbalance vip inservice
    loadbalance policy LB4
interface vlan 100
  ip address ${o.vlanAddress} 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;
}

/** One UDP VIP-TRAP (`vipPort` a number or a keyword such as `snmptrap`) to farm TRAPS with real N1, on vlan 100. */
export function trapVipConfig(o: { vip: string; vipPort: number | string; node: string; nodePort?: number }): string {
  return `
access-list ALL line 10 extended permit ip any any
rserver host N1
  ip address ${o.node}
  inservice
serverfarm host TRAPS
  rserver N1${o.nodePort === undefined ? '' : ` ${o.nodePort}`}
    inservice
class-map match-all VIP-TRAP
  match virtual-address ${o.vip} udp eq ${o.vipPort}
policy-map type loadbalance first-match LB-TRAP
  class class-default
    serverfarm TRAPS
policy-map multi-match VIPS
  class VIP-TRAP
    loadbalance vip inservice
    loadbalance policy LB-TRAP
interface vlan 100
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;
}

/** The load-balance policy probedFarmVip() uses unless told otherwise: everything to farm F, at L7. */
export const HTTP_TO_F = `policy-map type loadbalance http first-match LB
  class class-default
    serverfarm F`;

/**
 * VIP-WEB on `vip`:`port` (vlan 100) over farm F, round robin: one real per entry of `reals` (rserver name →
 * address, at `realPort` when given), each probed over TCP on `port` every 2 s (one failure fails it). `policy`
 * is load-balance policy LB with the class-maps it needs (default HTTP_TO_F); `map`, the lines of the HTTP
 * parameter map HP the VIP takes.
 */
export function probedFarmVip(o: { vip: string; port: number; reals: Record<string, string>; realPort?: number; vlanAddress: string; policy?: string; map?: string[] }): string {
  const rservers = Object.entries(o.reals).map(([name, address]) => `rserver host ${name}\n  ip address ${address}\n  inservice\n`);
  const members = Object.keys(o.reals).map((name) => `  rserver ${name}${o.realPort === undefined ? '' : ` ${o.realPort}`}\n    inservice\n`);
  return `
access-list ALL line 10 extended permit ip any any
probe tcp TCPP
  port ${o.port}
  interval 2
  faildetect 1
  passdetect interval 2
  open 1
${o.map ? `parameter-map type http HP\n${o.map.map((l) => `  ${l}\n`).join('')}` : ''}${rservers.join('')}serverfarm host F
  probe TCPP
${members.join('')}class-map match-all VIP-WEB
  2 match virtual-address ${o.vip} tcp eq ${o.port}
${o.policy ?? HTTP_TO_F}
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
${o.map ? '    appl-parameter http advanced-options HP\n' : ''}interface vlan 100
  ip address ${o.vlanAddress} 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;
}
