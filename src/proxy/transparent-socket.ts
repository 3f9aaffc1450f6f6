// The `transparent` socket port: upstream TCP connections and UDP sockets that
// carry the client's source address on a host that does not own it. A small
// native addon (native/transparent.c, built by node-gyp at `npm ci`) creates an
// IPv4 socket with IP_TRANSPARENT bound to the client's address; Node adopts
// the fd (net.Socket({ fd }) then connect(); dgram bind({ fd })), so the
// proxies, probes, stickiness and stats run unchanged. Replies from the nodes
// reach these sockets only with the policy routing of transparent-routing.ts.
// Invariants: the addon is loaded lazily, so acesim installs and runs without
// it; every socket error arrives as an 'error' event, never as a throw.
import dgram from 'node:dgram';
import { closeSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetPorts } from './net-ports.js';

export interface TransparentAddon {
  /** An IP_TRANSPARENT socket bound to address:port (0 = chosen at connect/send); returns its fd. Throws Error with .code = errno name. */
  transparentSocket(kind: 'tcp' | 'udp', address: string, port: number): number;
}

const ADDON_FILE = join('native', 'build', 'Release', 'acesim_transparent.node');

/** Where the built addon is: the first `native/` above this module (src/proxy from source, dist/src/proxy when built). */
export function findAddon(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, ADDON_FILE);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export type AddonLoad = { ok: true; addon: TransparentAddon } | { ok: false; message: string };

let cached: AddonLoad | undefined;

/** Loads the addon once; a clear message (never a throw) when it is missing or does not load. */
export function loadTransparentAddon(): AddonLoad {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, message: `IP_TRANSPARENT exists on Linux only (this is ${process.platform})` });
  const file = findAddon();
  if (file === undefined) {
    return (cached = { ok: false, message: `the native addon is not built (${ADDON_FILE}); build it with \`npm rebuild acesim\` or \`node native/build.mjs\` (needs python3, make, g++ and Node's headers)` });
  }
  try {
    const addon = createRequire(import.meta.url)(file) as TransparentAddon;
    if (typeof addon.transparentSocket !== 'function') return (cached = { ok: false, message: `${file} is not acesim's addon` });
    return (cached = { ok: true, addon });
  } catch (e) {
    return (cached = { ok: false, message: `cannot load ${file}: ${(e as Error).message}; rebuild it with \`node native/build.mjs\`` });
  }
}

/**
 * Whether this process may make transparent sockets (CAP_NET_ADMIN): one TCP
 * socket bound to a TEST-NET address (RFC 5737) the host cannot own, then closed.
 */
export function checkTransparentPermission(addon: TransparentAddon): { ok: true } | { ok: false; code: string; message: string } {
  try {
    closeSync(addon.transparentSocket('tcp', '192.0.2.1', 0));
    return { ok: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'EPERM' || code === 'EACCES' ? 'IP_TRANSPARENT needs root or CAP_NET_ADMIN' : (e as Error).message;
    return { ok: false, code, message: why };
  }
}

/** A socket that fails with err as soon as its caller has attached handlers. */
function failedTcp(err: unknown): net.Socket {
  const s = new net.Socket({ allowHalfOpen: true });
  queueMicrotask(() => s.destroy(err as Error));
  return s;
}

/**
 * NetPorts whose upstream sockets bind the requested local address with
 * IP_TRANSPARENT. Listeners and sockets without a local address are base's.
 */
export function transparentNetPorts(addon: TransparentAddon, base: NetPorts): NetPorts {
  return {
    listenTcp: (host, port, onConnection) => base.listenTcp(host, port, onConnection),
    connectTcp(o) {
      if (o.localAddress === undefined) return base.connectTcp(o);
      let fd: number;
      try {
        fd = addon.transparentSocket('tcp', o.localAddress, 0);
      } catch (e) {
        return failedTcp(e);
      }
      // noDelay as in nodeNetPorts: small responses must not wait for Nagle.
      const s = new net.Socket({ fd, allowHalfOpen: true });
      s.setNoDelay(true);
      return s.connect({ host: o.host, port: o.port });
    },
    udpSocket() {
      const s = base.udpSocket();
      // bind({ address }) → bind({ fd }) of a transparent socket on that address;
      // the UDP proxy binds per flow exactly so, and needs no other change.
      const bind = s.bind.bind(s) as (...a: unknown[]) => dgram.Socket;
      const patched = (...args: unknown[]): dgram.Socket => {
        const o = args[0];
        if (typeof o !== 'object' || o === null || (o as dgram.BindOptions).fd !== undefined || (o as dgram.BindOptions).address === undefined) return bind(...args);
        const b = o as dgram.BindOptions;
        let fd: number;
        try {
          fd = addon.transparentSocket('udp', b.address!, b.port ?? 0);
        } catch (e) {
          queueMicrotask(() => s.emit('error', e));
          return s;
        }
        return bind({ fd }, ...args.slice(1));
      };
      s.bind = patched as typeof s.bind;
      return s;
    },
  };
}
