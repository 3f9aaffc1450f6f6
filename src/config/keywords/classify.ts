// Classification sub-modes: class-map match lines (L3/L4 VIPs, HTTP, and
// management protocols) and the three kinds of policy-map with their class
// sub-modes (ace-semantics §6.1–6.2). Match lines may carry a line number.
import type { Args } from '../args.js';
import type { ClassMap, ClassMatch, LbAction, LbPolicyClass, MgmtPolicyClass, PolicyMap, Ref, VipClass, VipProtocol, PortSpec } from '../model.js';
import { descriptionKeyword, ref } from './common.js';
import { kw, type ApplyCx, type Mode } from './types.js';


function parseVirtualAddress(a: Args): { address: string; mask: string; protocol: VipProtocol; ports: PortSpec } {
  const address = a.ip('virtual address');
  let mask = '255.255.255.255';
  if (a.isIp()) mask = a.mask('netmask');
  let protocol: VipProtocol = 'any';
  let ports: PortSpec = { kind: 'any' };
  if (a.remaining === 0) a.fail('ACE_MISSING_ARGUMENT', 'missing protocol: any, tcp, udp or a protocol number');
  const p = a.peekLower()!;
  if (p === 'any') {
    a.word('protocol');
  } else if (p === 'tcp' || p === 'udp') {
    a.word('protocol');
    protocol = p;
    const spec = a.portSpec(p);
    if (spec) ports = spec.kind === 'eq' && spec.port === 0 ? { kind: 'any' } : spec;
    else if (a.remaining > 0) a.fail('ACE_INVALID_ARGUMENT', `expected any, eq PORT or range A B after ${p}`);
  } else {
    protocol = a.int('IP protocol number', 0, 255);
  }
  a.end();
  return { address, mask, protocol, ports };
}

function parseMatch(a: Args, cx: ApplyCx, cm: ClassMap): ClassMatch {
  const pos = cx.pos;
  const k = a.word('match type').toLowerCase();
  if (cm.type === 'management') {
    if (k !== 'protocol') a.fail('ACE_INVALID_ARGUMENT', `management class-maps match \`protocol\`, not "${k}"`);
    const protocol = a.oneOf('protocol', ['telnet', 'ssh', 'http', 'https', 'icmp', 'snmp', 'xml-https', 'kalap-udp'] as const);
    let source: import('../model.js').AddressSpec = { kind: 'any' };
    if (a.opt('source-address')) source = { kind: 'net', address: a.ip('source address'), mask: a.mask('source netmask') };
    else a.oneOf('source', ['any', 'source-address'] as const);
    a.end();
    return { kind: 'protocol', pos, protocol, source };
  }
  if (cm.type === 'http-loadbalance' && k === 'http') {
    const what = a.oneOf('http match', ['url', 'header', 'cookie', 'content', 'method'] as const);
    if (what === 'url') {
      const regex = a.word('URL regex');
      let method: string | undefined;
      if (a.opt('method')) method = a.word('method');
      a.end();
      return method === undefined ? { kind: 'http-url', pos, regex } : { kind: 'http-url', pos, regex, method };
    }
    if (what === 'header' || what === 'cookie') {
      const name = a.word(`${what} name`);
      a.oneOf('keyword', [what === 'header' ? 'header-value' : 'cookie-value'] as const);
      const value = a.rest(`${what} value`);
      return what === 'header' ? { kind: 'http-header', pos, name, value } : { kind: 'http-cookie', pos, name, value };
    }
    return { kind: 'unsimulated', pos, text: cx.text };
  }
  switch (k) {
    case 'virtual-address': {
      if (cm.type !== 'l4') a.fail('ACE_INVALID_ARGUMENT', 'virtual-address matches belong in layer-3/4 class-maps');
      return { kind: 'virtual-address', pos, ...parseVirtualAddress(a) };
    }
    case 'source-address':
    case 'destination-address': {
      const address = a.ip('address');
      const mask = a.remaining > 0 ? a.mask('netmask') : '255.255.255.255';
      a.end();
      return { kind: k, pos, address, mask };
    }
    case 'port': {
      const protocol = a.oneOf('protocol', ['tcp', 'udp'] as const);
      const ports = a.portSpec(protocol);
      if (!ports) a.fail('ACE_MISSING_ARGUMENT', 'missing port: any, eq PORT or range A B');
      a.end();
      return { kind: 'port', pos, protocol, ports };
    }
    case 'access-list': {
      const acl = ref(a, cx, 'access-list name');
      a.end();
      return { kind: 'access-list', pos, acl };
    }
    case 'any':
      a.end();
      return { kind: 'any', pos };
    case 'class-map': {
      const classMap = ref(a, cx, 'class-map name');
      a.end();
      return { kind: 'class-map', pos, classMap };
    }
    default:
      a.fail('ACE_INVALID_ARGUMENT', `unknown match "${k}" for a ${cm.type === 'l4' ? 'layer-3/4' : cm.type} class-map`);
  }
}

