// Cross-reference validation of a model: every by-name reference must name a
// defined object of the right kind. Runs on models from ACE text and from
// YAML alike; reports at the reference's own position. Pure; never throws.
import { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { didYouMean, type SuggestBudget } from './did-you-mean.js';
import type { ContextModel, Model, Ref, SourcePos } from './model.js';

/** Suggestion work per model (~0.1 s): enough for every typo in a real config, bounded for hostile ones. */
const SUGGEST_CELLS = 20_000_000;

export function validateModel(model: Model): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (code: DiagnosticCode, message: string, pos: SourcePos, length: number, hint?: string) => {
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file: pos.file, line: pos.line, col: pos.col, length: Math.max(1, length) };
    if (hint) d.hint = hint;
    out.push(d);
  };
  const budget: SuggestBudget = { cells: SUGGEST_CELLS };
  const missing = (kind: string, r: Ref, names: Iterable<string>) => {
    const dym = didYouMean(r.name, names, budget);
    report('ACE_UNDEFINED_REFERENCE', `${kind} "${r.name}" is not defined`, r.pos, r.name.length, dym ? `did you mean \`${dym}\`?` : `define it with \`${kind} … ${r.name}\``);
  };

  const rcNames = new Set(model.resourceClasses.map((r) => r.name));
  for (const c of model.contextDefs) if (c.member && !rcNames.has(c.member.name) && c.member.name !== 'default') missing('resource-class', c.member, rcNames);

  const contextNames = new Set([...model.contextDefs.map((c) => c.name), ...model.contexts.map((c) => c.name)]);
  for (const g of model.ft.groups) for (const r of g.associateContexts) if (!contextNames.has(r.name)) missing('context', r, contextNames);
  const peerIds = new Set(model.ft.peers.map((p) => p.id));
  for (const g of model.ft.groups) {
    if (g.peer !== undefined && !peerIds.has(g.peer)) report('ACE_UNDEFINED_REFERENCE', `ft peer ${g.peer} is not defined`, g.pos, 8, `define it with \`ft peer ${g.peer}\``);
  }
  if (model.ft.tracks.length > 0) {
    // Built only when there are tracks: the Admin context can hold thousands of probes.
    const adminProbes = new Set(model.contexts[0]!.probes.map((p) => p.name));
    for (const t of model.ft.tracks) for (const side of [t.local, t.peer]) for (const p of side.probes) if (!adminProbes.has(p.probe.name)) missing('probe', p.probe, adminProbes);
  }

  for (const ctx of model.contexts) validateContext(ctx, report, missing);
  return out;
}

type Report = (code: DiagnosticCode, message: string, pos: SourcePos, length: number, hint?: string) => void;
type Missing = (kind: string, r: Ref, names: Iterable<string>) => void;

