// DNS probe (§4.1): resolve `domain` (A records) at address:port with node:dns's
// Resolver; passes when the answer holds one of the `expect address` values (any
// answer when none is configured). `receive` bounds the query on the injected Clock.
import { promises as dnsPromises } from 'node:dns';
import { Deadline, errorText, result } from './common.js';
import type { TypeProber } from './common.js';

export const probeDns: TypeProber = async (ctx, inst, signal) => {
  const { clock, options } = ctx;
  const p = inst.probe;
  const start = clock.monotonicNow();
  const domain = p.domain ?? options.dnsDefaultDomain;
  // One try, library timeout as a backstop only: the Deadline below decides.
  const resolver = new dnsPromises.Resolver({ timeout: p.receiveMs + 1_000, tries: 1 });
  const server = inst.key.address.includes(':') ? `[${inst.key.address}]:${inst.key.port}` : `${inst.key.address}:${inst.key.port}`;
  resolver.setServers([server]);
  const deadline = new Deadline(clock, p.receiveMs, signal);
  const aborted = new Promise<'aborted'>((resolve) =>
    deadline.signal.addEventListener('abort', () => {
      resolver.cancel();
      resolve('aborted');
    }),
  );
  try {
    const answer = await Promise.race([inst.key.address.includes(':') ? resolver.resolve6(domain) : resolver.resolve4(domain), aborted]);
    if (answer === 'aborted') {
      return deadline.expired ? result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no DNS reply within ${p.receiveMs} ms`) : result(clock, start, false, 'INTERNAL_ERROR', 'aborted');
    }
    if (p.expectAddresses.length === 0 || answer.some((a) => p.expectAddresses.includes(a))) return result(clock, start, true, 'OK');
    return result(clock, start, false, 'L7_DNS_MISMATCH', `${domain} resolved to ${answer.join(',') || '(nothing)'}, expected ${p.expectAddresses.join(',')}`);
  } catch (err) {
    if (deadline.expired) return result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no DNS reply within ${p.receiveMs} ms`);
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED') return result(clock, start, false, 'ICMP_UNREACHABLE', errorText(err));
    if (code === 'ETIMEOUT') return result(clock, start, false, 'L7_RECEIVE_TIMEOUT', errorText(err));
    return result(clock, start, false, 'L7_DNS_MISMATCH', errorText(err));
  } finally {
    deadline.clear();
  }
};
