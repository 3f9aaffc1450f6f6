// Top-level (config mode) keywords: the commands that open every block, plus
// one-line commands (hostname, access-list, ip route, snmp-server, logging,
// username, ft auto-sync). Blocks acesim knows but does not simulate open the
// 'raw' mode so their lines are kept verbatim.
import type { Args } from '../args.js';
import { Secret } from '../../core/secret.js';
import { defaultProbe, emptyContext, FT_HEARTBEAT_COUNT, FT_HEARTBEAT_INTERVAL_MS, FT_PRIORITY, RSERVER_WEIGHT, STICKY_TIMEOUT_MS } from '../defaults.js';
import type {
  AccessList,
  AclEntry,
  ClassMap,
  ClassMapType,
  FtGroup,
  FtInterface,
  FtPeer,
  FtTrack,
  PolicyMap,
  ProbeType,
  RawBlock,
  Rserver,
  Serverfarm,
  StickyGroup,
  StickyKind,
  VlanInterface,
} from '../model.js';
import { findByKey, findByName } from '../name-index.js';
import { kw, type ApplyCx, type Keyword, type Mode, type Open } from './types.js';

const PROBE_TYPES: readonly string[] = ['icmp', 'tcp', 'udp', 'echo', 'finger', 'http', 'https', 'dns', 'ftp', 'imap', 'pop', 'radius', 'rtsp', 'scripted', 'sip', 'smtp', 'snmp', 'telnet', 'vm'];

function duplicate(cx: ApplyCx, what: string, name: string, first: { pos: { line: number } }): void {
  cx.report('ACE_DUPLICATE_NAME', `${what} "${name}" is already defined at line ${first.pos.line}; this block is merged into it`, cx.pos.col, name.length + 1);
}

/** Opens a raw (kept, unsimulated) block. */
function rawOpen(cx: ApplyCx): Open {
  const block: RawBlock = { pos: cx.pos, lines: [cx.text] };
  cx.ctx().unsimulated.push(block);
  return { mode: 'raw', target: block };
}

function rawLine(cx: ApplyCx): void {
  cx.ctx().unsimulated.push({ pos: cx.pos, lines: [cx.text] });
}

/** Top-level commands that are valid ACE and unrelated to load balancing: kept, warned. */
const RAW_BLOCKS: readonly (readonly string[])[] = [
  ['parameter-map'], ['action-list'], ['ssl-proxy'], ['crypto'], ['domain'], ['role'], ['object-group'], ['interface', 'bvi'],
  ['interface', 'gigabitEthernet'], ['interface', 'port-channel'], ['ldap-server'], ['aaa'], ['kalap'], ['script'], ['banner'],
];
const RAW_LINES: readonly (readonly string[])[] = [
  ['ntp'], ['clock'], ['login'], ['telnet'], ['ssh'], ['arp'], ['peer'], ['shared-vlan-hostid'], ['ip', 'domain-lookup'],
  ['ip', 'domain-name'], ['ip', 'name-server'], ['tacacs-server'], ['radius-server'], ['access-group'], ['nat-pool'],
  ['snmp-server', 'user'], ['snmp-server', 'trap-source'], ['logging', 'device-id'], ['logging', 'fastpath'], ['logging', 'message'],
  ['logging', 'rate-limit'], ['logging', 'persistent'], ['logging', 'standby'], ['logging', 'supervisor'], ['logging', 'queue'],
  ['logging', 'history'], ['snmp-server', 'engineID'], ['resource-usage'], ['no', 'logging'], ['ft', 'connection'],
];

function aclEntry(a: Args, cx: ApplyCx): { name: string; entry: AclEntry } {
  const name = a.name('access-list name');
  let lineNo: number | undefined;
  if (a.opt('line')) lineNo = a.int('line number', 1, 1024);
  const pos = cx.pos;
  const k = a.oneOf('access-list type', ['extended', 'remark', 'ethertype'] as const);
  if (k === 'remark') {
    const e: AclEntry = { kind: 'remark', pos, text: a.rest('remark text') };
    if (lineNo !== undefined) e.lineNo = lineNo;
    return { name, entry: e };
  }
  if (k === 'ethertype') {
    const action = a.oneOf('action', ['permit', 'deny'] as const);
    const ethertype = a.oneOf('ethertype', ['any', 'bpdu', 'ipv6', 'mpls'] as const);
    a.end();
    return { name, entry: { kind: 'ethertype', pos, action, ethertype } };
  }
  const action = a.oneOf('action', ['permit', 'deny'] as const);
  const proto = a.word('protocol');
  const protoL = proto.toLowerCase();
  if (!['ip', 'tcp', 'udp', 'icmp'].includes(protoL) && !/^\d+$/.test(proto)) {
    a.fail('ACE_INVALID_ARGUMENT', `protocol must be ip, tcp, udp, icmp or a protocol number; got "${proto}"`);
  }
  if (a.peekLower() === 'object-group') a.fail('ACE_INVALID_ARGUMENT', 'object-group references in ACLs are not supported yet');
  const source = a.addressSpec('source');
  const l4 = protoL === 'tcp' || protoL === 'udp' ? (protoL as 'tcp' | 'udp') : undefined;
  const sourcePort = l4 ? a.portSpec(l4, false) : undefined;
  const destination = a.addressSpec('destination');
  const destinationPort = l4 ? a.portSpec(l4, false) : undefined;
  let icmpType: string | undefined;
  if (protoL === 'icmp' && a.remaining > 0) icmpType = a.word('icmp type');
  a.end();
  const e: AclEntry = { kind: 'rule', pos, action, protocol: protoL, source, destination };
  if (lineNo !== undefined) e.lineNo = lineNo;
  if (sourcePort) e.sourcePort = sourcePort;
  if (destinationPort) e.destinationPort = destinationPort;
  if (icmpType !== undefined) e.icmpType = icmpType;
  return { name, entry: e };
}

