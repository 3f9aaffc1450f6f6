// IPv4 address and mask helpers shared by the parser, validation, the
// address map and the engine's config-facing code. Pure; never throws.
import { parseIpv4 as parseOrMinusOne } from '../core/ipv4.js';

export { formatIpv4 } from '../core/ipv4.js';

/** Dotted-quad text to an unsigned 32-bit number; undefined when it is not one. */
export function parseIpv4(s: string): number | undefined {
  const v = parseOrMinusOne(s);
  return v < 0 ? undefined : v;
}

/** A contiguous netmask such as 255.255.255.0; undefined if not a mask. */
export function maskLength(mask: string): number | undefined {
  const v = parseIpv4(mask);
  if (v === undefined) return undefined;
  const inv = ~v >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined;
  return 32 - Math.log2(inv + 1);
}

export function lengthToMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function isIpv6(s: string): boolean {
  return /^[0-9a-fA-F:]+(\/\d+)?$/.test(s) && s.includes(':');
}