function validateContext(ctx: ContextModel, report: Report, missing: Missing): void {
  const probes = new Set(ctx.probes.map((p) => p.name));
  const rservers = new Set(ctx.rservers.map((r) => r.name));
  const farms = new Set(ctx.serverfarms.map((f) => f.name));
  const sticky = new Set(ctx.stickyGroups.map((g) => g.name));
  const classes = new Map(ctx.classMaps.map((c) => [c.name, c]));
  const policies = new Map(ctx.policyMaps.map((p) => [p.name, p]));
  const acls = new Set(ctx.accessLists.map((a) => a.name));

  const probe = (r: Ref) => probes.has(r.name) || missing('probe', r, probes);
  const rserver = (r: Ref) => rservers.has(r.name) || missing('rserver', r, rservers);
  const farm = (r: Ref) => farms.has(r.name) || missing('serverfarm', r, farms);
  const acl = (r: Ref) => acls.has(r.name) || missing('access-list', r, acls);
  const httpMaps = new Set(ctx.httpParameterMaps.map((m) => m.name));
  const httpParameters = (r: Ref) => {
    if (httpMaps.has(r.name)) return;
    // A parameter map of another type is kept verbatim (`parameter-map type connection NAME` …): name its type.
    const other = ctx.unsimulated.map((b) => (b.lines[0] ?? '').split(/\s+/)).find((w) => w[0]?.toLowerCase() === 'parameter-map' && w[1]?.toLowerCase() === 'type' && w[3] === r.name);
    if (other) report('ACE_WRONG_KIND', `parameter-map ${r.name} is a ${other[2]!.toLowerCase()} parameter map; \`appl-parameter http advanced-options\` needs \`parameter-map type http\``, r.pos, r.name.length);
    else missing('parameter-map type http', r, httpMaps);
  };

  // The CLI's reader bounds it; a YAML config says any number.
  for (const m of ctx.httpParameterMaps) {
    const b = m.headerMaxParse;
    if (b && !(Number.isInteger(b.bytes) && b.bytes >= 1 && b.bytes <= 65535)) report('ACE_OUT_OF_RANGE', `parameter-map ${m.name}: header parse length ${b.bytes} is out of range 1–65535`, b.pos, 1);
  }
  for (const r of ctx.rservers) r.probes.forEach(probe);
  for (const f of ctx.serverfarms) {
    f.probes.forEach(probe);
    for (const m of f.members) {
      rserver(m.rserver);
      m.probes.forEach(probe);
      if (m.backup) {
        rserver(m.backup.rserver);
        const b = m.backup;
        if (rservers.has(b.rserver.name) && !f.members.some((x) => x.rserver.name === b.rserver.name && x.port === b.port)) {
          report('ACE_UNDEFINED_REFERENCE', `backup-rserver ${b.rserver.name}${b.port ? ' ' + b.port : ''} is not a member of serverfarm ${f.name}`, b.rserver.pos, b.rserver.name.length, `add \`rserver ${b.rserver.name}${b.port ? ' ' + b.port : ''}\` with \`inservice standby\` to the farm`);
        }
      }
    }
  }
  for (const g of ctx.stickyGroups) {
    if (g.serverfarm) {
      farm(g.serverfarm.primary);
      if (g.serverfarm.backup) farm(g.serverfarm.backup);
    }
    for (const s of g.statics) rserver(s.rserver);
  }
  for (const c of ctx.classMaps) {
    for (const m of c.matches) {
      if (m.kind === 'class-map' && !classes.has(m.classMap.name)) missing('class-map', m.classMap, classes.keys());
      if (m.kind === 'access-list') acl(m.acl);
    }
  }
  for (const p of ctx.policyMaps) {
    if (p.type === 'management') {
      for (const c of p.classes) {
        if (c.classMap.name === 'class-default') continue;
        const cm = classes.get(c.classMap.name);
        if (!cm) missing('class-map', c.classMap, classes.keys());
        else if (cm.type !== 'management') report('ACE_WRONG_KIND', `class-map ${cm.name} is a ${cm.type} class-map; a management policy needs \`class-map type management\``, c.classMap.pos, cm.name.length);
      }
    } else if (p.type === 'loadbalance') {
      for (const c of p.classes) {
        if (c.classMap.name !== 'class-default') {
          const cm = classes.get(c.classMap.name);
          if (!cm) missing('class-map', c.classMap, classes.keys());
          else if (cm.type === 'management') report('ACE_WRONG_KIND', `class-map ${cm.name} is a management class-map; it cannot classify load-balanced traffic`, c.classMap.pos, cm.name.length);
        }
        for (const a of c.actions) {
          if (a.kind === 'serverfarm') {
            farm(a.farm);
            if (a.backup) farm(a.backup);
          } else if (a.kind === 'sticky-serverfarm' && !sticky.has(a.group.name)) missing('sticky group', a.group, sticky);
        }
      }
    } else if (p.type === 'multi-match') {
      for (const c of p.classes) {
        if (c.classMap.name !== 'class-default') {
          const cm = classes.get(c.classMap.name);
          if (!cm) missing('class-map', c.classMap, classes.keys());
          else if (cm.type !== 'l4') report('ACE_WRONG_KIND', `class-map ${cm.name} is a ${cm.type} class-map; a multi-match policy needs a layer-3/4 class-map`, c.classMap.pos, cm.name.length);
        }
        if (c.httpParameters) httpParameters(c.httpParameters);
        if (c.lbPolicy) {
          const lp = policies.get(c.lbPolicy.name);
          if (!lp) missing('policy-map', c.lbPolicy, policies.keys());
          else if (lp.type !== 'loadbalance') report('ACE_WRONG_KIND', `policy-map ${lp.name} is a ${lp.type} policy; \`loadbalance policy\` needs \`policy-map type loadbalance\``, c.lbPolicy.pos, lp.name.length);
        }
      }
    }
  }
  const servicePolicy = (r: Ref) => {
    const p = policies.get(r.name);
    if (!p) missing('policy-map', r, policies.keys());
    else if (p.type === 'loadbalance') report('ACE_WRONG_KIND', `policy-map ${p.name} is a load-balance policy; a service-policy takes a multi-match or management policy`, r.pos, r.name.length, `reference it from a multi-match class with \`loadbalance policy ${p.name}\``);
  };
  for (const i of ctx.interfaces) {
    for (const g of i.accessGroups) acl(g.acl);
    for (const s of i.servicePolicies) servicePolicy(s.policy);
    for (const n of i.natPools) void n;
  }
  for (const r of ctx.globalServicePolicies ?? []) servicePolicy(r);
  for (const p of ctx.policyMaps) {
    if (p.type !== 'multi-match') continue;
    for (const c of p.classes) {
      for (const n of c.natDynamic) {
        const iface = ctx.interfaces.find((i) => i.vlan === n.vlan);
        if (!iface) report('ACE_UNDEFINED_REFERENCE', `nat dynamic names vlan ${n.vlan}, which has no interface`, n.pos, 3);
        else if (!iface.natPools.some((x) => x.id === n.poolId)) report('ACE_UNDEFINED_REFERENCE', `nat-pool ${n.poolId} is not defined on interface vlan ${n.vlan}`, n.pos, 3);
      }
    }
  }
}
