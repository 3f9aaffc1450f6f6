// Interface and fault-tolerance sub-modes: interface vlan (addresses, ACLs,
// service policies, nat pools, shutdown) and ft interface/peer/group/track
// (ace-semantics §6.4, §7.1).
import type { Args } from '../args.js';
import type { FtGroup, FtInterface, FtPeer, FtTrack, FtTrackSide, IpWithMask, Ref, VlanInterface } from '../model.js';
import { descriptionKeyword, ref } from './common.js';
import { kw, type ApplyCx, type Keyword, type Mode } from './types.js';


function ipMask(a: Args): IpWithMask {
  const address = a.ip('address');
  const mask = a.mask('netmask');
  a.end();
  return { address, mask };
}

function flag(words: readonly string[], description: string, set: (i: VlanInterface) => void, simulated = true): Keyword<VlanInterface, void> {
  return kw({ words, syntax: words.join(' '), description, simulated, parse: (a) => a.end(), apply: (_v, i) => set(i) });
}

export const interfaceMode: Mode = {
  name: 'interface',
  prompt: 'config-if',
  keywords: [
    descriptionKeyword(),
    kw({
      words: ['ip', 'address'],
      syntax: 'ip address IP MASK',
      description: 'This ACE’s own address on the VLAN.',
      parse: (a) => ipMask(a),
      apply: (v: IpWithMask, i: VlanInterface) => {
        i.ipAddress = v;
      },
    }),
    kw({
      words: ['alias'],
      syntax: 'alias IP MASK',
      description: 'The shared address owned by the active FT member (servers’ gateway).',
      parse: (a) => ipMask(a),
      apply: (v: IpWithMask, i: VlanInterface) => {
        i.alias = v;
      },
    }),
    kw({
      words: ['peer', 'ip', 'address'],
      syntax: 'peer ip address IP MASK',
      description: 'The FT peer’s own address on the VLAN.',
      parse: (a) => ipMask(a),
      apply: (v: IpWithMask, i: VlanInterface) => {
        i.peerIpAddress = v;
      },
    }),
    kw({
      words: ['access-group'],
      syntax: 'access-group {input|output} ACL',
      description: 'Filter traffic entering (input) or leaving the VLAN; ACE denies input by default.',
      parse: (a, cx) => {
        const direction = a.oneOf('direction', ['input', 'output'] as const);
        const acl = ref(a, cx, 'access-list name');
        a.end();
        return { direction, acl };
      },
      apply: (v: { direction: 'input' | 'output'; acl: Ref }, i: VlanInterface) => {
        i.accessGroups = i.accessGroups.filter((g) => g.direction !== v.direction);
        i.accessGroups.push(v);
      },
    }),
    kw({
      words: ['service-policy'],
      syntax: 'service-policy input POLICY',
      description: 'Apply a multi-match (VIP) or management policy to traffic entering the VLAN.',
      parse: (a, cx) => {
        a.oneOf('direction', ['input'] as const);
        const policy = ref(a, cx, 'policy-map name');
        a.end();
        return policy;
      },
      apply: (policy: Ref, i: VlanInterface, cx) => {
        if (i.servicePolicies.some((p) => p.policy.name === policy.name)) cx.report('ACE_DUPLICATE_NAME', `service-policy ${policy.name} is applied twice`, policy.pos.col, policy.name.length);
        else i.servicePolicies.push({ direction: 'input', policy });
      },
    }),
    kw({
      words: ['nat-pool'],
      syntax: 'nat-pool ID FIRST [LAST] netmask MASK [pat]',
      description: 'Source-NAT addresses for `nat dynamic` on this VLAN.',
      parse: (a, cx) => {
        const id = a.int('pool id', 1, 2147483647);
        const from = a.ip('first address');
        let to = from;
        if (a.isIp()) to = a.ip('last address');
        a.oneOf('keyword', ['netmask'] as const);
        const netmask = a.mask('netmask');
        const pat = a.opt('pat');
        a.end();
        return { id, pos: cx.pos, from, to, netmask, pat };
      },
      apply: (v: import('../model.js').NatPool, i: VlanInterface) => {
        i.natPools.push(v);
      },
    }),
    kw({
      words: ['mtu'],
      syntax: 'mtu N',
      description: 'Interface MTU (kept; not simulated).',
      simulated: false,
      parse: (a) => {
        const n = a.int('MTU', 68, 9216);
        a.end();
        return n;
      },
      apply: (n: number, i: VlanInterface) => {
        i.mtu = n;
      },
    }),
    flag(['shutdown'], 'Interface administratively down.', (i) => (i.shutdown = true)),
    flag(['no', 'shutdown'], 'Interface up.', (i) => (i.shutdown = false)),
    flag(['normalization'], 'TCP normalization on (default; acesim does not normalize).', (i) => (i.normalization = true), false),
    flag(['no', 'normalization'], 'TCP normalization off.', (i) => (i.normalization = false)),
    flag(['icmp-guard'], 'ICMP guard on (default).', (i) => (i.icmpGuard = true), false),
    flag(['no', 'icmp-guard'], 'ICMP guard off.', (i) => (i.icmpGuard = false)),
    flag(['ipv6', 'normalization'], 'IPv6 normalization on (default).', (i) => (i.ipv6Normalization = true), false),
    flag(['no', 'ipv6', 'normalization'], 'IPv6 normalization off.', (i) => (i.ipv6Normalization = false)),
    flag(['ipv6', 'icmp-guard'], 'IPv6 ICMP guard on (default).', (i) => (i.ipv6IcmpGuard = true), false),
    flag(['no', 'ipv6', 'icmp-guard'], 'IPv6 ICMP guard off.', (i) => (i.ipv6IcmpGuard = false)),
    ...([['fragment'], ['ip', 'options'], ['ip', 'ttl'], ['ip', 'df'], ['arp'], ['bridge-group'], ['mac-sticky'], ['mac-address'], ['syn-cookie'], ['ipv6'], ['no', 'ipv6'], ['ip', 'dhcp'], ['no', 'ip']] as const).map((words) =>
      kw({
        words,
        syntax: `${words.join(' ')} …`,
        description: 'Valid interface command kept verbatim; not simulated.',
        simulated: false,
        parse: (a) => a.restOrEmpty(),
        apply: (_v, i: VlanInterface, cx) => {
          i.unsimulated.push({ pos: cx.pos, text: cx.text });
        },
      }),
    ),
  ],
};

