// A port the kernel says is free right now, for a test that must name its
// port before the socket that takes it exists (a config, a child process).
// Bound then released: the kernel does not hand it out again at once.
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';

/** A free TCP port on `address`. */
export async function freeTcpPort(address: string): Promise<number> {
  const s = net.createServer();
  s.listen(0, address);
  await once(s, 'listening');
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** A free UDP port on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  await once(s, 'close');
  return p;
}
