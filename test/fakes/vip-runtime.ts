// A whole BalancerRuntime from inline ACE config text, for the tests that put
// real sockets on loopback in front of it: start it (asserting it compiled and
// bound what it should), talk raw bytes to a VIP, read its open connections.
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
