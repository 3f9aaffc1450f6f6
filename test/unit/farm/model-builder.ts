// Hand-built ContextModel fixtures for farm/sticky tests (the parser is
// written concurrently; these tests must not depend on it). tmsContext()
// mirrors /work/shared/fixtures/seed/tms-ace.conf.
import type {
  AdminState,
  ClassMap,
  ContextModel,
  FarmMember,
  LbAction,
  LbPolicyClass,
  PolicyMap,
  Predictor,
  Rserver,
  Serverfarm,
  SourcePos,
  StickyGroup,
  VipClass,
} from '../../../src/config/model.js';
import { emptyContext } from '../../../src/config/defaults.js';

export const POS: SourcePos = { file: 'test.conf', line: 1, col: 1 };
const ref = (name: string) => ({ name, pos: POS });

export function rserver(name: string, ip: string, opts: Partial<Rserver> = {}): Rserver {
  return { name, kind: 'host', pos: POS, ipAddress: ip, weight: 8, rateLimit: {}, probes: [], failOnAll: false, admin: 'inservice', ...opts };
}

export interface MemberOpts {
  port?: number;
  weight?: number;
  admin?: AdminState;
  backup?: { rserver: string; port?: number };
  connLimit?: { max: number; min: number };
  probes?: string[];
  failOnAll?: boolean;
}

export function member(name: string, opts: MemberOpts = {}): FarmMember {
  return {
    rserver: ref(name),
    pos: POS,
    rateLimit: {},
    probes: (opts.probes ?? []).map(ref),
    failOnAll: opts.failOnAll ?? false,
    admin: opts.admin ?? 'inservice',
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.weight !== undefined ? { weight: opts.weight } : {}),
    ...(opts.backup ? { backup: { rserver: ref(opts.backup.rserver), ...(opts.backup.port !== undefined ? { port: opts.backup.port } : {}) } } : {}),
    ...(opts.connLimit ? { connLimit: opts.connLimit } : {}),
  };
}

export function farm(name: string, members: FarmMember[], opts: Partial<Omit<Serverfarm, 'probes'>> & { probes?: string[] } = {}): Serverfarm {
  const { probes, ...rest } = opts;
  return {
    name,
    kind: 'host',
    pos: POS,
    predictor: { kind: 'roundrobin' } as Predictor,
    failOnAll: false,
    retcodeMaps: [],
    transparent: false,
    members,
    ...rest,
    probes: (probes ?? []).map(ref),
  };
}

export function stickyGroup(
  name: string,
  primary: string,
  opts: { timeoutMin?: number; address?: 'source' | 'destination' | 'both'; netmask?: string; backup?: string; backupSticky?: boolean; activeconns?: boolean; replicate?: boolean; statics?: { source: string; destination?: string; rserver: string; port?: number }[] } = {},
): StickyGroup {
  return {
    name,
    kind: 'ip-netmask',
    simulated: true,
    pos: POS,
    netmask: opts.netmask ?? '255.255.255.255',
    address: opts.address ?? 'source',
    timeoutMs: (opts.timeoutMin ?? 1440) * 60_000,
    timeoutActiveconns: opts.activeconns ?? false,
    replicate: opts.replicate ?? false,
    serverfarm: { primary: ref(primary), ...(opts.backup ? { backup: ref(opts.backup) } : {}), backupSticky: opts.backupSticky ?? false, aggregateState: false },
    statics: (opts.statics ?? []).map((s) => ({
      pos: POS,
      clientSource: s.source,
      ...(s.destination ? { destination: s.destination } : {}),
      rserver: ref(s.rserver),
      ...(s.port !== undefined ? { port: s.port } : {}),
    })),
    extraLines: [],
  };
}

export function l4Class(name: string, vip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): ClassMap {
  return { name, type: 'l4', matchMode: 'all', pos: POS, matches: [{ kind: 'virtual-address', pos: POS, address: vip, mask: '255.255.255.255', protocol, ports: { kind: 'eq', port } }] };
}

export function httpClass(name: string, matches: ClassMap['matches'], matchMode: 'all' | 'any' = 'any'): ClassMap {
  return { name, type: 'http-loadbalance', matchMode, pos: POS, matches };
}

export const act = {
  farm: (f: string, backup?: string, aggregateState = false): LbAction => ({ kind: 'serverfarm', pos: POS, farm: ref(f), ...(backup ? { backup: ref(backup) } : {}), aggregateState }),
  sticky: (g: string): LbAction => ({ kind: 'sticky-serverfarm', pos: POS, group: ref(g) }),
  drop: (): LbAction => ({ kind: 'drop', pos: POS }),
  forward: (): LbAction => ({ kind: 'forward', pos: POS }),
};

