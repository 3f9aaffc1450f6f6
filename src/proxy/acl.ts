// Interface ACLs on new flows (ace-semantics §6.4, §6.5): `access-group input`
// lists evaluated first match top-down with an implicit deny; no access-group
// means deny (ACE is deny-by-default). Pure: compiled once, evaluated per flow.
import type { AccessList, AclEntry, AddressSpec, PortSpec } from '../config/model.js';
import { parseIpv4 } from '../config/ip.js';

export type AclProtocol = 'tcp' | 'udp' | 'icmp';

/** A new flow as the ACL sees it. Addresses are unsigned 32-bit numbers. */
export interface AclPacket {
  protocol: AclProtocol;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
}

export type AclVerdict =
  | { permit: true; acl: string; line: number }
  | { permit: false; reason: 'deny-rule'; acl: string; line: number }
  | { permit: false; reason: 'implicit-deny'; acl: string }
  | { permit: false; reason: 'no-access-group' };

interface CompiledRule {
  permit: boolean;
  /** `line N` when given, else the 1-based position in the list. */
  line: number;
  proto: AclProtocol | 'ip' | number;
  src: [number, number] | null; // [net, mask]; null = any
  dst: [number, number] | null;
  srcPort: PortSpec | undefined;
  dstPort: PortSpec | undefined;
}

export interface CompiledAcl {
  name: string;
  rules: CompiledRule[];
}

const PROTO_NUMBERS: Record<AclProtocol, number> = { icmp: 1, tcp: 6, udp: 17 };

function compileAddress(a: AddressSpec): [number, number] | null | undefined {
  if (a.kind === 'any') return null;
  if (a.kind === 'host') {
    const v = parseIpv4(a.address);
    return v === undefined ? undefined : [v, 0xffffffff];
  }
  const v = parseIpv4(a.address);
  const m = parseIpv4(a.mask);
  if (v === undefined || m === undefined) return undefined;
  return [(v & m) >>> 0, m];
}

function compileProto(p: string): CompiledRule['proto'] | undefined {
  const k = p.toLowerCase();
  if (k === 'ip' || k === 'tcp' || k === 'udp' || k === 'icmp') return k;
  if (/^\d+$/.test(k)) {
    const n = Number(k);
    if (n === 0) return 'ip';
    return n === 1 ? 'icmp' : n === 6 ? 'tcp' : n === 17 ? 'udp' : n;
  }
  return undefined;
}

/** Compiles an ACL; unparsable rules (validation already reported them) match nothing. */
export function compileAcl(acl: AccessList): CompiledAcl {
  const rules: CompiledRule[] = [];
  let pos = 0;
  for (const e of acl.entries) {
    pos++;
    if (e.kind !== 'rule') continue; // remarks; ethertype rules only apply to bridged non-IP frames
    const r = compileRule(e, pos);
    if (r) rules.push(r);
  }
  return { name: acl.name, rules };
}

function compileRule(e: Extract<AclEntry, { kind: 'rule' }>, pos: number): CompiledRule | undefined {
  const proto = compileProto(e.protocol);
  const src = compileAddress(e.source);
  const dst = compileAddress(e.destination);
  if (proto === undefined || src === undefined || dst === undefined) return undefined;
  return { permit: e.action === 'permit', line: e.lineNo ?? pos, proto, src, dst, srcPort: e.sourcePort, dstPort: e.destinationPort };
}

export function portMatches(spec: PortSpec | undefined, port: number): boolean {
  if (spec === undefined) return true;
  switch (spec.kind) {
    case 'any':
      return true;
    case 'eq':
      return port === spec.port;
    case 'neq':
      return port !== spec.port;
    case 'lt':
      return port < spec.port;
    case 'gt':
      return port > spec.port;
    case 'range':
      return port >= spec.from && port <= spec.to;
  }
}

function ruleMatches(r: CompiledRule, p: AclPacket): boolean {
  if (r.proto !== 'ip' && r.proto !== p.protocol && r.proto !== PROTO_NUMBERS[p.protocol]) return false;
  if (r.src !== null && ((p.src & r.src[1]) >>> 0) !== r.src[0]) return false;
  if (r.dst !== null && ((p.dst & r.dst[1]) >>> 0) !== r.dst[0]) return false;
  // Port qualifiers only mean something for TCP/UDP; an `ip` rule never carries them.
  if (p.protocol !== 'icmp') {
    if (!portMatches(r.srcPort, p.srcPort)) return false;
    if (!portMatches(r.dstPort, p.dstPort)) return false;
  }
  return true;
}

/** First match top-down; implicit deny at the end. */
export function evaluateAcl(acl: CompiledAcl, p: AclPacket): AclVerdict {
  for (const r of acl.rules) {
    if (!ruleMatches(r, p)) continue;
    return r.permit ? { permit: true, acl: acl.name, line: r.line } : { permit: false, reason: 'deny-rule', acl: acl.name, line: r.line };
  }
  return { permit: false, reason: 'implicit-deny', acl: acl.name };
}

/**
 * The gate for a VIP applied on several interfaces. A loopback or host socket
 * cannot tell which VLAN a packet came in on, so the flow is permitted when the
 * input ACL of at least one interface that applies the VIP permits it; an
 * interface without `access-group input` permits nothing. The verdict reported
 * for a denied flow is the first interface's.
 */
export function aclGate(acls: readonly (CompiledAcl | undefined)[]): (p: AclPacket) => AclVerdict {
  return (p) => {
    let first: AclVerdict | undefined;
    for (const a of acls) {
      const v: AclVerdict = a ? evaluateAcl(a, p) : { permit: false, reason: 'no-access-group' };
      if (v.permit) return v;
      first ??= v;
    }
    return first ?? { permit: false, reason: 'no-access-group' };
  };
}
