// The FT VLAN on real sockets: heartbeats as UDP datagrams, replication as a
// TCP connection, both between the members' FT addresses (on loopback in a
// lab: every 127/8 address is local, so each member binds its own).
import type net from 'node:net';
import type { FtStream, FtTransport } from '../ha/transport.js';
import type { NetPorts } from '../proxy/net-ports.js';

function streamOf(sock: net.Socket): FtStream {
  sock.setEncoding('utf8');
  sock.setNoDelay(true);
  let closed = false;
  let closeCb: (() => void) | undefined;
  const fire = (): void => {
    if (closed) return;
    closed = true;
    closeCb?.();
  };
  sock.on('error', () => sock.destroy());
  sock.on('close', fire);
  sock.on('end', () => sock.end());
  return {
    write: (text) => {
      if (!closed && !sock.destroyed) sock.write(text);
    },
    onData: (cb) => {
      sock.on('data', (d: string) => cb(d));
      sock.resume();
    },
    onClose: (cb) => {
      closeCb = cb;
    },
    close: () => sock.destroy(),
  };
}

export function nodeFtTransport(net: NetPorts): FtTransport {
  return {
    bindHeartbeat(local, peer, onMessage) {
      return new Promise((resolve, reject) => {
        const s = net.udpSocket();
        const fail = (err: Error): void => reject(err);
        s.once('error', fail);
        s.on('message', (msg, rinfo) => onMessage(msg, rinfo.address));
        s.bind(local.port, local.address, () => {
          s.off('error', fail);
          // A send to a peer that is down (ICMP port unreachable) must not kill the member.
          s.on('error', () => {});
          resolve({
            send: (buf) => s.send(buf, peer.port, peer.address, () => {}),
            close: () => {
              try {
                s.close();
              } catch {
                // already closed
              }
            },
          });
        });
      });
    },
    async listenStream(local, onStream) {
      const h = await net.listenTcp(local.address, local.port, (sock) => onStream(streamOf(sock), sock.remoteAddress?.replace(/^::ffff:/, '') ?? ''));
      return { close: () => h.close() };
    },
    dialStream(peer, localAddress) {
      return streamOf(net.connectTcp({ host: peer.address, port: peer.port, localAddress }));
    },
  };
}
