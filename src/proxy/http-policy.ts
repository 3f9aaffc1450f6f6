// L7 facts of a load-balance policy, pure over the config model: whether a VIP
// needs the HTTP proxy (http policy, `insert-http`, or an http class-map), and
// how an `insert-http` value is expanded for a flow. Which class's headers a
// request gets is the Balancer's: its decision carries them (ServerDecision.inserts).
import type { ClassMap, ContextModel } from '../config/model.js';
import type { Flow } from '../farm/types.js';

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
