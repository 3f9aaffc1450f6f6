// Probe-instance planning: which (probe × real × port) instances a context runs
// (ace-semantics §4.4). Pure over the model; never throws on dangling references
// (validate.ts reports those) — it just plans nothing for them. No time involved.
import type { AdminState, ContextModel, FarmMember, Probe, Rserver, Serverfarm } from '../config/model.js';
import { PROBE_DEFAULT_PORT } from '../config/defaults.js';
import { instanceId } from './types.js';
import type { PortType, ProbeInstance, ProbeInstanceKey, ProbeMemberRef } from './types.js';

/**
 * VIP ports of every class-map whose multi-match policy leads to `farmName`:
 * multi-match class → `loadbalance policy` → first-match classes → `serverfarm F [backup B]`
 * or `sticky-serverfarm G` → sticky group's `serverfarm F [backup B]`. Sorted, unique.
 * Class-maps matching any port contribute nothing (the next precedence level applies).
 */
export function vipPortsForFarm(ctx: ContextModel, farmName: string): number[] {
  const ports = new Set<number>();
  for (const pm of ctx.policyMaps) {
    if (pm.type !== 'multi-match') continue;
    for (const vc of pm.classes) {
      if (!vc.lbPolicy || !lbPolicyUsesFarm(ctx, vc.lbPolicy.name, farmName)) continue;
      const cm = ctx.classMaps.find((c) => c.name === vc.classMap.name);
      if (!cm) continue;
      for (const m of cm.matches) {
        if (m.kind === 'virtual-address' || m.kind === 'port') {
          const p = m.ports.kind === 'eq' ? m.ports.port : m.ports.kind === 'range' ? m.ports.from : undefined;
          // `eq 0` means any port (§6.1).
          if (p !== undefined && p > 0) ports.add(p);
        }
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function lbPolicyUsesFarm(ctx: ContextModel, policyName: string, farmName: string): boolean {
  const pm = ctx.policyMaps.find((p) => p.name === policyName && p.type === 'loadbalance');
  if (!pm || pm.type !== 'loadbalance') return false;
  for (const cls of pm.classes) {
    for (const a of cls.actions) {
      if (a.kind === 'serverfarm' && (a.farm.name === farmName || a.backup?.name === farmName)) return true;
      if (a.kind === 'sticky-serverfarm') {
        const g = ctx.stickyGroups.find((s) => s.name === a.group.name);
        if (g?.serverfarm && (g.serverfarm.primary.name === farmName || g.serverfarm.backup?.name === farmName)) return true;
      }
    }
  }
  return false;
}

/** Port precedence (§4.4 [C]): probe port → farm member port → VIP port(s) → type default. */
export function resolveProbePorts(probe: Probe, memberPort: number | undefined, vipPorts: readonly number[]): { port: number; portType: PortType }[] {
  if (probe.type === 'icmp' || probe.type === 'vm' || probe.type === 'scripted') {
    // Portless types; scripted/vm ports are inside the script/controller.
    return [{ port: probe.port ?? 0, portType: probe.port !== undefined ? 'PROBE' : 'DEFAULT' }];
  }
  if (probe.port !== undefined) return [{ port: probe.port, portType: 'PROBE' }];
  if (memberPort !== undefined) return [{ port: memberPort, portType: 'REAL' }];
  if (vipPorts.length > 0) return vipPorts.map((port) => ({ port, portType: 'VIP' as const }));
  return [{ port: PROBE_DEFAULT_PORT[probe.type] ?? 0, portType: 'DEFAULT' }];
}

function combineAdmin(a: AdminState, b: AdminState): AdminState {
  if (a === 'outofservice' || b === 'outofservice') return 'outofservice';
  if (a === 'standby' || b === 'standby') return 'standby';
  return 'inservice';
}

/** VLAN whose interface subnet contains the address (the server-side VLAN for syslog). */
export function serverVlan(ctx: ContextModel, address: string): number | undefined {
  const a = ipv4ToInt(address);
  if (a === undefined) return undefined;
  for (const itf of ctx.interfaces) {
    if (!itf.ipAddress) continue;
    const net = ipv4ToInt(itf.ipAddress.address);
    const mask = ipv4ToInt(itf.ipAddress.mask);
    if (net !== undefined && mask !== undefined && ((net & mask) >>> 0) === ((a & mask) >>> 0)) return itf.vlan;
  }
  return undefined;
}

function ipv4ToInt(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/**
 * Every probe instance of a context: farm probes × each member, member probes, and
 * global rserver probes. Instances with the same identity (same probe, farm, rserver,
 * address and port — e.g. one rserver listed twice under a probe with its own port)
 * are one instance serving several members. Out-of-service members (farm or global
 * admin state) and reals without an address are planned with enabled=false (DISABLED);
 * `inservice standby` members are probed.
 */
export function planProbeInstances(ctx: ContextModel): ProbeInstance[] {
  const probes = new Map(ctx.probes.map((p) => [p.name, p]));
  const rservers = new Map(ctx.rservers.map((r) => [r.name, r]));
  const out = new Map<string, ProbeInstance>();

  const add = (probe: Probe, rs: Rserver, farm: Serverfarm | undefined, member: FarmMember | undefined, vipPorts: readonly number[]): void => {
    const address = probe.ipAddress?.address ?? rs.ipAddress ?? '';
    const admin = member ? combineAdmin(rs.admin, member.admin) : rs.admin;
    const enabled = admin !== 'outofservice' && address !== '';
    const ref: ProbeMemberRef = { rserver: rs.name };
    if (farm) ref.farm = farm.name;
    if (member?.port !== undefined) ref.memberPort = member.port;
    for (const { port, portType } of resolveProbePorts(probe, member?.port, vipPorts)) {
      const key: ProbeInstanceKey = { probe: probe.name, probeType: probe.type, rserver: rs.name, address, port, portType };
      if (farm) key.farm = farm.name;
      const id = instanceId(key);
      const existing = out.get(id);
      if (existing) {
        existing.members.push({ ...ref });
        // One running instance serves all its members: it runs if any of them is in service.
        if (enabled && !existing.enabled) {
          existing.enabled = true;
          existing.admin = admin;
        }
        continue;
      }
      const inst: ProbeInstance = { id, key, probe, members: [{ ...ref }], enabled, admin };
      const vlan = address ? serverVlan(ctx, address) : undefined;
      if (vlan !== undefined) inst.vlan = vlan;
      out.set(id, inst);
    }
  };

  for (const farm of ctx.serverfarms) {
    const vipPorts = vipPortsForFarm(ctx, farm.name);
    for (const member of farm.members) {
      const rs = rservers.get(member.rserver.name);
      if (!rs) continue;
      const names = [...farm.probes.map((r) => r.name), ...member.probes.map((r) => r.name)];
      for (const name of new Set(names)) {
        const probe = probes.get(name);
        if (probe) add(probe, rs, farm, member, vipPorts);
      }
    }
  }
  for (const rs of ctx.rservers) {
    for (const ref of rs.probes) {
      const probe = probes.get(ref.name);
      if (probe) add(probe, rs, undefined, undefined, []);
    }
  }
  return [...out.values()];
}

/**
 * The instances whose verdicts decide one farm member's probe state: its farm and
 * member probes, plus the rserver's global probes (they apply in every farm).
 */
export function instancesOfMember(instances: readonly ProbeInstance[], farm: string, rserver: string, memberPort?: number): ProbeInstance[] {
  return instances.filter((i) =>
    i.members.some((m) => m.rserver === rserver && ((m.farm === farm && m.memberPort === memberPort) || m.farm === undefined)),
  );
}

/** `fail-on-all` at farm or member level switches the member to OR logic (§3.4). */
export function memberFailOnAll(farm: Serverfarm, member: FarmMember): boolean {
  return farm.failOnAll || member.failOnAll;
}
