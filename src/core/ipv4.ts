// IPv4 text <-> unsigned 32-bit number, shared by the config compiler and the
// engine (one parser, so what the config accepts is what a flow's address is
// read as). Pure; never throws. Invariant: results are unsigned (>>> 0); -1
// means "not an IPv4 address".

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
