// The socket port of the data plane: how listeners and upstream connections
// are made. The Node implementation wraps node:net and node:dgram; an in-memory
// network (simulator) can supply its own. Sockets are Node stream shapes.
import net from 'node:net';
import dgram from 'node:dgram';

export interface TcpServerHandle {
  readonly address: string;
  readonly port: number;
  /** Stops accepting; resolves when the server is closed (existing sockets are the caller's). */
  close(): Promise<void>;
}

export interface NetPorts {
  /** Listens on host:port; new client sockets arrive paused with allowHalfOpen. */
  listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void): Promise<TcpServerHandle>;
  /** Starts an upstream connection (allowHalfOpen); errors arrive as 'error' events. */
  connectTcp(opts: { host: string; port: number; localAddress?: string }): net.Socket;
  /** A UDP (IPv4) socket, not yet bound. */
  udpSocket(): dgram.Socket;
}

export const nodeNetPorts: NetPorts = {
  listenTcp(host, port, onConnection) {
    return new Promise((resolve, reject) => {
      // pauseOnConnect: no client byte is read before the upstream exists (backpressure from the start).
      // noDelay: small responses must not wait for Nagle + delayed ACK (40 ms stalls at L7).
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, onConnection);
      const fail = (err: Error): void => reject(err);
      server.once('error', fail);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', fail);
        // Accept errors after listen (EMFILE…) must not crash the balancer.
        server.on('error', () => {});
        const a = server.address() as net.AddressInfo;
        resolve({
          address: a.address,
          port: a.port,
          close: () => new Promise<void>((r) => server.close(() => r())),
        });
      });
    });
  },
  connectTcp({ host, port, localAddress }) {
    return net.connect({ host, port, allowHalfOpen: true, noDelay: true, ...(localAddress !== undefined ? { localAddress } : {}) });
  },
  udpSocket() {
    return dgram.createSocket({ type: 'udp4' });
  },
};
