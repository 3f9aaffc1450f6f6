// IPv4 address and mask helpers shared by the parser, validation, the
// address map and the engine's config-facing code. Pure; never throws.

export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    v = v * 256 + o;
  }
  return v >>> 0;
}

export function formatIpv4(v: number): string {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
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