export const classMapMode: Mode = {
  name: 'class-map',
  prompt: 'config-cmap',
  keywords: [
    descriptionKeyword(),
    kw({
      words: ['match'],
      syntax: '[N] match virtual-address IP [MASK] {any | tcp|udp {any | eq PORT | range A B} | PROTO} | match http url REGEX | match protocol P {any | source-address IP MASK} | …',
      description: 'A match line; N is the optional line number the running-config shows.',
      parse: (a, cx, cm: ClassMap) => {
        const m = parseMatch(a, cx, cm);
        if (cx.lineNo !== undefined) m.lineNo = cx.lineNo;
        return m;
      },
      apply: (m: ClassMatch, cm: ClassMap, cx) => {
        if (m.kind === 'virtual-address' && cm.matchMode === 'all' && cm.matches.some((x) => x.kind === 'virtual-address')) {
          cx.report('ACE_CONFLICT', `match-all class-map ${cm.name} can hold only one virtual-address line; use match-any`, cx.pos.col, 5);
        }
        cm.matches.push(m);
      },
    }),
  ],
};

function classHeader(a: Args, cx: ApplyCx): Ref {
  const r = ref(a, cx, 'class-map name');
  a.opt('insert-before') && a.word('class name');
  a.end();
  return r;
}

export const policyMgmtMode: Mode = {
  name: 'policy-mgmt',
  prompt: 'config-pmap-mgmt',
  keywords: [
    descriptionKeyword(),
    kw({
      words: ['class'],
      syntax: 'class NAME',
      description: 'A management class (then permit or deny).',
      parse: (a, cx) => classHeader(a, cx),
      apply: (r: Ref, p: PolicyMap, cx) => {
        if (p.type !== 'management') return;
        const c: MgmtPolicyClass = { classMap: r, pos: cx.pos };
        p.classes.push(c);
        return { mode: 'policy-mgmt-class', target: c };
      },
    }),
  ],
};

export const policyMgmtClassMode: Mode = {
  name: 'policy-mgmt-class',
  prompt: 'config-pmap-mgmt-c',
  keywords: (['permit', 'deny'] as const).map((w) =>
    kw({
      words: [w],
      syntax: w,
      description: `${w === 'permit' ? 'Allow' : 'Refuse'} management access for this class.`,
      parse: (a) => a.end(),
      apply: (_v, c: MgmtPolicyClass) => {
        c.action = w;
      },
    }),
  ),
};

export const policyLbMode: Mode = {
  name: 'policy-lb',
  prompt: 'config-pmap-lb',
  keywords: [
    descriptionKeyword(),
    kw({
      words: ['class'],
      syntax: 'class {NAME | class-default}',
      description: 'A first-match class and its actions; class-default matches everything and comes last.',
      parse: (a, cx) => classHeader(a, cx),
      apply: (r: Ref, p: PolicyMap, cx) => {
        if (p.type !== 'loadbalance') return;
        const c: LbPolicyClass = { classMap: r, pos: cx.pos, actions: [] };
        p.classes.push(c);
        return { mode: 'policy-lb-class', target: c };
      },
    }),
  ],
};

