// Admission of a new TCP connection on a VIP, shared by the L4 and L7
// listeners: the client's address as a plain IPv4 address, the interface ACL
// (applied once per connection, a new flow, as on the ACE), and the Flow the
// balancer selects on; then the context's conc-connections budget. A refused
// connection is reset and counted here.
import type { Socket } from 'node:net';
import type { Flow } from '../farm/types.js';
import { parseIpv4 } from '../core/ipv4.js';
import { plainIpv4 } from './transparency.js';
import type { ListenerCounters, ProxyDeps, VipBinding } from './types.js';

export function resetSocket(s: Socket | undefined): void {
  if (s === undefined || s.destroyed) return;
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

/** The Flow for a permitted connection, or undefined after resetting a refused one. */
export function admitTcp(client: Socket, binding: VipBinding, deps: ProxyDeps, counters: ListenerCounters, closing: boolean): Flow | undefined {
  // An error listener first: a client reset must never become an uncaught exception.
  client.on('error', () => {});
  const clientIp = plainIpv4(client.remoteAddress);
  const clientPort = client.remotePort;
  if (closing || clientIp === undefined || clientPort === undefined) {
    resetSocket(client);
    return undefined;
  }
  counters.flows++;
  const vipIp = plainIpv4(client.localAddress) ?? binding.address;
  const vipPort = client.localPort ?? binding.port;
  const src = parseIpv4(clientIp);
  const dst = parseIpv4(vipIp);
  const verdict = binding.acl({ protocol: 'tcp', src: src < 0 ? 0 : src, srcPort: clientPort, dst: dst < 0 ? 0 : dst, dstPort: vipPort });
  if (!verdict.permit) {
    counters.aclDenied++;
    deps.logger.debug({ vip: binding.vipClass, client: `${clientIp}:${clientPort}`, verdict }, 'flow denied by ACL');
    resetSocket(client);
    return undefined;
  }
  // The context's conc-connections budget, after the ACL (a denied flow never takes a slot).
  const budget = deps.budget;
  if (budget !== undefined) {
    if (!budget.tryAcquire()) {
      counters.limitDenied++;
      deps.logger.debug({ vip: binding.vipClass, client: `${clientIp}:${clientPort}`, limit: budget.limit }, 'flow refused: conc-connections limit');
      resetSocket(client);
      return undefined;
    }
    client.once('close', () => budget.release());
  }
  return { clientIp, clientPort, vipIp, vipPort, protocol: 'tcp', ...(src >= 0 ? { clientIpNum: src } : {}), ...(dst >= 0 ? { vipIpNum: dst } : {}) };
}
