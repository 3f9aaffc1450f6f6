// Shared by the reliability tests: an in-process BalancerRuntime from inline
// config text, nodes on loopback that can misbehave on command (reset half-way
// through a response, hang, disappear), and clients that report how each
// exchange ended instead of throwing. Addresses 127.0.120.0/24 only.
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { compileConfig } from '../../src/config/compile.js';
import type { BalancerRuntime, RuntimeOptions } from '../../src/runtime/balancer-runtime.js';
import { LoopbackHttpNode } from '../fakes/loopback-http-node.js';
import { startVipRuntime, type Assertions } from '../fakes/vip-runtime.js';

/** The common frame of the tests' configs: a permit-all ACL and the interface applying policy VIPS. */
export const PERMIT_ALL = 'access-list ALL line 10 extended permit ip any any';
export const VIPS_INTERFACE = `interface vlan 100
  ip address 127.0.120.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

/** \`rserver host\` blocks, in service. */
export const rserverHosts = (hosts: Record<string, string>): string =>
  Object.entries(hosts)
    .map(([name, ip]) => `rserver host ${name}\n  ip address ${ip}\n  inservice\n`)
    .join('');

/** One L7 VIP (an HTTP load-balance policy) in front of one node N1. */
export const l7OneNodeConfig = (vip: string, vipPort: number, node: string, nodePort: number): string => `
${PERMIT_ALL}
${rserverHosts({ N1: node })}serverfarm host FARM
  rserver N1 ${nodePort}
    inservice
class-map match-all VIP-WEB
  2 match virtual-address ${vip} tcp eq ${vipPort}
policy-map type loadbalance http first-match LB
  class class-default
    serverfarm FARM
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
${VIPS_INTERFACE}`;

export type Outcome = 'ok' | 'reset' | 'closed' | 'refused' | 'timeout' | 'error';

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until cond() or the deadline (tests may use timers; the rule binds src/). */
export async function waitFor(cond: () => boolean, ms: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await delay(stepMs);
  }
  return cond();
}

export type { Assertions };

/** The runtime on `config`, stopped at teardown; drains for 200 ms unless `opts` says otherwise. */
export async function startRuntime(t: Assertions, config: string, opts: Partial<Omit<RuntimeOptions, 'model' | 'clock'>> = {}): Promise<BalancerRuntime> {
  const started = await startVipRuntime(t, config, { runtime: { drainMs: 200, ...opts } });
  return started.rt;
}

export function compiled(config: string): ReturnType<typeof compileConfig>['model'] {
  return compileConfig(config, 'inline.conf').model;
}

/** Sum of one counter over every listener of the runtime. */
export function total(rt: BalancerRuntime, k: keyof ReturnType<BalancerRuntime['counters']>[number]['counters']): number {
  return rt.counters().reduce((n, l) => n + l.counters[k], 0);
}

export type NodeMode = 'ok' | 'reset-mid' | 'close-mid' | 'hang';

/**
 * An HTTP node answering `{"node":NAME}` plus 64 KiB of body, or misbehaving:
 * `reset-mid` writes the headers and half the body then resets the socket (RST),
 * `close-mid` the same with a FIN (what the kernel sends when a process dies);
 * `hang` reads the request and never answers. stop() makes it disappear
 * (connection refused); start() brings it back on the same address and port.
 */
export class FaultyNode extends LoopbackHttpNode {
  mode: NodeMode = 'ok';
  served = 0;

  /** Tracks every connection: gone means listener closed and every connection destroyed. */
  protected serve(s: http.Server): void {
    s.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === '/probe') {
        res.end('ok');
        return;
      }
      if (this.mode === 'hang') return;
      const body = JSON.stringify({ node: this.name }) + ' '.repeat(64 * 1024);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      if (this.mode === 'reset-mid') {
        // Reset from a later turn: from inside the write callback Node sends a FIN instead of the RST.
        res.write(body.slice(0, body.length / 2), () => setTimeout(() => req.socket.resetAndDestroy(), 20));
        return;
      }
      if (this.mode === 'close-mid') {
        res.write(body.slice(0, body.length / 2), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      this.served++;
      res.end(body);
    });
    s.on('connection', (c: net.Socket) => {
      this.sockets.add(c);
      c.on('close', () => this.sockets.delete(c));
      c.on('error', () => {});
    });
  }
}

/** One GET through the VIP on its own connection; never rejects. */
export function request(host: string, port: number, localAddress: string, timeoutMs = 10_000): Promise<{ outcome: Outcome; status?: number; node?: string }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: { outcome: Outcome; status?: number; node?: string }): void => {
      if (done) return;
      done = true;
      resolve(v);
    };
    const req = http.get({ host, port, path: '/', localAddress, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('error', () => finish({ outcome: 'reset', status: res.statusCode ?? 0 }));
      res.on('aborted', () => finish({ outcome: 'reset', status: res.statusCode ?? 0 }));
      res.on('end', () => {
        const m = /"node":"([^"]+)"/.exec(body);
        finish({ outcome: 'ok', status: res.statusCode ?? 0, ...(m ? { node: m[1]! } : {}) });
      });
    });
    req.on('timeout', () => {
      finish({ outcome: 'timeout' });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ outcome: e.code === 'ECONNRESET' ? 'reset' : e.code === 'ECONNREFUSED' ? 'refused' : 'error' }));
  });
}

/** A raw TCP connection; resolves once connected or how it failed. */
export function connectRaw(host: string, port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** How a socket ends: 'reset' (RST), 'closed' (FIN), or 'timeout' if neither within ms. */
export function ending(s: net.Socket, ms: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let how: Outcome = 'closed';
    const timer = setTimeout(() => resolve('timeout'), ms);
    s.on('error', (e: NodeJS.ErrnoException) => (how = e.code === 'ECONNRESET' ? 'reset' : 'error'));
    s.on('data', () => {});
    s.once('close', () => {
      clearTimeout(timer);
      resolve(how);
    });
  });
}

/** Writes `line` and resolves the echo (the echo node answers every chunk). */
export function echoOnce(s: net.Socket, line: string, ms = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => done(undefined), ms);
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (got.length >= line.length) done(got);
    };
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      s.off('data', onData);
      resolve(v);
    };
    s.on('data', onData);
    s.write(line);
  });
}

/** Which of the sockets still echo (admitted and served) and how many the VIP reset. */
export async function sortOut(socks: readonly net.Socket[]): Promise<{ served: net.Socket[]; refused: number }> {
  const served: net.Socket[] = [];
  let refused = 0;
  await Promise.all(
    socks.map(async (s) => {
      const end = ending(s, 3000);
      const echo = await Promise.race([echoOnce(s, 'ping', 3000), end.then(() => undefined)]);
      if (echo === 'ping') served.push(s);
      else if ((await end) === 'reset') refused++;
    }),
  );
  return { served, refused };
}

/** A TCP echo node that keeps every connection open until stop(). */
export async function echoNode(address: string, port: number): Promise<{ sockets: Set<net.Socket>; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    c.on('data', (d) => c.write(d));
  });
  s.listen(port, address);
  await once(s, 'listening');
  return {
    sockets,
    stop: () =>
      new Promise((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}
