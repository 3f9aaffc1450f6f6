// HAProxy conditions from ACE matching: interface ACLs (first match, implicit
// deny, deny when no access-group — ace-semantics §6.4/6.5) as
// `tcp-request connection accept|reject` rules, and L7 class-maps as named
// `acl` lines (same name = OR for match-any, separate names AND-ed for
// match-all). Pure; what cannot be expressed is an export diagnostic.
import type { AccessList, AddressSpec, ClassMap, ClassMatch, PortSpec } from '../config/model.js';
import { dq, maskBits, safeName, type ExportDiagnostics } from './export-common.js';

function addr(fetch: 'src' | 'dst', a: AddressSpec): string | undefined {
  if (a.kind === 'any') return undefined;
  if (a.kind === 'host') return `{ ${fetch} ${a.address} }`;
  const bits = maskBits(a.mask);
  return `{ ${fetch} ${a.address}/${bits ?? 32} }`;
}

function port(fetch: 'src_port' | 'dst_port', p: PortSpec | undefined): string | undefined {
  if (p === undefined || p.kind === 'any') return undefined;
  switch (p.kind) {
    case 'eq':
      return `{ ${fetch} ${p.port} }`;
    case 'neq':
      return `!{ ${fetch} ${p.port} }`;
    case 'lt':
      return `{ ${fetch} lt ${p.port} }`;
    case 'gt':
      return `{ ${fetch} gt ${p.port} }`;
    case 'range':
      return `{ ${fetch} ${p.from}:${p.to} }`;
  }
}

/**
 * The `tcp-request connection` rules of one ACL for a TCP frontend. Entries
 * for udp/icmp/other protocols never match a TCP connection, so leaving them
 * out is exact; ethertype entries have no meaning in HAProxy and are warned.
 */
export function aclRules(acl: AccessList | undefined, diags: ExportDiagnostics): string[] {
  if (acl === undefined) return ['# no access-group input: ACE denies every connection', 'tcp-request connection reject'];
  const out = [`# access-list ${acl.name} (first match, implicit deny)`];
  for (const e of acl.entries) {
    if (e.kind === 'remark') continue;
    if (e.kind === 'ethertype') {
      diags.untranslated(e.pos, `access-list ${acl.name}: ethertype entries have no HAProxy equivalent; left out`);
      continue;
    }
    if (e.protocol !== 'ip' && e.protocol !== 'tcp') continue;
    const conds = [addr('src', e.source), port('src_port', e.sourcePort), addr('dst', e.destination), port('dst_port', e.destinationPort)].filter((c): c is string => c !== undefined);
    out.push(`tcp-request connection ${e.action === 'permit' ? 'accept' : 'reject'}${conds.length ? ` if ${conds.join(' ')}` : ''}`);
  }
  out.push('tcp-request connection reject');
  return out;
}

/** How the VIP's HTTP parameter map has its class-maps match. */
export interface MatchOptions {
  /** `case-insensitive`: regexes match in any case (`-i`), as farm/policy.ts's option of the same name. */
  caseInsensitive?: boolean;
}

/** HAProxy `acl` lines for one class-map match, or undefined when it has no equivalent. */
function matchAcl(name: string, m: ClassMatch, i: string): string[] | undefined {
  switch (m.kind) {
    case 'http-url':
      return [`acl ${name} url_reg${i} ${dq(m.regex)}`, ...(m.method ? [`acl ${name}_m method ${m.method.toUpperCase()}`] : [])];
    case 'http-header':
      return [`acl ${name} req.hdr(${m.name}) -m reg${i} ${dq(m.value)}`];
    case 'http-cookie':
      return [`acl ${name} req.cook(${m.name}) -m reg${i} ${dq(m.value)}`];
    case 'source-address':
      return [`acl ${name} src ${m.address}/${maskBits(m.mask) ?? 32}`];
    case 'destination-address':
      return [`acl ${name} dst ${m.address}/${maskBits(m.mask) ?? 32}`];
    case 'port': {
      const p = m.ports;
      if (p.kind === 'neq') return undefined;
      return [`acl ${name} dst_port ${p.kind === 'eq' ? p.port : p.kind === 'range' ? `${p.from}:${p.to}` : p.kind === 'lt' ? `lt ${p.port}` : p.kind === 'gt' ? `gt ${p.port}` : '1:65535'}`];
    }
    case 'any':
      return [`acl ${name} always_true`];
    default:
      return undefined;
  }
}

/**
 * A class-map as HAProxy ACL lines plus the condition that uses them
 * (`c1 c2` AND-ed for match-all, `c1 || c2` for match-any).
 */
export function classCondition(cm: ClassMap, byName: ReadonlyMap<string, ClassMap>, diags: ExportDiagnostics, opts: MatchOptions = {}, depth = 0): { acls: string[]; cond: string } | undefined {
  const base = `c_${safeName(cm.name)}`;
  const acls: string[] = [];
  const terms: string[] = [];
  cm.matches.forEach((m, i) => {
    if (m.kind === 'virtual-address') return; // the frontend's bind is the match
    const name = `${base}_${i + 1}`;
    if (m.kind === 'class-map') {
      const inner = byName.get(m.classMap.name);
      const c = inner && depth < 8 ? classCondition(inner, byName, diags, opts, depth + 1) : undefined;
      if (!c) return diags.untranslated(m.pos, `class-map ${cm.name}: match class-map ${m.classMap.name} cannot be expressed; left out`);
      // HAProxy conditions have no parentheses: an OR inside an AND cannot be written.
      if (cm.matchMode === 'all' && c.cond.includes('||')) return diags.untranslated(m.pos, `class-map ${cm.name}: a match-any class-map inside a match-all one needs parentheses HAProxy conditions lack; left out`);
      acls.push(...c.acls);
      terms.push(c.cond);
      return;
    }
    const lines = matchAcl(name, m, opts.caseInsensitive ? ' -i' : '');
    if (!lines) return diags.untranslated(m.pos, `class-map ${cm.name}: this match has no HAProxy equivalent; left out`);
    if (opts.caseInsensitive && m.kind === 'http-cookie') diags.approximate(m.pos, `class-map ${cm.name}: case-insensitive: HAProxy matches the cookie's value in any case, but its name (${m.name}) as written`);
    acls.push(...lines);
    terms.push(lines.length > 1 ? `${name} ${name}_m` : name);
  });
  if (terms.length === 0) return { acls, cond: 'TRUE' };
  return { acls, cond: cm.matchMode === 'any' ? terms.join(' || ') : terms.join(' ') };
}