export function lbPolicy(name: string, classes: { cls: string; actions: LbAction[] }[], http = false): PolicyMap {
  return { type: 'loadbalance', http, name, pos: POS, classes: classes.map((c): LbPolicyClass => ({ classMap: ref(c.cls), pos: POS, actions: c.actions })) };
}

export function multiMatch(name: string, vips: { cls: string; policy?: string; inservice?: boolean }[]): PolicyMap {
  return {
    type: 'multi-match',
    name,
    pos: POS,
    classes: vips.map(
      (v): VipClass => ({
        classMap: ref(v.cls),
        pos: POS,
        inservice: v.inservice ?? true,
        ...(v.policy ? { lbPolicy: ref(v.policy) } : {}),
        udpFastAge: false,
        natDynamic: [],
        unsimulated: [],
      }),
    ),
  };
}

/** A context with one VIP class `VIP` whose class-default runs `action`. */
export function simpleContext(parts: { rservers: Rserver[]; farms: Serverfarm[]; sticky?: StickyGroup[]; action: LbAction; vipInservice?: boolean }): ContextModel {
  const ctx = emptyContext('Admin', POS);
  ctx.rservers = parts.rservers;
  ctx.serverfarms = parts.farms;
  ctx.stickyGroups = parts.sticky ?? [];
  ctx.classMaps = [l4Class('VIP', '10.0.200.40', 80)];
  ctx.policyMaps = [lbPolicy('LB', [{ cls: 'class-default', actions: [parts.action] }]), multiMatch('MM', [{ cls: 'VIP', policy: 'LB', inservice: parts.vipInservice ?? true }])];
  return ctx;
}

/** The reference TMS config: TMS01/TMS02, four farms, ip-netmask source sticky with 10-minute timeout. */
export function tmsContext(): ContextModel {
  const ctx = emptyContext('Admin', POS);
  ctx.rservers = [rserver('TMS01', '10.0.200.50'), rserver('TMS02', '10.0.200.60')];
  const ports: Record<string, number | undefined> = { '161': undefined, '162': undefined, '443': 443, '80': 80 };
  const probeOf: Record<string, string[]> = {
    '161': ['PROBE-HTTP-80'],
    '162': ['PROBE-HTTP-80'],
    '443': ['BOOKING-PROBE-TMS', 'TMS-Monitoring-443', 'TMS-WEBSERVICES-443'],
    '80': ['PROBE-HTTP-80'],
  };
  for (const k of ['161', '162', '443', '80']) {
    const p = ports[k];
    ctx.serverfarms.push(farm(`SFARM-TMS-WEB-${k}`, [member('TMS01', p !== undefined ? { port: p } : {}), member('TMS02', p !== undefined ? { port: p } : {})], { probes: probeOf[k]! }));
    ctx.stickyGroups.push(stickyGroup(`L7-CLASS-TMS-WEB-${k}-STICKY`, `SFARM-TMS-WEB-${k}`, { timeoutMin: 10 }));
    ctx.policyMaps.push(lbPolicy(`L4-CLASS-TMS-WEB-${k}-STICKY`, [{ cls: 'class-default', actions: [act.sticky(`L7-CLASS-TMS-WEB-${k}-STICKY`)] }]));
  }
  ctx.classMaps = [
    l4Class('L4-CLASS-TMS-WEB-161', '10.0.200.40', 161),
    l4Class('L4-CLASS-TMS-WEB-162', '10.0.200.40', 162),
    l4Class('L4-CLASS-TMS-WEB-443', '10.0.200.40', 443),
    l4Class('L4-CLASS-TMS-WEB-80', '10.0.200.40', 80),
  ];
  ctx.policyMaps.push(
    multiMatch('L4-POLICY-TMS-WEB', [
      { cls: 'L4-CLASS-TMS-WEB-162', policy: 'L4-CLASS-TMS-WEB-162-STICKY' },
      { cls: 'L4-CLASS-TMS-WEB-161', policy: 'L4-CLASS-TMS-WEB-161-STICKY' },
      { cls: 'L4-CLASS-TMS-WEB-80', policy: 'L4-CLASS-TMS-WEB-80-STICKY' },
      { cls: 'L4-CLASS-TMS-WEB-443', policy: 'L4-CLASS-TMS-WEB-443-STICKY' },
    ]),
  );
  return ctx;
}

export function flow(clientIp: string, vipPort = 80, vipIp = '10.0.200.40', clientPort = 40000) {
  return { clientIp, clientPort, vipIp, vipPort, protocol: 'tcp' as const };
}
