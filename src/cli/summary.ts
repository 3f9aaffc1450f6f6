// The model summary `acesim check` prints (and `npm start` shows until the
// lab exists): VIPs and where they lead, farms with their reals and probes,
// probe timing with the detection and recovery windows the config implies.
import { worstDetectionMs } from '../config/lints.js';
import type { Model, Probe } from '../config/model.js';
import { describePorts, resolveVips } from '../config/vips.js';

const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Best and worst time from a server's repair to OPERATIONAL (ace-semantics §4.5). */
export function recoveryWindowMs(p: Probe): [number, number] {
  const lo = (p.passdetectCount - 1) * p.passdetectIntervalMs;
  return [lo, lo + p.passdetectIntervalMs];
}

export function modelSummary(model: Model): string {
  const out: string[] = [];
  for (const ctx of model.contexts) {
    const hasAny = ctx.probes.length + ctx.rservers.length + ctx.serverfarms.length + ctx.classMaps.length > 0;
    if (!hasAny && model.contexts.length > 1) continue;
    out.push(`context ${ctx.name}: ${ctx.rservers.length} rservers, ${ctx.serverfarms.length} serverfarms, ${ctx.probes.length} probes, ${ctx.stickyGroups.length} sticky groups, ${ctx.classMaps.length} class-maps, ${ctx.policyMaps.length} policy-maps, ${ctx.interfaces.length} interfaces`);
    const vips = resolveVips(ctx);
    if (vips.length > 0) out.push('  VIPs:');
    for (const v of vips) {
      const to = v.stickyGroups.length > 0 ? `sticky ${v.stickyGroups.join(', ')} → ${v.farms.join(', ')}` : v.farms.join(', ') || '(nothing)';
      out.push(`    ${v.address} ${describePorts(v.protocol, v.ports)}  ${v.inservice ? 'INSERVICE' : 'OUTOFSERVICE'}  class ${v.classMap} → ${to}`);
    }
    const rs = new Map(ctx.rservers.map((r) => [r.name, r]));
    if (ctx.serverfarms.length > 0) out.push('  serverfarms:');
    for (const f of ctx.serverfarms) {
      const members = f.members.map((m) => `${m.rserver.name} ${rs.get(m.rserver.name)?.ipAddress ?? '?'}${m.port ? ':' + m.port : ''}${m.admin === 'inservice' ? '' : ` (${m.admin})`}`);
      out.push(`    ${f.name} [${f.predictor.kind}] ${members.join(', ')}; probes: ${f.probes.map((p) => p.name).join(', ') || 'none'}`);
    }
    if (ctx.probes.length > 0) out.push('  probes (detection = server dies → PROBE-FAILED, worst case; recovery = repaired → OPERATIONAL):');
    for (const p of ctx.probes) {
      const [rlo, rhi] = recoveryWindowMs(p);
      out.push(`    ${p.name} ${p.type}${p.port ? ':' + p.port : ''} interval ${s(p.intervalMs)} faildetect ${p.faildetect} passdetect ${s(p.passdetectIntervalMs)}×${p.passdetectCount}  detection ≤ ${s(worstDetectionMs(p))}, recovery ${s(rlo)}–${s(rhi)}`);
    }
  }
  if (model.ft.groups.length > 0) {
    for (const g of model.ft.groups) out.push(`ft group ${g.id}: priority ${g.priority} (peer ${g.peerPriority}), preempt ${g.preempt ? 'on' : 'off'}, contexts ${g.associateContexts.map((c) => c.name).join(', ')}`);
  }
  return out.join('\n');
}