function lbAction(words: readonly string[], syntax: string, description: string, parse: (a: Args, cx: ApplyCx) => LbAction, simulated = true) {
  return kw({
    words,
    syntax,
    description,
    simulated,
    parse,
    apply: (v: LbAction, c: LbPolicyClass, cx: ApplyCx) => {
      c.actions.push(v);
      // A proxy has no original destination to route to (docs/ace-compatibility.md).
      if (v.kind === 'forward') cx.report('ACE_UNSIMULATED', '`forward` is kept, but acesim does not route to the original destination: TCP flows are reset, HTTP requests get 503, UDP datagrams are dropped', cx.pos.col, 'forward'.length);
    },
  });
}

export const policyLbClassMode: Mode = {
  name: 'policy-lb-class',
  prompt: 'config-pmap-lb-c',
  keywords: [
    lbAction(['serverfarm'], 'serverfarm NAME [backup NAME [aggregate-state]]', 'Balance to this farm (and its backup while it is down).', (a, cx) => {
      const pos = cx.pos;
      const farm = ref(a, cx, 'serverfarm name');
      let backup: Ref | undefined;
      let aggregateState = false;
      if (a.opt('backup')) {
        backup = ref(a, cx, 'backup serverfarm name');
        aggregateState = a.opt('aggregate-state');
      }
      a.end();
      return backup ? { kind: 'serverfarm', pos, farm, backup, aggregateState } : { kind: 'serverfarm', pos, farm, aggregateState };
    }),
    lbAction(['sticky-serverfarm'], 'sticky-serverfarm GROUP', 'Balance through a sticky group (its serverfarm for new clients).', (a, cx) => {
      const pos = cx.pos;
      const group = ref(a, cx, 'sticky group name');
      a.end();
      return { kind: 'sticky-serverfarm', pos, group };
    }),
    lbAction(['drop'], 'drop', 'Discard the connection (RST for TCP).', (a, cx) => {
      a.end();
      return { kind: 'drop', pos: cx.pos };
    }),
    lbAction(['forward'], 'forward', 'Forward to the original destination without balancing.', (a, cx) => {
      a.end();
      return { kind: 'forward', pos: cx.pos };
    }),
    lbAction(['insert-http'], 'insert-http HEADER header-value "VALUE"', 'Insert a request header (%is = client address); needs L7 proxying.', (a, cx) => {
      const pos = cx.pos;
      const header = a.word('header name');
      a.oneOf('keyword', ['header-value'] as const);
      const value = a.rest('header value');
      return { kind: 'insert-http', pos, header, value };
    }),
    ...(['action', 'ssl-proxy', 'set', 'compress', 'nat'] as const).map((w) =>
      lbAction([w], `${w} …`, 'Valid ACE action kept verbatim; not simulated.', (a, cx) => {
        a.restOrEmpty();
        return { kind: 'unsimulated', pos: cx.pos, text: cx.text };
      }, false),
    ),
  ],
};

export const policyMultiMode: Mode = {
  name: 'policy-multi',
  prompt: 'config-pmap',
  keywords: [
    descriptionKeyword(),
    kw({
      words: ['class'],
      syntax: 'class NAME',
      description: 'A VIP class (a layer-3/4 class-map) and its loadbalance/nat actions.',
      parse: (a, cx) => classHeader(a, cx),
      apply: (r: Ref, p: PolicyMap, cx) => {
        if (p.type !== 'multi-match') return;
        const c: VipClass = { classMap: r, pos: cx.pos, inservice: false, udpFastAge: false, natDynamic: [], unsimulated: [] };
        p.classes.push(c);
        return { mode: 'policy-multi-class', target: c };
      },
    }),
  ],
};