export const ftInterfaceMode: Mode = {
  name: 'ft-interface',
  prompt: 'config-ft-intf',
  keywords: [
    kw({
      words: ['ip', 'address'],
      syntax: 'ip address IP MASK',
      description: 'This ACE’s FT address.',
      parse: (a) => ipMask(a),
      apply: (v: IpWithMask, f: FtInterface) => {
        f.ipAddress = v;
      },
    }),
    kw({
      words: ['peer', 'ip', 'address'],
      syntax: 'peer ip address IP MASK',
      description: 'The peer’s FT address.',
      parse: (a) => ipMask(a),
      apply: (v: IpWithMask, f: FtInterface) => {
        f.peerIpAddress = v;
      },
    }),
    kw({ words: ['shutdown'], syntax: 'shutdown', description: 'FT VLAN down.', parse: (a) => a.end(), apply: (_v, f: FtInterface) => void (f.shutdown = true) }),
    kw({ words: ['no', 'shutdown'], syntax: 'no shutdown', description: 'FT VLAN up.', parse: (a) => a.end(), apply: (_v, f: FtInterface) => void (f.shutdown = false) }),
  ],
};

export const ftPeerMode: Mode = {
  name: 'ft-peer',
  prompt: 'config-ft-peer',
  keywords: [
    kw({
      words: ['heartbeat', 'interval'],
      syntax: 'heartbeat interval MS',
      description: 'Milliseconds between heartbeats (100–1000, default 300).',
      parse: (a) => {
        const n = a.int('heartbeat interval (ms)', 100, 1000);
        a.end();
        return n;
      },
      apply: (n: number, p: FtPeer) => {
        p.heartbeatIntervalMs = n;
      },
    }),
    kw({
      words: ['heartbeat', 'count'],
      syntax: 'heartbeat count N',
      description: 'Missed heartbeats before the peer is declared down (10–50, default 10).',
      parse: (a) => {
        const n = a.int('heartbeat count', 10, 50);
        a.end();
        return n;
      },
      apply: (n: number, p: FtPeer) => {
        p.heartbeatCount = n;
      },
    }),
    kw({
      words: ['ft-interface', 'vlan'],
      syntax: 'ft-interface vlan N',
      description: 'The FT VLAN to the peer.',
      parse: (a) => {
        const n = a.int('VLAN', 2, 4094);
        a.end();
        return n;
      },
      apply: (n: number, p: FtPeer) => {
        p.ftInterfaceVlan = n;
      },
    }),
    kw({
      words: ['query-interface', 'vlan'],
      syntax: 'query-interface vlan N',
      description: 'A second path to ask the peer whether it is alive before going active (split-brain check).',
      parse: (a) => {
        const n = a.int('VLAN', 2, 4094);
        a.end();
        return n;
      },
      apply: (n: number, p: FtPeer) => {
        p.queryInterfaceVlan = n;
      },
    }),
  ],
};

