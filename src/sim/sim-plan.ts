// What every run of one simulation shares, computed once: the probe
// instances, the client streams (flows, periods, which may be counted in
// closed form), node addresses, the phase range and the predicted windows.
// Runs differ only in the fault's phase and the clients' offsets. Pure.
import type { ContextModel } from '../config/model.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';
import { formatIpv4, parseIpv4 } from '../config/ip.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { Balancer } from '../farm/balancer.js';
import type { Flow } from '../farm/types.js';
import { predictDetection, predictRecovery, probesOfMember, type Window } from '../lab/measure.js';
import type { Scenario } from '../lab/scenario.js';
import { planProbeInstances } from '../probes/instances.js';
import type { ProbeInstance } from '../probes/types.js';
import type { StreamSpec, TrafficKind } from './traffic.js';

interface TrafficVips {
  http?: ResolvedVip;
  https?: ResolvedVip;
  trap?: ResolvedVip;
}

/** The VIPs client traffic goes to: HTTP on tcp 80 (else the first TCP VIP but 443), HTTPS on tcp 443, traps on udp 162. */
export function trafficVips(ctx: ContextModel): TrafficVips {
  const vips = resolveVips(ctx).filter((v) => v.inservice);
  const eq = (v: ResolvedVip, proto: string, port: number) => v.protocol === proto && v.ports.kind === 'eq' && v.ports.port === port;
  const out: TrafficVips = {};
  const http = vips.find((v) => eq(v, 'tcp', 80)) ?? vips.find((v) => v.protocol === 'tcp' && !eq(v, 'tcp', 443));
  const https = vips.find((v) => eq(v, 'tcp', 443));
  const trap = vips.find((v) => eq(v, 'udp', 162)) ?? vips.find((v) => v.protocol === 'udp');
  if (http) out.http = http;
  if (https) out.https = https;
  if (trap) out.trap = trap;
  return out;
}

function vipPort(v: ResolvedVip): number {
  return v.ports.kind === 'eq' ? v.ports.port : v.ports.kind === 'range' ? v.ports.from : 0;
}

/** Farms whose probes watch the rserver at this address (the ones detection waits for). */
export function probedFarmsOf(ctx: ContextModel, address: string): string[] {
  const rs = ctx.rservers.filter((r) => r.ipAddress === address).map((r) => r.name);
  return ctx.serverfarms.filter((f) => f.members.some((m) => rs.includes(m.rserver.name) && probesOfMember(ctx, f.name, m.rserver.name).length > 0)).map((f) => f.name);
}

/** The longest probe period of the faulted node's probes: the range a fault's phase can take. */
export function phaseRangeMs(ctx: ContextModel, sc: Scenario): number {
  const fault = sc.timeline.find((e) => e.fault !== 'recover');
  const rs = fault ? sc.nodes.find((n) => n.name === fault.node)?.rserver : undefined;
  let max = 0;
  for (const f of ctx.serverfarms) for (const m of f.members) if (m.rserver.name === rs) for (const p of probesOfMember(ctx, f.name, m.rserver.name)) max = Math.max(max, p.intervalMs, p.passdetectIntervalMs);
  return max || 1000;
}

export interface SimPlan {
  ctx: ContextModel;
  sc: Scenario;
  instances: ProbeInstance[];
  /** The instances grouped by the address they probe (one engine each in a run). */
  instancesByAddress: [string, ProbeInstance[]][];
  streams: StreamSpec[];
  addressOf: Map<string, string>;
  nodeOfAddress: Map<string, string>;
  /** Probed farms per address, memoised (computeMetrics asks once per run). */
  farmsOf: (address: string) => readonly string[];
  phaseRangeMs: number;
  predicted: { detectionMs?: Window; recoveryMs?: Window };
  /** Kinds whose requests the analytic mode may count in closed form (the others are always sent one by one). */
  analyticKinds: TrafficKind[];
  /**
   * Sticky table size for a run: every entry is one flow's key in one group and a stream
   * has one flow, so the table never fills (and never evicts) at groups × streams. The
   * box's 4,000,000 would only cost a larger first allocation per run.
   */
  stickyCapacity: number;
}

const KINDS: readonly [TrafficKind, keyof Scenario['traffic']][] = [
  ['http', 'httpPerClientPerS'],
  ['https', 'httpsPerClientPerS'],
  ['trap', 'trapsPerClientPerS'],
];

