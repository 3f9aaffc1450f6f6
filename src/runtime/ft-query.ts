// The FT query interface on real sockets (ace-semantics §7.1): when heartbeats
// stop, the member checks whether its peer is alive over the query VLAN
// instead of the FT VLAN. The ACE pings; acesim does not send ICMP (raw
// sockets need root), so each member answers on its own query-VLAN address
// with a TCP listener on the FT port that accepts and closes, and the check is
// a TCP connect to the peer's query-VLAN address: a completed handshake means
// the peer's process is alive and reachable over that VLAN. On loopback a
// refused connect is as good as silence (every 127/8 address is local).
import type { FtEndpoint, FtQueryPort } from '../ha/transport.js';
import type { NetPorts } from '../proxy/net-ports.js';

export interface TcpQueryOptions {
  /** This member's query-VLAN address and port: where the peer's checks land. */
  listen: FtEndpoint;
  /** The peer's query-VLAN address and port (or a relay standing for the query VLAN). */
  target: FtEndpoint;
  /** The address the check leaves from (this member's query-VLAN address). */
  localAddress: string;
}

export async function tcpQueryPort(net: NetPorts, o: TcpQueryOptions): Promise<FtQueryPort> {
  // The answer is the handshake itself: close at once, nothing is read.
  const server = await net.listenTcp(o.listen.address, o.listen.port, (sock) => {
    sock.on('error', () => {});
    sock.destroy();
  });
  return {
    ask: (signal) =>
      new Promise<boolean>((resolve) => {
        if (signal.aborted) return resolve(false);
        const sock = net.connectTcp({ host: o.target.address, port: o.target.port, localAddress: o.localAddress });
        const done = (alive: boolean): void => {
          signal.removeEventListener('abort', onAbort);
          sock.removeAllListeners('connect');
          sock.on('error', () => {});
          sock.destroy();
          resolve(alive);
        };
        const onAbort = (): void => done(false);
        signal.addEventListener('abort', onAbort, { once: true });
        sock.once('connect', () => done(true));
        sock.once('error', () => done(false));
      }),
    close: () => server.close(),
  };
}