export const ftGroupMode: Mode = {
  name: 'ft-group',
  prompt: 'config-ft-group',
  keywords: [
    kw({
      words: ['peer'],
      syntax: 'peer N',
      description: 'The FT peer of this group.',
      parse: (a) => {
        const n = a.int('peer id', 1, 2);
        a.end();
        return n;
      },
      apply: (n: number, g: FtGroup) => {
        g.peer = n;
      },
    }),
    kw({
      words: ['priority'],
      syntax: 'priority N',
      description: 'This member’s priority (1–255, default 100); higher is active.',
      parse: (a) => {
        const n = a.int('priority', 1, 255);
        a.end();
        return n;
      },
      apply: (n: number, g: FtGroup) => {
        g.priority = n;
      },
    }),
    kw({
      words: ['peer', 'priority'],
      syntax: 'peer priority N',
      description: 'The peer member’s priority.',
      parse: (a) => {
        const n = a.int('peer priority', 1, 255);
        a.end();
        return n;
      },
      apply: (n: number, g: FtGroup) => {
        g.peerPriority = n;
      },
    }),
    kw({ words: ['preempt'], syntax: 'preempt', description: 'A returning higher-priority member takes over (default).', parse: (a) => a.end(), apply: (_v, g: FtGroup) => void (g.preempt = true) }),
    kw({ words: ['no', 'preempt'], syntax: 'no preempt', description: 'No preemption.', parse: (a) => a.end(), apply: (_v, g: FtGroup) => void (g.preempt = false) }),
    kw({
      words: ['associate-context'],
      syntax: 'associate-context NAME',
      description: 'The context this group carries.',
      parse: (a, cx) => {
        const r = ref(a, cx, 'context name');
        a.end();
        return r;
      },
      apply: (r: Ref, g: FtGroup) => {
        g.associateContexts.push(r);
      },
    }),
    kw({ words: ['inservice'], syntax: 'inservice', description: 'The group takes part in FT.', parse: (a) => a.end(), apply: (_v, g: FtGroup) => void (g.inservice = true) }),
    kw({ words: ['no', 'inservice'], syntax: 'no inservice', description: 'The group is out of FT.', parse: (a) => a.end(), apply: (_v, g: FtGroup) => void (g.inservice = false) }),
  ],
};

function trackSide(peer: boolean): Keyword<FtTrack, unknown>[] {
  const side = (t: FtTrack): FtTrackSide => (peer ? t.peer : t.local);
  const p = peer ? ['peer'] : [];
  return [
    kw({
      words: [...p, 'track-host'],
      syntax: `${p.join(' ')} track-host IP`.trim(),
      description: 'The host to track.',
      parse: (a) => {
        const ip = a.ip('host address');
        a.end();
        return ip;
      },
      apply: (ip: string, t: FtTrack) => {
        side(t).target = ip;
      },
    }),
    kw({
      words: [...p, 'track-interface', 'vlan'],
      syntax: `${p.join(' ')} track-interface vlan N`.trim(),
      description: 'The interface to track.',
      parse: (a) => {
        const n = a.int('VLAN', 2, 4094);
        a.end();
        return n;
      },
      apply: (n: number, t: FtTrack) => {
        side(t).target = String(n);
      },
    }),
    kw({
      words: [...p, 'track-hsrp'],
      syntax: `${p.join(' ')} track-hsrp GROUP`.trim(),
      description: 'The HSRP group to track (module only).',
      simulated: false,
      parse: (a) => {
        const g = a.word('HSRP group');
        a.end();
        return g;
      },
      apply: (g: string, t: FtTrack) => {
        side(t).target = g;
      },
    }),
    kw({
      words: [...p, 'probe'],
      syntax: `${p.join(' ')} probe NAME priority N`.trim(),
      description: 'A probe that checks the tracked host; its failure subtracts the priority.',
      parse: (a, cx) => {
        const probe = ref(a, cx, 'probe name');
        let priority = 0;
        if (a.opt('priority')) priority = a.int('priority', 0, 255);
        a.end();
        return { probe, priority };
      },
      apply: (v: { probe: Ref; priority: number }, t: FtTrack) => {
        side(t).probes.push(v);
      },
    }),
    kw({
      words: [...p, 'priority'],
      syntax: `${p.join(' ')} priority N`.trim(),
      description: 'Subtracted from the group priority while the tracked item is down.',
      parse: (a) => {
        const n = a.int('priority', 0, 255);
        a.end();
        return n;
      },
      apply: (n: number, t: FtTrack) => {
        side(t).priority = n;
      },
    }),
  ];
}

export const ftTrackMode: Mode = {
  name: 'ft-track',
  prompt: 'config-ft-track',
  keywords: [...trackSide(false), ...trackSide(true)],
};
