// Which VIP listeners a context opens: every in-service VIP class applied by a
// service-policy on an interface that is not shut down, one listener per
// (address, protocol, port), with the input ACLs of those interfaces. Pure over
// the model; problems become warnings, never exceptions. No time involved.
import type { ParseLimit } from '../config/defaults.js';
import type { ContextModel, VlanInterface } from '../config/model.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';
import { compileAcl, type CompiledAcl } from '../proxy/acl.js';

export const DEFAULT_MAX_LISTENERS_PER_RANGE = 64;

export interface PlannedListener {
  vipClass: string;
  policy: string;
  address: string;
  protocol: 'tcp' | 'udp';
  port: number;
  /** VLANs (not shut down) whose service-policy applies the VIP. */
  vlans: number[];
  /** One entry per VLAN: its compiled `access-group input` ACL, undefined when it has none (deny). */
  acls: (CompiledAcl | undefined)[];
  udpFastAge: boolean;
  farms: string[];
  /** Served by the L7 HTTP proxy (TCP only, never port 443). */
  l7: boolean;
  /** The ACE's HTTP parse length for the VIP's requests: absent where the ACE would not parse them (an L4 policy under --l7). */
  parseLimit?: ParseLimit;
}

export interface VipPlan {
  listeners: PlannedListener[];
  warnings: string[];
}

function portsOf(v: ResolvedVip, cap: number, warnings: string[]): number[] | undefined {
  const p = v.ports;
  const where = `VIP ${v.classMap} (${v.address})`;
  if (p.kind === 'eq') {
    if (p.port === 0) return undefined; // `eq 0` = any port (§6.1)
    return [p.port];
  }
  if (p.kind === 'range') {
    const all: number[] = [];
    for (let q = p.from; q <= p.to && all.length < cap; q++) all.push(q);
    if (p.to - p.from + 1 > cap) warnings.push(`${where}: port range ${p.from}-${p.to} has ${p.to - p.from + 1} ports; acesim listens on the first ${cap} only (${p.from}-${p.from + cap - 1})`);
    return all;
  }
  return undefined;
}

/** HTTPS stays L4 passthrough: acesim does not terminate TLS. */
export const L7_EXCLUDED_PORT = 443;

/**
 * `forceL7` (`acesim run --l7`): every TCP VIP except the HTTPS port is served at L7.
 * `httpsPort`: the HTTPS port as it is in the (possibly mapped) model — 443 plus any
 * `--port-offset`, so HTTPS stays passthrough in a lab that shifts every port.
 */
