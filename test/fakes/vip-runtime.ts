// A whole BalancerRuntime from inline ACE config text, for the tests that put
// real sockets on loopback in front of it: start it (asserting it compiled and
// bound what it should), talk raw bytes to a VIP, read its open connections.
import http from 'node:http';
import net from 'node:net';
import { compileConfig } from '../../src/config/compile.js';
import type { Model } from '../../src/config/model.js';
import { RealClock } from '../../src/core/real-clock.js';
import { createRuntime, type BalancerRuntime, type RuntimeOptions } from '../../src/runtime/balancer-runtime.js';

/** The assertions the helpers make (a subtest or the root). */
export interface Assertions {
  same(a: unknown, b: unknown, msg: string): unknown;
  teardown(fn: () => unknown): void;
}

export interface StartedRuntime {
  rt: BalancerRuntime;
  model: Model;
  /** The runtime's clock, for a management API over the same runtime. */
  clock: RealClock;
}

/**
 * Compiles `config`, starts a runtime on it and stops it at teardown; asserts
 * the config has no errors, every listener bound and, when `listeners` is
 * given, exactly those VIPs listen (by name, L7 or not) in that order.
 */
export async function startVipRuntime(
  t: Assertions,
  config: string,
  opts: { file?: string; listeners?: [vip: string, l7: boolean][]; runtime?: Partial<Omit<RuntimeOptions, 'model' | 'clock'>> } = {},
): Promise<StartedRuntime> {
  const c = compileConfig(config, opts.file ?? 'inline.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles');
  const clock = new RealClock();
  const created = createRuntime({ model: c.model, clock, ...opts.runtime });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const r = await rt.start();
  t.same(r.failures, [], 'every listener bound');
  if (opts.listeners) t.same(r.listeners.map((l) => [l.vip, l.l7 ?? false]), opts.listeners, 'the VIPs listening, L7 or not');
  t.teardown(() => rt.stop());
  return { rt, model: c.model, clock };
}

/** Connections the balancer counts open, over every real of every farm. */
export const openConns = (rt: BalancerRuntime): number => rt.balancer.snapshotFarms().reduce((n, f) => n + f.reals.reduce((m, r) => m + r.current, 0), 0);

/** Raw bytes to a VIP on a fresh connection; resolves with all it got once the VIP closes it. */
export function rawExchange(host: string, port: number, send: string, localAddress: string, encoding: BufferEncoding = 'latin1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress });
    let got = '';
    s.setEncoding(encoding);
    s.on('data', (d: string) => (got += d));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.on('connect', () => s.write(send));
  });
}

/** The values of every line of field `name` (lower case) in a raw header list (IncomingMessage.rawHeaders), in order. */
export function fieldLines(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

/** The request line and header fields of sizedRequest() but its X-Pad value: `GET /x HTTP/1.1`, Host, the empty line. */
const SIZED_FIXED = 17 + 9 + 9 + 2;

/**
 * A request whose line and header fields are exactly `bytes` long on the wire (an X-Pad field takes up the
 * rest; no Connection field, which HAProxy does not count), sent on a fresh connection: resolves with the
 * status code of the answer (the connection is then closed), `reset` (reset before any answer) or `closed`
 * (closed without an answer).
 */
export function sizedRequest(host: string, port: number, bytes: number, localAddress: string): Promise<string> {
  const request = `GET /x HTTP/1.1\r\nHost: v\r\nX-Pad: ${'p'.repeat(bytes - SIZED_FIXED)}\r\n\r\n`;
  if (Buffer.byteLength(request) !== bytes) throw new Error(`sizedRequest: cannot make a ${bytes}-byte request`);
  return new Promise((resolve) => {
    const s = net.connect({ host, port, localAddress });
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      if (got.length < 12) return;
      resolve(got.slice(9, 12));
      s.destroy();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNRESET' && got === '' ? 'reset' : `error ${e.code ?? e.message}`));
    s.on('close', () => resolve(got === '' ? 'closed' : `cut short: ${got}`));
    s.on('connect', () => s.write(request));
  });
}

/** A GET to a VIP through `agent` from `localAddress`: resolves with the body, trimmed, when 200, else the status code. */
export function getVia(agent: http.Agent, host: string, port: number, localAddress: string, path = '/', headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, localAddress, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : `${res.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}