const keywords: Keyword[] = [
  kw({
    words: ['hostname'],
    syntax: 'hostname NAME',
    description: 'The device host name (shown in prompts and syslog).',
    parse: (a) => {
      const n = a.name('host name');
      a.end();
      return n;
    },
    apply: (v: string, _t, cx) => {
      cx.model.hostname = v;
    },
  }),
  kw({
    words: ['boot', 'system'],
    syntax: 'boot system image:FILE',
    description: 'The software image the appliance boots (kept; sets no behaviour).',
    parse: (a) => {
      const f = a.word('image');
      a.end();
      return f;
    },
    apply: (v: string, _t, cx) => {
      cx.model.bootImage = v;
    },
  }),
  kw({
    words: ['resource-class'],
    syntax: 'resource-class NAME',
    description: 'Resource limits (percentages of the device) that contexts join with `member`.',
    parse: (a) => {
      const n = a.name('resource-class name');
      a.end();
      return n;
    },
    apply: (name: string, _t, cx): Open => {
      let rc = findByName(cx.model.resourceClasses, name);
      if (rc) duplicate(cx, 'resource-class', name, rc);
      else cx.model.resourceClasses.push((rc = { name, pos: cx.pos, limits: [] }));
      return { mode: 'resource-class', target: rc };
    },
  }),
  kw({
    words: ['context'],
    syntax: 'context NAME',
    description: 'Defines a virtual context (Admin context): its interfaces and resource class.',
    parse: (a) => {
      const n = a.name('context name');
      a.end();
      return n;
    },
    apply: (name: string, _t, cx): Open => {
      let c = findByName(cx.model.contextDefs, name);
      if (c) duplicate(cx, 'context', name, c);
      else cx.model.contextDefs.push((c = { name, pos: cx.pos, allocateInterfaces: [] }));
      return { mode: 'context', target: c };
    },
  }),
  kw({
    words: ['changeto'],
    syntax: 'changeto CONTEXT',
    description: 'Exec command: the following commands belong to CONTEXT (lets one file hold several contexts).',
    parse: (a) => {
      const n = a.name('context name');
      a.end();
      return n;
    },
    apply: (name: string, _t, cx) => {
      cx.switchContext(name);
      cx.report('ACE_CONTEXT_SWITCH', `the commands that follow belong to context ${name}`, cx.pos.col, 8);
    },
  }),
  kw({
    words: ['access-list'],
    syntax: 'access-list NAME [line N] extended {permit|deny} PROTO SRC [PORTS] DST [PORTS] | remark TEXT',
    description: 'One ACL entry; entries of one name form the list, evaluated top-down with an implicit deny.',
    parse: (a, cx) => aclEntry(a, cx),
    apply: (v: { name: string; entry: AclEntry }, _t, cx) => {
      const ctx = cx.ctx();
      let acl: AccessList | undefined = findByName(ctx.accessLists, v.name);
      if (!acl) ctx.accessLists.push((acl = { name: v.name, pos: cx.pos, entries: [] }));
      if (v.entry.kind !== 'ethertype' && v.entry.lineNo !== undefined) {
        const n = v.entry.lineNo;
        if (findByKey(acl.entries, (e) => (e.kind !== 'ethertype' && e.lineNo !== undefined ? String(e.lineNo) : ''), String(n))) {
          cx.report('ACE_LINE_NUMBER', `access-list ${v.name} line ${n} is used twice`, cx.pos.col, 1);
        }
      }
      acl.entries.push(v.entry);
    },
  }),
  kw({
    words: ['probe'],
    syntax: 'probe {icmp|tcp|udp|echo {tcp|udp}|finger|http|https|dns|ftp|imap|pop|radius|rtsp|scripted|sip {tcp|udp}|smtp|snmp|telnet|vm} NAME',
    description: 'A health probe; attached to server farms, farm rservers or FT tracking.',
    parse: (a) => {
      const t = a.oneOf('probe type', PROBE_TYPES);
      let type = t as ProbeType;
      if (t === 'echo' || t === 'sip') type = `${t}-${a.oneOf('transport', ['tcp', 'udp'] as const)}` as ProbeType;
      const name = a.name('probe name');
      a.end();
      return { type, name };
    },
    apply: (v: { type: ProbeType; name: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      let p = findByName(ctx.probes, v.name);
      if (p) {
        if (p.type !== v.type) cx.report('ACE_DUPLICATE_NAME', `probe "${v.name}" is already defined as type ${p.type} at line ${p.pos.line}`, cx.pos.col, 5);
        else duplicate(cx, 'probe', v.name, p);
      } else {
        p = defaultProbe(v.name, v.type, cx.pos, cx.model.platform);
        ctx.probes.push(p);
      }
      if (['scripted', 'vm', 'radius', 'rtsp', 'sip-tcp', 'sip-udp'].includes(v.type)) {
        cx.report('ACE_UNSIMULATED', `probe type ${v.type} is kept but not run by acesim (its instances stay in INIT)`, cx.pos.col, 5);
      }
      return { mode: 'probe', target: p };
    },
  }),
  kw({
    words: ['rserver'],
    syntax: 'rserver [host|redirect] NAME',
    description: 'A real server (a node), with its address, weight and admin state.',
    parse: (a) => {
      let kind: 'host' | 'redirect' = 'host';
      if (a.remaining > 1 && (a.peekLower() === 'host' || a.peekLower() === 'redirect')) kind = a.word('type').toLowerCase() as 'host' | 'redirect';
      const name = a.name('rserver name');
      a.end();
      return { kind, name };
    },
    apply: (v: { kind: 'host' | 'redirect'; name: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      let r = findByName(ctx.rservers, v.name);
      if (r) duplicate(cx, 'rserver', v.name, r);
      else {
        r = { name: v.name, kind: v.kind, pos: cx.pos, weight: RSERVER_WEIGHT, rateLimit: {}, probes: [], failOnAll: false, admin: 'outofservice' } satisfies Rserver;
        ctx.rservers.push(r);
      }
      return { mode: 'rserver', target: r };
    },
  }),
  kw({
    words: ['serverfarm'],
    syntax: 'serverfarm [host|redirect] NAME',
    description: 'A server farm: its rservers, predictor, probes and failure handling.',
    parse: (a) => {
      let kind: 'host' | 'redirect' = 'host';
      if (a.remaining > 1 && (a.peekLower() === 'host' || a.peekLower() === 'redirect')) kind = a.word('type').toLowerCase() as 'host' | 'redirect';
      const name = a.name('serverfarm name');
      a.end();
      return { kind, name };
    },
    apply: (v: { kind: 'host' | 'redirect'; name: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      let f = findByName(ctx.serverfarms, v.name);
      if (f) duplicate(cx, 'serverfarm', v.name, f);
      else {
        f = { name: v.name, kind: v.kind, pos: cx.pos, predictor: { kind: 'roundrobin' }, probes: [], failOnAll: false, retcodeMaps: [], transparent: false, members: [] } satisfies Serverfarm;
        ctx.serverfarms.push(f);
      }
      return { mode: 'serverfarm', target: f };
    },
  }),
  kw({
    words: ['parameter-map', 'type', 'http'],
    syntax: 'parameter-map type http NAME',
    description: 'HTTP parameters a VIP takes with `appl-parameter http advanced-options NAME`; persistence rebalance, case-insensitive and the header parse length are simulated, the rest kept.',
    parse: (a) => {
      const name = a.name('parameter-map name');
      a.end();
      return name;
    },
    apply: (name: string, _t, cx): Open => {
      const ctx = cx.ctx();
      let m = findByName(ctx.httpParameterMaps, name);
      if (m) duplicate(cx, 'parameter-map', name, m);
      else {
        m = { name, pos: cx.pos, otherLines: [] };
        ctx.httpParameterMaps.push(m);
      }
      return { mode: 'parameter-map-http', target: m };
    },
  }),
  kw({
    words: ['sticky'],
    syntax: 'sticky ip-netmask MASK address {source|destination|both} NAME | sticky {http-cookie COOKIE|http-header HEADER|http-content|layer4-payload|radius framed-ip …|rtsp-header Session|sip-header Call-ID|ipv6-prefix LEN address …} NAME',
    description: 'A sticky group; ip-netmask groups are simulated, the other types are kept and flagged.',
    parse: (a) => {
      const kind = a.oneOf('sticky type', ['ip-netmask', 'ipv6-prefix', 'http-cookie', 'http-content', 'http-header', 'layer4-payload', 'radius', 'rtsp-header', 'sip-header'] as const) as StickyKind;
      const g: Partial<StickyGroup> & { kind: StickyKind } = { kind };
      if (kind === 'ip-netmask') {
        g.netmask = a.mask('netmask');
        a.oneOf('keyword', ['address'] as const);
        g.address = a.oneOf('address', ['source', 'destination', 'both'] as const);
      } else if (kind === 'ipv6-prefix') {
        g.prefixLength = a.int('prefix length', 1, 128);
        a.oneOf('keyword', ['address'] as const);
        g.address = a.oneOf('address', ['source', 'destination', 'both'] as const);
      } else if (kind === 'http-cookie' || kind === 'http-header' || kind === 'rtsp-header' || kind === 'sip-header') {
        g.keyName = a.word(kind === 'http-cookie' ? 'cookie name' : 'header name');
      } else if (kind === 'radius') {
        const words: string[] = [a.oneOf('radius key', ['framed-ip'] as const)];
        if (a.remaining > 1) words.push(a.oneOf('radius option', ['calling-station-id', 'username'] as const));
        g.keyName = words.join(' ');
      }
      g.name = a.name('sticky group name');
      a.end();
      return g;
    },
    apply: (v: Partial<StickyGroup> & { kind: StickyKind; name?: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      const name = v.name!;
      let g = findByName(ctx.stickyGroups, name);
      if (g) duplicate(cx, 'sticky group', name, g);
      else {
        g = {
          name,
          kind: v.kind,
          simulated: v.kind === 'ip-netmask',
          pos: cx.pos,
          timeoutMs: STICKY_TIMEOUT_MS,
          timeoutActiveconns: false,
          replicate: false,
          statics: [],
          extraLines: [],
        };
        if (v.netmask !== undefined) g.netmask = v.netmask;
        if (v.prefixLength !== undefined) g.prefixLength = v.prefixLength;
        if (v.address !== undefined) g.address = v.address;
        if (v.keyName !== undefined) g.keyName = v.keyName;
        ctx.stickyGroups.push(g);
        if (!g.simulated) cx.report('ACE_UNSIMULATED', `sticky ${v.kind} groups are kept but not simulated; only ip-netmask stickiness is`, cx.pos.col, 6);
      }
      return { mode: 'sticky', target: g };
    },
  }),
  kw({
    words: ['class-map'],
    syntax: 'class-map [type {http loadbalance|management|…}] [match-all|match-any] NAME',
    description: 'A traffic class: VIP addresses (L3/L4), HTTP matches, or management protocols.',
    parse: (a) => {
      let type: ClassMapType = 'l4';
      let typeText: string | undefined;
      if (a.opt('type')) {
        const t = a.word('class-map type').toLowerCase();
        if (t === 'management') type = 'management';
        else if (t === 'http' && a.peekLower() === 'loadbalance') {
          a.word('loadbalance');
          type = 'http-loadbalance';
        } else {
          type = 'other';
          const words = [t];
          while (a.remaining > 1 && a.peekLower() !== 'match-all' && a.peekLower() !== 'match-any') words.push(a.word('type'));
          typeText = words.join(' ');
        }
      }
      let matchMode: 'all' | 'any' = 'all';
      if (a.peekLower() === 'match-all' || a.peekLower() === 'match-any') matchMode = a.word('mode').toLowerCase() === 'match-any' ? 'any' : 'all';
      const name = a.name('class-map name');
      a.end();
      return { type, typeText, matchMode, name };
    },
    apply: (v: { type: ClassMapType; typeText?: string; matchMode: 'all' | 'any'; name: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      let c = findByName(ctx.classMaps, v.name);
      if (c) duplicate(cx, 'class-map', v.name, c);
      else {
        c = { name: v.name, type: v.type, matchMode: v.matchMode, pos: cx.pos, matches: [] } satisfies ClassMap;
        if (v.typeText !== undefined) c.typeText = v.typeText;
        ctx.classMaps.push(c);
        if (v.type === 'other') cx.report('ACE_UNSIMULATED', `class-map type ${v.typeText} is kept but not simulated`, cx.pos.col, 9);
      }
      return { mode: 'class-map', target: c };
    },
  }),
  kw({
    words: ['policy-map'],
    syntax: 'policy-map {type management first-match|type loadbalance [http] first-match|multi-match|type …} NAME',
    description: 'A policy: management access, first-match load balancing, or the multi-match VIP policy.',
    parse: (a) => {
      if (a.opt('multi-match')) {
        const name = a.name('policy-map name');
        a.end();
        return { kind: 'multi-match' as const, name };
      }
      a.oneOf('keyword', ['type', 'multi-match'] as const);
      const t = a.word('policy-map type').toLowerCase();
      if (t === 'management') {
        a.oneOf('match mode', ['first-match'] as const);
        const name = a.name('policy-map name');
        a.end();
        return { kind: 'management' as const, name };
      }
      if (t === 'loadbalance') {
        let http = false;
        if (a.peekLower() === 'http' || a.peekLower() === 'generic' || a.peekLower() === 'radius' || a.peekLower() === 'rdp' || a.peekLower() === 'rtsp' || a.peekLower() === 'sip') {
          http = a.word('protocol').toLowerCase() === 'http';
        }
        a.oneOf('match mode', ['first-match'] as const);
        const name = a.name('policy-map name');
        a.end();
        return { kind: 'loadbalance' as const, http, name };
      }
      const words = [t];
      while (a.remaining > 1) words.push(a.word('type'));
      const name = a.name('policy-map name');
      return { kind: 'other' as const, typeText: words.join(' '), name };
    },
    apply: (v: { kind: 'multi-match' | 'management' | 'loadbalance' | 'other'; http?: boolean; typeText?: string; name: string }, _t, cx): Open => {
      const ctx = cx.ctx();
      const existing = findByName(ctx.policyMaps, v.name);
      if (existing) {
        duplicate(cx, 'policy-map', v.name, existing);
        if (existing.type === v.kind) return { mode: modeForPolicy(existing), target: existing };
      }
      let p: PolicyMap;
      if (v.kind === 'multi-match') p = { type: 'multi-match', name: v.name, pos: cx.pos, classes: [] };
      else if (v.kind === 'management') p = { type: 'management', name: v.name, pos: cx.pos, classes: [] };
      else if (v.kind === 'loadbalance') p = { type: 'loadbalance', http: v.http ?? false, name: v.name, pos: cx.pos, classes: [] };
      else {
        p = { type: 'other', typeText: v.typeText ?? '', name: v.name, pos: cx.pos, lines: [] };
        cx.report('ACE_UNSIMULATED', `policy-map type ${v.typeText} is kept but not simulated`, cx.pos.col, 10);
      }
      if (!existing) ctx.policyMaps.push(p);
      return { mode: modeForPolicy(p), target: p };
    },
  }),
  kw({
    words: ['interface', 'vlan'],
    syntax: 'interface vlan N',
    description: 'A VLAN interface: addresses, ACLs (access-group) and VIP policies (service-policy).',
    parse: (a) => {
      const n = a.int('VLAN number', 2, 4094);
      a.end();
      return n;
    },
    apply: (vlan: number, _t, cx): Open => {
      const ctx = cx.ctx();
      let i = findByKey(ctx.interfaces, (x) => String(x.vlan), String(vlan));
      if (i) duplicate(cx, 'interface vlan', String(vlan), i);
      else {
        i = {
          vlan,
          pos: cx.pos,
          accessGroups: [],
          servicePolicies: [],
          natPools: [],
          shutdown: true,
          normalization: true,
          icmpGuard: true,
          ipv6Normalization: true,
          ipv6IcmpGuard: true,
          unsimulated: [],
        } satisfies VlanInterface;
        ctx.interfaces.push(i);
      }
      return { mode: 'interface', target: i };
    },
  }),
  kw({
    words: ['ip', 'route'],
    syntax: 'ip route PREFIX MASK GATEWAY',
    description: 'A static route of the context.',
    parse: (a) => {
      const prefix = a.ip('prefix');
      const mask = a.mask('netmask');
      const gateway = a.ip('gateway');
      a.end();
      return { prefix, mask, gateway };
    },
    apply: (v: { prefix: string; mask: string; gateway: string }, _t, cx) => {
      cx.ctx().routes.push({ pos: cx.pos, ...v });
    },
  }),
  kw({
    words: ['service-policy'],
    syntax: 'service-policy input POLICY',
    description: 'Apply a policy to every interface of the context (context-global policy).',
    parse: (a, cx) => {
      a.oneOf('direction', ['input'] as const);
      const col = a.col();
      const name = a.name('policy-map name');
      a.end();
      return { name, pos: cx.at(col) };
    },
    apply: (r: import('../model.js').Ref, _t, cx) => {
      const ctx = cx.ctx();
      (ctx.globalServicePolicies ??= []).push(r);
    },
  }),
  kw({
    words: ['ft', 'interface', 'vlan'],
    syntax: 'ft interface vlan N',
    description: 'The dedicated fault-tolerance VLAN carrying heartbeats and replication.',
    parse: (a) => {
      const n = a.int('VLAN number', 2, 4094);
      a.end();
      return n;
    },
    apply: (vlan: number, _t, cx): Open => {
      let f = findByKey(cx.model.ft.interfaces, (x) => String(x.vlan), String(vlan));
      if (f) duplicate(cx, 'ft interface vlan', String(vlan), f);
      else cx.model.ft.interfaces.push((f = { vlan, pos: cx.pos, shutdown: true } satisfies FtInterface));
      return { mode: 'ft-interface', target: f };
    },
  }),
  kw({
    words: ['ft', 'peer'],
    syntax: 'ft peer N',
    description: 'The FT peer: heartbeat interval and count, FT and query interfaces.',
    parse: (a) => {
      const n = a.int('peer id', 1, 2);
      a.end();
      return n;
    },
    apply: (id: number, _t, cx): Open => {
      let p = findByKey(cx.model.ft.peers, (x) => String(x.id), String(id));
      if (p) duplicate(cx, 'ft peer', String(id), p);
      else cx.model.ft.peers.push((p = { id, pos: cx.pos, heartbeatIntervalMs: FT_HEARTBEAT_INTERVAL_MS, heartbeatCount: FT_HEARTBEAT_COUNT } satisfies FtPeer));
      return { mode: 'ft-peer', target: p };
    },
  }),
  kw({
    words: ['ft', 'group'],
    syntax: 'ft group N',
    description: 'An FT group: priorities, preemption and the contexts it carries.',
    parse: (a) => {
      const n = a.int('group id', 1, 255);
      a.end();
      return n;
    },
    apply: (id: number, _t, cx): Open => {
      let g = findByKey(cx.model.ft.groups, (x) => String(x.id), String(id));
      if (g) duplicate(cx, 'ft group', String(id), g);
      else cx.model.ft.groups.push((g = { id, pos: cx.pos, priority: FT_PRIORITY, peerPriority: FT_PRIORITY, preempt: true, associateContexts: [], inservice: false } satisfies FtGroup));
      return { mode: 'ft-group', target: g };
    },
  }),
  kw({
    words: ['ft', 'track'],
    syntax: 'ft track {interface|host|hsrp} NAME',
    description: 'A tracked item whose failure lowers the FT group priority.',
    parse: (a) => {
      const kind = a.oneOf('track type', ['interface', 'host', 'hsrp'] as const);
      const name = a.name('track name');
      a.end();
      return { kind, name };
    },
    apply: (v: { kind: 'interface' | 'host' | 'hsrp'; name: string }, _t, cx): Open => {
      let t = findByName(cx.model.ft.tracks, v.name);
      if (t) duplicate(cx, 'ft track', v.name, t);
      else cx.model.ft.tracks.push((t = { kind: v.kind, name: v.name, pos: cx.pos, local: { probes: [], priority: 0 }, peer: { probes: [], priority: 0 } } satisfies FtTrack));
      return { mode: 'ft-track', target: t };
    },
  }),
  kw({
    words: ['ft', 'auto-sync'],
    syntax: 'ft auto-sync {running-config|startup-config}',
    description: 'Config sync from the active to the standby (on by default).',
    parse: (a) => {
      const w = a.oneOf('what', ['running-config', 'startup-config'] as const);
      a.end();
      return w;
    },
    apply: (w: string, _t, cx) => {
      if (w === 'running-config') cx.model.ft.autoSyncRunning = true;
      else cx.model.ft.autoSyncStartup = true;
    },
  }),
  kw({
    words: ['no', 'ft', 'auto-sync'],
    syntax: 'no ft auto-sync {running-config|startup-config}',
    description: 'Turns config sync off.',
    parse: (a) => {
      const w = a.oneOf('what', ['running-config', 'startup-config'] as const);
      a.end();
      return w;
    },
    apply: (w: string, _t, cx) => {
      if (w === 'running-config') cx.model.ft.autoSyncRunning = false;
      else cx.model.ft.autoSyncStartup = false;
    },
  }),
  kw({
    words: ['username'],
    syntax: 'username NAME password [0|5] SECRET [role ROLE] [domain DOMAIN]',
    description: 'A local user; the password is kept as a secret and never printed.',
    parse: (a) => {
      const name = a.name('user name');
      let password: Secret | undefined;
      let passwordType: number | undefined;
      let role: string | undefined;
      let domain: string | undefined;
      while (a.remaining > 0) {
        const k = a.oneOf('username option', ['password', 'role', 'domain'] as const);
        if (k === 'password') {
          if (a.remaining > 1 && /^[05]$/.test(a.peek() ?? '')) passwordType = Number(a.word('type'));
          password = new Secret(a.word('password'));
        } else if (k === 'role') role = a.word('role');
        else domain = a.word('domain');
      }
      return { name, password, passwordType, role, domain };
    },
    apply: (v: { name: string; password?: Secret; passwordType?: number; role?: string; domain?: string }, _t, cx) => {
      const u = { name: v.name, pos: cx.pos } as import('../model.js').User;
      if (v.password) u.password = v.password;
      if (v.passwordType !== undefined) u.passwordType = v.passwordType;
      if (v.role !== undefined) u.role = v.role;
      if (v.domain !== undefined) u.domain = v.domain;
      cx.model.users.push(u);
    },
  }),
  kw({
    words: ['snmp-server', 'community'],
    syntax: 'snmp-server community COMMUNITY [group NAME | ro | rw]',
    description: 'An SNMP community (secret; never printed).',
    parse: (a) => {
      const community = new Secret(a.word('community'));
      let access: 'ro' | 'rw' = 'ro';
      let group: string | undefined;
      if (a.opt('group')) group = a.word('group');
      else if (a.remaining > 0) access = a.oneOf('access', ['ro', 'rw'] as const);
      a.end();
      return { community, access, group };
    },
    apply: (v: { community: Secret; access: 'ro' | 'rw'; group?: string }, _t, cx) => {
      const c: { pos: typeof cx.pos; community: Secret; access: 'ro' | 'rw'; group?: string } = { pos: cx.pos, community: v.community, access: v.access };
      if (v.group !== undefined) c.group = v.group;
      cx.ctx().snmp.communities.push(c);
    },
  }),
  kw({
    words: ['snmp-server', 'host'],
    syntax: 'snmp-server host ADDRESS {traps|informs} version {1|2c|3} COMMUNITY [udp-port PORT]',
    description: 'Where the ACE sends SNMP notifications (real-server state traps).',
    parse: (a) => {
      const address = a.ip('host address');
      let notification: 'traps' | 'informs' = 'traps';
      if (a.peekLower() === 'traps' || a.peekLower() === 'informs') notification = a.word('notification').toLowerCase() as 'traps' | 'informs';
      let version: '1' | '2c' | '3' = '1';
      if (a.opt('version')) version = a.oneOf('SNMP version', ['1', '2c', '3'] as const);
      const community = new Secret(a.word('community'));
      let port: number | undefined;
      if (a.opt('udp-port')) port = a.int('UDP port', 1, 65535);
      a.end();
      return { address, notification, version, community, port };
    },
    apply: (v: { address: string; notification: 'traps' | 'informs'; version: '1' | '2c' | '3'; community: Secret; port?: number }, _t, cx) => {
      const h: import('../model.js').SnmpHost = { pos: cx.pos, address: v.address, notification: v.notification, version: v.version, community: v.community };
      if (v.port !== undefined) h.port = v.port;
      cx.ctx().snmp.hosts.push(h);
    },
  }),
  kw({
    words: ['snmp-server', 'enable', 'traps'],
    syntax: 'snmp-server enable traps [slb {real|serverfarm|vserver} | snmp … | virtual-context | license]',
    description: 'Enables a notification class; `slb real` sends real-server state traps, `slb vserver` VIP state traps.',
    parse: (a) => {
      const words: string[] = [];
      while (a.remaining > 0) words.push(a.word('trap type').toLowerCase());
      return words;
    },
    apply: (words: string[], _t, cx) => {
      cx.ctx().snmp.enabledTraps.push({ pos: cx.pos, words });
    },
  }),
  kw({
    words: ['snmp-server', 'contact'],
    syntax: 'snmp-server contact TEXT',
    description: 'sysContact.',
    parse: (a) => a.rest('contact'),
    apply: (v: string, _t, cx) => {
      cx.ctx().snmp.contact = v;
    },
  }),
  kw({
    words: ['snmp-server', 'location'],
    syntax: 'snmp-server location TEXT',
    description: 'sysLocation.',
    parse: (a) => a.rest('location'),
    apply: (v: string, _t, cx) => {
      cx.ctx().snmp.location = v;
    },
  }),
  kw({
    words: ['logging', 'enable'],
    syntax: 'logging enable',
    description: 'Turns syslog on.',
    parse: (a) => a.end(),
    apply: (_v, _t, cx) => {
      cx.ctx().logging.enable = true;
    },
  }),
  kw({
    words: ['logging', 'timestamp'],
    syntax: 'logging timestamp',
    description: 'Timestamps on syslog lines.',
    parse: (a) => a.end(),
    apply: (_v, _t, cx) => {
      cx.ctx().logging.timestamp = true;
    },
  }),
  ...(['buffered', 'trap', 'console', 'monitor'] as const).map((lvl) =>
    kw({
      words: ['logging', lvl],
      syntax: `logging ${lvl} LEVEL`,
      description: `Syslog severity threshold for ${lvl === 'trap' ? 'syslog hosts' : lvl}.`,
      parse: (a) => {
        const n = a.int('severity level', 0, 7);
        a.end();
        return n;
      },
      apply: (n: number, _t, cx) => {
        const l = cx.ctx().logging;
        if (lvl === 'buffered') l.bufferedLevel = n;
        else if (lvl === 'trap') l.trapLevel = n;
        else if (lvl === 'console') l.consoleLevel = n;
        else l.monitorLevel = n;
      },
    }),
  ),
  kw({
    words: ['logging', 'facility'],
    syntax: 'logging facility N',
    description: 'Syslog facility (16–23).',
    parse: (a) => {
      const n = a.int('facility', 16, 23);
      a.end();
      return n;
    },
    apply: (n: number, _t, cx) => {
      cx.ctx().logging.facility = n;
    },
  }),
  kw({
    words: ['logging', 'host'],
    syntax: 'logging host ADDRESS [udp/PORT | tcp/PORT]',
    description: 'A syslog server.',
    parse: (a) => {
      const address = a.ip('syslog host');
      let protocol: 'udp' | 'tcp' = 'udp';
      let port: number | undefined;
      if (a.remaining > 0) {
        const w = a.word('transport');
        const m = /^(udp|tcp)(?:\/(\d+))?$/i.exec(w);
        if (!m) return a.fail('ACE_INVALID_ARGUMENT', `expected udp/PORT or tcp/PORT, got "${w}"`);
        protocol = m[1]!.toLowerCase() as 'udp' | 'tcp';
        if (m[2] !== undefined) port = Number(m[2]);
      }
      a.end();
      return { address, protocol, port };
    },
    apply: (v: { address: string; protocol: 'udp' | 'tcp'; port?: number }, _t, cx) => {
      const h: { pos: typeof cx.pos; address: string; protocol: 'udp' | 'tcp'; port?: number } = { pos: cx.pos, address: v.address, protocol: v.protocol };
      if (v.port !== undefined) h.port = v.port;
      cx.ctx().logging.hosts.push(h);
    },
  }),
  ...RAW_BLOCKS.map((words) =>
    kw({
      words,
      syntax: `${words.join(' ')} …`,
      description: 'Valid ACE block kept verbatim; not simulated.',
      simulated: false,
      parse: (a) => a.restOrEmpty(),
      apply: (_v, _t, cx) => rawOpen(cx),
    }),
  ),
  ...RAW_LINES.map((words) =>
    kw({
      words,
      syntax: `${words.join(' ')} …`,
      description: 'Valid ACE command kept verbatim; not simulated.',
      simulated: false,
      parse: (a) => a.restOrEmpty(),
      apply: (_v, _t, cx) => rawLine(cx),
    }),
  ),
];

export function modeForPolicy(p: PolicyMap): 'policy-mgmt' | 'policy-lb' | 'policy-multi' | 'raw' {
  if (p.type === 'management') return 'policy-mgmt';
  if (p.type === 'loadbalance') return 'policy-lb';
  if (p.type === 'multi-match') return 'policy-multi';
  return 'raw';
}

export const topMode: Mode = { name: 'top', prompt: 'config', keywords };

export const resourceClassMode: Mode = {
  name: 'resource-class',
  prompt: 'config-resource',
  keywords: [
    kw({
      words: ['limit-resource'],
      syntax: 'limit-resource {all|sticky|conc-connections|rate RES|…} minimum PCT maximum {unlimited|equal-to-min|PCT}',
      description: 'A resource share for contexts in this class (percent of the device).',
      parse: (a) => {
        const words: string[] = [];
        while (a.remaining > 0 && a.peekLower() !== 'minimum') words.push(a.word('resource').toLowerCase());
        if (words.length === 0) a.fail('ACE_MISSING_ARGUMENT', 'missing resource name');
        a.oneOf('keyword', ['minimum'] as const);
        const minimumPct = a.decimal('minimum percent', 0, 100);
        a.oneOf('keyword', ['maximum'] as const);
        let maximum: number | 'unlimited' | 'equal-to-min';
        const m = a.peekLower();
        if (m === 'unlimited' || m === 'equal-to-min') maximum = a.word('maximum').toLowerCase() as 'unlimited' | 'equal-to-min';
        else maximum = a.decimal('maximum percent', 0, 100);
        a.end();
        return { resource: words.join(' '), minimumPct, maximum };
      },
      apply: (v: import('../model.js').ResourceLimit, t: import('../model.js').ResourceClass) => {
        t.limits = t.limits.filter((l) => l.resource !== v.resource);
        t.limits.push(v);
      },
    }),
  ],
};

export const contextMode: Mode = {
  name: 'context',
  prompt: 'config-context',
  keywords: [
    kw({
      words: ['member'],
      syntax: 'member RESOURCE-CLASS',
      description: 'The resource class this context draws from.',
      parse: (a, cx) => {
        const col = a.col();
        const n = a.name('resource-class name');
        a.end();
        return { name: n, pos: cx.at(col) };
      },
      apply: (v: { name: string; pos: import('../model.js').SourcePos }, t: import('../model.js').ContextDef) => {
        t.member = v;
      },
    }),
    kw({
      words: ['allocate-interface'],
      syntax: 'allocate-interface vlan N[-M]',
      description: 'VLANs the context may use.',
      parse: (a) => a.rest('interface'),
      apply: (v: string, t: import('../model.js').ContextDef) => {
        t.allocateInterfaces.push(v);
      },
    }),
    kw({
      words: ['description'],
      syntax: 'description TEXT',
      description: 'Free text.',
      parse: (a) => a.rest('description'),
      apply: (v: string, t: import('../model.js').ContextDef) => {
        t.description = v;
      },
    }),
  ],
};

export const rawMode: Mode = { name: 'raw', prompt: 'config-…', keywords: [] };
