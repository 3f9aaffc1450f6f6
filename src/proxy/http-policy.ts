// L7 facts of a load-balance policy, pure over the config model: whether a VIP
// needs the HTTP proxy (http policy, `insert-http`, or an http class-map), and
// the `insert-http` headers of the class a request matches. The class walk
// repeats the Balancer's first-match walk with the same compiled matchers, so
// the headers always belong to the class whose farm served the request.
import type { ClassMap, ContextModel, LbPolicyClass } from '../config/model.js';
import { compileClassMap, type MatchOptions, type Matcher } from '../farm/policy.js';
import type { Flow, HttpRequestInfo } from '../farm/types.js';
import { parseIpv4 } from '../core/ipv4.js';

export interface HeaderInsert {
  header: string;
  value: string;
}

/** Headers to add for one request (already expanded: `%is` → client IP, …). */
export type InsertRules = (flow: Flow, req: HttpRequestInfo) => HeaderInsert[];

const NO_INSERTS: InsertRules = () => [];

function lbClasses(ctx: ContextModel, lbPolicy: string | undefined): LbPolicyClass[] | undefined {
  if (lbPolicy === undefined) return undefined;
  const pm = ctx.policyMaps.find((p) => p.type === 'loadbalance' && p.name === lbPolicy);
  return pm?.type === 'loadbalance' ? pm.classes : undefined;
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

/** ACE `insert-http` value variables: %is source IP, %id destination (VIP) IP, %ps/%pd ports. */
export function expandInsertValue(value: string, flow: Flow): string {
  return value.replace(/%(is|id|ps|pd)/g, (_, v: string) => (v === 'is' ? flow.clientIp : v === 'id' ? flow.vipIp : v === 'ps' ? String(flow.clientPort) : String(flow.vipPort)));
}

/** Compiles the `insert-http` actions of a policy into a per-request function (first matching class). */
export function compileInsertRules(ctx: ContextModel, lbPolicy: string | undefined, opts: MatchOptions = {}): InsertRules {
  const classes = lbClasses(ctx, lbPolicy);
  if (classes === undefined || !classes.some((c) => c.actions.some((a) => a.kind === 'insert-http'))) return NO_INSERTS;
  const byName = new Map(ctx.classMaps.map((c) => [c.name, c]));
  const compiled = classes.map((c) => {
    const name = c.classMap.name;
    const cm = byName.get(name);
    const match: Matcher | null = name === 'class-default' ? null : cm ? compileClassMap(cm, byName, opts) : () => false;
    const inserts: HeaderInsert[] = [];
    for (const a of c.actions) if (a.kind === 'insert-http') inserts.push({ header: a.header, value: a.value });
    return { match, inserts };
  });
  return (flow, req) => {
    const src = flow.clientIpNum ?? parseIpv4(flow.clientIp);
    const dst = flow.vipIpNum ?? parseIpv4(flow.vipIp);
    for (const c of compiled) {
      if (c.match === null || c.match(flow, src, dst, req)) return c.inserts.map((i) => ({ header: i.header, value: expandInsertValue(i.value, flow) }));
    }
    return [];
  };
}