export function compilePlan(ctx: ContextModel, sc: Scenario): SimPlan {
  const addressOf = new Map<string, string>();
  for (const n of sc.nodes) {
    const ip = ctx.rservers.find((r) => r.name === n.rserver)?.ipAddress;
    if (ip) addressOf.set(n.name, ip);
  }
  const nodeOfAddress = new Map([...addressOf].map(([n, a]) => [a, n]));
  const farmsCache = new Map<string, string[]>();
  const farmsOf = (address: string): readonly string[] => {
    let f = farmsCache.get(address);
    if (!f) farmsCache.set(address, (f = probedFarmsOf(ctx, address)));
    return f;
  };

  const vips = trafficVips(ctx);
  const groups = stickyGroupsOf(ctx, vips);
  const base = parseIpv4(sc.traffic.clientRange.split('/')[0] ?? '127.0.100.0') ?? 0x7f006400;
  const streams: StreamSpec[] = [];
  for (let i = 0; i < sc.traffic.clients; i++) {
    const clientNum = (base + i + 1) >>> 0;
    const client = formatIpv4(clientNum);
    for (const [kind, rateKey] of KINDS) {
      const vip = vips[kind];
      const rate = sc.traffic[rateKey] as number;
      if (!vip || rate <= 0) continue;
      const stepMs = Math.max(1, Math.floor(1000 / rate));
      const flow: Flow = { clientIp: client, clientPort: 40000 + i, vipIp: vip.address, vipPort: vipPort(vip), protocol: kind === 'trap' ? 'udp' : 'tcp', clientIpNum: clientNum };
      const vipNum = parseIpv4(vip.address);
      if (vipNum !== undefined && vipNum >= 0) flow.vipIpNum = vipNum;
      const g = groups.get(kind);
      const spec: StreamSpec = { client, kind, vipClass: vip.classMap, flow, stepMs };
      if (g) {
        spec.stickyGroup = g.id;
        spec.stickyTimeoutMs = g.timeoutMs;
      }
      streams.push(spec);
    }
  }

  const predicted: SimPlan['predicted'] = {};
  const fault = sc.timeline.find((e) => e.fault !== 'recover');
  const rs = fault ? sc.nodes.find((n) => n.name === fault.node)?.rserver : undefined;
  if (fault && rs) {
    const d = predictDetection(ctx, rs, fault.fault, fault.ms ?? 0, fault.status ?? 503);
    if (d) predicted.detectionMs = d;
    if (sc.timeline.some((e) => e.fault === 'recover' && e.node === fault.node)) {
      const r = predictRecovery(ctx, rs);
      if (r) predicted.recoveryMs = r;
    }
  }
  const instances = planProbeInstances(ctx);
  const byAddress = new Map<string, ProbeInstance[]>();
  for (const i of instances) byAddress.set(i.key.address, [...(byAddress.get(i.key.address) ?? []), i]);
  return {
    ctx,
    sc,
    instances,
    instancesByAddress: [...byAddress],
    streams,
    addressOf,
    nodeOfAddress,
    farmsOf,
    phaseRangeMs: phaseRangeMs(ctx, sc),
    predicted,
    analyticKinds: [...groups.keys()],
    stickyCapacity: Math.max(1, ctx.stickyGroups.length * streams.length),
  };
}

/**
 * The sticky group each traffic kind lands in, when its entries are per client
 * (ip-netmask 255.255.255.255 address source) and no other kind shares the
 * group: a stream's entry then changes only through its own requests. Found by
 * asking a scratch balancer for one flow of each kind.
 */
function stickyGroupsOf(ctx: ContextModel, vips: TrafficVips): Map<TrafficKind, { id: number; timeoutMs: number }> {
  const balancer = new Balancer({ context: ctx, clock: new VirtualClock(), stickyCapacity: 64 });
  const found = new Map<TrafficKind, { id: number; timeoutMs: number }>();
  const uses = new Map<number, number>();
  for (const [kind] of KINDS) {
    const vip = vips[kind];
    if (!vip) continue;
    const d = balancer.select(vip.classMap, { clientIp: '192.0.2.1', clientPort: 40000, vipIp: vip.address, vipPort: vipPort(vip), protocol: kind === 'trap' ? 'udp' : 'tcp' });
    if (d.kind !== 'server' || d.stickyGroup < 0) continue;
    const g = balancer.store.groupSpec(d.stickyGroup);
    if (g.address !== 'source' || g.netmask >>> 0 !== 0xffffffff) continue;
    found.set(kind, { id: d.stickyGroup, timeoutMs: g.timeoutMs });
    uses.set(d.stickyGroup, (uses.get(d.stickyGroup) ?? 0) + 1);
  }
  balancer.dispose();
  for (const [kind, g] of found) if ((uses.get(g.id) ?? 0) > 1) found.delete(kind);
  return found;
}