export const policyMultiClassMode: Mode = {
  name: 'policy-multi-class',
  prompt: 'config-pmap-c',
  keywords: [
    kw({
      words: ['loadbalance', 'vip', 'inservice'],
      syntax: 'loadbalance vip inservice',
      description: 'Puts the VIP in service (without it the VIP is OUTOFSERVICE).',
      parse: (a) => a.end(),
      apply: (_v, c: VipClass) => {
        c.inservice = true;
      },
    }),
    kw({
      words: ['no', 'loadbalance', 'vip', 'inservice'],
      syntax: 'no loadbalance vip inservice',
      description: 'Takes the VIP out of service.',
      parse: (a) => a.end(),
      apply: (_v, c: VipClass) => {
        c.inservice = false;
      },
    }),
    kw({
      words: ['loadbalance', 'policy'],
      syntax: 'loadbalance policy NAME',
      description: 'The first-match load-balance policy for this VIP.',
      parse: (a, cx) => {
        const r = ref(a, cx, 'policy-map name');
        a.end();
        return r;
      },
      apply: (r: Ref, c: VipClass) => {
        c.lbPolicy = r;
      },
    }),
    kw({
      words: ['loadbalance', 'vip', 'icmp-reply'],
      syntax: 'loadbalance vip icmp-reply [active | primary-inservice]',
      description: 'Answer ping on the VIP (always, only while UP, or only while the primary farm is up).',
      parse: (a) => {
        let mode: 'always' | 'active' | 'primary-inservice' = 'always';
        if (a.remaining > 0) mode = a.oneOf('icmp-reply mode', ['active', 'primary-inservice'] as const);
        a.end();
        return mode;
      },
      apply: (m: 'always' | 'active' | 'primary-inservice', c: VipClass, cx: ApplyCx) => {
        c.icmpReply = m;
        // The host answers ping for the addresses it holds whatever the VIP's state (docs/ace-compatibility.md).
        if (m !== 'always') cx.report('ACE_UNSIMULATED', `\`loadbalance vip icmp-reply ${m}\` is kept, but acesim does not tie ping replies to the VIP's state: the host answers for the address (or not) as for \`icmp-reply\``, cx.pos.col, cx.text.length);
      },
    }),
    kw({
      words: ['loadbalance', 'vip', 'udp-fast-age'],
      syntax: 'loadbalance vip udp-fast-age',
      description: 'Close a UDP flow after one reply.',
      parse: (a) => a.end(),
      apply: (_v, c: VipClass) => {
        c.udpFastAge = true;
      },
    }),
    kw({
      words: ['nat', 'dynamic'],
      syntax: 'nat dynamic POOL vlan V',
      description: 'Source-NAT clients into a nat-pool (breaks client-address transparency).',
      parse: (a, cx) => {
        const poolId = a.int('pool id', 1, 2147483647);
        a.oneOf('keyword', ['vlan'] as const);
        const vlan = a.int('VLAN', 2, 4094);
        a.end();
        return { poolId, vlan, pos: cx.pos };
      },
      apply: (v: { poolId: number; vlan: number; pos: import('../model.js').SourcePos }, c: VipClass) => {
        c.natDynamic.push(v);
      },
    }),
    kw({
      words: ['appl-parameter', 'http', 'advanced-options'],
      syntax: 'appl-parameter http advanced-options NAME',
      description: 'The VIP’s HTTP parameter map (`parameter-map type http NAME`): its persistence rebalance, case-insensitive matching and header parse length apply to the VIP.',
      parse: (a, cx) => {
        const r = ref(a, cx, 'parameter-map name');
        a.end();
        return r;
      },
      apply: (v: Ref, c: VipClass) => {
        c.httpParameters = v;
      },
    }),
    ...([['loadbalance', 'vip', 'advertise'], ['nat', 'static'], ['inspect'], ['ssl-proxy'], ['appl-parameter'], ['connection'], ['kal-ap-primary-out-of-service']] as const).map((words) =>
      kw({
        words,
        syntax: `${words.join(' ')} …`,
        description: 'Valid ACE action kept verbatim; not simulated.',
        simulated: false,
        parse: (a) => a.restOrEmpty(),
        apply: (_v, c: VipClass, cx) => {
          c.unsimulated.push({ pos: cx.pos, text: cx.text });
        },
      }),
    ),
  ],
};
