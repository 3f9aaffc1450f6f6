// Resolves the model's virtual servers: every multi-match class applied by a
// service-policy (on an interface or context-wide) with its VIP match lines,
// and the farms its load-balance policy can reach. Used by summaries,
// `acesim run` and the lab. Pure.
import { httpParametersOf, parseLimitOf, persistenceRebalanceOf, type ParseLimit } from './defaults.js';
import type { ClassMap, ContextModel, PersistenceRebalance, PortSpec, VipClass, VipProtocol } from './model.js';

export interface ResolvedVip {
  context: string;
  policy: string;
  classMap: string;
  address: string;
  mask: string;
  protocol: VipProtocol;
  ports: PortSpec;
  inservice: boolean;
  /** VLANs whose service-policy applies the class ('*' = context-global). */
  vlans: (number | '*')[];
  lbPolicy?: string;
  /** Farms reachable through the policy (directly or via sticky groups), primary then backup. */
  farms: string[];
  stickyGroups: string[];
  vipClass: VipClass;
  /** What an L7 VIP does with a keep-alive connection's next request (its HTTP parameter map, else the default). */
  persistence: PersistenceRebalance;
  /** Its HTTP parameter map says `case-insensitive`: its http class-maps match in any case. */
  caseInsensitive: boolean;
  /**
   * The ACE serves the VIP at L7 (policyNeedsL7): only then does it parse requests, so only then do its HTTP
   * parse length and persistence rebalance apply, and only then is its HAProxy frontend `mode http`.
   */
  aceL7: boolean;
  /** How many bytes of a request's line and header fields an L7 VIP parses, and what a longer request gets. */
  parseLimit: ParseLimit;
}

function usesHttpClass(cm: ClassMap | undefined, byName: ReadonlyMap<string, ClassMap>, depth = 0): boolean {
  if (cm === undefined || depth > 8) return false;
  if (cm.type === 'http-loadbalance') return true;
  return cm.matches.some((m) => m.kind === 'http-url' || m.kind === 'http-header' || m.kind === 'http-cookie' || (m.kind === 'class-map' && usesHttpClass(byName.get(m.classMap.name), byName, depth + 1)));
}

/** The VIP's load-balance policy needs L7: `type loadbalance http`, an `insert-http`, or an http class-map. */
export function policyNeedsL7(ctx: ContextModel, lbPolicy: string | undefined): boolean {
  if (lbPolicy === undefined) return false;
  const pm = ctx.policyMaps.find((p) => p.type === 'loadbalance' && p.name === lbPolicy);
  if (pm?.type !== 'loadbalance') return false;
  if (pm.http) return true;
  const byName = new Map(ctx.classMaps.map((c) => [c.name, c]));
  return pm.classes.some((c) => c.actions.some((a) => a.kind === 'insert-http') || usesHttpClass(byName.get(c.classMap.name), byName));
}

export function resolveVips(ctx: ContextModel): ResolvedVip[] {
  const out: ResolvedVip[] = [];
  const policies = new Map(ctx.policyMaps.map((p) => [p.name, p]));
  const classes = new Map(ctx.classMaps.map((c) => [c.name, c]));
  const sticky = new Map(ctx.stickyGroups.map((g) => [g.name, g]));
  const applied = new Map<string, (number | '*')[]>();
  for (const i of ctx.interfaces) for (const s of i.servicePolicies) applied.set(s.policy.name, [...(applied.get(s.policy.name) ?? []), i.vlan]);
  for (const r of ctx.globalServicePolicies ?? []) applied.set(r.name, [...(applied.get(r.name) ?? []), '*']);
  for (const [policyName, vlans] of applied) {
    const p = policies.get(policyName);
    if (!p || p.type !== 'multi-match') continue;
    for (const c of p.classes) {
      const cm = classes.get(c.classMap.name);
      if (!cm) continue;
      const farms: string[] = [];
      const groups: string[] = [];
      const lb = c.lbPolicy ? policies.get(c.lbPolicy.name) : undefined;
      if (lb && lb.type === 'loadbalance') {
        for (const lc of lb.classes) {
          for (const a of lc.actions) {
            if (a.kind === 'serverfarm') {
              farms.push(a.farm.name);
              if (a.backup) farms.push(a.backup.name);
            } else if (a.kind === 'sticky-serverfarm') {
              groups.push(a.group.name);
              const g = sticky.get(a.group.name);
              if (g?.serverfarm) {
                farms.push(g.serverfarm.primary.name);
                if (g.serverfarm.backup) farms.push(g.serverfarm.backup.name);
              }
            }
          }
        }
      }
      for (const m of cm.matches) {
        if (m.kind !== 'virtual-address') continue;
        const v: ResolvedVip = {
          context: ctx.name,
          policy: policyName,
          classMap: cm.name,
          address: m.address,
          mask: m.mask,
          protocol: m.protocol,
          ports: m.ports,
          inservice: c.inservice,
          vlans,
          farms: [...new Set(farms)],
          stickyGroups: [...new Set(groups)],
          vipClass: c,
          persistence: persistenceRebalanceOf(ctx, c),
          caseInsensitive: httpParametersOf(ctx, c)?.caseInsensitive === true,
          aceL7: policyNeedsL7(ctx, c.lbPolicy?.name),
          parseLimit: parseLimitOf(ctx, c),
        };
        if (c.lbPolicy) v.lbPolicy = c.lbPolicy.name;
        out.push(v);
      }
    }
  }
  return out;
}

export function describePorts(protocol: VipProtocol, p: PortSpec): string {
  const proto = typeof protocol === 'number' ? `proto ${protocol}` : protocol;
  if (p.kind === 'any') return `${proto}${protocol === 'any' ? '' : ' any port'}`;
  if (p.kind === 'range') return `${proto} ${p.from}-${p.to}`;
  return `${proto} ${p.port}`;
}
