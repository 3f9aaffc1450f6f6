// How an `insert-http` value is expanded for a flow. Which class's headers a
// request gets is the Balancer's: its decision carries them (ServerDecision.inserts);
// whether a VIP's policy needs L7 at all is config/vips.ts's (ResolvedVip.aceL7).
import type { Flow } from '../farm/types.js';

/** ACE `insert-http` value variables: %is source IP, %id destination (VIP) IP, %ps/%pd ports. */
export function expandInsertValue(value: string, flow: Flow): string {
  return value.replace(/%(is|id|ps|pd)/g, (_, v: string) => (v === 'is' ? flow.clientIp : v === 'id' ? flow.vipIp : v === 'ps' ? String(flow.clientPort) : String(flow.vipPort)));
}
