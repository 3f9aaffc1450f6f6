// IPv4 text <-> uint32 helpers for sticky keys and hash predictors. Hot path:
// parseIpv4 walks char codes (no split/regex, no allocation). Invariant: all
// results are unsigned 32-bit numbers (>>> 0); -1 means "not an IPv4 address".

/**
 * Parses dotted-quad IPv4 text to an unsigned 32-bit number, or -1 if malformed:
 * four groups of 1–3 digits (leading zeros allowed, value ≤ 255) separated by
 * single dots, nothing else. The selection hot path parses every new flow's
 * client address: one pass over the char codes, one branch per digit, no
 * allocation, and small enough to be inlined into the caller.
 */
export function parseIpv4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      part = part * 10 + c;
      digits++;
    } else if (c === -2 && digits !== 0 && digits <= 3 && part <= 255 && dots < 3) {
      acc = (acc << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || digits > 3 || part > 255) return -1;
  return ((acc << 8) | part) >>> 0;
}

export function formatIpv4(n: number): string {
  const v = n >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Netmask text (255.255.255.0) to uint32; malformed → host mask (all ones). */
export function parseMask(text: string | undefined): number {
  if (text === undefined) return 0xffffffff;
  const m = parseIpv4(text);
  return m < 0 ? 0xffffffff : m;
}

/** 32-bit finaliser (murmur3 fmix32): spreads keys for hashing and rendezvous scores. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string; used once per real at build time for stable hash identities. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
