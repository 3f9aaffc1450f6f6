// Client-address transparency: how the upstream connection to a real carries
// the client's address (docs/transparency.md). Pure helpers; the proxies apply
// them. Invariant: 'bind-client' never invents an address — it binds exactly the
// client's IP, which the host must own (every 127.x.y.z on Linux loopback);
// 'transparent' binds the same IP on an IP_TRANSPARENT socket, so the host need
// not own it (transparent-socket.ts, transparent-routing.ts).

export type TransparencyMode = 'bind-client' | 'none' | 'proxy-protocol' | 'transparent';

export const TRANSPARENCY_MODES: readonly TransparencyMode[] = ['bind-client', 'none', 'proxy-protocol', 'transparent'];

export function isTransparencyMode(s: string): s is TransparencyMode {
  return (TRANSPARENCY_MODES as readonly string[]).includes(s);
}

export function isLoopbackV4(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * The default: bind-client when every VIP is on loopback (a lab, where the host
 * owns every client address), else none — outside loopback the clients' addresses
 * belong to other hosts and binding them needs IP_TRANSPARENT and policy routing.
 */
export function defaultTransparency(vipAddresses: readonly string[]): { mode: TransparencyMode; warning?: string } {
  if (vipAddresses.length > 0 && vipAddresses.every(isLoopbackV4)) return { mode: 'bind-client' };
  return {
    mode: 'none',
    warning:
      'transparency: some VIPs are not on loopback, so the nodes will see the balancer host as the client (mode none); ' +
      'use --transparency proxy-protocol if the nodes accept it, or map the config onto loopback (--map 10.0.0.0/8=127.0.0.0/8)',
  };
}

/** Local address for the upstream socket, or undefined to let the OS choose. */
export function upstreamLocalAddress(mode: TransparencyMode, clientIp: string): string | undefined {
  return mode === 'bind-client' || mode === 'transparent' ? clientIp : undefined;
}

/** PROXY protocol v1 line (haproxy proxy-protocol.txt §2.1): written before any client byte. */
export function proxyProtocolV1(clientIp: string, clientPort: number, vipIp: string, vipPort: number): string {
  const v6 = clientIp.includes(':') || vipIp.includes(':');
  return `PROXY ${v6 ? 'TCP6' : 'TCP4'} ${clientIp} ${vipIp} ${clientPort} ${vipPort}\r\n`;
}

/** Node reports IPv4 peers of dual-stack sockets as ::ffff:a.b.c.d; the model speaks plain IPv4. */
export function plainIpv4(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