export function planVipListeners(ctx: ContextModel, opts: { maxPerRange?: number; forceL7?: boolean; httpsPort?: number } = {}): VipPlan {
  const httpsPort = opts.httpsPort ?? L7_EXCLUDED_PORT;
  const cap = Math.max(1, opts.maxPerRange ?? DEFAULT_MAX_LISTENERS_PER_RANGE);
  const warnings: string[] = [];
  const listeners: PlannedListener[] = [];
  const taken = new Map<string, string>();
  const up = ctx.interfaces.filter((i) => !i.shutdown);
  const aclByName = new Map(ctx.accessLists.map((a) => [a.name, a]));
  const compiled = new Map<string, CompiledAcl>();
  const aclOf = (i: VlanInterface): CompiledAcl | undefined => {
    const g = i.accessGroups.find((a) => a.direction === 'input');
    if (!g) return undefined;
    let c = compiled.get(g.acl.name);
    if (!c) {
      const acl = aclByName.get(g.acl.name);
      // A dangling access-group (validate reports it) permits nothing.
      c = acl ? compileAcl(acl) : { name: g.acl.name, rules: [] };
      compiled.set(g.acl.name, c);
    }
    return c;
  };
  for (const v of resolveVips(ctx)) {
    const where = `VIP ${v.classMap} (${v.address})`;
    if (!v.inservice) {
      warnings.push(`${where}: no \`loadbalance vip inservice\` — out of service, not listening`);
      continue;
    }
    const ifaces = v.vlans.includes('*') ? up : up.filter((i) => v.vlans.includes(i.vlan));
    if (ifaces.length === 0) {
      warnings.push(`${where}: applied only on interfaces that are shut down — not listening`);
      continue;
    }
    if (typeof v.protocol === 'number') {
      warnings.push(`${where}: IP protocol ${v.protocol} is not proxied (only tcp and udp) — not listening`);
      continue;
    }
    const ports = portsOf(v, cap, warnings);
    if (ports === undefined) {
      warnings.push(`${where}: matches any port; acesim listens on explicit ports only (eq/range) — not listening`);
      continue;
    }
    if (v.mask !== '255.255.255.255') warnings.push(`${where}: mask ${v.mask} — acesim listens on ${v.address} only`);
    const noAcl = ifaces.filter((i) => !i.accessGroups.some((a) => a.direction === 'input'));
    if (noAcl.length === ifaces.length) warnings.push(`${where}: no interface applying it has \`access-group input\` — the ACE denies all its traffic`);
    const protocols: ('tcp' | 'udp')[] = v.protocol === 'any' ? ['tcp', 'udp'] : [v.protocol];
    // Only a VIP the ACE itself serves at L7 parses requests, so only its requests meet the parse length (not one --l7 forces).
    const wantsL7 = opts.forceL7 === true || v.aceL7;
    if (wantsL7 && protocols.includes('tcp') && ports.includes(httpsPort) && opts.forceL7 !== true) {
      warnings.push(`${where}: its policy needs HTTP (L7) but port ${httpsPort} is HTTPS — acesim does not terminate TLS, so it stays L4 passthrough`);
    }
    for (const protocol of protocols) {
      for (const port of ports) {
        const k = `${protocol}|${v.address}|${port}`;
        const prev = taken.get(k);
        if (prev !== undefined) {
          if (prev !== v.classMap) warnings.push(`${where}: ${protocol} ${port} is already served by VIP ${prev} (the first matching class wins)`);
          continue;
        }
        taken.set(k, v.classMap);
        listeners.push({
          vipClass: v.classMap,
          policy: v.policy,
          address: v.address,
          protocol,
          port,
          vlans: ifaces.map((i) => i.vlan),
          acls: ifaces.map(aclOf),
          udpFastAge: v.vipClass.udpFastAge,
          farms: v.farms,
          l7: wantsL7 && protocol === 'tcp' && port !== httpsPort,
          ...(v.aceL7 ? { parseLimit: v.parseLimit } : {}),
        });
      }
    }
  }
  return { listeners, warnings };
}

/** The named context, or the first one with VIPs (the Admin context often has none). */
export function pickContext(contexts: readonly ContextModel[], name?: string): ContextModel | undefined {
  if (name !== undefined) return contexts.find((c) => c.name === name);
  return contexts.find((c) => resolveVips(c).length > 0);
}

/** SNMP (agent queries) and SNMP trap ports: UDP VIPs on them decode what they relay. */
export const SNMP_PORTS: readonly number[] = [161, 162];

export interface SnmpPlanOptions {
  /** The SNMP ports as they are in the (possibly mapped) model: 161/162 plus any `--port-offset`. */
  ports?: readonly number[];
  /** Add snmpTrapAddress.0 on every SNMP VIP (true) or on the named VIP classes (`--snmp-trap-address`). */
  trapAddress?: boolean | readonly string[];
}

/** How a planned UDP listener relays SNMP: undefined when its port is not an SNMP port (bytes pass untouched). */
export function snmpRelayFor(p: Pick<PlannedListener, 'protocol' | 'port' | 'vipClass'>, opts: SnmpPlanOptions = {}): { trapAddress: boolean } | undefined {
  if (p.protocol !== 'udp' || !(opts.ports ?? SNMP_PORTS).includes(p.port)) return undefined;
  const t = opts.trapAddress ?? false;
  return { trapAddress: typeof t === 'boolean' ? t : t.includes(p.vipClass) };
}
